#include "services/sync/runhistory.h"

#include "services/common/exitcode.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QtConcurrent>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRunHistory, "d365.sync.runhistory")

namespace d365::services {

QString runResultText(const StateStore::RunRecord &run)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("d365::services", text); };
    if (!run.ended.isValid())
        return tr("did not end (running, or killed)");
    if (run.cancelled)
        return tr("cancelled");
    switch (run.exitCode) {
    case Success:
        return tr("ok");
    case RowsFailed:
        return tr("rows failed");
    case ConfigurationError:
        return tr("configuration error");
    case SignInError:
        return tr("sign-in error");
    case ServiceError:
        return tr("service error");
    default:
        return tr("exit %1").arg(run.exitCode);
    }
}

namespace {

// Runs `work` on the thread pool and hands its result to `done` on `owner`'s thread, unless the history
// moved to another state file in between.
template<typename T, typename Work, typename Done>
void runInPool(RunHistory *owner, const quint64 &generation, Work work, Done done)
{
    auto *watcher = new QFutureWatcher<T>(owner);
    const quint64 started = generation;
    QObject::connect(watcher, &QFutureWatcher<T>::finished, owner,
                     [watcher, started, &generation, done = std::move(done)] {
                         watcher->deleteLater();
                         done(watcher->result(), started == generation);
                     });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

struct ExportOutcome
{
    Result<FailedRowsExport> result = FailedRowsExport{};
};

ExportOutcome writeExport(const QString &statePath, qint64 runId, const SourceSpec &source,
                          const QString &filePath)
{
    const auto rows = StateStore::readFailedRows(statePath, runId);
    if (!rows.ok())
        return {rows.error()};
    QSaveFile file(filePath);
    if (!file.open(QIODevice::WriteOnly))
        return {Error::make(ErrorCategory::Configuration,
                            QCoreApplication::translate("d365::services", "%1 cannot be written: %2.")
                                .arg(filePath, file.errorString()))};
    auto exported = exportFailedRows(source, rows.value(), &file, true);
    if (!exported.ok())
        return {exported.error()};
    if (!file.commit())
        return {Error::make(ErrorCategory::Configuration,
                            QCoreApplication::translate("d365::services", "%1 cannot be written: %2.")
                                .arg(filePath, file.errorString()))};
    return {exported};
}

} // namespace

RunHistory::RunHistory(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<StateStore::RunRecord>();
    qRegisterMetaType<StateStore::FailedRow>();
    qRegisterMetaType<FailedRowsExport>();
}

void RunHistory::setStatePath(const QString &path)
{
    if (path == m_path)
        return;
    m_path = path;
    ++m_generation;
    qCDebug(lcRunHistory) << "state file" << path;
    refresh();
}

void RunHistory::refresh()
{
    if (m_path.isEmpty()) {
        Q_EMIT runsLoaded({});
        return;
    }
    const QString path = m_path;
    const int limit = m_limit;
    runInPool<Result<QList<StateStore::RunRecord>>>(
        this, m_generation, [path, limit] { return StateStore::readHistory(path, limit); },
        [this](const Result<QList<StateStore::RunRecord>> &runs, bool current) {
            if (!current)
                return;
            if (!runs.ok()) {
                qCWarning(lcRunHistory).noquote() << "history not read:" << runs.error().detail;
                Q_EMIT failed(runs.error().message);
                return;
            }
            Q_EMIT runsLoaded(runs.value());
        });
}

void RunHistory::loadFailedRows(qint64 runId)
{
    if (m_path.isEmpty())
        return;
    const QString path = m_path;
    runInPool<Result<QList<StateStore::FailedRow>>>(
        this, m_generation, [path, runId] { return StateStore::readFailedRows(path, runId); },
        [this, runId](const Result<QList<StateStore::FailedRow>> &rows, bool current) {
            if (!current)
                return;
            if (!rows.ok()) {
                Q_EMIT failed(rows.error().message);
                return;
            }
            Q_EMIT failedRowsLoaded(runId, rows.value());
        });
}

void RunHistory::exportFailedRows(qint64 runId, const SourceSpec &source, const QString &filePath)
{
    if (m_path.isEmpty() || m_exporting)
        return;
    m_exporting = true;
    const QString path = m_path;
    qCInfo(lcRunHistory) << "exporting the failed rows of run" << runId;
    // The warehouse connection is opened, used and closed on the pool thread (it is thread-bound).
    runInPool<ExportOutcome>(
        this, m_generation,
        [path, runId, source, filePath] { return writeExport(path, runId, source, filePath); },
        [this, runId, filePath](const ExportOutcome &outcome, bool) {
            m_exporting = false;
            // A file written is reported even when another mapping was opened meanwhile: it exists now.
            if (!outcome.result.ok()) {
                Q_EMIT exportFailed(runId, outcome.result.error().message);
                return;
            }
            Q_EMIT exportFinished(runId, filePath, outcome.result.value());
        });
}

} // namespace d365::services
