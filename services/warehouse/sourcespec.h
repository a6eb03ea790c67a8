#pragma once

// Where a sync reads its rows: the warehouse part of a mapping file ("source"). It lives with the warehouse
// sources (which open it) so that warehouse/ never needs the mapping layer above it.
//
//   type        reads                                   needs
//   sqlite      a SQLite file, read-only                path, query
//   postgresql  PostgreSQL through Qt's QPSQL driver    connection (a named warehouse connection), query
//   odbc        any ODBC driver through QODBC           connection, query
//   csv         an RFC 4180 file with a header row      path [, delimiter, quote, columnTypes]
//
// A spec never holds a password: a named connection's password is looked up when the source is created
// (WarehouseSource::create, through the connection resolver), from the environment or the OS keychain.

#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::services {

namespace SourceType {
inline const QString Sqlite = QStringLiteral("sqlite");
inline const QString PostgreSql = QStringLiteral("postgresql");
inline const QString Odbc = QStringLiteral("odbc");
inline const QString Csv = QStringLiteral("csv");
// Every type, in the order the documentation lists them.
inline const QStringList All = {Sqlite, PostgreSql, Odbc, Csv};
// Types that read a file (source.path) rather than a named connection (source.connection).
inline bool readsFile(const QString &type)
{
    return type == Sqlite || type == Csv;
}
inline bool hasQuery(const QString &type)
{
    return type != Csv;
}
} // namespace SourceType

// The type hints a CSV source takes per column ("columnTypes"): without one a column is text.
enum class CsvColumnType { Text, Integer, Decimal, Boolean, Date, DateTime };

QStringList csvColumnTypeNames(); // "text", "integer", "decimal", "boolean", "date", "datetime"
std::optional<CsvColumnType> csvColumnTypeFromName(const QString &name);
QString csvColumnTypeName(CsvColumnType type);
QMetaType::Type csvColumnMetaType(CsvColumnType type); // QString, LongLong, Double, Bool, QDate, QDateTime

struct SourceSpec
{
    QString type = SourceType::Sqlite;
    QString path;       // sqlite, csv: absolute after loading (relative paths resolve against the file)
    QString connection; // postgresql, odbc: the name of a warehouse connection (settings + keychain)
    QString query;      // sqlite, postgresql, odbc: a SELECT; streamed forward-only
    QString keyColumn;  // the source column that identifies a row (reports, state)

    // csv only. Defaults are RFC 4180's.
    QString delimiter = QStringLiteral(",");       // one character; "\t" for tab-separated files
    QString quote = QStringLiteral("\"");          // one character
    QMap<QString, CsvColumnType> columnTypes = {}; // header name → type; other columns are text

    bool readsFile() const { return SourceType::readsFile(type); }
    bool hasQuery() const { return SourceType::hasQuery(type); }
    // Whether the source says where its rows are: a file for file kinds, a connection for the others.
    bool isLocated() const { return readsFile() ? !path.isEmpty() : !connection.isEmpty(); }
    // How messages name the source: its file, or the warehouse connection ("PostgreSQL connection
    // \"sales\"").
    QString displayName() const;
};

} // namespace d365::services
