#pragma once

// One table's columns for the schema browser: Logical name | Display name | Type | Required | Create |
// Update | Max length. Sortable through a QSortFilterProxyModel: SortRole gives raw values (numbers sort as
// numbers, an empty max length sorts first).
//
// Roles: DisplayRole for people; Qt::UserRole is the logical name on every column; SortRole the raw value.

#include "services/dataverse/entitymetadata.h"

#include <QAbstractTableModel>

namespace d365::models {

class AttributeListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        LogicalNameColumn,
        DisplayNameColumn,
        TypeColumn,
        RequiredColumn,
        CreateColumn,
        UpdateColumn,
        MaxLengthColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit AttributeListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Lookup "name" companions (AttributeOf set) are hidden: they cannot be mapped.
    void setEntity(const services::EntityMetadata &entity);
    void clear();
    const services::EntityMetadata &entity() const { return m_entity; }
    services::AttributeMetadata attributeAt(int row) const;

    // Human-readable detail of one column: options, lookup targets with navigation properties, keys it is in.
    static QString describe(const services::AttributeMetadata &attribute,
                            const services::EntityMetadata &entity);
    // "String", "DateTime (date only)", …; "Business required", "Optional", … (also the editor's words).
    static QString typeText(const services::AttributeMetadata &attribute);
    static QString requiredText(const QString &requiredLevel);

    // Drag: a writable column of the table leaves as a "target" ColumnDrag (models/columndrag.h), so the
    // schema dock's columns can be dropped onto the mapping editor.
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;

private:
    services::EntityMetadata m_entity;
    QList<services::AttributeMetadata> m_rows;
};

} // namespace d365::models
