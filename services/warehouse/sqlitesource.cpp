#include "services/warehouse/sqlitesource.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlField>
#include <QSqlRecord>

#include <atomic>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSqlite, "d365.warehouse.sqlite")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(SqliteSource)
};

QString uniqueConnectionName()
{
    static std::atomic<quint64> counter{0};
    return u"d365-sqlite-source-%1"_s.arg(++counter);
}

// "SELECT … ;  " → "SELECT …": the query is wrapped in SELECT COUNT(*) FROM (…), where a ';' is a syntax
// error.
QString withoutTrailingSemicolons(const QString &query)
{
    QString result = query.trimmed();
    while (result.endsWith(u';'))
        result = result.chopped(1).trimmed();
    return result;
}

} // namespace

SqliteSource::SqliteSource(SourceSpec spec)
    : m_spec(std::move(spec))
    , m_connectionName(uniqueConnectionName())
{}

SqliteSource::~SqliteSource()
{
    // Qt warns (and leaks) when a connection is removed while a query or handle still refers to it.
    m_query = QSqlQuery();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

Error SqliteSource::sourceError(const QString &message, const QString &detail) const
{
    return Error::make(ErrorCategory::Source, message, detail);
}

Result<void> SqliteSource::open()
{
    if (m_open)
        return {};
    m_lastError.reset();

    const QString path = m_spec.path;
    const QString shownPath = QDir::toNativeSeparators(path);
    // QSQLITE would create an empty database for a missing file; read-only mode refuses that too, but its
    // message ("unable to open database file") does not say which file.
    const QFileInfo info(path);
    if (path.isEmpty() || !info.exists()) {
        return sourceError(
            Text::tr("The warehouse database \"%1\" does not exist. Check source.path in the "
                     "mapping file (a relative path is relative to the mapping file's folder).")
                .arg(shownPath),
            u"missing SQLite file: "_s + path);
    }
    if (!info.isFile()) {
        return sourceError(Text::tr("The warehouse database \"%1\" is not a file. Point source.path at the "
                                    "SQLite database file.")
                               .arg(shownPath),
                           u"not a file: "_s + path);
    }

    if (!m_db.isValid()) {
        m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
        if (!m_db.isValid()) {
            return sourceError(
                Text::tr("The SQLite driver for Qt is not installed (package libqt6sql6-sqlite)."),
                u"QSQLITE driver unavailable; drivers: "_s + QSqlDatabase::drivers().join(u", "_s));
        }
    }
    m_db.setDatabaseName(path);
    // Read-only: a sync never writes to the warehouse. The busy timeout lets a read wait for a writer
    // briefly.
    m_db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!m_db.open()) {
        return sourceError(Text::tr("Cannot open the warehouse database \"%1\": %2.")
                               .arg(shownPath, m_db.lastError().text()),
                           m_db.lastError().text());
    }

    m_query = QSqlQuery(m_db);
    // Forward-only keeps memory bounded: Qt does not cache rows for scrolling back.
    m_query.setForwardOnly(true);
    if (!m_query.exec(withoutTrailingSemicolons(m_spec.query))) {
        const QString sqliteMessage = m_query.lastError().text();
        m_query = QSqlQuery();
        m_db.close();
        return sourceError(Text::tr("The warehouse query failed: %1. Fix source.query in the mapping file.")
                               .arg(sqliteMessage),
                           u"query failed on "_s + path + u": "_s + sqliteMessage);
    }

    const QSqlRecord record = m_query.record();
    m_columns.clear();
    m_columnTypes.clear();
    for (int i = 0; i < record.count(); ++i) {
        m_columns << record.fieldName(i);
        // QSQLITE maps a table column's declared type (INTEGER/INT, REAL/DOUBLE/FLOAT/NUMERIC…, BOOLEAN,
        // BLOB, anything else → text). An expression has no table and no declared type; Qt then reports
        // the first row's storage class, which says nothing about the other rows, so it stays untyped.
        const QSqlField field = record.field(i);
        const auto type = QMetaType::Type(field.metaType().id());
        if (!field.tableName().isEmpty() && type != QMetaType::UnknownType)
            m_columnTypes.insert(field.name(), type);
    }
    m_index = 0;
    m_open = true;
    qCDebug(lcSqlite) << "opened" << path << "columns:" << m_columns;
    return {};
}

QStringList SqliteSource::columns() const
{
    return m_columns;
}

QHash<QString, QMetaType::Type> SqliteSource::columnTypes() const
{
    return m_columnTypes;
}

Result<qint64> SqliteSource::countRows()
{
    if (!m_open) {
        return Error::make(ErrorCategory::Internal, Text::tr("The warehouse source is not open."),
                           u"countRows() before open()"_s);
    }
    QSqlQuery count(m_db);
    count.setForwardOnly(true);
    if (!count.exec(u"SELECT COUNT(*) FROM ("_s + withoutTrailingSemicolons(m_spec.query) + u')') ||
        !count.next()) {
        const QString sqliteMessage = count.lastError().text();
        return sourceError(
            Text::tr("Counting the rows of the warehouse query failed: %1.").arg(sqliteMessage),
            u"count failed: "_s + sqliteMessage);
    }
    return count.value(0).toLongLong();
}

bool SqliteSource::next(SourceRow &row)
{
    if (!m_open || !m_query.isActive())
        return false;
    if (!m_query.next()) {
        // next() is false at the end and on a failed step (e.g. a corrupt page or a busy database).
        if (m_query.lastError().isValid()) {
            const QString sqliteMessage = m_query.lastError().text();
            m_lastError = sourceError(Text::tr("Reading row %1 of the warehouse query failed: %2.")
                                          .arg(m_index + 1)
                                          .arg(sqliteMessage),
                                      u"step failed: "_s + sqliteMessage);
            qCWarning(lcSqlite) << "reading failed after" << m_index << "rows:" << sqliteMessage;
        }
        m_query.finish();
        return false;
    }
    const int columnCount = int(m_columns.size());
    row.index = m_index++;
    row.values.resize(columnCount);
    for (int i = 0; i < columnCount; ++i) {
        QVariant value = m_query.value(i);
        // Qt returns a typed null (e.g. a null QString) for SQL NULL; the contract is a plain null QVariant.
        row.values[i] = value.isNull() ? QVariant() : std::move(value);
    }
    return true;
}

std::optional<Error> SqliteSource::lastError() const
{
    return m_lastError;
}

} // namespace d365::services
