#pragma once

// The connection profiles: the list of stored profiles, a form to create or edit one (name, Organization URL,
// API version, sandbox, tenant, client ID, authority), Delete, and "Connect with OAuth". The dialog only
// presents: profiles are read, saved and removed through the Settings facade, the sign-in runs in the
// ConnectionSession (services/auth), and the browser is opened here with QDesktopServices; when that fails
// the link is shown with "Copy link". Messages (a URL that is not valid, the sign-in's progress and result)
// appear in an inline banner above the buttons; the dialog grows to show them whole.
//
//   pick a profile in the list → the form shows it       New → an empty form (startNewProfile(name) fills
//   Save → Settings::saveProfile → profileSaved(name)      the name in)
//   Delete… → confirm → Settings::removeProfile → profileRemoved(name)
//   Connect with OAuth → Save, then ConnectionSession::connectWithOAuth → loginUrlReady → browser
//                      → the session's state: Connected closes the dialog (accepted), anything else is shown

#include "services/dataverse/connectionprofile.h"

#include <QDialog>

#include <memory>
#include <optional>

namespace Ui {
class ConnectionDialog;
}

namespace d365::services {
class ConnectionSession;
class Settings;
} // namespace d365::services

namespace d365::ui {

class MessageBanner;

class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    ConnectionDialog(services::Settings *settings, services::ConnectionSession *session,
                     QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // Fills the form from a stored profile (and selects it in the list).
    void setProfile(const services::ConnectionProfile &profile);
    // An empty form for a new profile, with this name filled in (may be empty).
    void startNewProfile(const QString &name = {});
    QString statusText() const;

Q_SIGNALS:
    void profileSaved(const QString &name);
    void profileRemoved(const QString &name);

private:
    std::optional<services::ConnectionProfile> saveProfile();
    void connectWithOAuth();
    void confirmDeleteProfile();
    void onLoginUrl(const QUrl &url);
    void onSessionStateChanged();
    void onProfileSelected();
    void reloadProfileList(const QString &select);
    void showStatus(const QString &text, bool error);
    void fitHeightToContents();
    void chooseCaCertificate();
    void updateAuthorityEnabled();

    std::unique_ptr<Ui::ConnectionDialog> m_ui;
    services::Settings *m_settings;
    services::ConnectionSession *m_session;
    MessageBanner *m_banner = nullptr;
    QUrl m_loginUrl;
    bool m_connecting = false;
};

} // namespace d365::ui
