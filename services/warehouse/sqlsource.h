#pragma once

// SqlSource reads a mapping's query from a server warehouse through Qt SQL: PostgreSQL with the QPSQL driver,
// anything with an ODBC driver (SQL Server, Snowflake, Databricks, BigQuery, PostgreSQL…) with QODBC. One
// class, the driver is a parameter: the differences are how the connection is described and what "read-only"
// means.
//
//   SqlSource source(spec, connection, password);  // no I/O yet; the password stays in this object
//   source.open();             // connects (read-only session), runs the query forward-only
//   source.columns();          // the result's column names
//   source.columnTypes();      // their types as the driver reports them (PostgreSQL knows expressions too)
//   source.countRows();        // SELECT COUNT(*) FROM (<query>) AS d365sync_rows, on its own connection
//   while (source.next(row)) …;
//
// Memory stays bounded for any result size:
//   - QPSQL runs a forward-only query in libpq's single-row mode (Qt 6.4 does this by itself): rows arrive
//   one
//     at a time, nothing is buffered client-side (measured: 1,000,000 rows, peak RSS 20 MB).
//   - QODBC fetches row by row; what the ODBC driver buffers is the driver's business. psqlODBC buffers the
//     whole result unless UseDeclareFetch=1 (a server-side cursor), which is added for PostgreSQL drivers
//     (270 MB → 21 MB for 1,000,000 rows). Other drivers stream by default (SQL Server, Snowflake, Simba
//     Spark/BigQuery fetch in blocks).
//
// Errors say what to fix: the server cannot be reached, the sign-in was refused, the database does not exist,
// the Qt SQL driver or the ODBC driver is not installed (naming the Debian package), the query is wrong (the
// server's message, and for PostgreSQL its line and column). All are ErrorCategory::Source.
//
// Each instance owns its own named connections (removed in the destructor). Qt SQL connections belong to the
// thread that created them: create, open and read on one thread.

#include "services/warehouse/sourcespec.h"
#include "services/warehouse/warehouseconnection.h"
#include "services/warehouse/warehousesource.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <optional>

namespace d365::services {

class SqlSource final : public WarehouseSource
{
public:
    SqlSource(SourceSpec spec, WarehouseConnection connection, QString password);
    ~SqlSource() override;

    SqlSource(const SqlSource &) = delete;
    SqlSource &operator=(const SqlSource &) = delete;

    Result<void> open() override;
    QStringList columns() const override;
    QHash<QString, QMetaType::Type> columnTypes() const override;
    Result<qint64> countRows() override;
    bool next(SourceRow &row) override;
    std::optional<Error> lastError() const override;

    // Connects (without a query) and says what answered: "PostgreSQL 15.18 on …", or for ODBC the driver's
    // DBMS. Used by `d365sync-cli warehouse test` and the connection dialog's Test connection. Blocks up to
    // the connect timeout: call it off the GUI thread.
    static Result<QString> testConnection(const WarehouseConnection &connection, const QString &password);

    // "QPSQL" or "QODBC".
    static QString qtDriverName(WarehouseConnection::Kind kind);
    // The ODBC connection string QODBC gets, without user and password (QODBC appends UID and PWD).
    static QString odbcConnectionString(const WarehouseConnection &connection);
    // The Debian package of an ODBC driver, by its name as odbcinst.ini lists it (empty when unknown).
    static QString odbcDriverPackage(const QString &driver);

private:
    Result<void> connectDatabase(QSqlDatabase &db, const QString &connectionName) const;
    Error connectError(const QSqlError &error) const;
    Error queryError(const QSqlError &error, const QString &doing) const;
    Error sourceError(const QString &message, const QString &detail) const;
    QString label() const; // "warehouse connection 'dw' (postgresql d365@db:5432/sales)"

    SourceSpec m_spec;
    WarehouseConnection m_connection;
    QString m_password;
    QString m_connectionName;
    QSqlDatabase m_db;
    QSqlQuery m_query;
    QStringList m_columns;
    QHash<QString, QMetaType::Type> m_columnTypes;
    QList<int> m_utcColumns; // timestamptz columns: QPSQL hands them over in local time, they are instants
    qint64 m_index = 0;
    bool m_open = false;
    std::optional<Error> m_lastError;
};

} // namespace d365::services
