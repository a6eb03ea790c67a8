#pragma once

// The "Sync" pane at the bottom of the main window: Sync now / Cancel, a progress bar (rows done / total), a
// one-line status and the failed rows of the last run (RunResultsModel behind a filter proxy, Copy as TSV).
//
// It only presents. MainWindow feeds it the controller's signals in order:
//   runStarting() → onStarted(total) → onProgress(done, total, stage)* → onFinished(summary)
// and the run's outcomes go straight into runResultsModel(). It asks for work through syncRequested() and
// cancelRequested().

#include "services/sync/syncresult.h"

#include <QLocale>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace d365::models {
class RunResultsModel;
}

namespace d365::ui {

class SyncPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SyncPanel(QWidget *parent = nullptr);

    models::RunResultsModel *runResultsModel() const { return m_model; }

    // Whether Sync now may be pressed when no run is going on (a mapping and its profile are loaded).
    void setCanSync(bool canSync, const QString &reason = {});
    bool isRunning() const { return m_running; }

    void runStarting();
    void onStarted(qint64 total);
    void onProgress(qint64 done, qint64 total, const QString &stage);
    void onCancelling();
    void onFinished(const d365::services::SyncSummary &summary);

    // "Synced 10,000 rows in 12.3 s — 9,998 created, 0 updated, 2 failed (812 rows/s)"
    static QString summaryText(const services::SyncSummary &summary, const QLocale &locale);

Q_SIGNALS:
    void syncRequested();
    void cancelRequested();

private:
    void setRunning(bool running);
    void updateButtons();
    void updateRunningStatus();
    void updateFailedRowsLabel();
    void setProgressRange(qint64 total);
    void copySelectedRows();

    models::RunResultsModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QPushButton *m_syncNowButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QLabel *m_statusLabel = nullptr;
    QLabel *m_failedRowsLabel = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QTableView *m_failedRowsView = nullptr;
    QAction *m_copyAction = nullptr;
    QLocale m_locale;
    bool m_canSync = false;
    bool m_running = false;
    bool m_cancelling = false;
    qint64 m_done = 0;
    qint64 m_total = -1;
    QString m_stage;
};

} // namespace d365::ui
