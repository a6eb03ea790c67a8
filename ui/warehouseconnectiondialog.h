#pragma once

// The warehouse connections: the list of stored connections, a form to create or edit one (name, kind,
// ODBC driver or DSN, host, port, database, user, password, options), Test connection, Save and Delete. The
// dialog only presents: connections are read, saved and removed through the Settings facade; the password
// goes to the keychain and the test runs off the GUI thread through the WarehouseConnectionService
// (services/auth). Messages appear in an inline banner above the buttons.
//
//   pick a connection → the form shows it (the password field stays empty: "stored in the keychain")
//   New → an empty form                         Test connection → the form as it is, saved or not; the
//   Save → Settings::saveWarehouseConnection       typed password, else the stored one → "Connected to …"
//        (+ the typed password to the keychain)    or what to fix
//        → connectionSaved(name)
//   Delete… → confirm → removed from the settings and the keychain → connectionRemoved(name)
//
// Self-contained: the mapping editor's source picker opens it (selectConnection / startNewConnection) and
// listens to connectionSaved to offer the new name.

#include "services/warehouse/warehouseconnection.h"

#include <QDialog>

#include <memory>
#include <optional>

namespace Ui {
class WarehouseConnectionDialog;
}

namespace d365::services {
class Settings;
class WarehouseConnectionService;
} // namespace d365::services

namespace d365::ui {

class MessageBanner;

class WarehouseConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    explicit WarehouseConnectionDialog(services::Settings *settings, QWidget *parent = nullptr);
    ~WarehouseConnectionDialog() override;

    // Fills the form from the stored connection of that name (and selects it in the list).
    void selectConnection(const QString &name);
    // An empty form for a new connection, with this name filled in (may be empty).
    void startNewConnection(const QString &name = {});
    // The connection the form describes (not validated).
    services::WarehouseConnection formConnection() const;
    QString statusText() const;
    bool isStatusError() const;
    services::WarehouseConnectionService *service() const { return m_service; }

Q_SIGNALS:
    void connectionSaved(const QString &name);
    void connectionRemoved(const QString &name);

private:
    void setForm(const services::WarehouseConnection &connection);
    std::optional<services::WarehouseConnection> saveConnection();
    void testConnection();
    void confirmDeleteConnection();
    void onConnectionSelected();
    void reloadConnectionList(const QString &select);
    void updateKindFields();
    void showStatus(const QString &text, bool error);
    void fitHeightToContents();

    std::unique_ptr<Ui::WarehouseConnectionDialog> m_ui;
    services::Settings *m_settings;
    services::WarehouseConnectionService *m_service;
    MessageBanner *m_banner = nullptr;
};

} // namespace d365::ui
