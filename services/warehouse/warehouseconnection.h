#pragma once

// A named warehouse connection: where a postgresql or odbc source connects, like a Dataverse connection
// profile names an org. Mapping files name it ("source": { "type": "postgresql", "connection": "dw", … }),
// the settings keep it (Settings::warehouseConnection), and it holds no secret: the password lives in the OS
// keychain ("warehouse/<name>/password") or, for headless runs, in D365SYNC_WAREHOUSE_PASSWORD_<NAME>.
//
//   postgresql: host (or a socket folder), port (default 5432), database, user, options (libpq connection
//               parameters, "sslmode=require;connect_timeout=10")
//   odbc:       driver ("PostgreSQL Unicode", "ODBC Driver 18 for SQL Server", …) with host, port, database,
//               or dsn (a data source from odbc.ini); user; options (more attributes of the connection
//               string, "Warehouse=WH;Role=ANALYST")

#include "services/common/result.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace d365::services {

struct WarehouseConnection
{
    enum class Kind { PostgreSql, Odbc };

    QString name;
    Kind kind = Kind::PostgreSql;
    QString host;
    int port = 0; // 0: the driver's default (5432 for PostgreSQL)
    QString database;
    QString user;
    QString driver; // odbc: the ODBC driver's name as odbcinst.ini lists it
    QString dsn;    // odbc: a data source name instead of driver + host/port/database
    QString options;

    // The source type a mapping file gives for this kind ("postgresql", "odbc") and back.
    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(const QString &name);

    // Connection names are settings keys, keychain entries and environment variable suffixes: letters,
    // digits, '-', '_', '.', 1..64 characters.
    static Result<QString> validateName(const QString &text);
    // Everything a connection needs for its kind, and no password in its options (the keychain keeps it).
    Result<void> validate() const;

    // D365SYNC_WAREHOUSE_PASSWORD_<NAME>: the name upper-cased, every character other than A-Z and 0-9 as
    // '_'.
    static QString passwordVariable(const QString &name);
    QString passwordVariable() const { return passwordVariable(name); }

    // For messages and lists, never with a password: "postgresql d365@db.example.com:5432/warehouse",
    // "odbc DSN=snowflake", "odbc {ODBC Driver 18 for SQL Server} sql.example.com/sales".
    QString describe() const;
    // The server part for messages: "db.example.com:5432" (or the socket folder, or the DSN).
    QString where() const;
};

// True when text (connection options, a connection string) contains a password attribute (password=, pwd=).
bool containsPasswordAttribute(const QString &text);

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::WarehouseConnection)
