#include "models/sourcecolumnmodel.h"

#include "models/columndrag.h"
#include "services/editor/sourceinspector.h"

#include <QMimeData>

using namespace Qt::StringLiterals;

namespace d365::models {

SourceColumnModel::SourceColumnModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int SourceColumnModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_names.size());
}

int SourceColumnModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SourceColumnModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString &name = m_names.at(index.row());
    const auto type = m_types.constFind(name);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return name;
        case TypeColumn:
            return services::SourcePreview::typeName(type == m_types.cend() ? QMetaType::UnknownType : *type);
        case MappedColumn:
            return m_mapped.value(name).join(u", "_s);
        }
        break;
    case Qt::ToolTipRole: {
        const QStringList targets = m_mapped.value(name);
        return targets.isEmpty()
                   ? tr("Warehouse column %1. Drag it onto a table column, or select both and press Enter.")
                         .arg(name)
                   : tr("Warehouse column %1, mapped to %2.").arg(name, targets.join(u", "_s));
    }
    case NameRole:
        return name;
    case MappableRole:
        return true;
    }
    return {};
}

QVariant SourceColumnModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Warehouse column");
    case TypeColumn:
        return tr("Type");
    case MappedColumn:
        return tr("Maps to");
    }
    return {};
}

Qt::ItemFlags SourceColumnModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren | Qt::ItemIsDragEnabled |
           Qt::ItemIsDropEnabled;
}

QStringList SourceColumnModel::mimeTypes() const
{
    return {QString::fromLatin1(ColumnMimeType)};
}

QMimeData *SourceColumnModel::mimeData(const QModelIndexList &indexes) const
{
    QStringList names;
    for (const QModelIndex &index : indexes) {
        if (index.isValid() && index.model() == this && !names.contains(m_names.value(index.row())))
            names.append(m_names.value(index.row()));
    }
    if (names.isEmpty())
        return nullptr;
    return encodeColumnDrag({ColumnDrag::Side::Source, QString(), names});
}

Qt::DropActions SourceColumnModel::supportedDragActions() const
{
    return Qt::CopyAction; // never Move: a view would then remove the dragged rows
}

Qt::DropActions SourceColumnModel::supportedDropActions() const
{
    return Qt::CopyAction;
}

bool SourceColumnModel::canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                        const QModelIndex &parent) const
{
    Q_UNUSED(column)
    if (action != Qt::CopyAction)
        return false;
    // Only onto a row (a drop between rows would not say which warehouse column is meant).
    if (row != -1 || !checkIndex(parent, CheckIndexOption::IndexIsValid))
        return false;
    const auto drag = decodeColumnDrag(data);
    return drag && drag->side == ColumnDrag::Side::Target && drag->columns.size() == 1 &&
           !m_entitySet.isEmpty() && drag->entitySet == m_entitySet &&
           m_mappableTargets.contains(drag->columns.first());
}

bool SourceColumnModel::dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                     const QModelIndex &parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    const auto drag = decodeColumnDrag(data);
    Q_EMIT mapRequested(m_names.at(parent.row()), drag->columns.first());
    return true;
}

void SourceColumnModel::setColumns(const QStringList &names, const QHash<QString, QMetaType::Type> &types)
{
    if (names == m_names && types == m_types)
        return;
    beginResetModel();
    m_names = names;
    m_types = types;
    endResetModel();
}

void SourceColumnModel::setMappedTargets(const QHash<QString, QStringList> &targets)
{
    if (targets == m_mapped)
        return;
    m_mapped = targets;
    if (!m_names.isEmpty())
        Q_EMIT dataChanged(index(0, MappedColumn), index(int(m_names.size()) - 1, MappedColumn));
}

void SourceColumnModel::setTargetTable(const QString &entitySet, const QStringList &mappableColumns)
{
    m_entitySet = entitySet;
    m_mappableTargets = mappableColumns;
}

} // namespace d365::models
