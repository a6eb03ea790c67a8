#pragma once

// Create or edit a connection profile and "Connect with OAuth". The dialog only presents: the profile is
// saved through the Settings facade, the sign-in runs in the ConnectionSession (services/auth), and the
// browser is opened here with QDesktopServices; when that fails the link is shown with "Copy link".

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

class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    ConnectionDialog(services::Settings *settings, services::ConnectionSession *session,
                     QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // Fills the form from a stored profile.
    void setProfile(const services::ConnectionProfile &profile);
    QString statusText() const;

Q_SIGNALS:
    void profileSaved(const QString &name);

private:
    std::optional<services::ConnectionProfile> saveProfile();
    void connectWithOAuth();
    void onLoginUrl(const QUrl &url);
    void onSessionStateChanged();
    void updateAuthorityEnabled();

    std::unique_ptr<Ui::ConnectionDialog> m_ui;
    services::Settings *m_settings;
    services::ConnectionSession *m_session;
    QUrl m_loginUrl;
    bool m_connecting = false;
};

} // namespace d365::ui
