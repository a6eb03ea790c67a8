#pragma once

// The Dataverse side of the mapping editor: the target table's columns (display name, logical name, type,
// required level, valid for create / update) and the warehouse column that feeds each. Sorted by display
// name; the "name" companions of lookups are left out (they cannot be written). A drag of a column the mode
// can write starts here (a "target" ColumnDrag of the table); a warehouse column dropped onto a row asks to
// map it:
//
//   drop of a warehouse column onto a mappable row → mapRequested(source, target)
//
// The model never changes the mapping itself; the document decides. dropMimeData checks again that the
// data is a source drag of one column the query returns (setSourceColumns) and that the row is mappable in
// the current mode (setMode).
//
// Columns: Display name | Logical name | Type | Required | Create | Update | Mapped from.
// Roles: NameRole (logical name), MappableRole, SeverityRole (a required column no field writes, in a mode
// that creates rows: Warning), ProblemsRole.

#include "models/editorroles.h"
#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"

#include <QAbstractTableModel>
#include <QHash>

namespace d365::models {

class TargetColumnModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        DisplayNameColumn,
        LogicalNameColumn,
        TypeColumn,
        RequiredColumn,
        CreateColumn,
        UpdateColumn,
        MappedColumn,
        ColumnCount
    };

    explicit TargetColumnModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDragActions() const override;
    Qt::DropActions supportedDropActions() const override;
    bool canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                         const QModelIndex &parent) const override;
    bool dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                      const QModelIndex &parent) override;

    void setEntity(const services::EntityMetadata &entity);
    void clear();
    void setMode(services::SyncMode mode);
    // target → the warehouse column (or "= constant") that feeds it
    void setMappedSources(const QHash<QString, QString> &sources);
    void setSourceColumns(const QStringList &columns);

    const services::EntityMetadata &entity() const { return m_entity; }
    QString entitySet() const { return m_entity.entitySetName; }
    int rowOf(const QString &logicalName) const;
    services::AttributeMetadata attributeAt(int row) const;
    bool isMappable(int row) const;
    // The columns the mode can write, in row order.
    QStringList mappableColumns() const;

Q_SIGNALS:
    void mapRequested(const QString &sourceColumn, const QString &targetColumn);

private:
    bool requiredUnmapped(int row) const;
    void emitAllChanged();

    services::EntityMetadata m_entity;
    QList<services::AttributeMetadata> m_rows;
    services::SyncMode m_mode = services::SyncMode::Upsert;
    QHash<QString, QString> m_mapped;
    QStringList m_sourceColumns;
};

} // namespace d365::models
