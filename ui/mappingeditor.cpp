#include "ui/mappingeditor.h"

#include "models/fieldmappingmodel.h"
#include "models/sourcecolumnmodel.h"
#include "models/targetcolumnmodel.h"
#include "ui/elidinglabel.h"
#include "ui/fieldoptionsdialog.h"
#include "ui/mappingdocument.h"
#include "ui/problemdelegate.h"
#include "ui/sourceeditor.h"
#include "ui/targeteditor.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace d365::ui {

using models::FieldMappingModel;
using services::EditorProblem;

namespace {

QTableView *makeColumnView(const QString &name, const QString &accessibleName, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setAccessibleName(accessibleName);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setTabKeyNavigation(false); // Tab moves between the panes, arrows within
    view->setAlternatingRowColors(true);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    // Drags leave as a copy (never Move: the view would remove the rows); drops land on a row.
    view->setDragEnabled(true);
    view->setDragDropMode(QAbstractItemView::DragDrop);
    view->setDefaultDropAction(Qt::CopyAction);
    view->setDragDropOverwriteMode(true);
    view->setDropIndicatorShown(true);
    return view;
}

// Enter / Return on a view, for the view alone (the keyboard path of a drag).
QAction *enterAction(QWidget *view, const QString &name)
{
    auto *action = new QAction(view);
    action->setObjectName(name);
    action->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    action->setShortcutContext(Qt::WidgetShortcut);
    view->addAction(action);
    return action;
}

QString areaName(const QString &area)
{
    if (area == "source"_L1)
        return MappingEditor::tr("Source");
    if (area == "target"_L1 || area == "mode"_L1 || area == "writer"_L1)
        return MappingEditor::tr("Target");
    if (area == "fields"_L1)
        return MappingEditor::tr("Fields");
    return MappingEditor::tr("Mapping");
}

int tabOf(const QString &area)
{
    if (area == "source"_L1 || area == "sourceTimeZone"_L1)
        return MappingEditor::SourceTab;
    if (area == "target"_L1 || area == "mode"_L1 || area == "writer"_L1)
        return MappingEditor::TargetTab;
    return MappingEditor::FieldsTab;
}

} // namespace

MappingEditor::MappingEditor(MappingDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_document(document)
{
    setObjectName(u"mappingEditorWidget"_s);

    // Actions first: the pages put them on their buttons.
    m_mapAction = new QAction(tr("&Map selected columns"), this);
    m_mapAction->setObjectName(u"mapColumnsAction"_s);
    m_mapAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    m_mapAction->setShortcutContext(Qt::WindowShortcut);
    m_mapAction->setToolTip(
        tr("Map the selected warehouse column to the selected table column (Enter or Ctrl+M)"));
    m_removeAction = new QAction(tr("&Remove field"), this);
    m_removeAction->setObjectName(u"removeFieldAction"_s);
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setShortcutContext(Qt::WidgetShortcut);
    m_autoMapAction = new QAction(tr("&Auto-map"), this);
    m_autoMapAction->setObjectName(u"autoMapAction"_s);
    m_autoMapAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    m_autoMapAction->setShortcutContext(Qt::WindowShortcut);
    m_autoMapAction->setToolTip(
        tr("Map the warehouse columns without a field to the table columns of the same "
           "logical, display or normalised name"));
    m_optionsAction = new QAction(tr("Field &options…"), this);
    m_optionsAction->setObjectName(u"fieldOptionsAction"_s);
    m_optionsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_optionsAction->setShortcutContext(Qt::WindowShortcut);
    m_validateAction = new QAction(tr("&Validate against the org"), this);
    m_validateAction->setObjectName(u"validateAction"_s);
    m_validateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    m_validateAction->setShortcutContext(Qt::WindowShortcut);
    m_validateAction->setToolTip(
        tr("Run the checks of d365sync-cli validate now: the table, the warehouse query, "
           "lookups and your privileges (Ctrl+Shift+V)"));
    addActions({m_mapAction, m_autoMapAction, m_optionsAction, m_validateAction});
    connect(m_mapAction, &QAction::triggered, this, &MappingEditor::mapSelected);
    connect(m_removeAction, &QAction::triggered, this, &MappingEditor::removeSelectedFields);
    connect(m_autoMapAction, &QAction::triggered, this, &MappingEditor::runAutoMap);
    connect(m_optionsAction, &QAction::triggered, this, [this] {
        const QList<int> rows = selectedFieldRows();
        if (!rows.isEmpty())
            openFieldOptions(rows.first());
    });
    connect(m_validateAction, &QAction::triggered, this, [this] {
        commitPendingEdits();
        Q_EMIT validateRequested();
    });

    // The editor page.
    auto *page = new QWidget(this);
    m_name = new QLineEdit(page);
    m_name->setObjectName(u"mappingNameLineEdit"_s);
    m_name->setAccessibleName(tr("Mapping name"));
    m_name->setPlaceholderText(tr("Name of the mapping (shown in reports)"));
    QFont nameFont = m_name->font();
    nameFont.setBold(true);
    m_name->setFont(nameFont);
    m_file = new ElidingLabel(page, Qt::ElideMiddle);
    m_file->setObjectName(u"mappingFileLabel"_s);
    auto *nameLabel = new QLabel(tr("&Name:"), page);
    nameLabel->setBuddy(m_name);
    auto *header = new QHBoxLayout;
    header->addWidget(nameLabel);
    header->addWidget(m_name, 2);
    header->addWidget(m_file, 3);

    m_tabs = new QTabWidget(page);
    m_tabs->setObjectName(u"editorTabWidget"_s);
    m_sourceEditor = new SourceEditor(m_document, m_tabs);
    m_targetEditor = new TargetEditor(m_document, m_tabs);
    // The forms scroll rather than make the window taller or wider than a small screen.
    const auto scrolled = [this](QWidget *content) {
        auto *area = new QScrollArea(m_tabs);
        area->setWidget(content);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        return area;
    };
    m_tabs->addTab(scrolled(m_sourceEditor), tr("Source"));
    m_tabs->addTab(scrolled(m_targetEditor), tr("Target"));
    m_tabs->addTab(createFieldsPage(), tr("Fields"));

    // Problems: a tab of their own (a list under the tabs took the rows the field table needs on a
    // 768-pixel screen); each row of the field table shows its own, and the tab titles count them.
    auto *problemsBox = new QWidget(m_tabs);
    m_problemsLabel = new QLabel(problemsBox);
    m_problemsLabel->setObjectName(u"problemsLabel"_s);
    m_problemsLabel->setWordWrap(true);
    m_problems = new QListWidget(problemsBox);
    m_problems->setObjectName(u"problemsListWidget"_s);
    m_problems->setAccessibleName(tr("Problems"));
    m_problems->setWordWrap(true);
    m_problems->setToolTip(tr("Press Enter or double-click to go to the problem"));
    m_problemsLabel->setBuddy(m_problems);
    auto *problemsLayout = new QVBoxLayout(problemsBox);
    problemsLayout->addWidget(m_problemsLabel);
    problemsLayout->addWidget(m_problems, 1);
    m_tabs->addTab(problemsBox, tr("Problems"));
    for (int tab = 0; tab < TabCount; ++tab) {
        auto *go = new QAction(this);
        go->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + tab)));
        go->setShortcutContext(Qt::WindowShortcut);
        connect(go, &QAction::triggered, this, [this, tab] { m_tabs->setCurrentIndex(tab); });
        addAction(go);
    }

    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(header);
    pageLayout->addWidget(m_tabs, 1);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(createPlaceholder());
    m_stack->addWidget(page);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    connect(m_name, &QLineEdit::editingFinished, this, [this] {
        if (m_name->text().trimmed() != m_document->mapping().name)
            m_document->setName(m_name->text());
    });
    connect(m_problems, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { showProblemAt(item->data(Qt::UserRole).toInt()); });
    connect(m_document, &MappingDocument::changed, this, &MappingEditor::syncFromDocument);
    connect(m_document, &MappingDocument::openChanged, this, &MappingEditor::syncFromDocument);
    connect(m_document, &MappingDocument::filePathChanged, this, &MappingEditor::syncFromDocument);
    connect(m_document, &MappingDocument::problemsChanged, this, &MappingEditor::syncProblems);
    connect(m_document, &MappingDocument::metadataChanged, this, &MappingEditor::updateActions);
    connect(m_document, &MappingDocument::previewChanged, this, &MappingEditor::updateActions);
    syncFromDocument();
    syncProblems();
}

QWidget *MappingEditor::createPlaceholder()
{
    auto *placeholder = new QWidget(this);
    auto *text =
        new QLabel(tr("No mapping open.\nCreate one with File → New (Ctrl+N), or open a mapping file "
                      "(Ctrl+O)."),
                   placeholder);
    text->setObjectName(u"noMappingLabel"_s);
    text->setAlignment(Qt::AlignCenter);
    auto *newButton = new QPushButton(tr("&New mapping"), placeholder);
    newButton->setObjectName(u"newMappingButton"_s);
    auto *openButton = new QPushButton(tr("&Open…"), placeholder);
    openButton->setObjectName(u"openMappingButton"_s);
    connect(newButton, &QPushButton::clicked, this, &MappingEditor::newRequested);
    connect(openButton, &QPushButton::clicked, this, &MappingEditor::openRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(newButton);
    buttons->addWidget(openButton);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(placeholder);
    layout->addStretch(1);
    layout->addWidget(text);
    layout->addLayout(buttons);
    layout->addStretch(1);
    return placeholder;
}

QWidget *MappingEditor::createFieldsPage()
{
    auto *page = new QWidget(m_tabs);
    page->setObjectName(u"fieldsPageWidget"_s);

    const auto button = [page](QAction *action, const QString &name, const QString &shortText) {
        action->setIconText(shortText); // the button's text; the menus show the whole one
        auto *b = new QToolButton(page);
        b->setObjectName(name);
        b->setDefaultAction(action);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        return b;
    };
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(button(m_mapAction, u"mapButton"_s, tr("Map")));
    toolbar->addWidget(button(m_removeAction, u"removeFieldButton"_s, tr("Remove")));
    toolbar->addWidget(button(m_autoMapAction, u"autoMapButton"_s, tr("Auto-map")));
    toolbar->addWidget(button(m_optionsAction, u"fieldOptionsButton"_s, tr("Options…")));
    toolbar->addWidget(button(m_validateAction, u"validateButton"_s, tr("Validate")));
    auto *hint = new ElidingLabel(page);
    hint->setText(tr("Drag a warehouse column onto a table column — or select both and press Enter."));
    hint->setObjectName(u"fieldsHintLabel"_s);
    hint->setEnabled(false);
    toolbar->addWidget(hint, 1);

    // Warehouse columns.
    m_sourceView = makeColumnView(u"sourceColumnsView"_s, tr("Warehouse columns"), page);
    m_sourceView->setModel(m_document->sourceModel());
    m_sourceView->setItemDelegate(new ProblemDelegate(-1, m_sourceView));
    m_sourceView->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    connect(enterAction(m_sourceView, u"mapFromSourceAction"_s), &QAction::triggered, this,
            &MappingEditor::mapSelected);
    connect(m_sourceView, &QWidget::customContextMenuRequested, this, &MappingEditor::showSourceMenu);

    // The field mappings: drops only (columns land here), cells edited in place.
    m_fieldView = new QTableView(page);
    m_fieldView->setObjectName(u"fieldMappingView"_s);
    m_fieldView->setAccessibleName(tr("Field mappings"));
    m_fieldView->setModel(m_document->fieldModel());
    m_fieldView->setItemDelegate(new ColumnChoiceDelegate(FieldMappingModel::ProblemColumn, m_fieldView));
    m_fieldView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_fieldView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_fieldView->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_fieldView->setTabKeyNavigation(false);
    m_fieldView->setAlternatingRowColors(true);
    m_fieldView->setAcceptDrops(true);
    m_fieldView->setDragDropMode(QAbstractItemView::DropOnly);
    m_fieldView->setDefaultDropAction(Qt::CopyAction);
    m_fieldView->setDropIndicatorShown(true);
    m_fieldView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_fieldView->verticalHeader()->hide();
    m_fieldView->verticalHeader()->setDefaultSectionSize(m_fieldView->fontMetrics().height() + 8);
    QHeaderView *fieldHeader = m_fieldView->horizontalHeader();
    fieldHeader->setSectionResizeMode(QHeaderView::Interactive);
    fieldHeader->setSectionResizeMode(FieldMappingModel::KeyColumn, QHeaderView::ResizeToContents);
    fieldHeader->setStretchLastSection(true);
    fieldHeader->resizeSection(FieldMappingModel::SourceColumn, 120);
    fieldHeader->resizeSection(FieldMappingModel::TargetColumn, 130);
    fieldHeader->resizeSection(FieldMappingModel::OptionsColumn, 110);
    m_fieldView->addAction(m_removeAction);
    connect(m_fieldView, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        // Enter: edit the Source / Target cell; on the other cells open the field's options.
        if (index.column() == FieldMappingModel::SourceColumn ||
            index.column() == FieldMappingModel::TargetColumn)
            m_fieldView->edit(index);
        else
            openFieldOptions(index.row());
    });
    connect(m_fieldView, &QWidget::customContextMenuRequested, this, &MappingEditor::showFieldMenu);

    // Table columns, with a filter.
    m_targetFilter = new QLineEdit(page);
    m_targetFilter->setObjectName(u"targetFilterLineEdit"_s);
    m_targetFilter->setPlaceholderText(tr("Filter table columns…"));
    m_targetFilter->setClearButtonEnabled(true);
    m_targetProxy = new QSortFilterProxyModel(this);
    m_targetProxy->setSourceModel(m_document->targetModel());
    m_targetProxy->setFilterKeyColumn(-1);
    m_targetProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_targetProxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    m_targetView = makeColumnView(u"targetColumnsView"_s, tr("Table columns"), page);
    m_targetView->setModel(m_targetProxy);
    m_targetView->setSortingEnabled(true);
    m_targetView->sortByColumn(
        -1, Qt::AscendingOrder); // the model's order (display name) until a header is clicked
    m_targetView->setItemDelegate(new ProblemDelegate(-1, m_targetView));
    m_targetView->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    connect(m_targetFilter, &QLineEdit::textChanged, m_targetProxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_targetFilter, &QLineEdit::returnPressed, this, [this] {
        if (m_targetProxy->rowCount() > 0) {
            m_targetView->setFocus();
            m_targetView->selectRow(0);
        }
    });
    connect(enterAction(m_targetView, u"mapFromTargetAction"_s), &QAction::triggered, this,
            &MappingEditor::mapSelected);
    connect(m_targetView, &QWidget::customContextMenuRequested, this, &MappingEditor::showTargetMenu);
    auto *targetBox = new QWidget(page);
    auto *targetLayout = new QVBoxLayout(targetBox);
    targetLayout->setContentsMargins(0, 0, 0, 0);
    targetLayout->addWidget(m_targetFilter);
    targetLayout->addWidget(m_targetView, 1);

    auto *split = new QSplitter(Qt::Horizontal, page);
    split->addWidget(m_sourceView);
    split->addWidget(m_fieldView);
    split->addWidget(targetBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 4);
    split->setStretchFactor(2, 3);
    split->setChildrenCollapsible(false);
    split->setSizes({200, 400, 300});

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(toolbar);
    layout->addWidget(split, 1);
    setTabOrder(m_sourceView, m_fieldView);
    setTabOrder(m_fieldView, m_targetFilter);
    setTabOrder(m_targetFilter, m_targetView);
    connect(m_fieldView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MappingEditor::updateActions);
    // New columns (another query, another table): widths for their names.
    connect(m_document->sourceModel(), &QAbstractItemModel::modelReset, m_sourceView,
            &QTableView::resizeColumnsToContents);
    connect(m_targetProxy, &QAbstractItemModel::modelReset, m_targetView,
            &QTableView::resizeColumnsToContents);
    return page;
}

void MappingEditor::commitPendingEdits()
{
    m_sourceEditor->commitPendingEdits();
    if (m_name->hasFocus() && m_name->text().trimmed() != m_document->mapping().name)
        m_document->setName(m_name->text());
}

void MappingEditor::syncFromDocument()
{
    m_stack->setCurrentIndex(m_document->isOpen() ? 1 : 0);
    // Not while the user types a name (it is committed when the field is left).
    if (m_name->text() != m_document->mapping().name && !(m_name->hasFocus() && m_name->isModified()))
        m_name->setText(m_document->mapping().name);
    m_file->setText(m_document->filePath().isEmpty()
                        ? tr("Not saved yet (File → Save As…)")
                        : tr("Mapping file: %1").arg(QDir::toNativeSeparators(m_document->filePath())));
    updateActions();
}

void MappingEditor::updateActions()
{
    const bool open = m_document->isOpen();
    m_mapAction->setEnabled(open);
    m_removeAction->setEnabled(open && !selectedFieldRows().isEmpty());
    m_optionsAction->setEnabled(open && !selectedFieldRows().isEmpty());
    m_autoMapAction->setEnabled(open && m_document->entity() && !m_document->sourceColumns().isEmpty());
    m_validateAction->setEnabled(open);
}

void MappingEditor::syncProblems()
{
    const QList<EditorProblem> &problems = m_document->problems();
    m_problems->clear();
    int perTab[TabCount] = {0, 0, 0, 0};
    const QStyle *s = style();
    for (qsizetype i = 0; i < problems.size(); ++i) {
        const EditorProblem &problem = problems.at(i);
        const bool error = problem.severity == EditorProblem::Severity::Error;
        QString where = areaName(problem.area());
        if (const int row = problem.fieldRow(); row >= 0) {
            const QString target = m_document->mapping().fields.value(row).target;
            where =
                target.isEmpty() ? tr("Field %1").arg(row + 1) : tr("Field %1 (%2)").arg(row + 1).arg(target);
        }
        auto *item = new QListWidgetItem(
            s->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning),
            tr("%1: %2").arg(where, problem.message));
        item->setData(Qt::UserRole, int(i));
        item->setToolTip(problem.path + u": "_s + problem.message);
        m_problems->addItem(item);
        ++perTab[tabOf(problem.area())];
    }
    const int errors = m_document->errorCount();
    const int warnings = int(problems.size()) - errors;
    m_problemsLabel->setText(
        problems.isEmpty()
            ? tr("&Problems: none — the mapping fits what is known of the warehouse and the table.")
            : tr("&Problems: %1, %2")
                  .arg(errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors),
                       warnings == 1 ? tr("1 warning") : tr("%1 warnings").arg(warnings)));
    perTab[ProblemsTab] = int(problems.size());
    const QString names[TabCount] = {tr("Source"), tr("Target"), tr("Fields"), tr("Problems")};
    for (int tab = 0; tab < TabCount; ++tab)
        m_tabs->setTabText(tab, perTab[tab] ? tr("%1 (%2)").arg(names[tab]).arg(perTab[tab]) : names[tab]);
}

void MappingEditor::showProblemAt(int index)
{
    const EditorProblem problem = m_document->problems().value(index);
    const QString area = problem.area();
    m_tabs->setCurrentIndex(tabOf(area));
    if (const int row = problem.fieldRow(); row >= 0) {
        selectField(row);
        m_fieldView->setFocus();
        return;
    }
    QWidget *focus = nullptr;
    if (problem.path.startsWith("$.source.query"_L1))
        focus = m_sourceEditor->findChild<QPlainTextEdit *>(u"sourceQueryEdit"_s);
    else if (problem.path.startsWith("$.source.path"_L1))
        focus = m_sourceEditor->findChild<QLineEdit *>(u"databasePathLineEdit"_s);
    else if (problem.path.startsWith("$.source.connection"_L1))
        focus = m_sourceEditor->findChild<QComboBox *>(u"warehouseConnectionComboBox"_s);
    else if (problem.path.startsWith("$.source.keyColumn"_L1))
        focus = m_sourceEditor->findChild<QComboBox *>(u"keyColumnComboBox"_s);
    else if (problem.path.startsWith("$.target.profile"_L1))
        focus = m_targetEditor->findChild<QComboBox *>(u"profileComboBox"_s);
    else if (problem.path.startsWith("$.target.entitySet"_L1))
        focus = m_targetEditor->findChild<QComboBox *>(u"targetTableComboBox"_s);
    else if (problem.path.startsWith("$.target.matchKey"_L1))
        focus = m_targetEditor->findChild<QComboBox *>(u"matchKeyComboBox"_s);
    else if (area == "mode"_L1)
        focus = m_targetEditor->findChild<QComboBox *>(u"modeComboBox"_s);
    else if (area == "fields"_L1)
        focus = m_targetView;
    if (focus)
        focus->setFocus(Qt::OtherFocusReason);
}

void MappingEditor::selectField(int row)
{
    const QModelIndex index = m_document->fieldModel()->index(row, FieldMappingModel::SourceColumn);
    if (!index.isValid())
        return;
    m_fieldView->setCurrentIndex(index);
    m_fieldView->selectionModel()->select(index,
                                          QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_fieldView->scrollTo(index);
}

QString MappingEditor::selectedSource() const
{
    const QModelIndexList rows = m_sourceView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(models::NameRole).toString();
}

QString MappingEditor::selectedTarget() const
{
    const QModelIndexList rows = m_targetView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(models::NameRole).toString();
}

QList<int> MappingEditor::selectedFieldRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_fieldView->selectionModel()->selectedRows())
        rows.append(index.row());
    if (rows.isEmpty() && m_fieldView->currentIndex().isValid() && m_fieldView->hasFocus())
        rows.append(m_fieldView->currentIndex().row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

void MappingEditor::editFieldCell(int row, int column)
{
    const QModelIndex index = m_document->fieldModel()->index(row, column);
    if (!index.isValid())
        return;
    m_tabs->setCurrentIndex(FieldsTab);
    selectField(row);
    m_fieldView->setCurrentIndex(index);
    m_fieldView->setFocus();
    m_fieldView->edit(index);
}

void MappingEditor::mapSelected()
{
    if (!m_document->isOpen())
        return;
    const QString source = selectedSource();
    const QString target = selectedTarget();
    if (!source.isEmpty() && !target.isEmpty()) {
        if (m_document->mapColumns(source, target))
            selectField(m_document->fieldModel()->rowOfTarget(target));
        else
            Q_EMIT reportReady(
                tr("%1 cannot be mapped to %2: the mode cannot write that column.").arg(source, target));
        return;
    }
    if (!target.isEmpty()) {
        addTargetColumn(target);
        return;
    }
    if (!source.isEmpty()) {
        m_document->addFields({services::FieldMapping{source, QString()}});
        const int row = m_document->fieldModel()->rowCount() - 1;
        if (m_document->mapping().fields.value(row).target.isEmpty())
            editFieldCell(row, FieldMappingModel::TargetColumn); // no table column of that name: choose one
        else
            selectField(row);
        return;
    }
    Q_EMIT reportReady(tr("Select a warehouse column (left) and a table column (right), then press Enter."));
}

void MappingEditor::addTargetColumn(const QString &column)
{
    if (!m_document->isOpen())
        return;
    if (!m_document->isMappable(column)) {
        Q_EMIT reportReady(tr("%1 cannot be mapped: it is not a column of %2 that %3 mode can write.")
                               .arg(column, m_document->mapping().target.entitySet,
                                    services::syncModeName(m_document->mapping().mode)));
        return;
    }
    const QString source = selectedSource();
    if (!source.isEmpty()) {
        m_document->mapColumns(source, column);
        selectField(m_document->fieldModel()->rowOfTarget(column));
        return;
    }
    if (m_document->fieldModel()->rowOfTarget(column) < 0)
        m_document->addFields({services::FieldMapping{QString(), column}});
    editFieldCell(m_document->fieldModel()->rowOfTarget(column), FieldMappingModel::SourceColumn);
}

void MappingEditor::runAutoMap()
{
    commitPendingEdits();
    if (!m_document->entity()) {
        Q_EMIT reportReady(
            tr("Auto-map needs the table's columns: choose the table in the Target tab first."));
        return;
    }
    if (m_document->sourceColumns().isEmpty()) {
        Q_EMIT reportReady(
            tr("Auto-map needs the warehouse columns: choose a table or a query in the Source tab."));
        return;
    }
    const services::AutoMapReport report = m_document->autoMap();
    m_tabs->setCurrentIndex(FieldsTab);
    Q_EMIT reportReady(report.summary());
}

void MappingEditor::removeSelectedFields()
{
    const QList<int> rows = selectedFieldRows();
    if (rows.isEmpty())
        return;
    m_document->removeFields(rows);
    const int next = std::min(rows.first(), m_document->fieldModel()->rowCount() - 1);
    if (next >= 0)
        selectField(next);
}

void MappingEditor::openFieldOptions(int row)
{
    if (row < 0 || row >= m_document->mapping().fields.size())
        return;
    auto *dialog = new FieldOptionsDialog(m_document, row, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open(); // window-modal, no nested event loop
}

void MappingEditor::showSourceMenu(const QPoint &position)
{
    const QModelIndex index = m_sourceView->indexAt(position);
    if (!index.isValid())
        return;
    const QString source = index.data(models::NameRole).toString();
    auto *menu = new QMenu(m_sourceView);
    menu->setObjectName(u"sourceColumnMenu"_s);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QMenu *mapTo = menu->addMenu(tr("Map &to"));
    mapTo->setObjectName(u"mapToMenu"_s);
    const models::TargetColumnModel *targets = m_document->targetModel();
    for (int row = 0; row < targets->rowCount(); ++row) {
        if (!targets->isMappable(row))
            continue;
        const services::AttributeMetadata attribute = targets->attributeAt(row);
        QAction *action = mapTo->addAction(tr("%1 (%2)").arg(attribute.displayName, attribute.logicalName));
        action->setData(attribute.logicalName);
        connect(action, &QAction::triggered, this, [this, source, target = attribute.logicalName] {
            if (m_document->mapColumns(source, target))
                selectField(m_document->fieldModel()->rowOfTarget(target));
        });
    }
    mapTo->setEnabled(!mapTo->isEmpty());
    QAction *toSelected =
        menu->addAction(tr("Map to the selected table column"), this, &MappingEditor::mapSelected);
    toSelected->setEnabled(!selectedTarget().isEmpty());
    menu->popup(m_sourceView->viewport()->mapToGlobal(position));
}

void MappingEditor::showTargetMenu(const QPoint &position)
{
    const QModelIndex index = m_targetView->indexAt(position);
    if (!index.isValid() || !index.data(models::MappableRole).toBool())
        return;
    const QString target = index.data(models::NameRole).toString();
    auto *menu = new QMenu(m_targetView);
    menu->setObjectName(u"targetColumnMenu"_s);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QMenu *mapFrom = menu->addMenu(tr("Map &from"));
    mapFrom->setObjectName(u"mapFromMenu"_s);
    for (const QString &source : m_document->sourceColumns()) {
        QAction *action = mapFrom->addAction(source);
        action->setData(source);
        connect(action, &QAction::triggered, this, [this, source, target] {
            if (m_document->mapColumns(source, target))
                selectField(m_document->fieldModel()->rowOfTarget(target));
        });
    }
    mapFrom->setEnabled(!mapFrom->isEmpty());
    menu->addAction(tr("&Add a field for this column"), this, [this, target] { addTargetColumn(target); });
    menu->popup(m_targetView->viewport()->mapToGlobal(position));
}

void MappingEditor::showFieldMenu(const QPoint &position)
{
    const QModelIndex index = m_fieldView->indexAt(position);
    if (!index.isValid())
        return;
    const int row = index.row();
    auto *menu = new QMenu(m_fieldView);
    menu->setObjectName(u"fieldMenu"_s);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Change the &source column"), this,
                    [this, row] { editFieldCell(row, FieldMappingModel::SourceColumn); });
    menu->addAction(tr("Change the &target column"), this,
                    [this, row] { editFieldCell(row, FieldMappingModel::TargetColumn); });
    menu->addAction(tr("Field &options…"), this, [this, row] { openFieldOptions(row); });
    menu->addSeparator();
    menu->addAction(m_removeAction);
    menu->popup(m_fieldView->viewport()->mapToGlobal(position));
}

} // namespace d365::ui
