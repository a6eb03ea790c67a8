#pragma once

// Value types of a sync run, shared by the worker, the run-results model, the GUI and the CLI.
// Every source row ends with exactly one RowOutcome.

#include "services/common/result.h"

#include <QDateTime>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace d365::services {

enum class RowStatus {
    Created,   // a new record was created
    Updated,   // an existing record was updated
    Unchanged, // the org already holds these values (sync state): not sent
    Failed,    // the row could not be written: see errorCode / message
    Skipped,   // read but not sent: the run was cancelled or stopped on an error first
    Upserted,  // written by UpsertMultiple, which does not say whether it created or updated (FACTS §7)
    // Audiences (marketing lists): what happened to the row's member. In upsert mode the member record was
    // upserted first (counted in SyncSummary::upserted), then added.
    Added,         // the member was put in the list
    AlreadyMember, // the member was in the list already: nothing sent
    Removed,       // the member was taken out of the list (also a mirror's extra member: sourceRow -1)
    NotMember,     // remove mode: the member was not in the list: nothing sent
};

constexpr std::size_t RowStatusCount = 10;

QString rowStatusName(RowStatus status); // "created", "updated", ...

struct RowOutcome
{
    qint64 sourceRow = -1; // 0-based index in the source result
    QString key;           // value of the mapping's source key column
    RowStatus status = RowStatus::Failed;
    int httpStatus = 0; // last HTTP status, 0 when no request was made
    QString errorCode;  // Dataverse error code (e.g. 0x80044331) or a local code (e.g. "conversion")
    QString message;    // human-readable reason for a failure
};

struct ColumnChange
{
    QString column;       // the attribute's logical name
    QJsonValue before;    // null when the record does not exist yet or the column is empty
    QJsonValue after;     // what the run sends (for a lookup, its @odata.bind path)
    bool compared = true; // false: a lookup by alternate key, shown but not compared
};

// A dry run's view of one row (rowpreview.h compares).
struct RowPreview
{
    qint64 sourceRow = 0;
    QString key;                             // the source key
    RowStatus status = RowStatus::Unchanged; // Created, Updated, Unchanged or Failed as the run would end
    QString errorCode;                       // Failed: why
    QString message;
    QList<ColumnChange> changes; // Created: every column sent; Updated: the columns that differ
};

// An audience run's view of its marketing list (SyncSummary::audience).
struct AudienceSummary
{
    struct Member
    {
        QString id;
        QString name;
    };
    QString mode; // "add", "remove", "mirror", "upsert"
    QString listId;
    QString listName;
    QString memberTable;       // "contact", "account" or "lead"
    bool listCreated = false;  // createIfMissing made it during this run (a dry run: would make it)
    qint64 membersBefore = -1; // read at the start (-1: not read)
    qint64 membersAfter = -1;  // membersBefore + added - removed (-1: unknown)
    qint64 toAdd = 0;          // the plan: members to add and to remove
    qint64 toRemove = 0;
    int maxRemovalPercent = 20; // the mirror gate that applied
    // Mirror: the list's members the source does not have; each is also an outcome with sourceRow -1
    // (Removed, or Failed when the removal failed). The first 10,000 are listed here.
    qint64 extras = 0;
    qint64 extrasFailed = 0; // of them, the removals that failed (counted in SyncSummary::failed too)
    QList<Member> extraMembers;
};

struct SyncSummary
{
    qint64 total = -1; // rows in the source: counted alongside the run; -1 while (or if never) known
    qint64 created = 0;
    qint64 updated = 0;
    qint64 upserted = 0;
    qint64 unchanged = 0;
    qint64 failed = 0;
    qint64 skipped = 0;
    qint64 added = 0;         // audiences: outcomes Added, AlreadyMember, Removed (source rows and
    qint64 alreadyMember = 0; // a mirror's extra members), NotMember
    qint64 removed = 0;
    qint64 notMember = 0;
    qint64 rowsRead = 0;         // source rows read; each has exactly one outcome above
    bool sourceComplete = false; // every source row was read
    qint64 requests = 0;         // HTTP write requests sent, retries included
    qint64 readRequests = 0;     // reads of existing records (key resolution, checks after a lost answer)
    qint64 throttled = 0;        // 429 answers (each waited Retry-After)
    qint64 wireMilliseconds = 0; // summed wall time of the write requests on the wire
    qint64 elapsedMs = 0;
    QString writer;      // "UpsertMultiple", "CreateMultiple", "UpdateMultiple" or "$batch"
    int batchSize = 0;   // rows per write request at the end of the run (it shrinks on slow requests)
    int concurrency = 0; // write requests in flight at most
    bool cancelled = false;
    std::optional<Error> fatal; // set when the run stopped for a reason that is not one row's fault
    QDateTime startedAt;
    QDateTime endedAt;
    QString statePath;     // the sync state and history this run used (empty without)
    qint64 runId = 0;      // its number in that history
    qint64 retryRows = -1; // --retry-failed: the rows that failed last time (-1: not a retry)
    // A dry run: nothing was written; the counts say what a run would do (created/updated/unchanged/failed,
    // read from the records as they are), `preview` shows a sample of rows with their columns.
    bool dryRun = false;
    QList<RowPreview> preview;
    std::optional<AudienceSummary> audience; // set for a run into a marketing list

    // Outcomes of source rows (an audience's upserted rows end as added or already members, and a mirror's
    // extra members are not source rows).
    qint64 done() const
    {
        return (audience ? 0 : created + updated + upserted) + unchanged + failed + skipped + added +
               alreadyMember + notMember + removed - (audience ? audience->extras : 0);
    }
    qint64 written() const { return done() - failed - skipped; }
    qint64 sourceFailed() const { return failed - (audience ? audience->extrasFailed : 0); }
    // Source rows never read because the run stopped first (0 when the total is unknown).
    qint64 notRead() const { return total > rowsRead ? total - rowsRead : 0; }
    double rowsPerSecond() const { return elapsedMs > 0 ? done() * 1000.0 / elapsedMs : 0.0; }
    // How the run ended as a process exit code (d365::ExitCode): 0 only when every source row was written.
    int exitCode() const;
};

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::RowOutcome)
Q_DECLARE_METATYPE(d365::services::SyncSummary)
