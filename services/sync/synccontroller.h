#pragma once

// SyncController is what the GUI and the CLI hold to run a sync. It lives on the caller's thread, creates a
// named QThread per run, moves a SyncWorker onto it and relays the worker's signals (queued) to its own:
//
//   start() → started(total) → progress(done, total, stage)* and rowOutcomes(batch)* → finished(summary)
//                                         └─ error(category, message) for a fatal problem, before finished
//
// cancel() asks the worker to stop; rows not yet sent end as Skipped, and finished() still comes.
// The destructor cancels a running sync and waits for the thread.

#include "services/dataverse/connectionprofile.h"
#include "services/mapping/mapping.h"
#include "services/sync/syncresult.h"

#include <QObject>
#include <QPointer>

class QThread;

namespace d365::services {

class SyncWorker;
class TokenProvider;

struct SyncOptions
{
    int maxConcurrentRequests = 8; // upper bound of write requests in flight
    int maxRetries = 5;            // per request, for 429 / 5xx / transport errors
    // Rows per $batch request (FACTS §6: at most 1,000); 1 sends one PATCH per row. A batch is one request
    // for the service-protection count, so 100 rows cost 1 % of the requests of single writes.
    int batchSize = 100;
};

class SyncController : public QObject
{
    Q_OBJECT
public:
    explicit SyncController(QObject *parent = nullptr);
    ~SyncController() override;

    // tokenProvider is shared with the worker thread and must be thread-safe; it must outlive the run.
    bool start(const Mapping &mapping, const ConnectionProfile &profile, TokenProvider *tokenProvider,
               const SyncOptions &options = {});
    void cancel();
    bool isRunning() const;

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    void onWorkerFinished(const SyncSummary &summary);

    QThread *m_thread = nullptr;
    QPointer<SyncWorker> m_worker;
};

} // namespace d365::services
