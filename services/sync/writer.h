#pragma once

// The writer stage of the sync pipeline: converted rows in, one outcome per row out. The engine hands a
// writer a chunk of rows and waits for its answer; a writer may send several requests for one chunk (a
// failed all-or-nothing bulk request is split, rows that failed transiently are sent again, keys are
// resolved to ids first), but it always answers every row of the chunk exactly once.
//
//   write(rows, done) → … → done({outcomes (one per row, any order), fatal?, requests})
//
// `fatal` is set when the chunk met a problem that is not one row's fault (sign-in, privilege, the service or
// network down after retries, throttling that never ends): the engine stops sending. The rows of that chunk
// still have their outcomes (failed with that error, or what the service did before it).
//
// Writers: BulkWriter (CreateMultiple / UpdateMultiple / UpsertMultiple, FACTS §7) and BatchWriter ($batch of
// key-addressed PATCHes, FACTS §6); the engine picks one per table and mode (Preflight).

#include "services/common/result.h"
#include "services/dataverse/dataverseclient.h"
#include "services/mapping/mapping.h"
#include "services/sync/convertedrow.h"
#include "services/sync/syncresult.h"

#include <QObject>

#include <functional>

namespace d365::services {

// What every writer needs to know about the target table.
struct WriteTarget
{
    QString entitySet;          // "contacts"
    QString logicalName;        // "contact"
    QString primaryIdAttribute; // "contactid"
    QStringList matchKey;       // columns addressing a record: an alternate key, or [primaryIdAttribute]
    SyncMode mode = SyncMode::Upsert;
    bool hasCreatedOn = true; // the table has createdon (used to tell our own create from an older record)

    bool matchKeyIsPrimaryId() const
    {
        return matchKey.size() == 1 && matchKey.first() == primaryIdAttribute;
    }
};

struct WriteResult
{
    QList<RowOutcome> outcomes;
    std::optional<Error> fatal;
    qint64 writeRequests = 0; // HTTP requests that wrote (retries included)
    qint64 readRequests = 0;  // HTTP requests that only read (key resolution, checks)
    qint64 wireMilliseconds = 0;
    qint64 slowestRequestMs = 0; // the slowest write request of the chunk (batch sizing)
};

class Writer : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(WriteResult)>;

    Writer(DataverseClient *client, WriteTarget target, QObject *parent = nullptr);

    // What the summary and logs call it: "UpsertMultiple", "$batch", …
    virtual QString name() const = 0;
    // Rows per request when the user did not choose.
    virtual int defaultBatchSize() const = 0;
    // The most rows one request may carry.
    virtual int maxBatchSize() const = 0;
    virtual void write(QList<ConvertedRow> rows, Done done) = 0;

    // Whether an error ends the run (not one row's fault).
    static bool stopsRun(const Error &error);

protected:
    // The outcome of one row from a single-row answer (a $batch part, a one-row bulk request).
    RowOutcome outcomeFor(const ConvertedRow &row, const DataverseResponse &answer, RowStatus success) const;
    RowOutcome failedOutcome(const ConvertedRow &row, const Error &error, int httpStatus,
                             const QString &code) const;
    QString keySegment(const ConvertedRow &row) const;

    DataverseClient *m_client;
    WriteTarget m_target;
};

} // namespace d365::services
