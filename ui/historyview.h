#pragma once

// The "History" pane (a dock tabbed with the Sync pane): the last runs of the open mapping, from the GUI and
// from d365sync-cli alike, as they are recorded in its state file.
//
//   chart of outcomes per run      |  the runs, newest first: when, time, mode, counts, how it ended
//   (stacked bars, oldest left;    |  (killed: no end); a count column no run has is hidden
//    a bar selects its run)        |
//   ------------------------------------------------------------------------------------------------
//   the failed rows of the selected run: key, HTTP status, error code, message; Export failed rows… (CSV)
//
// It only presents: RunHistory reads the file off the GUI thread and hands over runsLoaded() and
// failedRowsLoaded(); the window calls refresh() when a run has ended and handles exportRequested() (a file
// dialog, then RunHistory::exportFailedRows). The bar colours are the Sync pane's (outcomeColor()).

#include "services/sync/statestore.h"
#include "services/sync/syncresult.h"

#include <QLocale>
#include <QWidget>

class QAction;
class QBarSet;
class QChart;
class QChartView;
class QLabel;
class QStackedBarSeries;
class QBarCategoryAxis;
class QValueAxis;
class QTableView;
class QToolButton;

namespace d365::services {
class RunHistory;
}
namespace d365::models {
class RunHistoryModel;
class RunResultsModel;
} // namespace d365::models

namespace d365::ui {

class HistoryView : public QWidget
{
    Q_OBJECT
public:
    // Runs drawn in the chart at most (the newest); the table lists all that RunHistory read.
    static constexpr int ChartRuns = 20;

    explicit HistoryView(services::RunHistory *history, QWidget *parent = nullptr);

    models::RunHistoryModel *runsModel() const { return m_runsModel; }
    models::RunResultsModel *failedRowsModel() const { return m_failedModel; }
    // The chart's bar set of an outcome (its values: one per run drawn, oldest first) and the run each
    // category stands for.
    QBarSet *barSet(services::RowStatus status) const;
    const QList<qint64> &chartRunIds() const { return m_chartRunIds; }
    QAction *exportAction() const { return m_exportAction; }

    qint64 selectedRunId() const { return m_selectedRunId; }
    void selectRun(qint64 runId);
    // The window's words for an export that finished or failed, under the failed rows.
    void showExportMessage(const QString &text, bool error);

Q_SIGNALS:
    void exportRequested(qint64 runId);
    // The failed rows of the selected run were shown (tests and the window wait on it).
    void failedRowsShown(qint64 runId);

private:
    void setRuns(const QList<services::StateStore::RunRecord> &runs);
    void applyRunsColumnWidths();
    void showFailedRows(qint64 runId, const QList<services::StateStore::FailedRow> &rows);
    void onRunSelected();
    void updateChart();
    void updateExportAction();
    void showLoadError(const QString &message);
    const services::StateStore::RunRecord *selectedRun() const;

    services::RunHistory *m_history;
    models::RunHistoryModel *m_runsModel = nullptr;
    models::RunResultsModel *m_failedModel = nullptr;
    QLabel *m_titleLabel = nullptr;
    QTableView *m_runsView = nullptr;
    QChartView *m_chartView = nullptr;
    QChart *m_chart = nullptr;
    QStackedBarSeries *m_series = nullptr;
    QBarCategoryAxis *m_runAxis = nullptr;
    QValueAxis *m_rowsAxis = nullptr;
    QList<QBarSet *> m_barSets; // in RowStatus order
    QList<qint64> m_chartRunIds;
    QLabel *m_failedLabel = nullptr;
    QLabel *m_exportLabel = nullptr;
    QTableView *m_failedView = nullptr;
    QAction *m_exportAction = nullptr;
    QLocale m_locale;
    qint64 m_selectedRunId = 0;
    qint64 m_shownFailedRunId = 0;
};

} // namespace d365::ui
