#include "models/fieldmappingmodel.h"

using namespace Qt::StringLiterals;

namespace d365::models {

using services::FieldMapping;
using services::Mapping;

FieldMappingModel::FieldMappingModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int FieldMappingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_fields.size());
}

int FieldMappingModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FieldMappingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FieldMapping &field = m_fields.at(index.row());
    const bool key = isKeyRow(index.row());

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SourceColumn:
            return field.source;
        case TargetColumn:
            return field.target;
        case KeyColumn:
            return key ? tr("Key") : QString();
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == KeyColumn && key)
            return tr("%1 is part of the match key: rows are found in Dataverse by this column.")
                .arg(field.target);
        if (index.column() == SourceColumn)
            return tr("Warehouse column %1").arg(field.source);
        if (index.column() == TargetColumn)
            return tr("Dataverse column %1").arg(field.target);
        break;
    case Qt::UserRole:
        switch (index.column()) {
        case SourceColumn:
            return field.source;
        case TargetColumn:
            return field.target;
        case KeyColumn:
            return key;
        }
        break;
    }
    return {};
}

QVariant FieldMappingModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SourceColumn:
        return tr("Source column");
    case TargetColumn:
        return tr("Target column");
    case KeyColumn:
        return tr("Key");
    }
    return {};
}

Qt::ItemFlags FieldMappingModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren;
}

void FieldMappingModel::setMapping(const Mapping &mapping)
{
    beginResetModel();
    m_mapping = mapping;
    m_fields = mapping.fields;
    m_mapping.fields.clear();
    endResetModel();
}

void FieldMappingModel::clear()
{
    setMapping(Mapping{});
}

Mapping FieldMappingModel::mapping() const
{
    Mapping result = m_mapping;
    result.fields = m_fields;
    return result;
}

bool FieldMappingModel::isKeyRow(int row) const
{
    if (row < 0 || row >= m_fields.size())
        return false;
    // Dataverse logical names are lower case, but a hand-written mapping file may not be: compare like the
    // service does.
    return m_mapping.target.matchKey.contains(m_fields.at(row).target, Qt::CaseInsensitive);
}

} // namespace d365::models
