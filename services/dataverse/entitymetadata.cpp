#include "services/dataverse/entitymetadata.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {
struct KindName
{
    AttributeKind kind;
    QLatin1StringView typeName;
};

constexpr KindName kKinds[] = {
    {AttributeKind::String, "StringType"_L1},
    {AttributeKind::Memo, "MemoType"_L1},
    {AttributeKind::Integer, "IntegerType"_L1},
    {AttributeKind::BigInt, "BigIntType"_L1},
    {AttributeKind::Decimal, "DecimalType"_L1},
    {AttributeKind::Double, "DoubleType"_L1},
    {AttributeKind::Money, "MoneyType"_L1},
    {AttributeKind::Boolean, "BooleanType"_L1},
    {AttributeKind::DateTime, "DateTimeType"_L1},
    {AttributeKind::Picklist, "PicklistType"_L1},
    {AttributeKind::State, "StateType"_L1},
    {AttributeKind::Status, "StatusType"_L1},
    {AttributeKind::MultiSelectPicklist, "MultiSelectPicklistType"_L1},
    {AttributeKind::Lookup, "LookupType"_L1},
    {AttributeKind::Customer, "CustomerType"_L1},
    {AttributeKind::Owner, "OwnerType"_L1},
    {AttributeKind::Uniqueidentifier, "UniqueidentifierType"_L1},
};
} // namespace

AttributeKind attributeKindFromTypeName(const QString &typeName)
{
    for (const auto &entry : kKinds) {
        if (typeName == entry.typeName) {
            return entry.kind;
        }
    }
    return AttributeKind::Other;
}

QString attributeKindName(AttributeKind kind)
{
    for (const auto &entry : kKinds) {
        if (entry.kind == kind) {
            return entry.typeName;
        }
    }
    return u"Other"_s;
}

const AttributeMetadata *EntityMetadata::attribute(const QString &name) const
{
    for (const auto &attribute : attributes) {
        if (attribute.logicalName == name) {
            return &attribute;
        }
    }
    return nullptr;
}

const AlternateKeyMetadata *EntityMetadata::keyFor(const QStringList &columns) const
{
    const QSet<QString> wanted(columns.begin(), columns.end());
    for (const auto &key : keys) {
        if (QSet<QString>(key.keyAttributes.begin(), key.keyAttributes.end()) == wanted) {
            return &key;
        }
    }
    return nullptr;
}

} // namespace d365::services
