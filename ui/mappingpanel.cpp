#include "ui/mappingpanel.h"

#include "models/fieldmappingmodel.h"
#include "ui/elidinglabel.h"

#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

using services::Mapping;
using services::SyncMode;

namespace {

constexpr qsizetype QuerySummaryLength = 120;

QLabel *valueLabel(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QString modeText(SyncMode mode)
{
    switch (mode) {
    case SyncMode::Upsert:
        return MappingPanel::tr("Upsert — create new rows, update existing ones");
    case SyncMode::Insert:
        return MappingPanel::tr("Insert — create new rows only");
    case SyncMode::Update:
        return MappingPanel::tr("Update — update existing rows only");
    }
    return {};
}

} // namespace

MappingPanel::MappingPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new models::FieldMappingModel(this))
{
    setObjectName(u"mappingPanelWidget"_s);

    auto *placeholder =
        new QLabel(tr("No mapping loaded.\nOpen a mapping file with File → Open mapping… (Ctrl+O)."), this);
    placeholder->setObjectName(u"noMappingLabel"_s);
    placeholder->setAlignment(Qt::AlignCenter);

    auto *content = new QWidget(this);
    m_nameLabel = valueLabel(u"mappingNameLabel"_s, content);
    QFont nameFont = m_nameLabel->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.3);
    nameFont.setBold(true);
    m_nameLabel->setFont(nameFont);
    m_nameLabel->setWordWrap(true);
    // Paths can be longer than any screen is wide: cut in the middle (the file name stays), whole in the
    // tooltip.
    m_fileLabel = new ElidingLabel(content, Qt::ElideMiddle);
    m_fileLabel->setObjectName(u"mappingFileLabel"_s);

    auto *sourceBox = new QGroupBox(tr("Source"), content);
    sourceBox->setObjectName(u"sourceGroupBox"_s);
    m_sourcePathLabel = new ElidingLabel(sourceBox, Qt::ElideMiddle);
    m_sourcePathLabel->setObjectName(u"sourcePathLabel"_s);
    m_sourceQueryLabel = valueLabel(u"sourceQueryLabel"_s, sourceBox);
    m_sourceQueryLabel->setWordWrap(true);
    m_sourceKeyLabel = valueLabel(u"sourceKeyLabel"_s, sourceBox);
    auto *sourceForm = new QFormLayout(sourceBox);
    sourceForm->addRow(tr("Database:"), m_sourcePathLabel);
    sourceForm->addRow(tr("Query:"), m_sourceQueryLabel);
    sourceForm->addRow(tr("Key column:"), m_sourceKeyLabel);

    auto *targetBox = new QGroupBox(tr("Target"), content);
    targetBox->setObjectName(u"targetGroupBox"_s);
    m_entitySetLabel = valueLabel(u"targetEntitySetLabel"_s, targetBox);
    m_matchKeyLabel = valueLabel(u"targetMatchKeyLabel"_s, targetBox);
    m_matchKeyLabel->setWordWrap(true);
    m_modeLabel = valueLabel(u"targetModeLabel"_s, targetBox);
    m_modeLabel->setWordWrap(
        true); // "Upsert — create new rows, update existing ones" must not widen the window
    auto *targetForm = new QFormLayout(targetBox);
    targetForm->addRow(tr("Entity set:"), m_entitySetLabel);
    targetForm->addRow(tr("Match key:"), m_matchKeyLabel);
    targetForm->addRow(tr("Mode:"), m_modeLabel);

    m_fieldView = new QTableView(content);
    m_fieldView->setObjectName(u"fieldMappingView"_s);
    m_fieldView->setModel(m_model);
    m_fieldView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_fieldView->setAlternatingRowColors(true);
    m_fieldView->setTabKeyNavigation(false); // Tab leaves the table, arrows move within it
    m_fieldView->verticalHeader()->hide();
    m_fieldView->verticalHeader()->setDefaultSectionSize(m_fieldView->fontMetrics().height() +
                                                         8); // compact rows
    m_fieldView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_fieldView->horizontalHeader()->setSectionResizeMode(models::FieldMappingModel::KeyColumn,
                                                          QHeaderView::ResizeToContents);

    auto *boxes = new QHBoxLayout;
    boxes->addWidget(sourceBox, 1);
    boxes->addWidget(targetBox, 1);

    auto *fieldsLabel = new QLabel(tr("Field mappings"), content);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(m_nameLabel);
    contentLayout->addWidget(m_fileLabel);
    contentLayout->addLayout(boxes);
    contentLayout->addWidget(fieldsLabel);
    contentLayout->addWidget(m_fieldView, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(placeholder);
    m_stack->addWidget(content);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
}

void MappingPanel::setMapping(const Mapping &mapping, const QString &filePath)
{
    m_nameLabel->setText(mapping.name);
    m_fileLabel->setText(tr("Mapping file: %1").arg(QDir::toNativeSeparators(filePath)));

    m_sourcePathLabel->setText(QDir::toNativeSeparators(mapping.source.path));
    m_sourcePathLabel->setToolTip(
        tr("%1 database %2").arg(mapping.source.type, QDir::toNativeSeparators(mapping.source.path)));
    // Queries can be long; the label shows one line and the tooltip the query as written.
    QString query = mapping.source.query.simplified();
    if (query.size() > QuerySummaryLength)
        query = query.left(QuerySummaryLength - 1) + u'…';
    m_sourceQueryLabel->setText(query);
    m_sourceQueryLabel->setToolTip(mapping.source.query);
    m_sourceKeyLabel->setText(mapping.source.keyColumn);

    m_entitySetLabel->setText(mapping.target.entitySet);
    m_matchKeyLabel->setText(mapping.target.matchKey.join(u", "_s));
    m_modeLabel->setText(modeText(mapping.mode));

    m_model->setMapping(mapping);
    m_stack->setCurrentIndex(1);
}

void MappingPanel::clear()
{
    m_model->clear();
    m_stack->setCurrentIndex(0);
}

} // namespace d365::ui
