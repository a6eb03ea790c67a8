#pragma once

// What the sync needs to know about Dataverse tables, read from EntityDefinitions: the table list
// (EntitySummary), and for one table its attributes with type-specific facets (max length, precision,
// options, DateTime behaviour, lookup targets), its alternate keys and its many-to-one relationships (which
// give the case-sensitive navigation property a lookup is bound through). MetadataService caches these as
// JSON (toJson/fromJson below) per org.

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
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
    QString format; // FormatName/Format value: Email, Text, Url, Phone, DateOnly, DateAndTime, Duration …
    QList<OptionMetadata> options;
    QString optionSetName; // the global option set's name when options come from one, else empty (local)
    QStringList targets;
    bool isCustom = false;

    bool isWritable() const { return validForCreate || validForUpdate; }
    bool isLookup() const
    {
        return kind == AttributeKind::Lookup || kind == AttributeKind::Customer ||
               kind == AttributeKind::Owner;
    }
    bool isRequired() const
    {
        return requiredLevel == QLatin1StringView("SystemRequired") ||
               requiredLevel == QLatin1StringView("ApplicationRequired");
    }
};

struct AlternateKeyMetadata
{
    QString schemaName;
    QStringList keyAttributes;
    QString indexStatus; // Pending | InProgress | Active | Failed
};

// A many-to-one relationship: the lookup column ReferencingAttribute points at ReferencedEntity, and
// "<navigationProperty>@odata.bind" sets it (FACTS §4: case-sensitive, not always the column's name).
struct RelationshipMetadata
{
    QString schemaName;
    QString referencingAttribute;
    QString referencedEntity;
    QString referencedAttribute;
    QString navigationProperty; // ReferencingEntityNavigationPropertyName
};

// One row of the table list.
struct EntitySummary
{
    QString logicalName;
    QString entitySetName;
    QString displayName; // user-localized label, else the 1033 label, else the logical name
    QString primaryIdAttribute;
    QString primaryNameAttribute;
    bool isCustom = false;
    int objectTypeCode = 0;
    QString schemaName; // e.g. "Account": privilege names are built from it (prvCreateAccount)
};

// One table in full: its summary (names, primary columns) plus everything a mapping needs.
struct EntityMetadata : EntitySummary
{
    QList<AttributeMetadata> attributes;
    QList<AlternateKeyMetadata> keys;
    QList<RelationshipMetadata> manyToOne;
    // Whether CreateMultiple and UpdateMultiple (and so UpsertMultiple) are available; nullopt when the org
    // could not tell.
    std::optional<bool> supportsBulkMessages;

    const AttributeMetadata *attribute(const QString &logicalName) const;
    // The key whose attribute set equals the given columns (order-insensitive), if any.
    const AlternateKeyMetadata *keyFor(const QStringList &columns) const;
    // The navigation property that binds lookup column `attribute` to table `targetTable`, or empty.
    QString navigationProperty(const QString &attribute, const QString &targetTable) const;
    const EntitySummary &summary() const { return *this; }

    // Lossless JSON form for the on-disk cache.
    QJsonObject toJson() const;
    static EntityMetadata fromJson(const QJsonObject &object);
};

QJsonObject entitySummaryToJson(const EntitySummary &summary);
EntitySummary entitySummaryFromJson(const QJsonObject &object);

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::EntityMetadata)
Q_DECLARE_METATYPE(d365::services::EntitySummary)
