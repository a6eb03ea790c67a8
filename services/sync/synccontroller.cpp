#include "services/sync/synccontroller.h"

#include "services/sync/syncworker.h"

#include <QLoggingCategory>
#include <QThread>

Q_LOGGING_CATEGORY(lcController, "d365.sync.controller")

namespace d365::services {

SyncController::SyncController(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<d365::services::RowOutcome>();
    qRegisterMetaType<QList<d365::services::RowOutcome>>();
    qRegisterMetaType<d365::services::SyncSummary>();
    qRegisterMetaType<d365::ErrorCategory>();
}

SyncController::~SyncController()
{
    if (m_thread) {
        cancel();
        m_thread->quit();
        m_thread->wait();
    }
}

bool SyncController::isRunning() const
{
    return m_thread != nullptr;
}

bool SyncController::start(const Mapping &mapping, const ConnectionProfile &profile,
                           TokenProvider *tokenProvider, const SyncOptions &options)
{
    if (m_thread) {
        qCWarning(lcController) << "a sync is already running";
        return false;
    }
    m_ledger.clear();
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("d365-sync-worker"));
    auto *worker = new SyncWorker(mapping, profile, tokenProvider, options);
    worker->moveToThread(m_thread);
    m_worker = worker;

    connect(m_thread, &QThread::started, worker, &SyncWorker::run);
    connect(worker, &SyncWorker::started, this, &SyncController::started);
    connect(worker, &SyncWorker::progress, this, &SyncController::progress);
    connect(worker, &SyncWorker::rowOutcomes, this, [this](const QList<RowOutcome> &outcomes) {
        m_ledger.record(outcomes);
        Q_EMIT rowOutcomes(outcomes);
    });
    connect(worker, &SyncWorker::error, this, &SyncController::error);
    connect(worker, &SyncWorker::finished, this, &SyncController::onWorkerFinished);
    // The worker is deleted on its own thread once the thread's loop has ended.
    connect(m_thread, &QThread::finished, worker, &QObject::deleteLater);
    m_thread->start();
    return true;
}

void SyncController::cancel()
{
    if (m_worker) {
        // SyncWorker::cancel only sets an atomic flag, so calling it across threads is safe.
        m_worker->cancel();
    }
}

void SyncController::onWorkerFinished(const SyncSummary &summary)
{
    QThread *thread = m_thread;
    m_thread = nullptr;
    m_worker.clear();
    if (thread) {
        thread->quit();
        thread->wait();
        thread->deleteLater();
    }
    Q_EMIT finished(summary);
}

} // namespace d365::services
