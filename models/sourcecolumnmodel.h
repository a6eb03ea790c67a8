#pragma once

// The warehouse side of the mapping editor: the columns the source query returns, with their declared
// types and the table columns each one feeds. A drag starts here (a "source" ColumnDrag); a table column
// dropped onto a row asks to map that warehouse column to it. The model never changes the mapping itself:
//
//   drop of a table column of the current target table onto a row  → mapRequested(source, target)
//
// and the mapping document decides (and makes it an undoable edit). Drops are checked again in
// dropMimeData: the data must be a target drag of the table set with setTargetTable() and name a column it
// lists as mappable.
//
// Columns: Column | Type | Maps to.  Roles: NameRole (the column name), MappableRole.

#include "models/editorroles.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QMetaType>
#include <QStringList>

namespace d365::models {

class SourceColumnModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, TypeColumn, MappedColumn, ColumnCount };

    explicit SourceColumnModel(QObject *parent = nullptr);

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

    void setColumns(const QStringList &names, const QHash<QString, QMetaType::Type> &types);
    // Which table columns each warehouse column feeds (the "Maps to" column).
    void setMappedTargets(const QHash<QString, QStringList> &targets);
    // The table a target drop must come from and its columns that may be mapped.
    void setTargetTable(const QString &entitySet, const QStringList &mappableColumns);

    QStringList columns() const { return m_names; }
    int rowOf(const QString &name) const { return int(m_names.indexOf(name)); }

Q_SIGNALS:
    void mapRequested(const QString &sourceColumn, const QString &targetColumn);

private:
    QStringList m_names;
    QHash<QString, QMetaType::Type> m_types;
    QHash<QString, QStringList> m_mapped;
    QString m_entitySet;
    QStringList m_mappableTargets;
};

} // namespace d365::models
