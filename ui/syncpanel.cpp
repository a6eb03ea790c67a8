#include "ui/syncpanel.h"

#include "models/runresultsmodel.h"
#include "ui/outcomecolors.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSyncPanel, "d365.ui.syncpanel")

namespace d365::ui {

using models::RunResultsModel;
using services::SyncSummary;

namespace {

// The C locale omits group separators; "10000 rows" is much harder to read than "10,000 rows".
QLocale readableLocale()
{
    QLocale locale;
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
    return locale;
}

} // namespace

SyncPanel::SyncPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new RunResultsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_locale(readableLocale())
{
    setObjectName(u"syncPanelWidget"_s);

    m_syncNowButton = new QPushButton(tr("Sync now"), this);
    m_syncNowButton->setObjectName(u"syncNowButton"_s);
    m_syncNowButton->setDefault(true);
    connect(m_syncNowButton, &QPushButton::clicked, this, &SyncPanel::syncRequested);

    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(u"cancelButton"_s);
    m_cancelButton->setToolTip(tr("Stop the running sync (Esc). Rows already written stay written."));
    connect(m_cancelButton, &QPushButton::clicked, this, &SyncPanel::cancelRequested);

    m_progressBar = new QProgressBar(this);
    m_progressBar->setObjectName(u"syncProgressBar"_s);
    m_progressBar->setLocale(m_locale); // %v and %m with the same digit grouping as the status line
    m_progressBar->setRange(0, 1);
    m_progressBar->setValue(0);
    m_progressBar->setFormat(tr("No run yet")); // "0 / 1 rows" before any run would be a made-up number
    m_progressBar->setTextVisible(true);

    m_statusIconLabel = new QLabel(this);
    m_statusIconLabel->setObjectName(u"syncStatusIconLabel"_s);
    m_statusIconLabel->setAlignment(Qt::AlignTop);
    m_statusIconLabel->hide();

    m_statusLabel = new QLabel(tr("Ready."), this);
    m_statusLabel->setObjectName(u"syncStatusLabel"_s);
    m_statusLabel->setTextFormat(Qt::PlainText);
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_statusLabel->setWordWrap(true); // a long status must wrap, not widen the window
    m_statusLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    m_failedRowsLabel = new QLabel(this);
    m_failedRowsLabel->setObjectName(u"failedRowsLabel"_s);

    m_filterEdit = new QLineEdit(this);
    m_filterEdit->setObjectName(u"failedRowsFilterEdit"_s);
    m_filterEdit->setPlaceholderText(tr("Filter failed rows (key, error code, message…)"));
    m_filterEdit->setClearButtonEnabled(true);

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // match any column: people search by key, code or message alike
    // Numeric columns sort as numbers, not as text.
    m_proxy->setSortRole(Qt::UserRole);
    connect(m_filterEdit, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_failedRowsView = new QTableView(this);
    m_failedRowsView->setObjectName(u"failedRowsView"_s);
    m_failedRowsView->setModel(m_proxy);
    setUpFailedRowsView(m_failedRowsView);
    // No sort column until the user clicks a header: rows arrive in source order, and keeping a sort while
    // batches stream in would re-sort on every batch.
    m_failedRowsView->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_failedRowsView->setSortingEnabled(true);

    m_copyAction = new QAction(tr("Copy"), this);
    m_copyAction->setObjectName(u"copyFailedRowsAction"_s);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copyAction->setToolTip(tr("Copy the selected failed rows as tab-separated text (Ctrl+C)"));
    m_copyAction->setEnabled(false);
    connect(m_copyAction, &QAction::triggered, this, &SyncPanel::copySelectedRows);
    m_failedRowsView->addAction(m_copyAction);
    m_failedRowsView->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_failedRowsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_copyAction->setEnabled(m_failedRowsView->selectionModel()->hasSelection()); });

    auto *copyButton = new QToolButton(this);
    copyButton->setObjectName(u"copyFailedRowsButton"_s);
    copyButton->setDefaultAction(m_copyAction);

    connect(m_model, &RunResultsModel::countsChanged, this, [this] {
        updateFailedRowsLabel();
        if (m_running)
            updateRunningStatus();
    });

    m_previewButton = new QToolButton(this);
    m_previewButton->setObjectName(u"previewButton"_s);
    m_previewButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_previewButton->hide(); // until the window hands its actions over (addRunActions)
    m_moreButton = new QToolButton(this);
    m_moreButton->setObjectName(u"moreSyncActionsButton"_s);
    m_moreButton->setText(tr("More"));
    m_moreButton->setToolTip(tr("Full resync, retry failed rows"));
    m_moreButton->setPopupMode(QToolButton::InstantPopup);
    m_moreButton->hide();

    auto *controls = new QHBoxLayout;
    controls->addWidget(m_syncNowButton);
    controls->addWidget(m_previewButton);
    controls->addWidget(m_moreButton);
    controls->addWidget(m_cancelButton);
    controls->addWidget(m_progressBar, 1);

    auto *failedHeader = new QHBoxLayout;
    failedHeader->addWidget(m_failedRowsLabel);
    failedHeader->addWidget(m_filterEdit, 1);
    failedHeader->addWidget(copyButton);

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_statusIconLabel, 0, Qt::AlignTop);
    statusRow->addWidget(m_statusLabel, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(statusRow);
    layout->addLayout(failedHeader);
    layout->addWidget(m_failedRowsView, 1);

    updateFailedRowsLabel();
    updateButtons();
}

void SyncPanel::setUpFailedRowsView(QTableView *view)
{
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false); // Tab leaves the table, arrows move within it
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8); // compact rows
    // Fixed row heights and no resize-to-contents: both would measure every row of a large run.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setColumnWidth(RunResultsModel::RowColumn, 70);
    view->setColumnWidth(RunResultsModel::KeyColumn, 140);
    view->setColumnWidth(RunResultsModel::StatusColumn, 80);
    view->setColumnWidth(RunResultsModel::HttpColumn, 60);
    view->setColumnWidth(RunResultsModel::ErrorCodeColumn, 110);
}

void SyncPanel::setCanSync(bool canSync, const QString &reason)
{
    m_canSync = canSync;
    m_syncNowButton->setToolTip(canSync ? tr("Run the mapping now (Ctrl+R)") : reason);
    updateButtons();
}

void SyncPanel::addRunActions(QAction *preview, const QList<QAction *> &more)
{
    m_previewButton->setDefaultAction(preview);
    m_previewButton->show();
    auto *menu = new QMenu(m_moreButton);
    menu->setObjectName(u"moreSyncActionsMenu"_s);
    menu->addActions(more);
    m_moreButton->setMenu(menu);
    m_moreButton->show();
}

void SyncPanel::runStarting()
{
    m_model->clear();
    m_filterEdit->clear();
    m_done = 0;
    m_total = -1;
    m_stage.clear();
    m_cancelling = false;
    setProgressRange(-1);
    m_statusLabel->setText(tr("Starting…"));
    showOutcome(Outcome::None);
    setRunning(true);
}

void SyncPanel::reset()
{
    if (m_running)
        return; // a run keeps its rows until it has finished
    m_model->clear();
    m_filterEdit->clear();
    m_done = 0;
    m_total = -1;
    m_stage.clear();
    m_progressBar->setRange(0, 1);
    m_progressBar->setValue(0);
    m_progressBar->setFormat(tr("No run yet"));
    m_statusLabel->setText(tr("Ready."));
    showOutcome(Outcome::None);
}

void SyncPanel::onStarted(qint64 total)
{
    m_total = total;
    setProgressRange(total);
    m_progressBar->setValue(0);
    setProgressText(0, total);
    updateRunningStatus();
}

void SyncPanel::onProgress(qint64 done, qint64 total, const QString &stage)
{
    if (total != m_total) {
        m_total = total;
        setProgressRange(total);
    }
    m_done = done;
    m_stage = stage;
    if (total >= 0)
        m_progressBar->setValue(int(std::min<qint64>(done, m_progressBar->maximum())));
    setProgressText(done, total);
    updateRunningStatus();
}

void SyncPanel::onCancelling()
{
    m_cancelling = true;
    updateButtons();
    updateRunningStatus();
}

void SyncPanel::onFinished(const SyncSummary &summary)
{
    const Outcome outcome = outcomeOf(summary);
    // The bar ends on the rows that were synced: full only when every row was; a cancelled run shows how far
    // it got, a run whose rows failed shows what is missing.
    const qint64 total = std::max(summary.total, summary.done());
    if (total > 0) {
        const qint64 synced = syncedRows(summary);
        setProgressRange(total);
        m_progressBar->setValue(int(std::min<qint64>(synced, INT_MAX)));
        QString suffix;
        switch (outcome) {
        case Outcome::PartlyFailed:
        case Outcome::Failed:
            suffix = tr("%1 failed").arg(m_locale.toString(summary.failed));
            break;
        case Outcome::Cancelled:
            suffix = tr("cancelled");
            break;
        case Outcome::Stopped:
            suffix = tr("stopped");
            break;
        case Outcome::None:
        case Outcome::Synced:
            break;
        }
        QString text = tr("%1 / %2 rows synced").arg(m_locale.toString(synced), m_locale.toString(total));
        if (!suffix.isEmpty())
            text += u" — "_s + suffix;
        if (summary.dryRun) // nothing was synced: the bar says how far the comparison got
            text = tr("Preview of %1 rows — nothing written").arg(m_locale.toString(summary.rowsRead));
        m_progressBar->setFormat(text);
    } else {
        // Nothing was read: an empty bar, never a busy indicator that keeps spinning after the run.
        m_progressBar->setRange(0, 1);
        const bool emptySource = outcome == Outcome::Synced;
        m_progressBar->setValue(emptySource ? 1 : 0);
        m_progressBar->setFormat(emptySource                     ? tr("0 rows")
                                 : outcome == Outcome::Cancelled ? tr("Nothing synced — cancelled")
                                                                 : tr("Nothing synced — stopped"));
    }
    m_statusLabel->setText(summaryText(summary, m_locale));
    showOutcome(outcome);
    qCInfo(lcSyncPanel).noquote() << "run finished: done" << summary.done() << "of" << summary.total
                                  << "failed" << summary.failed << "cancelled" << summary.cancelled << "in"
                                  << summary.elapsedMs << "ms";
    setRunning(false);
}

qint64 SyncPanel::syncedRows(const SyncSummary &summary)
{
    // Rows whose record in the org now holds the row's values.
    return summary.written();
}

SyncPanel::Outcome SyncPanel::outcomeOf(const SyncSummary &summary)
{
    if (summary.fatal)
        return Outcome::Stopped;
    if (summary.cancelled)
        return Outcome::Cancelled;
    if (summary.failed + summary.skipped > 0)
        return syncedRows(summary) == 0 ? Outcome::Failed : Outcome::PartlyFailed;
    return Outcome::Synced;
}

QString SyncPanel::summaryText(const SyncSummary &summary, const QLocale &locale)
{
    const auto n = [&locale](qint64 value) { return locale.toString(value); };
    const QString seconds = locale.toString(summary.elapsedMs / 1000.0, 'f', 1);
    const QString rate = locale.toString(qRound64(summary.rowsPerSecond()));
    const qint64 synced = syncedRows(summary);
    const qint64 total = std::max(summary.total, summary.done());

    QString counts;
    if (const auto &audience = summary.audience) {
        // A marketing list's members: what happened to each row's member, and the list's extra members.
        if (summary.upserted > 0)
            counts += tr("%1 records upserted, ").arg(n(summary.upserted));
        counts += tr("%1 added, %2 already members").arg(n(summary.added), n(summary.alreadyMember));
        if (summary.removed > 0)
            counts += tr(", %1 removed").arg(n(summary.removed));
        if (audience->extras > 0)
            counts += tr(" (%1 of them extra members)").arg(n(audience->extras - audience->extrasFailed));
        if (summary.notMember > 0)
            counts += tr(", %1 not members").arg(n(summary.notMember));
        counts += tr(", %1 failed").arg(n(summary.failed));
    } else if (summary.upserted > 0) { // UpsertMultiple does not say which rows it created
        counts += tr("%1 upserted, ").arg(n(summary.upserted));
        if (summary.created + summary.updated > 0)
            counts += tr("%1 created, %2 updated, ").arg(n(summary.created), n(summary.updated));
        counts += tr("%1 failed").arg(n(summary.failed));
    } else {
        counts += tr("%1 created, %2 updated, %3 failed")
                      .arg(n(summary.created), n(summary.updated), n(summary.failed));
    }
    if (summary.unchanged > 0)
        counts += tr(", %1 unchanged").arg(n(summary.unchanged));
    if (summary.skipped > 0)
        counts += tr(", %1 skipped").arg(n(summary.skipped));
    if (!summary.sourceComplete && summary.rowsRead > 0) {
        // Rows never read have no outcome: say how many, or that the rest of the source was not read.
        counts += summary.total >= 0
                      ? tr(", %1 of %2 source rows not read").arg(n(summary.notRead()), n(summary.total))
                      : tr(", the rest of the source not read");
    }
    const QString seeBelow = summary.failed > 0 ? tr(" The failed rows are listed below.") : QString();
    if (summary.dryRun)
        return previewText(summary, locale);
    if (summary.retryRows == 0 && !summary.fatal && !summary.cancelled)
        return tr("Nothing to retry: no row failed in the last run.");

    switch (outcomeOf(summary)) {
    case Outcome::Stopped:
        // The reason itself is in the banner above; the status line stays short.
        if (summary.rowsRead == 0)
            return tr("Stopped before any row was read. See the message at the top of the window.");
        return tr("Stopped: synced %1 of %2 rows in %3 s — %4. See the message at the top of the window.")
            .arg(n(synced), n(total), seconds, counts);
    case Outcome::Cancelled:
        if (summary.rowsRead == 0)
            return tr("Cancelled before any row was read: nothing was sent.");
        return tr("Cancelled: synced %1 of %2 rows in %3 s — %4.").arg(n(synced), n(total), seconds, counts) +
               seeBelow;
    case Outcome::Failed:
        return tr("Nothing was synced: %1 of %2 rows failed in %3 s — %4.")
                   .arg(n(summary.failed + summary.skipped), n(total), seconds, counts) +
               seeBelow;
    case Outcome::PartlyFailed:
        return tr("Synced %1 of %2 rows in %3 s — %4.").arg(n(synced), n(total), seconds, counts) + seeBelow;
    case Outcome::None:
    case Outcome::Synced:
        break;
    }
    return tr("Synced %1 rows in %2 s — %3 (%4 rows/s)").arg(n(synced), seconds, counts, rate);
}

QString SyncPanel::previewText(const SyncSummary &summary, const QLocale &locale)
{
    const auto n = [&locale](qint64 value) { return locale.toString(value); };
    QString text;
    if (const auto &audience = summary.audience) {
        // A marketing list: the plan for its membership, not records.
        text = tr("%1 rows compared with the %2 members of %3: %4 would be added, %5 would be removed, "
                  "%6 would fail")
                   .arg(n(summary.rowsRead), n(std::max<qint64>(0, audience->membersBefore)),
                        audience->listName, n(audience->toAdd), n(audience->toRemove), n(summary.failed));
    } else {
        text = tr("%1 rows compared: %2 would be created, %3 would be updated, %4 unchanged, %5 would fail")
                   .arg(n(summary.rowsRead), n(summary.created), n(summary.updated), n(summary.unchanged),
                        n(summary.failed));
    }
    if (summary.skipped > 0)
        text += tr(", %1 not compared").arg(n(summary.skipped));
    const QString head = summary.cancelled || summary.fatal ? tr("Preview stopped (nothing written)")
                                                            : tr("Preview (nothing written)");
    return head + u": "_s + text + u'.' +
           (summary.failed > 0 ? tr(" The rows that would fail are listed below.") : QString());
}

void SyncPanel::showOutcome(Outcome outcome)
{
    m_outcome = outcome;
    // Colours of the message banner: amber for "not everything synced", red for "nothing / stopped".
    QColor text;
    QColor bar;
    QStyle::StandardPixmap icon = QStyle::SP_MessageBoxWarning;
    switch (outcome) {
    case Outcome::None:
    case Outcome::Synced:
        m_statusLabel->setPalette(QPalette());
        m_progressBar->setPalette(QPalette());
        m_statusIconLabel->hide();
        return;
    case Outcome::PartlyFailed:
    case Outcome::Cancelled:
        text = warningTextColor();
        bar = outcomeColor(services::RowStatus::Skipped);
        break;
    case Outcome::Failed:
    case Outcome::Stopped:
        text = errorTextColor();
        bar = outcomeColor(services::RowStatus::Failed);
        icon = QStyle::SP_MessageBoxCritical;
        break;
    }
    QPalette labelPalette = m_statusLabel->palette();
    labelPalette.setColor(QPalette::WindowText, text);
    m_statusLabel->setPalette(labelPalette);
    QPalette barPalette = m_progressBar->palette();
    barPalette.setColor(QPalette::Highlight, bar);
    barPalette.setColor(QPalette::HighlightedText, outcome == Outcome::Failed || outcome == Outcome::Stopped
                                                       ? QColor(Qt::white)
                                                       : QColor(0x1f, 0x1f, 0x1f));
    m_progressBar->setPalette(barPalette);
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_statusIconLabel->setPixmap(style()->standardIcon(icon, nullptr, this).pixmap(size, size));
    m_statusIconLabel->show();
}

void SyncPanel::setRunning(bool running)
{
    m_running = running;
    if (!running)
        m_cancelling = false;
    updateButtons();
}

void SyncPanel::updateButtons()
{
    m_syncNowButton->setEnabled(m_canSync && !m_running);
    m_cancelButton->setEnabled(m_running && !m_cancelling);
}

void SyncPanel::updateRunningStatus()
{
    if (!m_running)
        return;
    QString text;
    if (m_cancelling) {
        text = tr("Cancelling… rows already sent are finishing.");
    } else if (m_total <= 0 && m_done == 0) {
        // Before the first rows are written the worker reports its preparation steps.
        text = m_stage.isEmpty() ? tr("Preparing…") : m_stage;
    } else if (m_total < 0) {
        // The rows are counted alongside the run; until the count arrives only the rows done are known.
        text = tr("Syncing… %1 rows (counting…) — %2 failed")
                   .arg(m_locale.toString(m_done), m_locale.toString(m_model->failed()));
    } else {
        text = tr("Syncing… %1 of %2 rows — %3 written, %4 failed")
                   .arg(m_locale.toString(m_done), m_locale.toString(m_total),
                        m_locale.toString(m_model->created() + m_model->updated() + m_model->upserted()),
                        m_locale.toString(m_model->failed()));
        if (!m_stage.isEmpty())
            text += u" ("_s + m_stage + u')';
    }
    m_statusLabel->setText(text);
}

void SyncPanel::updateFailedRowsLabel()
{
    QString text = tr("Failed rows: %1").arg(m_locale.toString(m_model->failed()));
    if (m_model->droppedFailures() > 0)
        text += tr(" (showing the first %1)").arg(m_locale.toString(m_model->rowCount()));
    m_failedRowsLabel->setText(text);
}

void SyncPanel::setProgressRange(qint64 total)
{
    // Unknown total (not counted yet): a busy indicator. QProgressBar counts in int; runs stay far below
    // INT_MAX rows.
    if (total <= 0)
        m_progressBar->setRange(0, 0);
    else
        m_progressBar->setRange(0, int(std::min<qint64>(total, INT_MAX)));
}

void SyncPanel::setProgressText(qint64 done, qint64 total)
{
    // Our own digits, not "%v / %m": QProgressBar drops the group separators ("2300 / 10000") while the
    // status line under it says "2,300 of 10,000".
    m_progressBar->setFormat(total < 0
                                 ? tr("%1 rows (counting…)").arg(m_locale.toString(done))
                                 : tr("%1 / %2 rows").arg(m_locale.toString(done), m_locale.toString(total)));
}

void SyncPanel::copySelectedRows()
{
    QModelIndexList selected = m_failedRowsView->selectionModel()->selectedRows();
    if (selected.isEmpty())
        return;
    // Copy in the order the user sees (sorted / filtered), not in selection order.
    std::sort(selected.begin(), selected.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QList<int> rows;
    rows.reserve(selected.size());
    for (const QModelIndex &index : std::as_const(selected))
        rows.append(m_proxy->mapToSource(index).row());
    QGuiApplication::clipboard()->setText(m_model->rowsAsText(rows));
}

} // namespace d365::ui
