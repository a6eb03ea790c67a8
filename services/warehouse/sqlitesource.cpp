#include "services/warehouse/sqlitesource.h"

#include "services/warehouse/querytext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
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

// How long a read waits for another program's write to finish before SQLite reports the file busy.
constexpr int BusyTimeoutMs = 5000;

// SQLite's primary result codes that are about the database FILE, not about the query.
constexpr int SqliteBusy = 5;
constexpr int SqliteLocked = 6;
constexpr int SqliteCorrupt = 11;
constexpr int SqliteNotADatabase = 26;

int sqliteResultCode(const QSqlError &error)
{
    return error.nativeErrorCode().toInt() & 0xff; // extended codes carry the primary one in the low byte
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

std::optional<Error> SqliteSource::fileError(const QSqlError &error) const
{
    const QString shownPath = QDir::toNativeSeparators(m_spec.path);
    const QString detail = u"SQLite %1 on %2: %3"_s.arg(error.nativeErrorCode(), m_spec.path, error.text());
    switch (sqliteResultCode(error)) {
    case SqliteBusy:
    case SqliteLocked:
        return sourceError(
            Text::tr("The warehouse database \"%1\" is locked by another program, which has been "
                     "writing to it for more than %2 seconds. Wait until that program has "
                     "finished (or close it), then run again.")
                .arg(shownPath)
                .arg(BusyTimeoutMs / 1000),
            detail);
    case SqliteNotADatabase:
        return notADatabase(detail);
    case SqliteCorrupt:
        return sourceError(Text::tr("The warehouse database \"%1\" is damaged (SQLite says: %2). Restore it "
                                    "from a backup or export it again; `sqlite3 \"%1\" \"PRAGMA "
                                    "integrity_check\"` shows what is wrong.")
                               .arg(shownPath, error.databaseText()),
                           detail);
    default:
        return std::nullopt;
    }
}

Error SqliteSource::notADatabase(const QString &detail) const
{
    return sourceError(Text::tr("The warehouse file \"%1\" is not a SQLite database (or it is encrypted): a "
                                "SQLite database starts with \"SQLite format 3\". Check source.path in the "
                                "mapping file; for a CSV export use \"type\": \"csv\" (a spreadsheet can be "
                                "saved as CSV).")
                           .arg(QDir::toNativeSeparators(m_spec.path)),
                       detail);
}

Result<void> SqliteSource::checkFile() const
{
    // QSQLITE opens anything: an empty file is an empty database and a text file fails only at the first
    // query, as "no such table" or "file is not a database" — which read like a problem of the query.
    const QString shownPath = QDir::toNativeSeparators(m_spec.path);
    QFile file(m_spec.path);
    if (!file.open(QIODevice::ReadOnly)) {
        return sourceError(Text::tr("The warehouse database \"%1\" cannot be read: %2. Check that the file's "
                                    "permissions let you read it.")
                               .arg(shownPath, file.errorString()),
                           u"cannot read "_s + m_spec.path + u": "_s + file.errorString());
    }
    if (file.size() == 0) {
        return sourceError(
            Text::tr("The warehouse database \"%1\" is an empty file (0 bytes), so it holds no "
                     "tables. Check source.path in the mapping file: it names a file that was "
                     "created but never filled, for example by an export that failed.")
                .arg(shownPath),
            u"empty file: "_s + m_spec.path);
    }
    static const QByteArray header("SQLite format 3", 16); // with its terminating NUL
    if (file.read(header.size()) != header)
        return notADatabase(u"no SQLite header: "_s + m_spec.path);
    return {};
}

Result<void> SqliteSource::openDatabase()
{
    if (m_db.isValid() && m_db.isOpen())
        return {};
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
    if (const auto checked = checkFile(); !checked.ok())
        return checked;

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
    m_db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=%1"_s.arg(BusyTimeoutMs));
    if (!m_db.open()) {
        return sourceError(Text::tr("Cannot open the warehouse database \"%1\": %2.")
                               .arg(shownPath, m_db.lastError().text()),
                           m_db.lastError().text());
    }
    return {};
}

Result<void> SqliteSource::open()
{
    if (m_open)
        return {};
    m_lastError.reset();
    if (auto opened = openDatabase(); !opened.ok())
        return opened;
    const QString path = m_spec.path;

    m_query = QSqlQuery(m_db);
    // Forward-only keeps memory bounded: Qt does not cache rows for scrolling back.
    m_query.setForwardOnly(true);
    if (!m_query.exec(withoutTrailingSemicolons(m_spec.query))) {
        const QSqlError error = m_query.lastError();
        const QString sqliteMessage = error.text();
        m_query = QSqlQuery();
        m_db.close();
        if (auto problem = fileError(error))
            return *problem;
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
    // Counting needs the connection, not the query running: open() would run (and sort) the whole query.
    if (auto opened = openDatabase(); !opened.ok())
        return opened.error();
    QSqlQuery count(m_db);
    count.setForwardOnly(true);
    if (!count.exec(countQuery(m_spec.query)) || !count.next()) {
        const QString sqliteMessage = count.lastError().text();
        if (auto problem = fileError(count.lastError()))
            return *problem;
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
            m_lastError = fileError(m_query.lastError());
            if (!m_lastError)
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
