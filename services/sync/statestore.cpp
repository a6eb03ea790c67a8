#include "services/sync/statestore.h"

#include "services/mapping/mapping.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QUrl>
#include <QUuid>
#include <QVariant>
#include <QtEndian>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcState, "d365.sync.state")

namespace d365::services {

namespace {

// 2: rows.members (update mode's per-column hashes); a version-1 file gains the column when opened.
constexpr int SchemaVersion = 2;

QString tr(const char *text)
{
    return QCoreApplication::translate("StateStore", text);
}

Error storeError(const QString &path, const QString &what)
{
    return Error::make(
        ErrorCategory::Configuration,
        tr("The sync state file %1 cannot be used: %2. Move it away (the next run then sends every row "
           "once), or give d365sync-cli another one with --state FILE.")
            .arg(QDir::toNativeSeparators(path), what),
        what);
}

QString identityOf(const Mapping &mapping)
{
    QJsonObject source{{u"type"_s, mapping.source.type},
                       {u"path"_s, mapping.source.path},
                       {u"keyColumn"_s, mapping.source.keyColumn}};
    if (!mapping.source.connection.isEmpty()) // file sources keep the identity they had before connections
        source.insert(u"connection"_s, mapping.source.connection);
    QJsonObject identity{{u"source"_s, source},
                         {u"entitySet"_s, mapping.target.entitySet},
                         {u"matchKey"_s, QJsonArray::fromStringList(mapping.target.matchKey)}};
    // An audience keeps its own file: a records mapping of the same source and table must not share it (its
    // fingerprint differs, and opening the file with another one would reset that mapping's state).
    if (const auto &list = mapping.target.list) {
        identity.insert(u"list"_s, list->id.isEmpty() ? list->name : list->id);
    }
    return QString::fromLatin1(
        QCryptographicHash::hash(QJsonDocument(identity).toJson(QJsonDocument::Compact),
                                 QCryptographicHash::Sha256)
            .toHex()
            .left(16));
}

} // namespace

StateStore::~StateStore()
{
    m_memberQuery.reset(); // before its connection goes
    if (m_db.isValid()) {
        m_db.close();
    }
    m_db = QSqlDatabase();
    if (!m_connection.isEmpty()) {
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QString StateStore::defaultPath(const QString &orgUrl, const Mapping &mapping)
{
    const QUrl url(orgUrl);
    const QString org = url.host() + u'_' + QString::number(url.port(url.scheme() == "https"_L1 ? 443 : 80));
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/state/"_s + org + u'/' +
           mapping.target.entitySet + u'-' + identityOf(mapping) + u".db"_s;
}

QString StateStore::fingerprint(const Mapping &mapping)
{
    // Everything that changes what a row converts to; a change makes every stored hash meaningless.
    QJsonArray fields;
    for (const FieldMapping &field : mapping.fields) {
        QJsonObject f{{u"source"_s, field.source},
                      {u"target"_s, field.target},
                      {u"nullPolicy"_s, nullPolicyName(field.nullPolicy)},
                      {u"truncate"_s, field.truncate},
                      {u"sourceTimeZone"_s, field.sourceTimeZone}};
        if (field.hasConstant()) {
            f.insert(u"constant"_s, field.constant);
        }
        if (field.lookup) {
            f.insert(u"lookup"_s,
                     QJsonObject{{u"table"_s, field.lookup->table},
                                 {u"tableColumn"_s, field.lookup->tableColumn},
                                 {u"key"_s, QJsonArray::fromStringList(field.lookup->key)},
                                 {u"sources"_s, QJsonArray::fromStringList(field.lookup->sources)}});
        }
        fields.append(f);
    }
    const QJsonObject all{{u"entitySet"_s, mapping.target.entitySet},
                          {u"matchKey"_s, QJsonArray::fromStringList(mapping.target.matchKey)},
                          {u"mode"_s, syncModeName(mapping.mode)},
                          {u"sourceTimeZone"_s, mapping.sourceTimeZone},
                          {u"fields"_s, fields}};
    return QString::fromLatin1(QCryptographicHash::hash(QJsonDocument(all).toJson(QJsonDocument::Compact),
                                                        QCryptographicHash::Sha256)
                                   .toHex());
}

quint64 StateStore::keyHash(const QString &sourceKey)
{
    quint64 hash = 14695981039346656037ull;
    for (const QChar c : sourceKey) {
        hash ^= c.unicode();
        hash *= 1099511628211ull;
    }
    return hash == 0 ? 1 : hash;
}

Result<void> StateStore::exec(const QString &sql)
{
    QSqlQuery query(m_db);
    if (!query.exec(sql)) {
        return storeError(m_path, query.lastError().text());
    }
    return {};
}

Result<std::unique_ptr<StateStore>> StateStore::open(const QString &path, const QString &fingerprint,
                                                     Access access)
{
    std::unique_ptr<StateStore> store(new StateStore);
    store->m_path = path;
    store->m_readOnly = access == Access::ReadOnly;
    if (store->m_readOnly && !QFileInfo::exists(path)) {
        return store; // nothing ran yet: no state, and a preview creates none
    }
    if (!store->m_readOnly && !QDir().mkpath(QFileInfo(path).absolutePath())) {
        return storeError(path, tr("its folder cannot be created"));
    }
    store->m_connection = u"d365-state-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    store->m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, store->m_connection);
    store->m_db.setDatabaseName(path);
    store->m_db.setConnectOptions(store->m_readOnly ? u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s
                                                    : u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!store->m_db.open()) {
        return storeError(path, store->m_db.lastError().text());
    }
    if (store->m_readOnly) {
        if (auto loaded = store->load(fingerprint); !loaded.ok()) {
            return loaded.error();
        }
        return store;
    }
    // WAL: `history` reads while a run writes. FULL: an insert's intent survives a power loss (it is written
    // before the create is sent, once per chunk).
    for (const auto &sql :
         {u"PRAGMA journal_mode=WAL"_s, u"PRAGMA synchronous=FULL"_s,
          u"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"_s,
          u"CREATE TABLE IF NOT EXISTS rows (key_hash INTEGER PRIMARY KEY, source_key TEXT, "
          "row_hash INTEGER, record_id TEXT, failed INTEGER NOT NULL DEFAULT 0, "
          "pending_since INTEGER NOT NULL DEFAULT 0, members BLOB)"_s,
          u"CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT, "
          "ended TEXT, mapping TEXT, profile TEXT, mode TEXT, writer TEXT, summary TEXT, "
          "exit_code INTEGER, error TEXT)"_s,
          u"CREATE TABLE IF NOT EXISTS failed (run_id INTEGER, source_row INTEGER, "
          "source_key TEXT, http INTEGER, code TEXT, message TEXT)"_s,
          u"CREATE INDEX IF NOT EXISTS failed_run ON failed(run_id)"_s}) {
        if (auto done = store->exec(sql); !done.ok()) {
            return done.error();
        }
    }
    if (auto migrated = store->addMembersColumn(); !migrated.ok()) {
        return migrated.error();
    }
    if (auto loaded = store->load(fingerprint); !loaded.ok()) {
        return loaded.error();
    }
    return store;
}

Result<void> StateStore::addMembersColumn()
{
    // A file of schema version 1 has no members column yet: its rows have no per-column hashes, so their next
    // update sends every column once.
    QSqlQuery columns(m_db);
    if (!columns.exec(u"PRAGMA table_info(rows)"_s)) {
        return storeError(m_path, columns.lastError().text());
    }
    while (columns.next()) {
        if (columns.value(1).toString() == u"members"_s) {
            return {};
        }
    }
    columns.finish();
    if (auto added = exec(u"ALTER TABLE rows ADD COLUMN members BLOB"_s); !added.ok()) {
        return added;
    }
    // From now on an older D365 Sync refuses the file ("written by a newer D365 Sync"): it would write rows
    // without updating their column hashes, and update mode would then trust stale ones.
    return exec(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '%1')"_s.arg(SchemaVersion));
}

std::optional<QByteArray> StateStore::memberHashes(quint64 keyHash)
{
    if (!m_memberQuery) {
        m_memberQuery = std::make_unique<QSqlQuery>(m_db);
        m_memberQuery->setForwardOnly(true);
        if (!m_memberQuery->prepare(u"SELECT members FROM rows WHERE key_hash = ?"_s)) {
            qCWarning(lcState) << "cannot read column hashes:" << m_memberQuery->lastError().text();
            return std::nullopt;
        }
    }
    m_memberQuery->bindValue(0, qint64(keyHash));
    std::optional<QByteArray> packed;
    if (m_memberQuery->exec() && m_memberQuery->next() && !m_memberQuery->value(0).isNull()) {
        packed = m_memberQuery->value(0).toByteArray();
    }
    m_memberQuery->finish();
    return packed;
}

QByteArray StateStore::packMemberHashes(std::vector<quint64> hashes)
{
    std::sort(hashes.begin(), hashes.end());
    QByteArray packed(qsizetype(hashes.size() * sizeof(quint64)), Qt::Uninitialized);
    for (size_t i = 0; i < hashes.size(); ++i) {
        qToLittleEndian(hashes[i], packed.data() + i * sizeof(quint64));
    }
    return packed;
}

bool StateStore::containsMemberHash(const QByteArray &packed, quint64 hash)
{
    // Binary search over the sorted little-endian array.
    qsizetype low = 0;
    qsizetype high = packed.size() / qsizetype(sizeof(quint64));
    while (low < high) {
        const qsizetype middle = (low + high) / 2;
        const quint64 value = qFromLittleEndian<quint64>(packed.constData() + middle * sizeof(quint64));
        if (value == hash) {
            return true;
        }
        if (value < hash) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return false;
}

Result<void> StateStore::load(const QString &fingerprint)
{
    const QString &path = m_path;
    QSqlQuery meta(m_db);
    if (!meta.exec(u"SELECT key, value FROM meta"_s)) {
        return storeError(path, meta.lastError().text());
    }
    QHash<QString, QString> values;
    while (meta.next()) {
        values.insert(meta.value(0).toString(), meta.value(1).toString());
    }
    meta.finish();
    if (values.value(u"schema"_s).toInt() > SchemaVersion) {
        return storeError(
            path,
            tr("it was written by a newer D365 Sync (state version %1)").arg(values.value(u"schema"_s)));
    }
    bool hashesValid = true;
    if (values.value(u"fingerprint"_s) != fingerprint) {
        // The mapping converts differently now: stored hashes say nothing. Ids and history stay.
        m_fingerprintChanged = values.contains(u"fingerprint"_s);
        hashesValid = false;
        if (m_fingerprintChanged) {
            qCInfo(lcState) << "the mapping changed since the last run: every row counts as changed";
        }
        if (!m_readOnly) {
            QSqlQuery reset(m_db);
            reset.exec(u"UPDATE rows SET row_hash = 0, members = NULL"_s);
            QSqlQuery put(m_db);
            put.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"_s);
            for (const auto &[key, value] : {qMakePair(u"fingerprint"_s, fingerprint),
                                             qMakePair(u"schema"_s, QString::number(SchemaVersion))}) {
                put.addBindValue(key);
                put.addBindValue(value);
                if (!put.exec()) {
                    return storeError(path, put.lastError().text());
                }
            }
        }
    }
    // Everything a run compares against, in memory, looked up once per source row; the table is sized once.
    QSqlQuery count(m_db);
    if (count.exec(u"SELECT count(*) FROM rows"_s) && count.next()) {
        m_entries.reserve(count.value(0).toLongLong());
    }
    count.finish();
    QSqlQuery rows(m_db);
    rows.setForwardOnly(true);
    if (!rows.exec(u"SELECT key_hash, row_hash, failed, pending_since FROM rows"_s)) {
        return storeError(path, rows.lastError().text());
    }
    while (rows.next()) {
        Entry *entry = m_entries.insert(quint64(rows.value(0).toLongLong())).first;
        entry->rowHash = hashesValid ? quint64(rows.value(1).toLongLong()) : 0;
        entry->failed = rows.value(2).toInt() != 0;
        if (const qint64 since = rows.value(3).toLongLong(); since > 0) {
            entry->pending = true;
            m_pendingSince.insert(quint64(rows.value(0).toLongLong()), since);
        }
    }
    qCInfo(lcState).noquote() << u"state %1 holds %2 rows%3"_s.arg(path)
                                     .arg(m_entries.size())
                                     .arg(m_readOnly ? u" (read only)"_s : QString());
    return {};
}

QSet<quint64> StateStore::failedLastRun(qint64 currentRunId) const
{
    // The rows the previous run recorded as failed (conversion, duplicate key or the service's answer), and
    // rows whose last write failed in any earlier run and were not confirmed since (a killed run's rows).
    QSet<quint64> keys;
    m_entries.forEach([&keys](quint64 key, const Entry &entry) {
        if (entry.failed) {
            keys.insert(key);
        }
    });
    if (!m_db.isOpen()) {
        return keys; // a preview of a mapping that never ran
    }
    QSqlQuery query(m_db);
    query.prepare(u"SELECT source_key FROM failed WHERE run_id = (SELECT max(id) FROM runs WHERE id < ?)"_s);
    query.addBindValue(currentRunId > 0 ? currentRunId : std::numeric_limits<qint64>::max());
    if (!query.exec()) {
        qCWarning(lcState) << "cannot read the failed rows of the last run:" << query.lastError().text();
    }
    while (query.next()) {
        keys.insert(keyHash(query.value(0).toString()));
    }
    return keys;
}

QList<QPair<quint64, qint64>> StateStore::pendingRows() const
{
    QList<QPair<quint64, qint64>> rows;
    m_entries.forEach([&](quint64 key, const Entry &entry) {
        if (entry.pending) {
            rows.append({key, m_pendingSince.value(key)});
        }
    });
    return rows;
}

template<typename Item, typename Bind, typename Apply>
Result<void> StateStore::writeEach(const QString &sql, const QList<Item> &items, Bind bind, Apply apply)
{
    if (m_readOnly || items.isEmpty()) {
        return {};
    }
    m_db.transaction();
    QSqlQuery query(m_db);
    query.prepare(sql);
    for (const Item &item : items) {
        if (!bind(query, item)) {
            continue;
        }
        if (!query.exec()) {
            m_db.rollback();
            return storeError(m_path, query.lastError().text());
        }
        apply(item);
    }
    if (!m_db.commit()) {
        return storeError(m_path, m_db.lastError().text());
    }
    return {};
}

// Key hashes come from keyHash(), which is never 0 (the flat table's empty slot).

Result<void> StateStore::markPending(const QList<Confirmed> &rows, qint64 sentAtMs)
{
    return writeEach(
        u"INSERT INTO rows (key_hash, source_key, row_hash, pending_since) VALUES (?, ?, 0, ?) "
        "ON CONFLICT(key_hash) DO UPDATE SET pending_since = excluded.pending_since"_s,
        rows,
        [sentAtMs](QSqlQuery &query, const Confirmed &row) {
            query.addBindValue(qint64(row.keyHash));
            query.addBindValue(row.sourceKey);
            query.addBindValue(sentAtMs);
            return true;
        },
        [this, sentAtMs](const Confirmed &row) {
            Entry *entry = m_entries.insert(row.keyHash).first;
            entry->pending = true;
            m_pendingSince.insert(row.keyHash, sentAtMs);
            entry->seen = true;
        });
}

Result<void> StateStore::confirm(const QList<Confirmed> &rows)
{
    return writeEach(
        u"INSERT INTO rows (key_hash, source_key, row_hash, record_id, failed, pending_since, members) "
        "VALUES (?, ?, ?, ?, 0, 0, ?) ON CONFLICT(key_hash) DO UPDATE SET source_key = excluded.source_key, "
        "row_hash = excluded.row_hash, record_id = coalesce(excluded.record_id, rows.record_id), "
        "failed = 0, pending_since = 0, members = excluded.members"_s,
        rows,
        [](QSqlQuery &query, const Confirmed &row) {
            query.addBindValue(qint64(row.keyHash));
            query.addBindValue(row.sourceKey);
            query.addBindValue(qint64(row.rowHash));
            query.addBindValue(row.recordId.isEmpty() ? QVariant() : QVariant(row.recordId));
            query.addBindValue(row.memberHashes.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                                          : QVariant(row.memberHashes));
            return true;
        },
        [this](const Confirmed &row) {
            Entry *entry = m_entries.insert(row.keyHash).first;
            entry->rowHash = row.rowHash;
            entry->failed = false;
            if (entry->pending) {
                entry->pending = false;
                m_pendingSince.remove(row.keyHash);
            }
            entry->seen = true; // written in this run: the source has it
        });
}

Result<void> StateStore::fail(const QList<quint64> &keyHashes)
{
    return writeEach(
        u"UPDATE rows SET failed = 1, pending_since = 0 WHERE key_hash = ?"_s, keyHashes,
        [this](QSqlQuery &query, quint64 keyHash) {
            if (!entry(keyHash)) {
                return false; // never written: nothing to remember, it is sent next time anyway
            }
            query.addBindValue(qint64(keyHash));
            return true;
        },
        [this](quint64 keyHash) {
            Entry *failed = entry(keyHash);
            failed->failed = true;
            if (failed->pending) {
                failed->pending = false;
                m_pendingSince.remove(keyHash);
            }
        });
}

qint64 StateStore::beginRun(const RunRecord &run)
{
    if (m_readOnly) {
        return 0;
    }
    QSqlQuery query(m_db);
    query.prepare(
        u"INSERT INTO runs (started, mapping, profile, mode, writer, exit_code) VALUES (?, ?, ?, ?, ?, -1)"_s);
    query.addBindValue(run.started.toUTC().toString(Qt::ISODateWithMs));
    query.addBindValue(run.mapping);
    query.addBindValue(run.profile);
    query.addBindValue(run.mode);
    query.addBindValue(run.writer);
    if (!query.exec()) {
        qCWarning(lcState) << "cannot record the run:" << query.lastError().text();
        return 0;
    }
    return query.lastInsertId().toLongLong();
}

Result<void> StateStore::recordFailed(qint64 runId, const QList<FailedRow> &failed)
{
    if (m_readOnly) {
        return {};
    }
    if (failed.isEmpty() || runId <= 0) {
        return {};
    }
    m_db.transaction();
    QSqlQuery insert(m_db);
    insert.prepare(
        u"INSERT INTO failed (run_id, source_row, source_key, http, code, message) VALUES (?, ?, ?, ?, ?, ?)"_s);
    for (const FailedRow &row : failed) {
        insert.addBindValue(runId);
        insert.addBindValue(row.sourceRow);
        insert.addBindValue(row.sourceKey);
        insert.addBindValue(row.httpStatus);
        insert.addBindValue(row.code);
        insert.addBindValue(row.message);
        if (!insert.exec()) {
            m_db.rollback();
            return storeError(m_path, insert.lastError().text());
        }
    }
    if (!m_db.commit()) {
        return storeError(m_path, m_db.lastError().text());
    }
    return {};
}

Result<void> StateStore::endRun(qint64 runId, const SyncSummary &summary, int exitCode, bool complete)
{
    if (m_readOnly) {
        return {};
    }
    m_db.transaction();
    QSqlQuery query(m_db);
    const QJsonObject counts{{u"total"_s, summary.total},         {u"created"_s, summary.created},
                             {u"updated"_s, summary.updated},     {u"upserted"_s, summary.upserted},
                             {u"unchanged"_s, summary.unchanged}, {u"failed"_s, summary.failed},
                             {u"skipped"_s, summary.skipped},     {u"rowsRead"_s, summary.rowsRead},
                             {u"requests"_s, summary.requests},   {u"cancelled"_s, summary.cancelled},
                             {u"added"_s, summary.added},         {u"alreadyMember"_s, summary.alreadyMember},
                             {u"removed"_s, summary.removed},     {u"notMember"_s, summary.notMember}};
    query.prepare(
        u"UPDATE runs SET ended = ?, writer = ?, summary = ?, exit_code = ?, error = ? WHERE id = ?"_s);
    query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    query.addBindValue(summary.writer);
    query.addBindValue(QString::fromUtf8(QJsonDocument(counts).toJson(QJsonDocument::Compact)));
    query.addBindValue(exitCode);
    query.addBindValue(summary.fatal ? summary.fatal->message : QString());
    query.addBindValue(runId);
    if (!query.exec()) {
        m_db.rollback();
        return storeError(m_path, query.lastError().text());
    }
    // The history keeps the last runs, and the failed rows of fewer of them (one run may fail a million).
    for (const auto &[sql, keep] : {qMakePair(u"DELETE FROM failed WHERE run_id <= ?"_s, KeptFailedRuns),
                                    qMakePair(u"DELETE FROM runs WHERE id <= ?"_s, KeptRuns)}) {
        QSqlQuery prune(m_db);
        prune.prepare(sql);
        prune.addBindValue(runId - keep);
        if (!prune.exec()) {
            m_db.rollback();
            return storeError(m_path, prune.lastError().text());
        }
    }
    if (complete) {
        // Rows the source no longer has: their state would only grow the file.
        QSqlQuery prune(m_db);
        prune.prepare(u"DELETE FROM rows WHERE key_hash = ?"_s);
        qint64 pruned = 0;
        QString failure;
        m_entries.forEach([&](quint64 key, const Entry &entry) {
            if (entry.seen || entry.pending || !failure.isEmpty()) {
                return;
            }
            prune.addBindValue(qint64(key));
            if (!prune.exec()) {
                failure = prune.lastError().text();
            }
            ++pruned;
        });
        if (!failure.isEmpty()) {
            m_db.rollback();
            return storeError(m_path, failure);
        }
        if (pruned > 0) {
            qCInfo(lcState) << "pruned" << pruned << "rows the source no longer has";
        }
    }
    if (!m_db.commit()) {
        return storeError(m_path, m_db.lastError().text());
    }
    return {};
}

Result<QList<StateStore::RunRecord>> StateStore::readHistory(const QString &path, int limit)
{
    if (!QFileInfo::exists(path)) {
        return QList<RunRecord>();
    }
    const QString name = u"d365-history-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QList<RunRecord> runs;
    std::optional<Error> failure;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open()) {
            failure = storeError(path, db.lastError().text());
        } else {
            QSqlQuery query(db);
            query.prepare(
                u"SELECT id, started, ended, mapping, profile, mode, writer, summary, exit_code, error "
                "FROM runs ORDER BY id DESC LIMIT ?"_s);
            query.addBindValue(limit);
            if (!query.exec()) {
                failure = storeError(path, query.lastError().text());
            }
            while (query.next()) {
                RunRecord run;
                run.id = query.value(0).toLongLong();
                run.started = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs);
                run.ended = QDateTime::fromString(query.value(2).toString(), Qt::ISODateWithMs);
                run.mapping = query.value(3).toString();
                run.profile = query.value(4).toString();
                run.mode = query.value(5).toString();
                run.writer = query.value(6).toString();
                const QJsonObject counts =
                    QJsonDocument::fromJson(query.value(7).toString().toUtf8()).object();
                run.total = counts.value("total"_L1).toInteger(-1);
                run.created = counts.value("created"_L1).toInteger();
                run.updated = counts.value("updated"_L1).toInteger();
                run.upserted = counts.value("upserted"_L1).toInteger();
                run.unchanged = counts.value("unchanged"_L1).toInteger();
                run.failed = counts.value("failed"_L1).toInteger();
                run.skipped = counts.value("skipped"_L1).toInteger();
                run.rowsRead = counts.value("rowsRead"_L1).toInteger();
                run.requests = counts.value("requests"_L1).toInteger();
                run.added = counts.value("added"_L1).toInteger();
                run.alreadyMember = counts.value("alreadyMember"_L1).toInteger();
                run.removed = counts.value("removed"_L1).toInteger();
                run.notMember = counts.value("notMember"_L1).toInteger();
                run.cancelled = counts.value("cancelled"_L1).toBool();
                run.exitCode = query.value(8).isNull() ? -1 : query.value(8).toInt();
                run.error = query.value(9).toString();
                runs.append(run);
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (failure) {
        return *failure;
    }
    return runs;
}

Result<QList<StateStore::FailedRow>> StateStore::readFailedRows(const QString &path, qint64 runId)
{
    const QString name = u"d365-failed-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QList<FailedRow> rows;
    std::optional<Error> failure;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open()) {
            failure = storeError(path, db.lastError().text());
        } else {
            QSqlQuery query(db);
            query.prepare(u"SELECT source_row, source_key, http, code, message FROM failed WHERE run_id = ? "
                          "ORDER BY source_row"_s);
            query.addBindValue(runId);
            if (!query.exec()) {
                failure = storeError(path, query.lastError().text());
            }
            while (query.next()) {
                rows.append({query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toInt(),
                             query.value(3).toString(), query.value(4).toString()});
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (failure) {
        return *failure;
    }
    return rows;
}

} // namespace d365::services
