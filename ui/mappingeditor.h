#pragma once

// The centre of the main window: the mapping editor. It presents a MappingDocument in three tabs and a
// problems list:
//
//   Source  (SourceEditor)  the warehouse, a table or a query, the key column, Preview
//   Target  (TargetEditor)  profile, table, mode, match key, writer
//   Fields                 warehouse columns | field mappings | table columns, side by side
//   Problems               every problem live validation (and the last Validate) found; Enter / double-click
//                          goes to the row or the picker it concerns. The field rows show their own
//                          (tinted, in their Problems column), the Source and Target tabs theirs under the
//                          form, and each tab's title counts them.
//
// Mapping a column, by mouse or keyboard (every drag has a keyboard path):
//   drag a warehouse column onto a table column, or a table column onto a warehouse column  → map them
//   drag either onto a field row (replace its source / target) or below the rows (add a field)
//   drag a column from the schema dock onto any of them                                      → the same
//   select a warehouse and a table column, press Enter (or Ctrl+M, or Map)                  → map them
//   context menu "Map to ▸" on a warehouse column, "Map from ▸" on a table column            → map them
//   F2 / double-click on a field's Source or Target cell: choose from a list                → change it
//   Delete on fields → remove them; Ctrl+E → Field options…; Auto-map; Validate (asks the window)
//
// Drops go through the views' ordinary drag-and-drop path into the models' dropMimeData, which turn them
// into requests to the document; the document makes each one undoable.

#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QListWidget;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace d365::ui {

class ElidingLabel;
class MappingDocument;
class SourceEditor;
class TargetEditor;

class MappingEditor : public QWidget
{
    Q_OBJECT
public:
    enum Tab { SourceTab, TargetTab, FieldsTab, ProblemsTab, TabCount };

    explicit MappingEditor(MappingDocument *document, QWidget *parent = nullptr);

    SourceEditor *sourceEditor() const { return m_sourceEditor; }
    TargetEditor *targetEditor() const { return m_targetEditor; }
    QTabWidget *tabs() const { return m_tabs; }
    QTableView *sourceColumnsView() const { return m_sourceView; }
    QTableView *fieldMappingView() const { return m_fieldView; }
    QTableView *targetColumnsView() const { return m_targetView; }

    QAction *mapAction() const { return m_mapAction; }
    QAction *removeFieldAction() const { return m_removeAction; }
    QAction *autoMapAction() const { return m_autoMapAction; }
    QAction *fieldOptionsAction() const { return m_optionsAction; }
    QAction *validateAction() const { return m_validateAction; }

    // Writes edits still being typed (the query, the name) into the document: before Save, Sync, Validate.
    void commitPendingEdits();
    // Maps what is selected: a warehouse and a table column → a field; only a table column → a field for
    // it whose source cell is then edited; only a warehouse column → a field (target by name if one fits).
    void mapSelected();
    // A table column chosen elsewhere (the schema dock's "Add to mapping" or Enter): mapped to the selected
    // warehouse column, or added as a field whose source is then chosen.
    void addTargetColumn(const QString &column);
    void openFieldOptions(int row);
    void selectField(int row);
    void showProblemAt(int index);

Q_SIGNALS:
    void validateRequested();
    void newRequested();
    void openRequested();
    // Auto-map's report ("Mapped 7 columns … Left 4 …"), for the window's banner.
    void reportReady(const QString &text);

private:
    QWidget *createFieldsPage();
    QWidget *createPlaceholder();
    void syncFromDocument();
    void syncProblems();
    void updateActions();
    void runAutoMap();
    void removeSelectedFields();
    QString selectedSource() const;
    QString selectedTarget() const;
    QList<int> selectedFieldRows() const;
    void showSourceMenu(const QPoint &position);
    void showTargetMenu(const QPoint &position);
    void showFieldMenu(const QPoint &position);
    void editFieldCell(int row, int column);

    MappingDocument *m_document;
    QStackedWidget *m_stack = nullptr;
    QLineEdit *m_name = nullptr;
    ElidingLabel *m_file = nullptr;
    QTabWidget *m_tabs = nullptr;
    SourceEditor *m_sourceEditor = nullptr;
    TargetEditor *m_targetEditor = nullptr;
    QTableView *m_sourceView = nullptr;
    QTableView *m_fieldView = nullptr;
    QTableView *m_targetView = nullptr;
    QSortFilterProxyModel *m_targetProxy = nullptr;
    QLineEdit *m_targetFilter = nullptr;
    QLabel *m_problemsLabel = nullptr;
    QListWidget *m_problems = nullptr;
    QAction *m_mapAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_autoMapAction = nullptr;
    QAction *m_optionsAction = nullptr;
    QAction *m_validateAction = nullptr;
};

} // namespace d365::ui
