#include "services/dataverse/entitymetadata.h"

#include <QJsonArray>
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

QString EntityMetadata::navigationProperty(const QString &attributeName, const QString &targetTable) const
{
    for (const auto &relationship : manyToOne) {
        if (relationship.referencingAttribute == attributeName &&
            relationship.referencedEntity == targetTable) {
            return relationship.navigationProperty;
        }
    }
    return {};
}

namespace {

QJsonArray stringArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QStringList stringList(const QJsonValue &value)
{
    QStringList list;
    for (const auto &entry : value.toArray()) {
        list.append(entry.toString());
    }
    return list;
}

void putOptional(QJsonObject &object, QLatin1StringView name, const std::optional<double> &value)
{
    if (value) {
        object.insert(name, *value);
    }
}

std::optional<double> getOptional(const QJsonObject &object, QLatin1StringView name)
{
    const QJsonValue value = object.value(name);
    return value.isDouble() ? std::optional<double>(value.toDouble()) : std::nullopt;
}

QString behaviorName(DateTimeBehavior behavior)
{
    switch (behavior) {
    case DateTimeBehavior::DateOnly:
        return u"DateOnly"_s;
    case DateTimeBehavior::TimeZoneIndependent:
        return u"TimeZoneIndependent"_s;
    case DateTimeBehavior::UserLocal:
        break;
    }
    return u"UserLocal"_s;
}

DateTimeBehavior behaviorFromName(const QString &name)
{
    if (name == "DateOnly"_L1) {
        return DateTimeBehavior::DateOnly;
    }
    if (name == "TimeZoneIndependent"_L1) {
        return DateTimeBehavior::TimeZoneIndependent;
    }
    return DateTimeBehavior::UserLocal;
}

} // namespace

QJsonObject entitySummaryToJson(const EntitySummary &s)
{
    return {{u"logicalName"_s, s.logicalName},
            {u"schemaName"_s, s.schemaName},
            {u"entitySetName"_s, s.entitySetName},
            {u"displayName"_s, s.displayName},
            {u"primaryIdAttribute"_s, s.primaryIdAttribute},
            {u"primaryNameAttribute"_s, s.primaryNameAttribute},
            {u"isCustom"_s, s.isCustom},
            {u"objectTypeCode"_s, s.objectTypeCode}};
}

EntitySummary entitySummaryFromJson(const QJsonObject &o)
{
    EntitySummary s;
    s.logicalName = o.value("logicalName"_L1).toString();
    s.schemaName = o.value("schemaName"_L1).toString();
    s.entitySetName = o.value("entitySetName"_L1).toString();
    s.displayName = o.value("displayName"_L1).toString();
    s.primaryIdAttribute = o.value("primaryIdAttribute"_L1).toString();
    s.primaryNameAttribute = o.value("primaryNameAttribute"_L1).toString();
    s.isCustom = o.value("isCustom"_L1).toBool();
    s.objectTypeCode = o.value("objectTypeCode"_L1).toInt();
    return s;
}

QJsonObject EntityMetadata::toJson() const
{
    QJsonObject object = entitySummaryToJson(summary());
    QJsonArray attributeArray;
    for (const auto &a : attributes) {
        QJsonObject o{{u"logicalName"_s, a.logicalName},
                      {u"displayName"_s, a.displayName},
                      {u"typeName"_s, a.typeName},
                      {u"requiredLevel"_s, a.requiredLevel},
                      {u"validForCreate"_s, a.validForCreate},
                      {u"validForUpdate"_s, a.validForUpdate},
                      {u"validForRead"_s, a.validForRead},
                      {u"attributeOf"_s, a.attributeOf},
                      {u"dateTimeBehavior"_s, behaviorName(a.dateTimeBehavior)},
                      {u"dateOnlyFormat"_s, a.dateOnlyFormat},
                      {u"format"_s, a.format},
                      {u"optionSetName"_s, a.optionSetName},
                      {u"targets"_s, stringArray(a.targets)},
                      {u"isCustom"_s, a.isCustom}};
        if (a.maxLength) {
            o.insert(u"maxLength"_s, *a.maxLength);
        }
        if (a.precision) {
            o.insert(u"precision"_s, *a.precision);
        }
        putOptional(o, "minValue"_L1, a.minValue);
        putOptional(o, "maxValue"_L1, a.maxValue);
        QJsonArray options;
        for (const auto &option : a.options) {
            options.append(QJsonObject{{u"value"_s, option.value}, {u"label"_s, option.label}});
        }
        o.insert(u"options"_s, options);
        attributeArray.append(o);
    }
    object.insert(u"attributes"_s, attributeArray);
    QJsonArray keyArray;
    for (const auto &k : keys) {
        keyArray.append(QJsonObject{{u"schemaName"_s, k.schemaName},
                                    {u"keyAttributes"_s, stringArray(k.keyAttributes)},
                                    {u"indexStatus"_s, k.indexStatus}});
    }
    object.insert(u"keys"_s, keyArray);
    QJsonArray relationshipArray;
    for (const auto &r : manyToOne) {
        relationshipArray.append(QJsonObject{{u"schemaName"_s, r.schemaName},
                                             {u"referencingAttribute"_s, r.referencingAttribute},
                                             {u"referencedEntity"_s, r.referencedEntity},
                                             {u"referencedAttribute"_s, r.referencedAttribute},
                                             {u"navigationProperty"_s, r.navigationProperty}});
    }
    object.insert(u"manyToOne"_s, relationshipArray);
    if (supportsBulkMessages) {
        object.insert(u"supportsBulkMessages"_s, *supportsBulkMessages);
    }
    return object;
}

EntityMetadata EntityMetadata::fromJson(const QJsonObject &object)
{
    EntityMetadata e;
    static_cast<EntitySummary &>(e) = entitySummaryFromJson(object);
    for (const auto &entry : object.value("attributes"_L1).toArray()) {
        const QJsonObject o = entry.toObject();
        AttributeMetadata a;
        a.logicalName = o.value("logicalName"_L1).toString();
        a.displayName = o.value("displayName"_L1).toString();
        a.typeName = o.value("typeName"_L1).toString();
        a.kind = attributeKindFromTypeName(a.typeName);
        a.requiredLevel = o.value("requiredLevel"_L1).toString();
        a.validForCreate = o.value("validForCreate"_L1).toBool();
        a.validForUpdate = o.value("validForUpdate"_L1).toBool();
        a.validForRead = o.value("validForRead"_L1).toBool();
        a.attributeOf = o.value("attributeOf"_L1).toString();
        a.dateTimeBehavior = behaviorFromName(o.value("dateTimeBehavior"_L1).toString());
        a.dateOnlyFormat = o.value("dateOnlyFormat"_L1).toBool();
        a.format = o.value("format"_L1).toString();
        a.optionSetName = o.value("optionSetName"_L1).toString();
        a.targets = stringList(o.value("targets"_L1));
        a.isCustom = o.value("isCustom"_L1).toBool();
        if (o.value("maxLength"_L1).isDouble()) {
            a.maxLength = o.value("maxLength"_L1).toInt();
        }
        if (o.value("precision"_L1).isDouble()) {
            a.precision = o.value("precision"_L1).toInt();
        }
        a.minValue = getOptional(o, "minValue"_L1);
        a.maxValue = getOptional(o, "maxValue"_L1);
        for (const auto &option : o.value("options"_L1).toArray()) {
            a.options.append({option.toObject().value("value"_L1).toInt(),
                              option.toObject().value("label"_L1).toString()});
        }
        e.attributes.append(a);
    }
    for (const auto &entry : object.value("keys"_L1).toArray()) {
        const QJsonObject o = entry.toObject();
        e.keys.append({o.value("schemaName"_L1).toString(), stringList(o.value("keyAttributes"_L1)),
                       o.value("indexStatus"_L1).toString()});
    }
    for (const auto &entry : object.value("manyToOne"_L1).toArray()) {
        const QJsonObject o = entry.toObject();
        e.manyToOne.append(
            {o.value("schemaName"_L1).toString(), o.value("referencingAttribute"_L1).toString(),
             o.value("referencedEntity"_L1).toString(), o.value("referencedAttribute"_L1).toString(),
             o.value("navigationProperty"_L1).toString()});
    }
    if (object.value("supportsBulkMessages"_L1).isBool()) {
        e.supportsBulkMessages = object.value("supportsBulkMessages"_L1).toBool();
    }
    return e;
}

} // namespace d365::services
