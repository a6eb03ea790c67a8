#include "ui/schemabrowser.h"

#include "models/attributelistmodel.h"
#include "models/entitylistmodel.h"

#include <QAction>
#include <QCheckBox>
#include <QDataStream>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

namespace {
constexpr quint32 StateVersion = 1;

QTableView *makeView(const QString &name, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setTabKeyNavigation(false); // Tab moves between the panes, arrows within
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    return view;
}
} // namespace

SchemaBrowser::SchemaBrowser(QWidget *parent)
    : QWidget(parent)
    , m_entities(new models::EntityListModel(this))
    , m_attributes(new models::AttributeListModel(this))
    , m_attributeProxy(new QSortFilterProxyModel(this))
{
    setObjectName(u"schemaBrowser"_s);
    m_search = new QLineEdit(this);
    m_search->setObjectName(u"schemaSearch"_s);
    m_search->setPlaceholderText(tr("Search tables…"));
    m_search->setClearButtonEnabled(true);
    m_customOnly = new QCheckBox(tr("&Custom only"), this);
    m_customOnly->setObjectName(u"schemaCustomOnly"_s);
    m_refresh = new QToolButton(this);
    m_refresh->setObjectName(u"schemaRefresh"_s);
    m_refresh->setText(tr("Refresh"));
    m_refresh->setToolTip(tr("Read the tables and columns from the organization again"));
    m_useAsTarget = new QToolButton(this);
    m_useAsTarget->setObjectName(u"useAsTargetButton"_s);
    m_useAsTarget->setText(tr("&Use as target"));
    m_useAsTarget->setToolTip(tr("Make the selected table the target of the mapping being edited"));
    m_useAsTarget->setEnabled(false);
    m_spinner = new QProgressBar(this);
    m_spinner->setObjectName(u"schemaSpinner"_s);
    m_spinner->setRange(0, 0); // busy indicator
    m_spinner->setMaximumHeight(6);
    m_spinner->setTextVisible(false);
    m_spinner->hide();
    m_message = new QLabel(this);
    m_message->setObjectName(u"schemaMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    m_tableView = makeView(u"schemaTables"_s, this);
    m_tableView->setModel(m_entities);
    m_tableView->setAccessibleName(tr("Tables"));
    m_attributeProxy->setSourceModel(m_attributes);
    m_attributeProxy->setSortRole(models::AttributeListModel::SortRole);
    m_columnView = makeView(u"schemaColumns"_s, this);
    m_columnView->setModel(m_attributeProxy);
    m_columnView->setSortingEnabled(true);
    m_columnView->sortByColumn(models::AttributeListModel::LogicalNameColumn, Qt::AscendingOrder);
    m_columnView->setAccessibleName(tr("Columns"));
    // Columns can be dragged onto the mapping editor; Enter (or the context menu) adds them without a mouse.
    m_columnView->setDragEnabled(true);
    m_columnView->setDragDropMode(QAbstractItemView::DragOnly);
    m_columnView->setDefaultDropAction(Qt::CopyAction);
    m_columnView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tableView->setContextMenuPolicy(Qt::CustomContextMenu);
    auto *addColumn = new QAction(tr("Add to mapping"), m_columnView);
    addColumn->setObjectName(u"addColumnToMappingAction"_s);
    addColumn->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    addColumn->setShortcutContext(Qt::WidgetShortcut);
    m_columnView->addAction(addColumn);
    connect(addColumn, &QAction::triggered, this, &SchemaBrowser::addSelectedColumnToMapping);
    connect(m_columnView, &QWidget::customContextMenuRequested, this, &SchemaBrowser::showColumnMenu);
    connect(m_tableView, &QWidget::customContextMenuRequested, this, &SchemaBrowser::showTableMenu);
    m_detail = new QPlainTextEdit(this);
    m_detail->setObjectName(u"schemaDetail"_s);
    m_detail->setReadOnly(true);
    m_detail->setAccessibleName(tr("Column details"));

    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_search, 1);
    filterRow->addWidget(m_customOnly);
    filterRow->addWidget(m_refresh);
    auto *tableActions = new QHBoxLayout;
    tableActions->addStretch(1);
    tableActions->addWidget(m_useAsTarget);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_tableView);
    splitter->addWidget(m_columnView);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filterRow);
    layout->addWidget(m_spinner);
    layout->addWidget(m_message);
    layout->addWidget(splitter, 1);
    layout->addLayout(tableActions);
    setTabOrder(m_search, m_customOnly);
    setTabOrder(m_customOnly, m_refresh);
    setTabOrder(m_refresh, m_tableView);
    setTabOrder(m_tableView, m_columnView);
    setTabOrder(m_columnView, m_detail);
    setTabOrder(m_detail, m_useAsTarget);
    connect(m_useAsTarget, &QToolButton::clicked, this, [this] {
        if (const QString set = selectedEntitySet(); !set.isEmpty())
            Q_EMIT useAsTargetRequested(set);
    });

    connect(m_search, &QLineEdit::textChanged, m_entities, &models::EntityListModel::setFilterText);
    connect(m_customOnly, &QCheckBox::toggled, m_entities, &models::EntityListModel::setCustomOnly);
    connect(m_refresh, &QToolButton::clicked, this, [this] {
        requestTables(true);
        if (const QString set = selectedEntitySet(); !set.isEmpty()) {
            Q_EMIT entityRequested(set, true);
        }
    });
    // Down arrow in the search box goes to the list, so the keyboard alone can pick a table.
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (m_entities->rowCount() > 0) {
            m_tableView->setFocus();
            m_tableView->selectRow(0);
        }
    });
    // The model resets on every filter change; the selection model is replaced-in-place, so reconnect once.
    connect(m_tableView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SchemaBrowser::onTableSelected);
    connect(m_columnView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SchemaBrowser::onColumnSelected);
}

void SchemaBrowser::requestTables(bool refresh)
{
    m_message->hide();
    Q_EMIT tablesRequested(refresh);
}

void SchemaBrowser::setTables(const QList<services::EntitySummary> &tables)
{
    const QString selected = m_pendingSelection.isEmpty() ? selectedEntitySet() : m_pendingSelection;
    m_entities->setTables(tables);
    m_tableView->resizeColumnsToContents();
    if (const int row = m_entities->rowOfEntitySet(selected); row >= 0) {
        m_pendingSelection.clear();
        m_tableView->selectRow(row);
        m_tableView->scrollTo(m_entities->index(row, 0));
    }
}

void SchemaBrowser::setEntity(const services::EntityMetadata &entity)
{
    if (entity.entitySetName != selectedEntitySet()) {
        return; // an answer for a table the user has left
    }
    const QString column = m_columnView->currentIndex().data(Qt::UserRole).toString();
    m_attributes->setEntity(entity);
    m_columnView->resizeColumnsToContents();
    m_detail->setPlainText(tr("%1 (%2): %3 columns, primary key %4, %5 alternate key(s)%6")
                               .arg(entity.displayName, entity.logicalName)
                               .arg(m_attributes->rowCount())
                               .arg(entity.primaryIdAttribute)
                               .arg(entity.keys.size())
                               .arg(entity.supportsBulkMessages
                                        ? (*entity.supportsBulkMessages ? tr(", bulk messages available")
                                                                        : tr(", no bulk messages"))
                                        : QString()));
    for (int row = 0; row < m_attributeProxy->rowCount() && !column.isEmpty(); ++row) {
        if (m_attributeProxy->index(row, 0).data(Qt::UserRole).toString() == column) {
            m_columnView->selectRow(row);
        }
    }
}

void SchemaBrowser::setBusy(bool busy)
{
    m_spinner->setVisible(busy);
    m_refresh->setEnabled(!busy);
}

void SchemaBrowser::showError(const QString &message)
{
    m_message->setText(message);
    m_message->show();
}

QString SchemaBrowser::selectedEntitySet() const
{
    // The current row is the selected one (single selection); it is updated before the selection itself.
    const QModelIndex current = m_tableView->currentIndex();
    return current.isValid() ? current.data(models::EntityListModel::EntitySetRole).toString() : QString();
}

void SchemaBrowser::onTableSelected()
{
    const QString set = selectedEntitySet();
    m_attributes->clear();
    m_detail->clear();
    m_useAsTarget->setEnabled(!set.isEmpty());
    if (!set.isEmpty()) {
        m_message->hide();
        Q_EMIT entityRequested(set, false);
    }
}

void SchemaBrowser::onColumnSelected()
{
    const QModelIndex current = m_columnView->currentIndex();
    if (!current.isValid()) {
        return;
    }
    const int row = m_attributeProxy->mapToSource(current).row();
    m_detail->setPlainText(
        models::AttributeListModel::describe(m_attributes->attributeAt(row), m_attributes->entity()));
}

void SchemaBrowser::addSelectedColumnToMapping()
{
    const QModelIndex current = m_columnView->currentIndex();
    if (!current.isValid() || m_attributes->entity().entitySetName.isEmpty())
        return;
    Q_EMIT addToMappingRequested(m_attributes->entity().entitySetName, current.data(Qt::UserRole).toString());
}

void SchemaBrowser::showTableMenu(const QPoint &position)
{
    const QModelIndex index = m_tableView->indexAt(position);
    if (!index.isValid())
        return;
    const QString set = index.data(models::EntityListModel::EntitySetRole).toString();
    auto *menu = new QMenu(m_tableView);
    menu->setObjectName(u"schemaTableMenu"_s);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("&Use as target of the mapping"), this,
                    [this, set] { Q_EMIT useAsTargetRequested(set); });
    menu->popup(m_tableView->viewport()->mapToGlobal(position));
}

void SchemaBrowser::showColumnMenu(const QPoint &position)
{
    const QModelIndex index = m_columnView->indexAt(position);
    if (!index.isValid())
        return;
    m_columnView->setCurrentIndex(index);
    auto *menu = new QMenu(m_columnView);
    menu->setObjectName(u"schemaColumnMenu"_s);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction *add = menu->addAction(tr("&Add to mapping"), this, &SchemaBrowser::addSelectedColumnToMapping);
    add->setEnabled(m_attributes->flags(m_attributeProxy->mapToSource(index)) & Qt::ItemIsDragEnabled);
    menu->popup(m_columnView->viewport()->mapToGlobal(position));
}

QByteArray SchemaBrowser::saveState() const
{
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    out << StateVersion << m_search->text() << m_customOnly->isChecked()
        << (selectedEntitySet().isEmpty() ? m_pendingSelection : selectedEntitySet())
        << m_columnView->horizontalHeader()->saveState();
    return state;
}

void SchemaBrowser::restoreState(const QByteArray &state)
{
    QDataStream in(state);
    quint32 version = 0;
    QString search;
    bool customOnly = false;
    QString selected;
    QByteArray header;
    in >> version >> search >> customOnly >> selected >> header;
    if (version != StateVersion || in.status() != QDataStream::Ok) {
        return; // unknown or damaged: start fresh
    }
    m_search->setText(search);
    m_customOnly->setChecked(customOnly);
    m_columnView->horizontalHeader()->restoreState(header);
    m_pendingSelection = selected;
}

} // namespace d365::ui
