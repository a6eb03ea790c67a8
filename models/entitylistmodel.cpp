#include "models/entitylistmodel.h"

using namespace Qt::StringLiterals;

namespace d365::models {

EntityListModel::EntityListModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int EntityListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible.size());
}

int EntityListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EntityListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const services::EntitySummary &table = m_all.at(m_visible.at(index.row()));
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case LogicalNameColumn:
            return table.logicalName;
        case DisplayNameColumn:
            return table.displayName;
        case EntitySetColumn:
            return table.entitySetName;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return tr("%1 (%2), entity set %3, %4 table, type code %5")
            .arg(table.displayName, table.logicalName, table.entitySetName,
                 table.isCustom ? tr("custom") : tr("system"))
            .arg(table.objectTypeCode);
    case Qt::UserRole:
        return table.logicalName;
    case EntitySetRole:
        return table.entitySetName;
    case IsCustomRole:
        return table.isCustom;
    default:
        return {};
    }
}

QVariant EntityListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case LogicalNameColumn:
        return tr("Logical name");
    case DisplayNameColumn:
        return tr("Display name");
    case EntitySetColumn:
        return tr("Entity set");
    default:
        return {};
    }
}

void EntityListModel::setTables(const QList<services::EntitySummary> &tables)
{
    beginResetModel();
    m_all = tables;
    m_visible.clear();
    endResetModel();
    applyFilter();
}

void EntityListModel::setFilterText(const QString &text)
{
    if (text == m_filter) {
        return;
    }
    m_filter = text;
    applyFilter();
}

void EntityListModel::setCustomOnly(bool customOnly)
{
    if (customOnly == m_customOnly) {
        return;
    }
    m_customOnly = customOnly;
    applyFilter();
}

void EntityListModel::applyFilter()
{
    const QString needle = m_filter.trimmed();
    QList<int> visible;
    for (qsizetype i = 0; i < m_all.size(); ++i) {
        const services::EntitySummary &t = m_all.at(i);
        if (m_customOnly && !t.isCustom) {
            continue;
        }
        if (!needle.isEmpty() && !t.logicalName.contains(needle, Qt::CaseInsensitive) &&
            !t.displayName.contains(needle, Qt::CaseInsensitive) &&
            !t.entitySetName.contains(needle, Qt::CaseInsensitive)) {
            continue;
        }
        visible.append(int(i));
    }
    if (visible == m_visible) {
        return;
    }
    // A filter change can reshape the whole list; a reset keeps views and selections simple and correct.
    beginResetModel();
    m_visible = visible;
    endResetModel();
}

int EntityListModel::rowOfEntitySet(const QString &entitySetName) const
{
    for (qsizetype row = 0; row < m_visible.size(); ++row) {
        if (m_all.at(m_visible.at(row)).entitySetName == entitySetName) {
            return int(row);
        }
    }
    return -1;
}

services::EntitySummary EntityListModel::tableAt(int row) const
{
    return row >= 0 && row < m_visible.size() ? m_all.at(m_visible.at(row)) : services::EntitySummary();
}

} // namespace d365::models
