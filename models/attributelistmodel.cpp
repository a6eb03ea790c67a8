#include "models/attributelistmodel.h"

#include "models/columndrag.h"

#include <QMimeData>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace d365::models {

QString AttributeListModel::requiredText(const QString &level)
{
    if (level == "SystemRequired"_L1) {
        return AttributeListModel::tr("System required");
    }
    if (level == "ApplicationRequired"_L1) {
        return AttributeListModel::tr("Business required");
    }
    if (level == "Recommended"_L1) {
        return AttributeListModel::tr("Recommended");
    }
    return AttributeListModel::tr("Optional");
}

QString AttributeListModel::typeText(const services::AttributeMetadata &a)
{
    QString text = a.typeName;
    if (text.endsWith("Type"_L1)) {
        text.chop(4);
    }
    if (a.kind == services::AttributeKind::DateTime) {
        switch (a.dateTimeBehavior) {
        case services::DateTimeBehavior::DateOnly:
            return text + AttributeListModel::tr(" (date only)");
        case services::DateTimeBehavior::TimeZoneIndependent:
            return text + AttributeListModel::tr(" (time-zone independent)");
        case services::DateTimeBehavior::UserLocal:
            break;
        }
    }
    return text;
}

AttributeListModel::AttributeListModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int AttributeListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AttributeListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AttributeListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const services::AttributeMetadata &a = m_rows.at(index.row());
    if (role == Qt::UserRole) {
        return a.logicalName;
    }
    if (role != Qt::DisplayRole && role != SortRole) {
        return {};
    }
    const bool sort = role == SortRole;
    switch (index.column()) {
    case LogicalNameColumn:
        return a.logicalName;
    case DisplayNameColumn:
        return a.displayName;
    case TypeColumn:
        return sort ? a.typeName : typeText(a);
    case RequiredColumn:
        return sort ? QVariant(a.isRequired()) : QVariant(requiredText(a.requiredLevel));
    case CreateColumn:
        return sort ? QVariant(a.validForCreate) : QVariant(a.validForCreate ? tr("Yes") : tr("No"));
    case UpdateColumn:
        return sort ? QVariant(a.validForUpdate) : QVariant(a.validForUpdate ? tr("Yes") : tr("No"));
    case MaxLengthColumn:
        if (sort) {
            return a.maxLength.value_or(-1);
        }
        return a.maxLength ? QVariant(*a.maxLength) : QVariant(QString());
    default:
        return {};
    }
}

QVariant AttributeListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case LogicalNameColumn:
        return tr("Logical name");
    case DisplayNameColumn:
        return tr("Display name");
    case TypeColumn:
        return tr("Type");
    case RequiredColumn:
        return tr("Required");
    case CreateColumn:
        return tr("Create");
    case UpdateColumn:
        return tr("Update");
    case MaxLengthColumn:
        return tr("Max length");
    default:
        return {};
    }
}

void AttributeListModel::setEntity(const services::EntityMetadata &entity)
{
    beginResetModel();
    m_entity = entity;
    m_rows.clear();
    for (const auto &attribute : entity.attributes) {
        if (attribute.attributeOf.isEmpty()) {
            m_rows.append(attribute);
        }
    }
    std::sort(m_rows.begin(), m_rows.end(),
              [](const auto &a, const auto &b) { return a.logicalName < b.logicalName; });
    endResetModel();
}

void AttributeListModel::clear()
{
    setEntity({});
}

Qt::ItemFlags AttributeListModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && m_rows.at(index.row()).isWritable())
        flags |= Qt::ItemIsDragEnabled;
    return flags;
}

QStringList AttributeListModel::mimeTypes() const
{
    return {QString::fromLatin1(ColumnMimeType)};
}

QMimeData *AttributeListModel::mimeData(const QModelIndexList &indexes) const
{
    QStringList names;
    for (const QModelIndex &index : indexes) {
        if (!index.isValid() || index.model() != this || !m_rows.at(index.row()).isWritable())
            continue;
        if (!names.contains(m_rows.at(index.row()).logicalName))
            names.append(m_rows.at(index.row()).logicalName);
    }
    if (names.isEmpty() || m_entity.entitySetName.isEmpty())
        return nullptr;
    return encodeColumnDrag({ColumnDrag::Side::Target, m_entity.entitySetName, names});
}

Qt::DropActions AttributeListModel::supportedDragActions() const
{
    return Qt::CopyAction;
}

services::AttributeMetadata AttributeListModel::attributeAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : services::AttributeMetadata();
}

QString AttributeListModel::describe(const services::AttributeMetadata &a,
                                     const services::EntityMetadata &entity)
{
    QStringList lines;
    lines << tr("%1 (%2): %3, %4")
                 .arg(a.displayName, a.logicalName, typeText(a), requiredText(a.requiredLevel));
    if (!a.format.isEmpty()) {
        lines << tr("Format: %1").arg(a.format);
    }
    if (a.maxLength) {
        lines << tr("Max length: %1").arg(*a.maxLength);
    }
    if (a.minValue || a.maxValue) {
        lines << tr("Range: %1 to %2")
                     .arg(a.minValue ? QString::number(*a.minValue, 'g', 15) : QString(),
                          a.maxValue ? QString::number(*a.maxValue, 'g', 15) : QString());
    }
    if (a.precision) {
        lines << tr("Precision: %1").arg(*a.precision);
    }
    if (!a.options.isEmpty()) {
        lines << (a.optionSetName.isEmpty() ? tr("Options (local):")
                                            : tr("Options (global %1):").arg(a.optionSetName));
        for (const auto &option : a.options) {
            lines << u"  %1 = %2"_s.arg(option.value).arg(option.label);
        }
    }
    for (const auto &target : a.targets) {
        const QString nav = entity.navigationProperty(a.logicalName, target);
        lines << tr("Lookup target: %1 — bind as %2@odata.bind")
                     .arg(target, nav.isEmpty() ? a.logicalName : nav);
    }
    for (const auto &key : entity.keys) {
        if (key.keyAttributes.contains(a.logicalName)) {
            lines << tr("Alternate key %1: [%2], %3")
                         .arg(key.schemaName, key.keyAttributes.join(", "_L1),
                              key.indexStatus.isEmpty() ? tr("status unknown") : key.indexStatus);
        }
    }
    return lines.join(u'\n');
}

} // namespace d365::models
