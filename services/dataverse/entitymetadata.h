#pragma once

// What the sync needs to know about one Dataverse table, read from EntityDefinitions: its names, its
// attributes with type-specific facets (max length, precision, options, DateTime behaviour, lookup targets)
// and its alternate keys. The schema issue builds the full metadata service (cache, browser) on these types.

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::services {

enum class AttributeKind {
    String,
    Memo,
    Integer,
    BigInt,
    Decimal,
    Double,
    Money,
    Boolean,
    DateTime,
    Picklist,
    State,
    Status,
    MultiSelectPicklist,
    Lookup,
    Customer,
    Owner,
    Uniqueidentifier,
    Other
};

// From AttributeTypeName.Value ("StringType" …); multi-select choices report AttributeType "Virtual", so the
// type name is the reliable field (FACTS §5).
AttributeKind attributeKindFromTypeName(const QString &typeName);
QString attributeKindName(AttributeKind kind);

enum class DateTimeBehavior { UserLocal, DateOnly, TimeZoneIndependent };

struct OptionMetadata
{
    int value = 0;
    QString label;
};

struct AttributeMetadata
{
    QString logicalName;
    QString displayName;
    QString typeName; // AttributeTypeName.Value
    AttributeKind kind = AttributeKind::Other;
    QString requiredLevel; // None | SystemRequired | ApplicationRequired | Recommended
    bool validForCreate = false;
    bool validForUpdate = false;
    bool validForRead = false;
    QString attributeOf;
    std::optional<int> maxLength;
    std::optional<double> minValue;
    std::optional<double> maxValue;
    std::optional<int> precision;
    DateTimeBehavior dateTimeBehavior = DateTimeBehavior::UserLocal;
    bool dateOnlyFormat = false;
    QList<OptionMetadata> options;
    QStringList targets;

    bool isWritable() const { return validForCreate || validForUpdate; }
};

struct AlternateKeyMetadata
{
    QString schemaName;
    QStringList keyAttributes;
    QString indexStatus; // Pending | InProgress | Active | Failed
};

struct EntityMetadata
{
    QString logicalName;
    QString entitySetName;
    QString displayName;
    QString primaryIdAttribute;
    QString primaryNameAttribute;
    QList<AttributeMetadata> attributes;
    QList<AlternateKeyMetadata> keys;

    const AttributeMetadata *attribute(const QString &logicalName) const;
    // The key whose attribute set equals the given columns (order-insensitive), if any.
    const AlternateKeyMetadata *keyFor(const QStringList &columns) const;
};

} // namespace d365::services
