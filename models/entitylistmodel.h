#pragma once

// The org's tables for the schema browser: Logical name | Display name | Entity set, filtered by a search
// text (logical, display or entity set name, case-insensitive) and "custom tables only".
//
//   setTables(list) → all rows; setFilterText("cont") / setCustomOnly(true) → the visible subset
//
// Roles: DisplayRole for people; Qt::UserRole is the logical name on every column, EntitySetRole the entity
// set name (what a mapping's target.entitySet takes).

#include "services/dataverse/entitymetadata.h"

#include <QAbstractTableModel>

namespace d365::models {

class EntityListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { LogicalNameColumn, DisplayNameColumn, EntitySetColumn, ColumnCount };
    enum Role { EntitySetRole = Qt::UserRole + 1, IsCustomRole };

    explicit EntityListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setTables(const QList<services::EntitySummary> &tables);
    void setFilterText(const QString &text);
    void setCustomOnly(bool customOnly);

    int totalCount() const { return int(m_all.size()); }
    // Row of the visible table with this entity set name, or -1.
    int rowOfEntitySet(const QString &entitySetName) const;
    services::EntitySummary tableAt(int row) const;

private:
    void applyFilter();

    QList<services::EntitySummary> m_all;
    QList<int> m_visible; // indexes into m_all
    QString m_filter;
    bool m_customOnly = false;
};

} // namespace d365::models
