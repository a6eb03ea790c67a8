#pragma once

// What a mapping last wrote to its org, per source row, and its run history: one SQLite file (WAL) per
// org + table + mapping (defaultPath()), or the file given with --state.
//
//   open(path, fingerprint)      the mapping's fingerprint (target, match key, fields and their conversions):
//                                when it changed since the last run, every row counts as changed
//   entry(keyHash)               in memory for the whole run: the hash of the values the service last
//                                confirmed, whether the row failed last time, whether a create was on its
//                                way when the last run ended (pending, insert mode)
//   memberHashes(keyHash)        update mode: what each column of the row was when last confirmed, so a
//                                changed row sends only its changed columns
//   markPending(rows)            insert mode, before a chunk is sent: the create's intent and its time
//   confirm(rows) / fail(rows)   after the service answered; only confirmed values ever make a row unchanged
//   beginRun / endRun            the run history: times, mapping, profile, mode, writer, counts, exit code,
//                                failed rows (source key, code, message); endRun of a complete run prunes the
//                                rows the source no longer has
//
// Keys are 64-bit hashes of the source key (RecordLookup::keyHash); the text of the key is kept beside it for
// reports. Used on one thread (the engine's); `history()` may be read from another process at any time (WAL).
// The store never holds a secret: keys, hashes, ids, counts and Dataverse's messages.

#include "services/common/flatkeytable.h"
#include "services/common/result.h"
#include "services/sync/syncresult.h"

#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace d365::services {

struct Mapping;

class StateStore
{
public:
    // 16 bytes: a million rows take 24 MB in memory (with their keys, at most 70 % full: 48 MB).
    struct Entry
    {
        quint64 rowHash = 0;
        bool failed = false;  // the last write of this row failed: try it again even when unchanged
        bool seen = false;    // read in this run (pruning)
        bool pending = false; // a create was on its way when a run ended (insert mode): pendingSince()
    };
    struct Confirmed
    {
        quint64 keyHash = 0;
        QString sourceKey;
        quint64 rowHash = 0;
        QString recordId; // when the answer said it
        // Update mode: the hashes of every member the service now holds (memberHashes()); empty otherwise.
        QByteArray memberHashes;
    };
    struct RunRecord
    {
        qint64 id = 0;
        QDateTime started;
        QDateTime ended;
        QString mapping;
        QString profile;
        QString mode;
        QString writer;
        qint64 total = -1;
        qint64 created = 0;
        qint64 updated = 0;
        qint64 upserted = 0;
        qint64 unchanged = 0;
        qint64 failed = 0;
        qint64 skipped = 0;
        qint64 rowsRead = 0;
        qint64 requests = 0;
        qint64 added = 0; // audiences: members added, already members, removed, not members
        qint64 alreadyMember = 0;
        qint64 removed = 0;
        qint64 notMember = 0;
        int exitCode = -1; // -1 while running or when the run was killed
        bool cancelled = false;
        QString error;
    };
    struct FailedRow
    {
        qint64 sourceRow = 0;
        QString sourceKey;
        int httpStatus = 0;
        QString code;
        QString message;
    };

    // How much history a state file keeps: the last KeptRuns runs, the failed rows of the last
    // KeptFailedRuns.
    static constexpr qint64 KeptRuns = 1000;
    static constexpr qint64 KeptFailedRuns = 50;

    ~StateStore();

    // The state file of a mapping: <AppDataLocation>/state/<org host_port>/<entity set>-<hash of the
    // mapping's identity: source, key column, target, match key>.db
    static QString defaultPath(const QString &orgUrl, const Mapping &mapping);
    // The fingerprint of what makes converted values comparable between runs.
    static QString fingerprint(const Mapping &mapping);

    enum class Access {
        ReadWrite,
        ReadOnly, // a preview: reads what the file holds (a missing file is an empty state), changes nothing
    };
    static Result<std::unique_ptr<StateStore>> open(const QString &path, const QString &fingerprint,
                                                    Access access = Access::ReadWrite);
    // The state key of a source row: a 64-bit hash of its source key, case-sensitive like the warehouse.
    static quint64 keyHash(const QString &sourceKey);
    // Read-only access to the history of a state file (the CLI's `history`), from any process.
    static Result<QList<RunRecord>> readHistory(const QString &path, int limit);
    static Result<QList<FailedRow>> readFailedRows(const QString &path, qint64 runId);

    const QString &path() const { return m_path; }
    // Whether the fingerprint differed from the stored one (the state was reset when opened).
    bool fingerprintChanged() const { return m_fingerprintChanged; }
    qsizetype size() const { return m_entries.size(); }

    Entry *entry(quint64 keyHash) { return m_entries.find(keyHash); }
    // Update mode: the sorted 64-bit hashes of the body members ("name":value) and of the match key that
    // the service confirmed for this row, packed (packMemberHashes()); nullopt when none are stored (another
    // mode wrote the row, or the mapping changed since). Read from the file: only changed rows ask.
    std::optional<QByteArray> memberHashes(quint64 keyHash);
    static QByteArray packMemberHashes(std::vector<quint64> hashes); // sorts
    static bool containsMemberHash(const QByteArray &packed, quint64 hash);
    // When the create of a pending row was sent (ms since epoch, the service's clock); 0 when not pending.
    qint64 pendingSince(quint64 keyHash) const { return m_pendingSince.value(keyHash); }
    // Keys of rows that failed in the run before `currentRunId` (for --retry-failed), and of rows whose last
    // write failed and was not confirmed since.
    QSet<quint64> failedLastRun(qint64 currentRunId) const;

    Result<void> markPending(const QList<Confirmed> &rows, qint64 sentAtMs);
    Result<void> confirm(const QList<Confirmed> &rows);
    Result<void> fail(const QList<quint64> &keyHashes);
    // Rows whose create was on its way when an earlier run ended.
    QList<QPair<quint64, qint64>> pendingRows() const;

    qint64 beginRun(const RunRecord &run);
    // Records how the run ended; `complete` (every source row read, no fatal error) also prunes the rows the
    // source no longer has.
    Result<void> recordFailed(qint64 runId, const QList<FailedRow> &failed);
    Result<void> endRun(qint64 runId, const SyncSummary &summary, int exitCode, bool complete);

private:
    StateStore() = default;
    Result<void> load(const QString &fingerprint);
    Result<void> exec(const QString &sql);
    Result<void> addMembersColumn();
    // One transaction of one prepared statement over `items`: bind(query, item) binds an item's values
    // (false: skip it), and once the statement ran apply(item) updates the entry in memory. Nothing in a
    // read-only store, nothing for no items; the first failing statement rolls everything back.
    template<typename Item, typename Bind, typename Apply>
    Result<void> writeEach(const QString &sql, const QList<Item> &items, Bind bind, Apply apply);

    QString m_path;
    QString m_connection;
    QSqlDatabase m_db;
    std::unique_ptr<QSqlQuery> m_memberQuery; // prepared once, for memberHashes()
    bool m_fingerprintChanged = false;
    bool m_readOnly = false;
    FlatKeyTable<Entry> m_entries;         // by key hash
    QHash<quint64, qint64> m_pendingSince; // few rows: only creates in flight when a run was killed
};

} // namespace d365::services
