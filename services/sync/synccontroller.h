#pragma once

// SyncController is what the GUI and the CLI hold to run a sync. It lives on the caller's thread, creates a
// named QThread per run, moves a SyncWorker onto it and relays the worker's signals (queued) to its own:
//
//   start() → started(total) → progress(done, total, stage)* and rowOutcomes(batch)* → finished(summary)
//                                         └─ error(category, message) for a fatal problem, before finished
//
// cancel() asks the worker to stop; rows read but not sent end as Skipped, and finished() still comes.
// Every outcome also goes into ledger(), before rowOutcomes() is emitted.
// The destructor cancels a running sync and waits for the thread.

#include "services/dataverse/connectionprofile.h"
#include "services/mapping/mapping.h"
#include "services/sync/runledger.h"
#include "services/sync/syncoptions.h"
#include "services/sync/syncresult.h"

#include <QObject>
#include <QPointer>

class QThread;

namespace d365::services {

class SyncWorker;
class TokenProvider;

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
    // Every outcome of the current (or last) run; cleared when a run starts.
    const RunLedger &ledger() const { return m_ledger; }

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    void onWorkerFinished(const SyncSummary &summary);

    RunLedger m_ledger;
    QThread *m_thread = nullptr;
    QPointer<SyncWorker> m_worker;
};

} // namespace d365::services
