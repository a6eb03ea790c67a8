#include "models/targetcolumnmodel.h"

#include "models/attributelistmodel.h"
#include "models/columndrag.h"
#include "services/editor/automapper.h"

#include <QMimeData>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace d365::models {

using services::AttributeMetadata;

TargetColumnModel::TargetColumnModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int TargetColumnModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TargetColumnModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool TargetColumnModel::isMappable(int row) const
{
    return row >= 0 && row < m_rows.size() && services::AutoMapper::isMappable(m_rows.at(row), m_mode);
}

bool TargetColumnModel::requiredUnmapped(int row) const
{
    const AttributeMetadata &a = m_rows.at(row);
    if (m_mode == services::SyncMode::Update || !a.isRequired() || !a.validForCreate ||
        a.logicalName == m_entity.primaryIdAttribute || a.kind == services::AttributeKind::Owner ||
        a.kind == services::AttributeKind::State || a.kind == services::AttributeKind::Status)
        return false;
    return !m_mapped.contains(a.logicalName);
}

QVariant TargetColumnModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AttributeMetadata &a = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case DisplayNameColumn:
            return a.displayName.isEmpty() ? a.logicalName : a.displayName;
        case LogicalNameColumn:
            return a.logicalName;
        case TypeColumn:
            return AttributeListModel::typeText(a);
        case RequiredColumn:
            return AttributeListModel::requiredText(a.requiredLevel);
        case CreateColumn:
            return a.validForCreate ? tr("Yes") : tr("No");
        case UpdateColumn:
            return a.validForUpdate ? tr("Yes") : tr("No");
        case MappedColumn:
            return m_mapped.value(a.logicalName);
        }
        break;
    case Qt::ToolTipRole: {
        QString text = AttributeListModel::describe(a, m_entity);
        if (!isMappable(index.row()))
            text += u'\n' + tr("%1 mode cannot write this column.").arg(services::syncModeName(m_mode));
        else if (requiredUnmapped(index.row()))
            text += u'\n' + tr("Required: new records need a value. Drag a warehouse column onto it.");
        return text;
    }
    case NameRole:
        return a.logicalName;
    case MappableRole:
        return isMappable(index.row());
    case SeverityRole:
        return int(requiredUnmapped(index.row()) ? Severity::Warning : Severity::None);
    case ProblemsRole:
        return requiredUnmapped(index.row())
                   ? tr("%1 is required when a record is created; no field writes it.").arg(a.logicalName)
                   : QString();
    }
    return {};
}

QVariant TargetColumnModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case DisplayNameColumn:
        return tr("Table column");
    case LogicalNameColumn:
        return tr("Logical name");
    case TypeColumn:
        return tr("Type");
    case RequiredColumn:
        return tr("Required");
    case CreateColumn:
        return tr("Create");
    case UpdateColumn:
        return tr("Update");
    case MappedColumn:
        return tr("Mapped from");
    }
    return {};
}

Qt::ItemFlags TargetColumnModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags flags = Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren;
    if (isMappable(index.row()))
        flags |= Qt::ItemIsDragEnabled | Qt::ItemIsDropEnabled;
    return flags;
}

QStringList TargetColumnModel::mimeTypes() const
{
    return {QString::fromLatin1(ColumnMimeType)};
}

QMimeData *TargetColumnModel::mimeData(const QModelIndexList &indexes) const
{
    QStringList names;
    for (const QModelIndex &index : indexes) {
        if (!index.isValid() || index.model() != this || !isMappable(index.row()))
            continue;
        if (!names.contains(m_rows.at(index.row()).logicalName))
            names.append(m_rows.at(index.row()).logicalName);
    }
    if (names.isEmpty())
        return nullptr;
    return encodeColumnDrag({ColumnDrag::Side::Target, m_entity.entitySetName, names});
}

Qt::DropActions TargetColumnModel::supportedDragActions() const
{
    return Qt::CopyAction;
}

Qt::DropActions TargetColumnModel::supportedDropActions() const
{
    return Qt::CopyAction;
}

bool TargetColumnModel::canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                        const QModelIndex &parent) const
{
    Q_UNUSED(column)
    if (action != Qt::CopyAction || row != -1 || !checkIndex(parent, CheckIndexOption::IndexIsValid) ||
        !isMappable(parent.row()))
        return false;
    const auto drag = decodeColumnDrag(data);
    return drag && drag->side == ColumnDrag::Side::Source && drag->columns.size() == 1 &&
           m_sourceColumns.contains(drag->columns.first());
}

bool TargetColumnModel::dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                                     const QModelIndex &parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    Q_EMIT mapRequested(decodeColumnDrag(data)->columns.first(), m_rows.at(parent.row()).logicalName);
    return true;
}

void TargetColumnModel::setEntity(const services::EntityMetadata &entity)
{
    beginResetModel();
    m_entity = entity;
    m_rows.clear();
    for (const AttributeMetadata &attribute : entity.attributes) {
        if (attribute.attributeOf.isEmpty())
            m_rows.append(attribute);
    }
    std::sort(m_rows.begin(), m_rows.end(), [](const AttributeMetadata &a, const AttributeMetadata &b) {
        const QString left = a.displayName.isEmpty() ? a.logicalName : a.displayName;
        const QString right = b.displayName.isEmpty() ? b.logicalName : b.displayName;
        const int order = left.compare(right, Qt::CaseInsensitive);
        return order != 0 ? order < 0 : a.logicalName < b.logicalName;
    });
    endResetModel();
}

void TargetColumnModel::clear()
{
    setEntity({});
}

void TargetColumnModel::emitAllChanged()
{
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void TargetColumnModel::setMode(services::SyncMode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    emitAllChanged(); // flags and severities depend on the mode
}

void TargetColumnModel::setMappedSources(const QHash<QString, QString> &sources)
{
    if (sources == m_mapped)
        return;
    m_mapped = sources;
    emitAllChanged();
}

void TargetColumnModel::setSourceColumns(const QStringList &columns)
{
    m_sourceColumns = columns;
}

int TargetColumnModel::rowOf(const QString &logicalName) const
{
    for (qsizetype row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).logicalName == logicalName)
            return int(row);
    }
    return -1;
}

services::AttributeMetadata TargetColumnModel::attributeAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : AttributeMetadata();
}

QStringList TargetColumnModel::mappableColumns() const
{
    QStringList names;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (isMappable(row))
            names.append(m_rows.at(row).logicalName);
    }
    return names;
}

} // namespace d365::models
