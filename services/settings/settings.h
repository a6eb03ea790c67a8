#pragma once

// The one typed facade over QSettings. Every key is declared once below with its type and default; nothing
// else in the code base constructs QSettings. Settings hold no secrets (profiles name key-chain entries at
// most). Tests call QStandardPaths::setTestModeEnabled(true) or pass their own QSettings file.
//
// Keys:
//   profiles/<name>/orgUrl        QString   (required)
//   profiles/<name>/apiVersion    QString   "v9.2"
//   profiles/<name>/kind          QString   "dynamics" | "sandbox"
//   profiles/<name>/tenant        QString   "organizations"
//   profiles/<name>/clientId      QString   ""
//   profiles/<name>/authorityHost QString   "" (sandbox profiles only; empty = default authority)
//   profiles/<name>/caCertificateFile QString "" (sandbox profiles only; the CA of d365sync-sandbox --tls)
//   warehouses/<name>/kind        QString   "postgresql" | "odbc" (required)
//   warehouses/<name>/host        QString   ""
//   warehouses/<name>/port        int       0 (the driver's default)
//   warehouses/<name>/database    QString   ""
//   warehouses/<name>/user        QString   ""
//   warehouses/<name>/driver      QString   "" (odbc: the ODBC driver's name)
//   warehouses/<name>/dsn         QString   "" (odbc: a data source name instead)
//   warehouses/<name>/options     QString   "" (never a password: the keychain or the environment has it)
//   ui/lastMappingPath            QString   ""
//   ui/recentMappings             QStringList (most recent first, at most MaxRecentMappings)
//   ui/mainWindowGeometry         QByteArray
//   ui/mainWindowState            QByteArray
//   ui/schemaBrowserState         QByteArray (search text, custom-only, selected table, column header)

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"
#include "services/warehouse/warehouseconnection.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QSettings;

namespace d365::services {

class Settings
{
public:
    // The user's settings (organisation "D365Sync", application "d365sync"; honours XDG_CONFIG_HOME).
    Settings();
    // Settings kept in the given INI file (tests, portable runs).
    explicit Settings(const QString &iniFilePath);
    ~Settings();

    QStringList profileNames() const;
    std::optional<ConnectionProfile> profile(const QString &name) const;
    // Validates name, URL and API version before writing; returns the first problem.
    Result<void> saveProfile(const ConnectionProfile &profile);
    bool removeProfile(const QString &name);

    // Named warehouse connections (postgresql, odbc), like profiles: no secret is ever stored here.
    QStringList warehouseConnectionNames() const;
    std::optional<WarehouseConnection> warehouseConnection(const QString &name) const;
    // Validates the connection (WarehouseConnection::validate) before writing; returns the first problem.
    Result<void> saveWarehouseConnection(const WarehouseConnection &connection);
    bool removeWarehouseConnection(const QString &name);

    QString lastMappingPath() const;
    void setLastMappingPath(const QString &path);
    static constexpr int MaxRecentMappings = 8;
    QStringList recentMappings() const;
    // Puts the path first (once) and keeps at most MaxRecentMappings.
    void addRecentMapping(const QString &path);
    void removeRecentMapping(const QString &path);
    QByteArray mainWindowGeometry() const;
    void setMainWindowGeometry(const QByteArray &geometry);
    QByteArray mainWindowState() const;
    QByteArray schemaBrowserState() const;
    void setSchemaBrowserState(const QByteArray &state);
    void setMainWindowState(const QByteArray &state);

    // Writes pending changes to disk. An error (the file or its folder cannot be written, a damaged file)
    // names the file and the reason; until then a saved profile exists only in this process.
    Result<void> sync();
    QString fileName() const;

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace d365::services
