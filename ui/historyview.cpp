#include "ui/historyview.h"

#include "models/runhistorymodel.h"
#include "models/runresultsmodel.h"
#include "services/common/exitcode.h"
#include "services/sync/runhistory.h"
#include "ui/outcomecolors.h"
#include "ui/syncpanel.h"

#include <QAction>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIdentityProxyModel>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLoggingCategory>
#include <QSplitter>
#include <QStackedBarSeries>
#include <QTableView>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcHistoryView, "d365.ui.historyview")

namespace d365::ui {

using models::RunHistoryModel;
using services::RowStatus;
using services::StateStore;

namespace {

// The bars from the bottom up: what was written, what did not need to be, what went wrong.
constexpr RowStatus ChartOrder[] = {RowStatus::Created,       RowStatus::Updated,   RowStatus::Upserted,
                                    RowStatus::Added,         RowStatus::Removed,   RowStatus::Unchanged,
                                    RowStatus::AlreadyMember, RowStatus::NotMember, RowStatus::Failed,
                                    RowStatus::Skipped};

qint64 countOf(const StateStore::RunRecord &run, RowStatus status)
{
    switch (status) {
    case RowStatus::Created:
        return run.created;
    case RowStatus::Updated:
        return run.updated;
    case RowStatus::Upserted:
        return run.upserted;
    case RowStatus::Unchanged:
        return run.unchanged;
    case RowStatus::Failed:
        return run.failed;
    case RowStatus::Skipped:
        return run.skipped;
    case RowStatus::Added:
        return run.added;
    case RowStatus::Removed:
        return run.removed;
    case RowStatus::AlreadyMember:
        return run.alreadyMember;
    case RowStatus::NotMember:
        return run.notMember;
    }
    return 0;
}

// The axis' top: the highest bar rounded up to 2, 4, 5 or 10 times a power of ten, so that its three labels
// (0, half, top) are round numbers. (QValueAxis::applyNiceNumbers would change the tick count.)
double roundAxisMaximum(qint64 highest)
{
    if (highest <= 2)
        return 2;
    const double magnitude = std::pow(10.0, std::floor(std::log10(double(highest))));
    for (const double factor : {1.0, 2.0, 4.0, 5.0, 10.0}) {
        if (factor * magnitude >= double(highest) && (factor > 1.0 || magnitude >= 10.0))
            return factor * magnitude;
    }
    return 10.0 * magnitude;
}

int countColumn(RowStatus status)
{
    switch (status) {
    case RowStatus::Created:
        return RunHistoryModel::CreatedColumn;
    case RowStatus::Updated:
        return RunHistoryModel::UpdatedColumn;
    case RowStatus::Upserted:
        return RunHistoryModel::UpsertedColumn;
    case RowStatus::Unchanged:
        return RunHistoryModel::UnchangedColumn;
    case RowStatus::Failed:
        return RunHistoryModel::FailedColumn;
    case RowStatus::Skipped:
        return RunHistoryModel::SkippedColumn;
    case RowStatus::Added:
        return RunHistoryModel::AddedColumn;
    case RowStatus::Removed:
        return RunHistoryModel::RemovedColumn;
    case RowStatus::AlreadyMember:
        return RunHistoryModel::AlreadyMemberColumn;
    case RowStatus::NotMember:
        return RunHistoryModel::NotMemberColumn;
    }
    return RunHistoryModel::FailedColumn;
}

// The Result column in the Sync pane's warning (amber) and error (red) text colours: a killed, cancelled or
// partly failed run, or one that stopped on an error, stands out in a long list.
class ResultColourProxy : public QIdentityProxyModel
{
public:
    using QIdentityProxyModel::QIdentityProxyModel;

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role == Qt::ForegroundRole && index.column() == RunHistoryModel::ResultColumn) {
            const auto *runs = static_cast<const RunHistoryModel *>(sourceModel());
            const StateStore::RunRecord &run = runs->run(mapToSource(index).row());
            if (!run.ended.isValid() || run.cancelled || run.exitCode == RowsFailed)
                return warningTextColor();
            if (run.exitCode != Success)
                return errorTextColor();
        }
        return QIdentityProxyModel::data(index, role);
    }
};

} // namespace

HistoryView::HistoryView(services::RunHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_runsModel(new RunHistoryModel(this))
    , m_failedModel(new models::RunResultsModel(this))
{
    Q_ASSERT(history);
    setObjectName(u"historyViewWidget"_s);
    m_locale.setNumberOptions(m_locale.numberOptions() & ~QLocale::OmitGroupSeparator);

    m_titleLabel = new QLabel(this);
    m_titleLabel->setObjectName(u"historyTitleLabel"_s);
    m_titleLabel->setWordWrap(true);
    m_titleLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto *refreshButton = new QToolButton(this);
    refreshButton->setObjectName(u"historyRefreshButton"_s);
    refreshButton->setText(tr("Refresh"));
    refreshButton->setToolTip(tr("Read the history again (runs of d365sync-cli show up here too)"));
    connect(refreshButton, &QToolButton::clicked, m_history, &services::RunHistory::refresh);

    // The chart: one stacked bar per run, oldest on the left like a timeline.
    m_series = new QStackedBarSeries;
    for (std::size_t i = 0; i < services::RowStatusCount; ++i)
        m_barSets.append(nullptr);
    for (const RowStatus status : ChartOrder) {
        auto *set = new QBarSet(models::RunResultsModel::statusText(status));
        set->setColor(outcomeColor(status));
        set->setBorderColor(outcomeColor(status).darker(115));
        m_barSets[int(status)] = set;
        m_series->append(set);
        connect(set, &QBarSet::clicked, this, [this](int index) {
            if (index >= 0 && index < m_chartRunIds.size())
                selectRun(m_chartRunIds.at(index));
        });
        // A dozen failed rows are a sliver beside 10,000 unchanged ones: hovering says the number.
        connect(set, &QBarSet::hovered, this, [this, set](bool over, int index) {
            if (!over || index < 0 || index >= m_chartRunIds.size()) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(QCursor::pos(),
                               tr("Run %1: %2 %3")
                                   .arg(m_chartRunIds.at(index))
                                   .arg(m_locale.toString(qint64(set->at(index))), set->label().toLower()),
                               m_chartView);
        });
    }
    m_series->setBarWidth(0.7);
    m_chart = new QChart;
    m_chart->addSeries(m_series);
    m_runAxis = new QBarCategoryAxis;

    m_rowsAxis = new QValueAxis;
    m_rowsAxis->setLabelFormat(u"%d"_s);
    // Three ticks: with more, a short pane has no room for their labels and Qt Charts draws "…" instead.
    m_rowsAxis->setTickCount(3);

    m_chart->addAxis(m_runAxis, Qt::AlignBottom);
    m_chart->addAxis(m_rowsAxis, Qt::AlignLeft);
    m_series->attachAxis(m_runAxis);
    m_series->attachAxis(m_rowsAxis);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(2, 4, 4, 0));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->setBackgroundRoundness(0);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_chart->legend()->setFont(small);
    m_runAxis->setLabelsFont(small);
    m_rowsAxis->setLabelsFont(small);
    m_chartView = new QChartView(m_chart, this);
    m_chartView->setObjectName(u"historyChartView"_s);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumWidth(180); // the window must still shrink to 700 px wide
    m_chartView->setToolTip(tr("Rows per outcome of each run (its number below), oldest on the left. Click a "
                               "bar to see its run."));

    // The runs, newest first.
    auto *proxy = new ResultColourProxy(this);
    proxy->setSourceModel(m_runsModel);
    m_runsView = new QTableView(this);
    m_runsView->setObjectName(u"historyRunsView"_s);
    m_runsView->setModel(proxy);
    // Small minimums: the window must still shrink to 700 × 500 with the History pane in it.
    m_runsView->setMinimumHeight(40);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runsView->setAlternatingRowColors(true);
    m_runsView->setWordWrap(false);
    m_runsView->setTabKeyNavigation(false);
    m_runsView->verticalHeader()->hide();
    m_runsView->verticalHeader()->setDefaultSectionSize(m_runsView->fontMetrics().height() + 8);
    m_runsView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_runsView->horizontalHeader()->setStretchLastSection(true);
    applyRunsColumnWidths();
    connect(m_runsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &HistoryView::onRunSelected);

    // The selected run's failed rows, in the Sync pane's table layout.
    m_failedLabel = new QLabel(this);
    m_failedLabel->setObjectName(u"historyFailedRowsLabel"_s);
    m_failedLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_exportAction = new QAction(tr("Export failed rows…"), this);
    m_exportAction->setObjectName(u"exportFailedRowsAction"_s);
    m_exportAction->setToolTip(tr("Write the selected run's failed rows as CSV: the warehouse's columns of "
                                  "each row, then the error (source row, HTTP status, code, message)"));
    m_exportAction->setEnabled(false);
    connect(m_exportAction, &QAction::triggered, this, [this] {
        if (m_selectedRunId > 0)
            Q_EMIT exportRequested(m_selectedRunId);
    });
    auto *exportButton = new QToolButton(this);
    exportButton->setObjectName(u"exportFailedRowsButton"_s);
    exportButton->setDefaultAction(m_exportAction);
    m_failedView = new QTableView(this);
    m_failedView->setObjectName(u"historyFailedRowsView"_s);
    m_failedView->setModel(m_failedModel);
    m_failedView->setMinimumHeight(40);
    SyncPanel::setUpFailedRowsView(m_failedView);
    m_failedView->hideColumn(models::RunResultsModel::StatusColumn); // always "Failed" here
    m_failedView->setColumnWidth(models::RunResultsModel::RowColumn, 50);
    m_failedView->setColumnWidth(models::RunResultsModel::KeyColumn, 80);
    m_failedView->setColumnWidth(models::RunResultsModel::ErrorCodeColumn, 90);
    m_exportLabel = new QLabel(this);
    m_exportLabel->setObjectName(u"historyExportLabel"_s);
    m_exportLabel->setWordWrap(true);
    m_exportLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_exportLabel->hide();

    auto *failedPane = new QWidget(this);
    auto *failedHeader = new QHBoxLayout;
    failedHeader->addWidget(m_failedLabel, 1);
    failedHeader->addWidget(exportButton);
    auto *failedLayout = new QVBoxLayout(failedPane);
    failedLayout->setContentsMargins(0, 0, 0, 0);
    failedLayout->addLayout(failedHeader);
    failedLayout->addWidget(m_failedView, 1);
    failedLayout->addWidget(m_exportLabel);

    auto *runsPane = new QWidget(this);
    auto *runsHeader = new QHBoxLayout;
    runsHeader->addWidget(m_titleLabel, 1);
    runsHeader->addWidget(refreshButton);
    auto *runsLayout = new QVBoxLayout(runsPane);
    runsLayout->setContentsMargins(0, 0, 0, 0);
    runsLayout->addLayout(runsHeader);
    runsLayout->addWidget(m_runsView, 1);

    // The chart beside the runs, the failed rows under both at full width: their messages are long.
    auto *runsSplitter = new QSplitter(Qt::Horizontal, this);
    runsSplitter->setObjectName(u"historyRunsSplitter"_s);
    runsSplitter->addWidget(m_chartView);
    runsSplitter->addWidget(runsPane);
    runsSplitter->setStretchFactor(0, 2);
    runsSplitter->setStretchFactor(1, 3);
    runsSplitter->setSizes({1000, 1900}); // relative: the chart gets about a third of the width
    runsSplitter->setChildrenCollapsible(false);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(u"historySplitter"_s);
    splitter->addWidget(runsSplitter);
    splitter->addWidget(failedPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({3000, 2000});
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_history, &services::RunHistory::runsLoaded, this, &HistoryView::setRuns);
    connect(m_history, &services::RunHistory::failedRowsLoaded, this, &HistoryView::showFailedRows);
    connect(m_history, &services::RunHistory::failed, this, &HistoryView::showLoadError);
    setRuns({});
}

void HistoryView::applyRunsColumnWidths()
{
    // Again after every model reset: QHeaderView puts its sections back to the default size then.
    const QFontMetrics metrics = m_runsView->fontMetrics();
    const int number = metrics.horizontalAdvance(u"000,000"_s) + 16;
    m_runsView->setColumnWidth(RunHistoryModel::RunColumn, metrics.horizontalAdvance(u"Run 0"_s) + 8);
    m_runsView->setColumnWidth(RunHistoryModel::StartedColumn,
                               metrics.horizontalAdvance(u"0000-00-00 00:00"_s) + 16);
    m_runsView->setColumnWidth(RunHistoryModel::DurationColumn, metrics.horizontalAdvance(u"00 min 00 s"_s));
    m_runsView->setColumnWidth(RunHistoryModel::ModeColumn, metrics.horizontalAdvance(u"upsert"_s) + 16);
    for (int column = RunHistoryModel::CreatedColumn; column < RunHistoryModel::ResultColumn; ++column) {
        const QString header = m_runsModel->headerData(column, Qt::Horizontal).toString();
        m_runsView->setColumnWidth(column, std::max(number, metrics.horizontalAdvance(header) + 16));
    }
}

QBarSet *HistoryView::barSet(RowStatus status) const
{
    return m_barSets.value(int(status));
}

void HistoryView::setRuns(const QList<StateStore::RunRecord> &runs)
{
    const qint64 keep = m_selectedRunId;
    const qint64 newest = runs.isEmpty() ? 0 : runs.first().id;
    const qint64 previousNewest = m_runsModel->runs().isEmpty() ? 0 : m_runsModel->runs().first().id;
    m_runsModel->setRuns(runs); // resets the selection and the column widths
    applyRunsColumnWidths();
    if (runs.isEmpty()) {
        m_titleLabel->setText(m_history->statePath().isEmpty()
                                  ? tr("Open a mapping to see its runs.")
                                  : tr("No runs yet. Every run of this mapping — Sync now here, or "
                                       "d365sync-cli run — is listed here."));
    } else {
        // One mode for all (the usual case: it is the mapping's): said once in the title, not in every row.
        const bool oneMode =
            std::all_of(runs.cbegin(), runs.cend(),
                        [&runs](const StateStore::RunRecord &run) { return run.mode == runs.first().mode; });
        m_runsView->setColumnHidden(RunHistoryModel::ModeColumn, oneMode);
        const QString mode = oneMode ? tr(" (%1)").arg(runs.first().mode) : QString();
        m_titleLabel->setText(runs.size() == 1
                                  ? tr("1 run%1").arg(mode)
                                  : tr("The last %1 runs%2, newest first").arg(runs.size()).arg(mode));
    }
    m_titleLabel->setToolTip(
        m_history->statePath().isEmpty() ? QString() : tr("Recorded in %1").arg(m_history->statePath()));
    updateChart();
    // A new run arrived: show it; otherwise keep the run the user looks at.
    m_selectedRunId = 0;
    selectRun(newest != previousNewest || m_runsModel->rowOf(keep) < 0 ? newest : keep);
    if (runs.isEmpty()) {
        m_failedModel->clear();
        m_shownFailedRunId = 0;
        m_failedLabel->setText(tr("Failed rows"));
        updateExportAction();
    }
}

void HistoryView::selectRun(qint64 runId)
{
    const int row = m_runsModel->rowOf(runId);
    if (row < 0)
        return;
    m_runsView->selectRow(row);
    m_runsView->scrollTo(m_runsView->model()->index(row, 0));
}

const StateStore::RunRecord *HistoryView::selectedRun() const
{
    const int row = m_runsModel->rowOf(m_selectedRunId);
    return row < 0 ? nullptr : &m_runsModel->run(row);
}

void HistoryView::onRunSelected()
{
    const QModelIndexList rows = m_runsView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const qint64 runId = rows.first().data(RunHistoryModel::RunIdRole).toLongLong();
    if (runId == m_selectedRunId)
        return;
    m_selectedRunId = runId;
    m_exportLabel->hide();
    const StateStore::RunRecord *run = selectedRun();
    if (run && run->failed > 0) {
        m_failedLabel->setText(tr("Run %1: reading its failed rows…").arg(runId));
        m_history->loadFailedRows(runId);
    } else {
        showFailedRows(runId, {});
    }
    updateExportAction();
}

void HistoryView::showFailedRows(qint64 runId, const QList<StateStore::FailedRow> &rows)
{
    if (runId != m_selectedRunId)
        return; // the user moved on while it was read
    m_failedModel->clear();
    QList<services::RowOutcome> outcomes;
    outcomes.reserve(rows.size());
    for (const StateStore::FailedRow &row : rows)
        outcomes.append(
            {row.sourceRow, row.sourceKey, RowStatus::Failed, row.httpStatus, row.code, row.message});
    m_failedModel->appendOutcomes(outcomes);
    // Rows refused before any request (conversion, duplicate keys) have no HTTP status: no empty column.
    const bool anyHttp = std::any_of(rows.cbegin(), rows.cend(),
                                     [](const StateStore::FailedRow &row) { return row.httpStatus > 0; });
    m_failedView->setColumnHidden(models::RunResultsModel::HttpColumn, !anyHttp);
    m_shownFailedRunId = runId;
    const StateStore::RunRecord *run = selectedRun();
    const qint64 failed = run ? run->failed : 0;
    if (failed == 0)
        m_failedLabel->setText(tr("Run %1: no failed rows").arg(runId));
    else if (rows.isEmpty())
        m_failedLabel->setText(tr("Run %1: %2 failed rows (no longer kept: the history keeps those of the "
                                  "last %3 runs)")
                                   .arg(runId)
                                   .arg(m_locale.toString(failed))
                                   .arg(StateStore::KeptFailedRuns));
    else
        m_failedLabel->setText(tr("Run %1: %2 failed rows").arg(runId).arg(m_locale.toString(failed)));
    updateExportAction();
    Q_EMIT failedRowsShown(runId);
}

void HistoryView::updateExportAction()
{
    m_exportAction->setEnabled(m_shownFailedRunId == m_selectedRunId && m_failedModel->rowCount() > 0 &&
                               !m_history->isExporting());
}

void HistoryView::showExportMessage(const QString &text, bool error)
{
    QPalette palette = m_exportLabel->palette();
    palette.setColor(QPalette::WindowText,
                     error ? errorTextColor() : this->palette().color(QPalette::WindowText));
    m_exportLabel->setPalette(palette);
    m_exportLabel->setText(text);
    m_exportLabel->show();
    updateExportAction();
}

void HistoryView::showLoadError(const QString &message)
{
    qCWarning(lcHistoryView).noquote() << "history:" << message;
    m_titleLabel->setText(tr("The history could not be read: %1").arg(message));
    updateExportAction();
}

void HistoryView::updateChart()
{
    // The newest ChartRuns runs, oldest on the left.
    const QList<StateStore::RunRecord> &runs = m_runsModel->runs();
    const qsizetype shown = std::min<qsizetype>(runs.size(), ChartRuns);
    m_chartRunIds.clear();
    QStringList categories;
    for (qsizetype i = shown - 1; i >= 0; --i) {
        m_chartRunIds.append(runs.at(i).id);
        categories.append(QString::number(runs.at(i).id));
    }
    qint64 highest = 0;
    for (const RowStatus status : ChartOrder) {
        QBarSet *set = m_barSets.at(int(status));
        set->remove(0, set->count());
        QList<qreal> values;
        for (qsizetype i = shown - 1; i >= 0; --i)
            values.append(qreal(countOf(runs.at(i), status)));
        set->append(values);
    }
    for (qsizetype i = 0; i < shown; ++i) {
        const StateStore::RunRecord &run = runs.at(i);
        qint64 total = 0;
        for (const RowStatus status : ChartOrder)
            total += countOf(run, status);
        highest = std::max(highest, total);
    }
    // Outcomes no run shown had (created and updated with UpsertMultiple, say) leave the legend, and their
    // columns the table; Failed always stays, a zero there is news.
    for (const RowStatus status : ChartOrder) {
        bool any = status == RowStatus::Failed || runs.isEmpty();
        for (qsizetype i = 0; i < runs.size() && !any; ++i)
            any = countOf(runs.at(i), status) > 0;
        const QList<QLegendMarker *> markers = m_chart->legend()->markers(m_series);
        for (QLegendMarker *marker : markers) {
            if (marker->label() == m_barSets.at(int(status))->label())
                marker->setVisible(any);
        }
        m_runsView->setColumnHidden(countColumn(status), !any);
    }
    m_runAxis->clear();
    m_runAxis->append(categories);
    m_rowsAxis->setRange(0, roundAxisMaximum(highest));
}

} // namespace d365::ui
