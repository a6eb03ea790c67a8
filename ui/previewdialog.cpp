#include "ui/previewdialog.h"

#include "models/runresultsmodel.h"
#include "ui/outcomecolors.h"
#include "ui/syncpanel.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::RowOutcome;
using services::RowPreview;
using services::RowStatus;

namespace {

QTableView *makeTable(QStandardItemModel *model, const QString &objectName, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(objectName);
    view->setModel(model);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QStandardItem *item(const QString &text, const QString &toolTip = {})
{
    auto *cell = new QStandardItem(text);
    cell->setToolTip(toolTip.isEmpty() ? text : toolTip);
    return cell;
}

QStandardItem *number(qint64 value)
{
    auto *cell = new QStandardItem;
    cell->setData(value, Qt::DisplayRole);
    cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return cell;
}

QString outcomeWords(RowStatus status)
{
    switch (status) {
    case RowStatus::Created:
        return PreviewDialog::tr("would be created");
    case RowStatus::Updated:
        return PreviewDialog::tr("would be updated");
    case RowStatus::Failed:
        return PreviewDialog::tr("would fail");
    case RowStatus::Unchanged:
        return PreviewDialog::tr("unchanged");
    case RowStatus::Skipped:
        return PreviewDialog::tr("not compared");
    case RowStatus::Upserted:
        return PreviewDialog::tr("would be upserted");
    case RowStatus::Added:
        return PreviewDialog::tr("would be added");
    case RowStatus::Removed:
        return PreviewDialog::tr("would be removed");
    case RowStatus::AlreadyMember:
        return PreviewDialog::tr("already members");
    case RowStatus::NotMember:
        return PreviewDialog::tr("not members");
    }
    return {};
}

} // namespace

QString PreviewDialog::valueText(const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return tr("(empty)");
    if (value.isString())
        return value.toString();
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

PreviewDialog::PreviewDialog(const QString &mappingName, const services::SyncSummary &summary,
                             const QList<RowOutcome> &failures, QWidget *parent)
    : QDialog(parent)
    , m_reasons(new QStandardItemModel(0, 3, this))
    , m_sample(new QStandardItemModel(0, 6, this))
{
    setObjectName(u"previewDialog"_s);
    setWindowTitle(tr("Preview of %1 — nothing was written").arg(mappingName));
    QLocale locale;
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);

    auto *summaryLabel = new QLabel(SyncPanel::previewText(summary, locale), this);
    summaryLabel->setObjectName(u"previewSummaryLabel"_s);
    summaryLabel->setWordWrap(true);
    summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // The four counts large, in the outcome colours of the Sync pane and the History chart.
    auto *counts = new QGridLayout;
    const struct
    {
        RowStatus status;
        qint64 value;
        const char *name;
    } records[] = {{RowStatus::Created, summary.created, "previewCreatedLabel"},
                   {RowStatus::Updated, summary.updated, "previewUpdatedLabel"},
                   {RowStatus::Unchanged, summary.unchanged, "previewUnchangedLabel"},
                   {RowStatus::Failed, summary.failed, "previewFailedLabel"}},
      // A marketing list's preview is its membership plan.
        members[] = {
            {RowStatus::Added, summary.audience ? summary.audience->toAdd : 0, "previewAddedLabel"},
            {RowStatus::Removed, summary.audience ? summary.audience->toRemove : 0, "previewRemovedLabel"},
            {RowStatus::AlreadyMember, summary.alreadyMember, "previewAlreadyMemberLabel"},
            {RowStatus::Failed, summary.failed, "previewFailedLabel"}};
    int column = 0;
    for (const auto &count : summary.audience ? members : records) {
        auto *value = new QLabel(locale.toString(count.value), this);
        value->setObjectName(QString::fromLatin1(count.name));
        QFont big = value->font();
        big.setPointSizeF(big.pointSizeF() * 1.6);
        big.setBold(true);
        value->setFont(big);
        QPalette palette = value->palette();
        palette.setColor(QPalette::WindowText,
                         (count.status == RowStatus::Unchanged || count.status == RowStatus::AlreadyMember)
                             ? palette.color(QPalette::WindowText)
                             : outcomeColor(count.status).darker(130));
        value->setPalette(palette);
        value->setAlignment(Qt::AlignCenter);
        auto *caption = new QLabel(outcomeWords(count.status), this);
        caption->setAlignment(Qt::AlignCenter);
        counts->addWidget(value, 0, column);
        counts->addWidget(caption, 1, column);
        ++column;
    }

    // Why rows would fail: one line per error code, with how many rows and one example.
    m_reasons->setHorizontalHeaderLabels({tr("Error code"), tr("Rows"), tr("Reason (an example)")});
    QMap<QString, QPair<qint64, QString>> byCode;
    QStringList order;
    for (const RowOutcome &failure : failures) {
        const QString code = failure.errorCode.isEmpty() ? tr("(no code)") : failure.errorCode;
        auto &entry = byCode[code];
        if (entry.first++ == 0) {
            entry.second = failure.message;
            order.append(code);
        }
    }
    for (const QString &code : std::as_const(order)) {
        const auto &entry = byCode.value(code);
        m_reasons->appendRow(
            {item(code), number(entry.first), item(entry.second.simplified(), entry.second)});
    }
    auto *reasonsLabel =
        new QLabel(summary.failed > 0 ? tr("Why rows would fail:") : tr("No row would fail."), this);
    reasonsLabel->setObjectName(u"previewReasonsLabel"_s);
    QTableView *reasonsView = makeTable(m_reasons, u"previewReasonsView"_s, this);
    reasonsView->setColumnWidth(ReasonCodeColumn, 110);
    reasonsView->setColumnWidth(ReasonRowsColumn, 60);
    reasonsView->setVisible(summary.failed > 0);

    // The sample: one line per column of each sampled row.
    m_sample->setHorizontalHeaderLabels(
        {tr("Row"), tr("Key"), tr("Outcome"), tr("Column"), tr("Before"), tr("After")});
    for (const RowPreview &row : summary.preview) {
        const auto add = [&](const QString &columnName, const QString &before, const QString &after) {
            m_sample->appendRow({number(row.sourceRow + 1), item(row.key), item(outcomeWords(row.status)),
                                 item(columnName), item(before), item(after)});
        };
        if (row.status == RowStatus::Failed)
            continue; // listed with their reasons above and in the Sync pane's failed rows
        for (const services::ColumnChange &change : row.changes) {
            add(change.column, row.status == RowStatus::Created ? QString() : valueText(change.before),
                valueText(change.after) +
                    (change.compared ? QString() : tr("  (lookup by key: not compared)")));
        }
    }
    auto *sampleLabel = new QLabel(
        std::none_of(summary.preview.cbegin(), summary.preview.cend(),
                     [](const RowPreview &row) { return row.status != RowStatus::Failed; })
            ? tr("No row would change, so there is nothing to show column by column.")
            : tr("A sample of the rows, column by column (before → after; a new record has no before):"),
        this);
    sampleLabel->setObjectName(u"previewSampleLabel"_s);
    QTableView *sampleView = makeTable(m_sample, u"previewSampleView"_s, this);
    sampleView->setColumnWidth(SampleRowColumn, 60);
    sampleView->setColumnWidth(SampleKeyColumn, 90);
    sampleView->setColumnWidth(SampleOutcomeColumn, 120);
    sampleView->setColumnWidth(SampleColumnColumn, 130);
    sampleView->setColumnWidth(SampleBeforeColumn, 200);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *syncNow = buttons->addButton(tr("Sync now"), QDialogButtonBox::AcceptRole);
    syncNow->setObjectName(u"previewSyncNowButton"_s);
    syncNow->setToolTip(tr("Run the mapping for real: write what this preview shows"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        accept();
        Q_EMIT syncRequested();
    });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(summaryLabel);
    layout->addLayout(counts);
    layout->addWidget(reasonsLabel);
    layout->addWidget(reasonsView, 1);
    layout->addWidget(sampleLabel);
    layout->addWidget(sampleView, 3);
    layout->addWidget(buttons);
    resize(860, 560);
}

} // namespace d365::ui
