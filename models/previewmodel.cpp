#include "models/previewmodel.h"

using namespace Qt::StringLiterals;

namespace d365::models {

PreviewModel::PreviewModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int PreviewModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_preview.rows.size());
}

int PreviewModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_preview.columns.size());
}

QVariant PreviewModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QVariant value = m_preview.rows.at(index.row()).value(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return value.isNull() ? u"NULL"_s : value.toString();
    case Qt::UserRole:
        return value;
    case Qt::ToolTipRole:
        return value.isNull() ? tr("NULL (no value)") : value.toString();
    }
    return {};
}

QVariant PreviewModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (role == Qt::DisplayRole)
            return section + 1;
        return {};
    }
    if (section < 0 || section >= m_preview.columns.size())
        return {};
    const QString &name = m_preview.columns.at(section);
    const auto type = m_preview.types.value(name, QMetaType::UnknownType);
    switch (role) {
    case Qt::DisplayRole:
        return u"%1 (%2)"_s.arg(name, services::SourcePreview::typeName(type));
    case Qt::ToolTipRole:
        return tr("Column %1, declared type: %2").arg(name, services::SourcePreview::typeName(type));
    case Qt::UserRole:
        return name;
    }
    return {};
}

void PreviewModel::setPreview(const services::SourcePreview &preview)
{
    beginResetModel();
    m_preview = preview;
    endResetModel();
}

void PreviewModel::clear()
{
    setPreview({});
}

} // namespace d365::models
