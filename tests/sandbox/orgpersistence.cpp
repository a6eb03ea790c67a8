#include "orgpersistence.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLoggingCategory>
#include <QMap>
#include <QMetaObject>
#include <QPointer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

#include <algorithm>
#include <ctime>
#include <limits>
#include <optional>
#include <utility>

Q_LOGGING_CATEGORY(lcPersistence, "d365.sandbox.persistence")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

constexpr auto Application = "d365sync-sandbox"_L1;

// SQLite primary result codes (QSqlError::nativeErrorCode of the QSQLITE driver).
// CPU time of the calling thread (the benchmark reports it: wall time depends on the machine's load).
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

bool isLocked(const QSqlError &e)
{
    return e.nativeErrorCode() == u"5"_s || e.nativeErrorCode() == u"6"_s ||
           e.databaseText().contains(u"locked"_s);
}

bool isNotADatabase(const QSqlError &e)
{
    return e.nativeErrorCode() == u"26"_s || e.databaseText().contains(u"not a database"_s);
}

QString sqlText(const QSqlError &e)
{
    return e.databaseText().isEmpty() ? e.text() : e.databaseText();
}

bool exec(QSqlDatabase &db, const QString &sql, QString *error, QSqlQuery *out = nullptr)
{
    QSqlQuery q(db);
    if (!q.exec(sql)) {
        *error = sqlText(q.lastError());
        return false;
    }
    if (out)
        *out = std::move(q);
    return true;
}

// Compact JSON of a row's values, written directly as the QString the driver binds: building a QJsonObject
// per row (sorted inserts) and serialising it was most of the flush time of a 1,000-row UpsertMultiple, and
// going through UTF-8 and back cost another conversion per row. Unescaped runs are appended in one piece.
void appendJsonString(QString &out, QStringView s)
{
    out += u'"';
    qsizetype start = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t c = s[i].unicode();
        if (c != u'"' && c != u'\\' && c >= 0x20)
            continue;
        out += s.sliced(start, i - start);
        start = i + 1;
        if (c == u'"' || c == u'\\') {
            out += u'\\';
            out += QChar(c);
        } else {
            out += u"\\u00";
            out += QChar(u"0123456789abcdef"[(c >> 4) & 0xf]);
            out += QChar(u"0123456789abcdef"[c & 0xf]);
        }
    }
    out += s.sliced(start);
    out += u'"';
}

void appendJsonValue(QString &out, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        out += v.toBool() ? u"true" : u"false";
        break;
    case QJsonValue::Double: {
        constexpr qint64 NotIntegral = std::numeric_limits<qint64>::min();
        const qint64 i = v.toInteger(NotIntegral);
        if (i != NotIntegral)
            out += QString::number(i);
        else if (qIsFinite(v.toDouble()))
            out += QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
        else
            out += u"null";
        break;
    }
    case QJsonValue::String:
        appendJsonString(out, v.toString());
        break;
    case QJsonValue::Array:
        out += QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
        break;
    case QJsonValue::Object:
        out += QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        break;
    default:
        out += u"null";
    }
}

template<typename Hash, typename Append> QString jsonObject(const Hash &hash, Append append)
{
    QString out;
    out.reserve(48 * hash.size() + 2);
    out += u'{';
    for (auto it = hash.cbegin(); it != hash.cend(); ++it) {
        if (out.size() > 1)
            out += u',';
        appendJsonString(out, it.key());
        out += u':';
        append(out, it.value());
    }
    out += u'}';
    return out;
}

} // namespace

// Owns the SQLite connection; every method runs on the writer thread. open() also fills the store, while
// the main thread waits for it (BlockingQueuedConnection), so the store is never touched concurrently.
class PersistenceWriter : public QObject
{
public:
    using Key = std::pair<const TableDef *, QUuid>;
    using Pending = QHash<Key, std::optional<Row>>; // nullopt: the row was deleted

    PersistenceWriter(OrgStore &store, OrgPersistence *owner, const QString &connectionName)
        : m_store(store)
        , m_owner(owner)
        , m_connectionName(connectionName)
    {}

    bool open(const QString &path, QString *error);
    // Takes a flush from the main thread (marks up to `upTo`): newer states replace pending older ones of
    // the same row. Tells the owner once they are committed.
    void write(const QList<std::pair<Key, std::optional<Row>>> &rows, const OrgStore::Counters &counters,
               quint64 upTo)
    {
        for (const auto &[key, row] : rows)
            m_pending.insert(key, row);
        m_counters = counters;
        m_pendingUpTo = upTo;
        commitPending();
    }
    // Writes what is pending and closes the file; false with *error when something stays unwritten.
    bool close(QString *error);

private:
    // What the last open() read (logged there).
    int m_loadedRows = 0;
    QStringList m_warnings;

    QSqlDatabase database() const { return QSqlDatabase::database(m_connectionName, false); }
    bool openDatabase(QSqlDatabase &db, bool isNew, QString *error);
    bool checkSchema(QSqlDatabase &db, QString *error);
    bool createSchema(QSqlDatabase &db, QString *error);
    bool loadRows(QSqlDatabase &db, QString *error);
    bool writeRows(QSqlDatabase &db, const Pending &rows, QString *why);
    bool writeCounters(QSqlDatabase &db, const OrgStore::Counters &c, QString *why);
    bool commitPending(QString *error = nullptr);

    OrgStore &m_store;
    OrgPersistence *m_owner; // on the main thread; outlives this writer (close() waits for it)
    QString m_connectionName;
    QString m_path;
    Pending m_pending;
    quint64 m_pendingUpTo = 0; // the marks m_pending holds
    std::optional<OrgStore::Counters> m_counters;
    OrgStore::Counters m_savedCounters{};
    QTimer *m_retry = nullptr;
    bool m_failing = false; // the last commit failed (log a streak of failures once)
};

bool PersistenceWriter::open(const QString &path, QString *error)
{
    m_path = path;
    m_warnings.clear();
    m_loadedRows = 0;
    const QFileInfo info(path);
    if (info.isDir()) {
        *error = u"--data '%1' is a folder; pass a file name such as %1/sandbox.db."_s.arg(path);
        return false;
    }
    if (!info.absoluteDir().exists()) {
        *error = u"--data '%1': the folder '%2' does not exist; create it or pass another file."_s.arg(
            path, info.absolutePath());
        return false;
    }
    const bool isNew = !info.exists() || info.size() == 0;
    if (!QSqlDatabase::isDriverAvailable(u"QSQLITE"_s)) {
        *error = u"--data needs the Qt SQLite driver (QSQLITE), which is not installed. Install the Debian "
                 u"package libqt6sql6-sqlite (installer/install-deps.sh does)."_s;
        return false;
    }
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
        db.setDatabaseName(path);
        // A short busy timeout: a second sandbox on the same file should fail fast, not hang.
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=500"_s);
        if (!db.open()) {
            *error = u"--data '%1': cannot open the file: %2. Check that the folder is writable."_s.arg(
                path, sqlText(db.lastError()));
        } else {
            ok = openDatabase(db, isNew, error);
        }
        if (!ok)
            db.close();
    }
    if (!ok) {
        QSqlDatabase::removeDatabase(m_connectionName);
        return false;
    }
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, [this] { commitPending(); });
    qCInfo(lcPersistence) << (isNew ? "created data file" : "opened data file") << path << "with"
                          << m_loadedRows << "rows";
    return true;
}

bool PersistenceWriter::openDatabase(QSqlDatabase &db, bool isNew, QString *error)
{
    QString why;
    // EXCLUSIVE locking: the lock taken by the first write below is held until the sandbox exits, so a
    // second sandbox on the same file is refused instead of overwriting this one's rows. It also makes WAL
    // work without the -shm file.
    if (!exec(db, u"PRAGMA locking_mode=EXCLUSIVE"_s, &why)) {
        *error = u"--data '%1': %2"_s.arg(m_path, why);
        return false;
    }
    // The first read tells a SQLite database from any other file, before anything is changed in it.
    QSqlQuery q(db);
    if (!q.exec(u"SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sandbox_meta'"_s) ||
        !q.next()) {
        const QSqlError e = q.lastError();
        if (isLocked(e))
            *error = u"--data '%1' is in use by another d365sync-sandbox (the SQLite database is locked). "
                     u"Stop the other sandbox, or pass another --data file."_s.arg(m_path);
        else if (isNotADatabase(e))
            *error = u"--data '%1' is not a d365sync-sandbox data file (SQLite: %2). Pass a new file name "
                     u"to start an empty org, or move that file away."_s.arg(m_path, sqlText(e));
        else
            *error = u"--data '%1': cannot read the file: %2."_s.arg(m_path, sqlText(e));
        return false;
    }
    const bool hasMeta = q.value(0).toInt() > 0;
    q.finish();
    if (!isNew && !hasMeta) {
        *error = u"--data '%1' is a SQLite database but not a d365sync-sandbox data file (it has no "
                 u"sandbox_meta table); the sandbox does not change it. Pass a new file name to start an "
                 u"empty org."_s.arg(m_path);
        return false;
    }
    if (hasMeta && !checkSchema(db, error))
        return false;
    QSqlQuery mode(db);
    if (!exec(db, u"PRAGMA journal_mode=WAL"_s, &why, &mode) || !mode.next()) {
        *error = u"--data '%1': cannot switch to WAL mode: %2."_s.arg(m_path, why);
        return false;
    }
    mode.finish();
    // NORMAL is durable across a crash of the process (kill -9) in WAL mode; only a power loss may lose
    // the last commits.
    exec(db, u"PRAGMA synchronous=NORMAL"_s, &why);
    // Rows have random GUID keys, so a flush touches pages all over the table: with SQLite's default 2 MB
    // page cache a 1,000-row flush of a 20,000-row org spent a tenth of its time re-reading pages. Up to
    // 64 MB (allocated as used; the exclusive lock keeps the cache valid between transactions).
    exec(db, u"PRAGMA cache_size=-65536"_s, &why);
    // BEGIN IMMEDIATE takes the write lock now, so a concurrent sandbox fails here rather than later.
    if (!exec(db, u"BEGIN IMMEDIATE"_s, &why)) {
        *error = isLocked(db.lastError()) || why.contains(u"locked"_s)
                     ? u"--data '%1' is in use by another d365sync-sandbox (the SQLite database is locked). "
                       u"Stop the other sandbox, or pass another --data file."_s.arg(m_path)
                     : u"--data '%1': %2."_s.arg(m_path, why);
        return false;
    }
    bool ok = hasMeta ? loadRows(db, error) : createSchema(db, error);
    if (ok && !exec(db, u"COMMIT"_s, &why)) {
        *error = u"--data '%1': cannot write the file: %2."_s.arg(m_path, why);
        ok = false;
    }
    if (!ok)
        exec(db, u"ROLLBACK"_s, &why);
    return ok;
}

bool PersistenceWriter::checkSchema(QSqlDatabase &db, QString *error)
{
    QSqlQuery q(db);
    QMap<QString, QString> meta;
    if (q.exec(u"SELECT key, value FROM sandbox_meta"_s)) {
        while (q.next())
            meta.insert(q.value(0).toString(), q.value(1).toString());
    }
    if (meta.value(u"application"_s) != Application) {
        *error = u"--data '%1' is not a d365sync-sandbox data file (sandbox_meta names no "
                 u"d365sync-sandbox). Pass a new file name to start an empty org."_s.arg(m_path);
        return false;
    }
    const int version = meta.value(u"schema_version"_s).toInt();
    if (version < 1 || version > OrgPersistence::SchemaVersion) {
        *error =
            u"--data '%1' has data schema version %2; this d365sync-sandbox reads version %3. Use the "
            u"sandbox that wrote it, or pass a new file name."_s.arg(m_path, meta.value(u"schema_version"_s))
                .arg(OrgPersistence::SchemaVersion);
        return false;
    }
    const QString org = meta.value(u"organization"_s);
    if (!org.isEmpty() && org != m_store.definition().organization().uniqueName)
        m_warnings.append(
            u"data file '%1' was written for org '%2', the org definition is '%3'; rows are "
            u"loaded anyway."_s.arg(m_path, org, m_store.definition().organization().uniqueName));
    m_savedCounters = {meta.value(u"version"_s).toLongLong(), meta.value(u"sequence"_s).toULongLong(),
                       meta.value(u"autonumber"_s).toInt()};
    return true;
}

bool PersistenceWriter::createSchema(QSqlDatabase &db, QString *error)
{
    QString why;
    const bool ok =
        exec(db, u"CREATE TABLE sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"_s,
             &why) &&
        exec(db,
             u"CREATE TABLE sandbox_rows (tablename TEXT NOT NULL, id TEXT NOT NULL, sequence INTEGER NOT "
             u"NULL, vals TEXT NOT NULL, lookups TEXT NOT NULL, PRIMARY KEY (tablename, id)) WITHOUT ROWID"_s,
             &why);
    if (!ok) {
        *error = u"--data '%1': cannot create the tables: %2."_s.arg(m_path, why);
        return false;
    }
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO sandbox_meta (key, value) VALUES (?, ?)"_s);
    const QList<std::pair<QString, QString>> meta{
        {u"application"_s, Application},
        {u"schema_version"_s, QString::number(OrgPersistence::SchemaVersion)},
        {u"organization"_s, m_store.definition().organization().uniqueName},
        {u"version"_s, u"0"_s},
        {u"sequence"_s, u"0"_s},
        {u"autonumber"_s, u"0"_s}};
    for (const auto &[key, value] : meta) {
        q.addBindValue(key);
        q.addBindValue(value);
        if (!q.exec()) {
            *error = u"--data '%1': cannot write the file: %2."_s.arg(m_path, sqlText(q.lastError()));
            return false;
        }
    }
    // A new file starts with the rows the store has now (the org definition's seed rows, if any).
    Pending all;
    for (const TableDef &table : m_store.definition().tables()) {
        m_store.forEach(table, 0, [&](const Row &row) {
            all.insert({&table, row.id}, row);
            return true;
        });
    }
    m_loadedRows = int(all.size());
    if (!writeRows(db, all, &why) || !writeCounters(db, m_store.counters(), &why)) {
        *error = u"--data '%1': cannot write the file: %2."_s.arg(m_path, why);
        return false;
    }
    return true;
}

bool PersistenceWriter::loadRows(QSqlDatabase &db, QString *error)
{
    m_store.clearRows();
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT tablename, id, sequence, vals, lookups FROM sandbox_rows ORDER BY sequence"_s)) {
        *error = u"--data '%1': cannot read the rows: %2."_s.arg(m_path, sqlText(q.lastError()));
        return false;
    }
    QMap<QString, int> unknownTables;  // table -> rows skipped
    QMap<QString, int> unknownColumns; // table.column -> values dropped
    int badRows = 0;
    quint64 maxSequence = 0;
    qint64 maxVersion = 0;
    while (q.next()) {
        const QString tableName = q.value(0).toString();
        const TableDef *table = m_store.definition().tableByLogicalName(tableName);
        if (!table) {
            ++unknownTables[tableName];
            continue;
        }
        Row row;
        row.id = QUuid::fromString(q.value(1).toString());
        row.sequence = q.value(2).toULongLong();
        QJsonParseError valuesError, lookupsError;
        const QJsonDocument values = QJsonDocument::fromJson(q.value(3).toByteArray(), &valuesError);
        const QJsonDocument lookups = QJsonDocument::fromJson(q.value(4).toByteArray(), &lookupsError);
        if (row.id.isNull() || row.sequence == 0 || !values.isObject() || !lookups.isObject() ||
            m_store.find(*table, row.id)) {
            ++badRows;
            continue;
        }
        const QJsonObject v = values.object();
        row.values.reserve(v.size());
        for (auto it = v.begin(); it != v.end(); ++it) {
            // versionnumber is always kept: the ETag depends on it even if an org file omits the column.
            if (table->attribute(it.key()) || it.key() == u"versionnumber"_s)
                row.values.insert(it.key(), it.value());
            else
                ++unknownColumns[tableName + u'.' + it.key()];
        }
        const QJsonObject l = lookups.object();
        for (auto it = l.begin(); it != l.end(); ++it) {
            if (row.values.contains(it.key()))
                row.lookupTargets.insert(it.key(), it.value().toString());
        }
        maxSequence = qMax(maxSequence, row.sequence);
        maxVersion = qMax(maxVersion, row.version());
        m_store.insert(*table, std::move(row));
        ++m_loadedRows;
    }
    for (auto it = unknownTables.cbegin(); it != unknownTables.cend(); ++it)
        m_warnings.append(
            u"data file '%1': skipped %2 row(s) of table '%3', which the org definition does not "
            u"have (they stay in the file). Start with the --org that wrote the file, or delete "
            u"the file to start empty."_s.arg(m_path)
                .arg(it.value())
                .arg(it.key()));
    for (auto it = unknownColumns.cbegin(); it != unknownColumns.cend(); ++it)
        m_warnings.append(u"data file '%1': column '%2' is not in the org definition; its value was dropped "
                          u"from %3 row(s) (the file keeps it until the row is written again)."_s.arg(m_path)
                              .arg(it.key())
                              .arg(it.value()));
    if (badRows > 0)
        m_warnings.append(
            u"data file '%1': skipped %2 unreadable or duplicate row(s)."_s.arg(m_path).arg(badRows));
    for (const QString &w : std::as_const(m_warnings))
        qCWarning(lcPersistence).noquote() << w;
    // The counters never go back, even if the meta row lags behind the rows.
    const OrgStore::Counters current = m_store.counters();
    m_store.setCounters({std::max({current.version, m_savedCounters.version, maxVersion}),
                         std::max({current.sequence, m_savedCounters.sequence, maxSequence}),
                         qMax(current.autoNumber, m_savedCounters.autoNumber)});
    QString why;
    if (!writeCounters(db, m_store.counters(), &why)) {
        *error = u"--data '%1': cannot write the file: %2."_s.arg(m_path, why);
        return false;
    }
    return true;
}

bool PersistenceWriter::writeRows(QSqlDatabase &db, const Pending &rows, QString *why)
{
    QSqlQuery upsert(db);
    QSqlQuery remove(db);
    if (!upsert.prepare(u"INSERT OR REPLACE INTO sandbox_rows (tablename, id, sequence, vals, lookups) "
                        u"VALUES (?, ?, ?, ?, ?)"_s) ||
        !remove.prepare(u"DELETE FROM sandbox_rows WHERE tablename = ? AND id = ?"_s)) {
        *why = sqlText(upsert.lastError().isValid() ? upsert.lastError() : remove.lastError());
        return false;
    }
    for (auto it = rows.cbegin(); it != rows.cend(); ++it) {
        const TableDef *table = it.key().first;
        const QString idText = it.key().second.toString(QUuid::WithoutBraces);
        if (const std::optional<Row> &row = it.value()) {
            upsert.addBindValue(table->logicalName);
            upsert.addBindValue(idText);
            upsert.addBindValue(qint64(row->sequence));
            upsert.addBindValue(jsonObject(row->values, appendJsonValue));
            upsert.addBindValue(jsonObject(row->lookupTargets,
                                           [](QString &out, const QString &s) { appendJsonString(out, s); }));
            if (!upsert.exec()) {
                *why = sqlText(upsert.lastError());
                return false;
            }
        } else {
            remove.addBindValue(table->logicalName);
            remove.addBindValue(idText);
            if (!remove.exec()) {
                *why = sqlText(remove.lastError());
                return false;
            }
        }
    }
    return true;
}

bool PersistenceWriter::writeCounters(QSqlDatabase &db, const OrgStore::Counters &c, QString *why)
{
    QSqlQuery q(db);
    q.prepare(u"UPDATE sandbox_meta SET value = ? WHERE key = ?"_s);
    const QList<std::pair<QString, QString>> values{{QString::number(c.version), u"version"_s},
                                                    {QString::number(c.sequence), u"sequence"_s},
                                                    {QString::number(c.autoNumber), u"autonumber"_s}};
    for (const auto &[value, key] : values) {
        q.addBindValue(value);
        q.addBindValue(key);
        if (!q.exec()) {
            *why = sqlText(q.lastError());
            return false;
        }
    }
    return true;
}

bool PersistenceWriter::commitPending(QString *error)
{
    if (m_pending.isEmpty() && !m_counters)
        return true;
    QElapsedTimer timer;
    timer.start();
    const double cpuStart = threadCpuMs();
    QSqlDatabase db = database();
    QString why;
    bool ok = db.transaction();
    if (!ok)
        why = sqlText(db.lastError());
    ok = ok && writeRows(db, m_pending, &why) && (!m_counters || writeCounters(db, *m_counters, &why));
    if (ok && !db.commit()) {
        why = sqlText(db.lastError());
        ok = false;
    }
    if (!ok) {
        db.rollback();
        const QString message =
            u"cannot write %1 row(s) to the data file '%2': %3."_s.arg(m_pending.size()).arg(m_path, why);
        if (!m_failing)
            qCWarning(lcPersistence).noquote() << message << "Retrying every second.";
        m_failing = true;
        if (error)
            *error = message;
        m_retry->start(1000);
        return false;
    }
    if (m_failing)
        qCInfo(lcPersistence) << "data file writable again:" << m_path;
    m_failing = false;
    qCDebug(lcPersistence).noquote() << u"flushed %1 rows in %2 ms (%3 ms CPU)"_s.arg(m_pending.size())
                                            .arg(double(timer.nsecsElapsed()) / 1e6, 0, 'f', 1)
                                            .arg(threadCpuMs() - cpuStart, 0, 'f', 1);
    m_pending.clear();
    m_counters.reset();
    if (m_pendingUpTo > 0) {
        // The held responses may go now (queued: written() runs on the main thread).
        OrgPersistence *owner = m_owner;
        const quint64 upTo = std::exchange(m_pendingUpTo, 0);
        QMetaObject::invokeMethod(owner, [owner, upTo] { owner->written(upTo); });
    }
    return true;
}

bool PersistenceWriter::close(QString *error)
{
    m_retry->stop();
    const bool ok = commitPending(error);
    {
        QSqlDatabase db = database();
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    return ok;
}

OrgPersistence::OrgPersistence(OrgStore &store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    // Zero interval: the flush runs once the event loop is free, so the rows of one request (and of the
    // pipelined requests read with it) go in one transaction.
    m_timer.setSingleShot(true);
    m_timer.setInterval(0);
    connect(&m_timer, &QTimer::timeout, this, [this] { flush(); });
}

OrgPersistence::~OrgPersistence()
{
    close();
}

bool OrgPersistence::open(const QString &path, QString *error)
{
    close();
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(u"d365.sandbox.persistence"_s);
    auto *writer =
        new PersistenceWriter(m_store, this, u"d365.sandbox.persistence.%1"_s.arg(quintptr(this), 0, 16));
    writer->moveToThread(m_thread.get());
    m_thread->start();
    bool ok = false;
    QMetaObject::invokeMethod(
        writer, [&] { ok = writer->open(path, error); }, Qt::BlockingQueuedConnection);
    if (!ok) {
        m_thread->quit();
        m_thread->wait();
        delete writer;
        m_thread.reset();
        return false;
    }
    m_writer = writer;
    m_flushedCounters = m_store.counters();
    m_store.setCommitObserver([this](const TableDef &table, const QUuid &id) { markDirty(table, id); });
    return true;
}

void OrgPersistence::markDirty(const TableDef &table, const QUuid &id)
{
    m_dirty.insert({&table, id});
    ++m_marked;
    if (!m_writing && !m_timer.isActive())
        m_timer.start();
}

HttpResponse::Hold OrgPersistence::barrier()
{
    if (!m_writer || m_marked == m_durable)
        return {};
    const quint64 upTo = m_marked;
    return [self = QPointer<OrgPersistence>(this), upTo](std::function<void()> release) {
        if (!self || self->m_durable >= upTo)
            release();
        else
            self->m_waiters.push_back({upTo, std::move(release)});
    };
}

void OrgPersistence::flush()
{
    if (!m_writer || m_writing)
        return;
    const OrgStore::Counters c = m_store.counters();
    // Only committed writes are marked dirty, and a transaction begins and ends inside one request handler,
    // so a flush never sees half of one.
    if (m_dirty.isEmpty() && c == m_flushedCounters)
        return;
    // Copies of the rows' current state: cheap (implicitly shared hashes), and the writer thread never
    // touches the store.
    QList<std::pair<PersistenceWriter::Key, std::optional<Row>>> rows;
    rows.reserve(m_dirty.size());
    for (const auto &key : std::as_const(m_dirty)) {
        const Row *row = m_store.find(*key.first, key.second);
        rows.append({key, row ? std::optional<Row>(*row) : std::nullopt});
    }
    m_dirty.clear();
    m_flushedCounters = c;
    m_writing = true;
    PersistenceWriter *writer = m_writer;
    QMetaObject::invokeMethod(
        writer, [writer, rows = std::move(rows), c, upTo = m_marked] { writer->write(rows, c, upTo); });
}

void OrgPersistence::written(quint64 upTo)
{
    m_writing = false;
    m_durable = qMax(m_durable, upTo);
    while (!m_waiters.empty() && m_waiters.front().upTo <= m_durable) {
        const std::function<void()> release = std::move(m_waiters.front().release);
        m_waiters.pop_front();
        release();
    }
    // Whatever was committed while that flush was being written goes now, in one transaction.
    if (!m_dirty.isEmpty())
        flush();
}

bool OrgPersistence::close(QString *error)
{
    if (!m_writer)
        return true;
    m_timer.stop();
    // A flush still on the writer thread is written first (the writer runs its events in order); what
    // accumulated since goes after it.
    m_writing = false;
    flush();
    m_store.setCommitObserver({});
    bool ok = true;
    PersistenceWriter *writer = m_writer;
    QMetaObject::invokeMethod(
        writer, [&] { ok = writer->close(error); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete writer;
    m_writer = nullptr;
    m_thread.reset();
    return ok;
}

} // namespace d365::sandbox
