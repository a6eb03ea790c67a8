#pragma once

// SqliteSource reads a mapping's query from a SQLite file through Qt SQL (QSQLITE), read-only.
//
//   SqliteSource source(spec);   // no I/O yet
//   source.open();               // opens the file read-only and starts the query (forward-only)
//   source.columns();            // the query's column names
//   source.columnTypes();        // their declared types (SQLite affinity names as Qt maps them)
//   source.countRows();          // SELECT COUNT(*) FROM (<query>), for progress
//   while (source.next(row)) …;  // streams the rows in query order; then lastError() tells end from failure
//
// Each instance owns its own named connection (removed in the destructor), so several sources may be open at
// once. Qt SQL connections belong to the thread that created them: create, open and read on one thread.

#include "services/warehouse/sourcespec.h"
#include "services/warehouse/warehousesource.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <optional>

namespace d365::services {

class SqliteSource final : public WarehouseSource
{
public:
    explicit SqliteSource(SourceSpec spec);
    ~SqliteSource() override;

    SqliteSource(const SqliteSource &) = delete;
    SqliteSource &operator=(const SqliteSource &) = delete;

    Result<void> open() override;
    QStringList columns() const override;
    QHash<QString, QMetaType::Type> columnTypes() const override;
    Result<qint64> countRows() override; // works without open(): it needs the connection, not the query
    bool next(SourceRow &row) override;
    std::optional<Error> lastError() const override;

    QString connectionName() const { return m_connectionName; }

private:
    Error sourceError(const QString &message, const QString &detail) const;
    // Before the first query: the file is readable, not empty, and a SQLite database.
    Result<void> checkFile() const;
    // An error that is the file's fault (locked by another program, not a database, damaged), in those
    // words; nullopt for the query's own errors.
    std::optional<Error> fileError(const QSqlError &error) const;
    Error notADatabase(const QString &detail) const;

    SourceSpec m_spec;
    QString m_connectionName;
    QSqlDatabase m_db;
    QSqlQuery m_query;
    QStringList m_columns;
    QHash<QString, QMetaType::Type> m_columnTypes;
    qint64 m_index = 0;
    bool m_open = false;

    Result<void> openDatabase(); // the file checks and the read-only connection
    std::optional<Error> m_lastError;
};

} // namespace d365::services
