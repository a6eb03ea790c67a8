#pragma once

// The "Sync" pane at the bottom of the main window: Sync now / Cancel, a progress bar (rows done / total), a
// one-line status and the failed rows of the last run (RunResultsModel behind a filter proxy, Copy as TSV).
//
// It only presents. MainWindow feeds it the controller's signals in order:
//   runStarting() → onStarted(total) → onProgress(done, total, stage)* → onFinished(summary)
// and the run's outcomes go straight into runResultsModel(). It asks for work through syncRequested() and
// cancelRequested(); reset() forgets the last run (another mapping was opened).
//
// While a run goes on the bar counts the rows processed. Once it has finished the bar counts the rows synced
// (created, updated or unchanged) out of the rows read, so a run whose rows failed or that was cancelled
// never ends on a full bar; the status line says the same numbers in words, and any outcome but "all synced"
// is drawn in a warning or error colour with its icon (outcome()).

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
class QToolButton;

namespace d365::models {
class RunResultsModel;
}

namespace d365::ui {

class SyncPanel : public QWidget
{
    Q_OBJECT
    Q_PROPERTY(Outcome outcome READ outcome)
public:
    explicit SyncPanel(QWidget *parent = nullptr);

    models::RunResultsModel *runResultsModel() const { return m_model; }

    // Whether Sync now may be pressed when no run is going on (a mapping and its profile are loaded).
    void setCanSync(bool canSync, const QString &reason = {});
    bool isRunning() const { return m_running; }

    // The window's Preview action (a button next to Sync now) and the rarer ones (Full resync, Retry failed
    // rows) in a "More" menu beside it.
    void addRunActions(QAction *preview, const QList<QAction *> &more);

    void runStarting();
    void onStarted(qint64 total);
    void onProgress(qint64 done, qint64 total, const QString &stage);
    void onCancelling();
    void onFinished(const d365::services::SyncSummary &summary);
    // Back to "no run yet": the failed rows, the bar and the status of the last run are cleared.
    void reset();

    // How the last run ended, as the panel shows it (colour and icon of the status line and the bar).
    enum class Outcome {
        None,         // no run yet, or one is going on
        Synced,       // every row was synced (or the source was empty)
        PartlyFailed, // some rows failed, the others were synced
        Failed,       // rows were read but none was synced
        Cancelled,    // the user cancelled; rows not yet sent were skipped
        Stopped,      // a fatal error stopped the run (the banner says why)
    };
    Q_ENUM(Outcome)
    Outcome outcome() const { return m_outcome; }
    static Outcome outcomeOf(const services::SyncSummary &summary);

    // The one place that words a run's result: "Synced 10,000 rows in 12.3 s — 9,998 created, 2 updated,
    // 0 failed (812 rows/s)", "Nothing was synced: all 20 rows failed …", "Cancelled: synced 2,300 of
    // 10,000 rows …". syncedRows() is the count the bar ends on.
    static QString summaryText(const services::SyncSummary &summary, const QLocale &locale);
    static qint64 syncedRows(const services::SyncSummary &summary);
    // A dry run's result: "Preview (nothing written): 1,000 rows compared: 10 would be created, …".
    static QString previewText(const services::SyncSummary &summary, const QLocale &locale);
    // The failed-rows table's look (row height, column widths, selection), shared with the History view.
    static void setUpFailedRowsView(QTableView *view);

Q_SIGNALS:
    void syncRequested();
    void cancelRequested();

private:
    void setRunning(bool running);
    void updateButtons();
    void updateRunningStatus();
    void updateFailedRowsLabel();
    void setProgressRange(qint64 total);
    void setProgressText(qint64 done, qint64 total);
    void showOutcome(Outcome outcome);
    void copySelectedRows();

    models::RunResultsModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QPushButton *m_syncNowButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QToolButton *m_previewButton = nullptr;
    QToolButton *m_moreButton = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QLabel *m_statusIconLabel = nullptr;
    QLabel *m_statusLabel = nullptr;
    QLabel *m_failedRowsLabel = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QTableView *m_failedRowsView = nullptr;
    QAction *m_copyAction = nullptr;
    QLocale m_locale;
    bool m_canSync = false;
    bool m_running = false;
    bool m_cancelling = false;
    Outcome m_outcome = Outcome::None;
    qint64 m_done = 0;
    qint64 m_total = -1;
    QString m_stage;
};

} // namespace d365::ui
