#pragma once

// The run history of one mapping for the GUI: reads a state file's runs and a run's failed rows, and writes
// a run's failed rows as CSV, each on the global thread pool (QtConcurrent), never on the caller's thread.
// The state file is SQLite in WAL mode, so the reads see the last committed run even while another process
// (d365sync-cli, or the GUI's own SyncWorker) writes the next one.
//
//   setStatePath(path)         the mapping's state file (StateStore::defaultPath); "" → no history
//   refresh()                  → runsLoaded(runs)              the last `limit` runs, newest first
//   loadFailedRows(run)        → failedRowsLoaded(run, rows)
//   exportFailedRows(run, …)   → exportFinished(run, path, result)   (re-reads the warehouse: can be slow)
//   reading failing            → failed(message); the export failing → exportFailed(run, message)
//
// A result that arrives after the path changed belongs to the previous mapping and is dropped.

#include "services/mapping/mapping.h"
#include "services/sync/failedrowsexport.h"
#include "services/sync/statestore.h"

#include <QObject>

namespace d365::services {

// How a recorded run ended, in words: "ok", "rows failed", "cancelled", "did not end (running, or killed)"…
// (the CLI's `history` and the GUI's History view say the same).
QString runResultText(const StateStore::RunRecord &run);

class RunHistory : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultLimit = 50;

    explicit RunHistory(QObject *parent = nullptr);

    // Another mapping (or org): forgets the runs shown and reads the new file's (refresh()).
    void setStatePath(const QString &path);
    const QString &statePath() const { return m_path; }
    void setLimit(int limit) { m_limit = limit; }

    void refresh();
    void loadFailedRows(qint64 runId);
    // Writes the failed rows of `runId` to `filePath` (a QSaveFile: all or nothing) in the shape of `source`.
    void exportFailedRows(qint64 runId, const SourceSpec &source, const QString &filePath);
    bool isExporting() const { return m_exporting; }

Q_SIGNALS:
    void runsLoaded(const QList<d365::services::StateStore::RunRecord> &runs);
    void failedRowsLoaded(qint64 runId, const QList<d365::services::StateStore::FailedRow> &rows);
    void exportFinished(qint64 runId, const QString &filePath,
                        const d365::services::FailedRowsExport &result);
    void failed(const QString &message);
    void exportFailed(qint64 runId, const QString &message);

private:
    QString m_path;
    int m_limit = DefaultLimit;
    quint64 m_generation = 0; // bumped by setStatePath: results of an older path are dropped
    bool m_exporting = false;
};

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::StateStore::RunRecord)
Q_DECLARE_METATYPE(d365::services::StateStore::FailedRow)
Q_DECLARE_METATYPE(d365::services::FailedRowsExport)
