#pragma once

// The schema browser (left dock): the org's tables, searchable (name, display name, custom only), and for the
// selected table its columns in a sortable table with a detail pane (options, lookup targets with their
// navigation properties, alternate keys). It only presents: it asks for data through signals and is given
// it through slots — main.cpp connects it to a MetadataLoader, which works off the GUI thread.
//
//   shown / Refresh      → tablesRequested(refresh)        … setTables(list)
//   a table selected     → entityRequested(set, refresh)   … setEntity(metadata)
//   setBusy(true/false)  → the spinner;  showError(text) → the inline message line
//
// For the mapping editor: a writable column can be dragged onto the editor (a "target" ColumnDrag of the
// table), or — the keyboard path — chosen with Enter or "Add to mapping" in its context menu; a table can be
// made the mapping's target with "Use as target" (button, context menu):
//
//   Use as target      → useAsTargetRequested(entity set)
//   Add to mapping     → addToMappingRequested(entity set, column)
//
// saveState()/restoreState() carry the search text, "custom only", the selected table and the column
// header (sort order, widths) between runs.

#include "services/dataverse/entitymetadata.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSortFilterProxyModel;
class QTableView;
class QPlainTextEdit;
class QToolButton;

namespace d365::models {
class AttributeListModel;
class EntityListModel;
} // namespace d365::models

namespace d365::ui {

class SchemaBrowser : public QWidget
{
    Q_OBJECT
public:
    explicit SchemaBrowser(QWidget *parent = nullptr);

    QByteArray saveState() const;
    void restoreState(const QByteArray &state);

    QString selectedEntitySet() const;
    models::EntityListModel *entityModel() const { return m_entities; }
    models::AttributeListModel *attributeModel() const { return m_attributes; }

public Q_SLOTS:
    void setTables(const QList<d365::services::EntitySummary> &tables);
    void setEntity(const d365::services::EntityMetadata &entity);
    void setBusy(bool busy);
    void showError(const QString &message);
    void requestTables(bool refresh = false);

Q_SIGNALS:
    void tablesRequested(bool refresh);
    void entityRequested(const QString &entitySetName, bool refresh);
    void useAsTargetRequested(const QString &entitySetName);
    void addToMappingRequested(const QString &entitySetName, const QString &column);

private:
    void onTableSelected();
    void onColumnSelected();
    void addSelectedColumnToMapping();
    void showTableMenu(const QPoint &position);
    void showColumnMenu(const QPoint &position);

    models::EntityListModel *m_entities;
    models::AttributeListModel *m_attributes;
    QSortFilterProxyModel *m_attributeProxy;
    QLineEdit *m_search;
    QCheckBox *m_customOnly;
    QToolButton *m_refresh;
    QToolButton *m_useAsTarget;
    QProgressBar *m_spinner;
    QLabel *m_message;
    QTableView *m_tableView;
    QTableView *m_columnView;
    QPlainTextEdit *m_detail;
    QString m_pendingSelection; // from restoreState, applied when the tables arrive
};

} // namespace d365::ui
