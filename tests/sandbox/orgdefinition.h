#pragma once

// The sandbox org's schema: tables, columns, choices, alternate keys and many-to-one relationships, loaded
// from the JSON format documented in tests/sandbox/README.md (the default org is embedded as
// :/sandbox/org.json). Pure data, no HTTP: the metadata endpoints render it, the record endpoints validate
// writes against it.

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSharedPointer>
#include <QString>
#include <QStringList>
#include <QUuid>

#include <memory>
#include <optional>
#include <vector>

namespace d365::sandbox {

// What the write/read code needs to know about a column's value space (AttributeTypeName values collapse onto
// it).
enum class ValueKind {
    String,      // StringType, MemoType
    Integer,     // IntegerType
    BigInt,      // BigIntType
    Decimal,     // DecimalType, MoneyType
    Double,      // DoubleType
    Boolean,     // BooleanType
    DateTime,    // DateTimeType
    Choice,      // PicklistType, StateType, StatusType
    MultiChoice, // MultiSelectPicklistType
    Lookup,      // LookupType, CustomerType, OwnerType
    Guid,        // UniqueidentifierType
    EntityName,  // EntityNameType
    Image,       // ImageType (base64 text)
};

struct OptionDef
{
    int value = 0;
    QString label;
    int state = -1; // StatusType options: the statecode they belong to
    QUuid labelId;
};

struct OptionSetDef
{
    QString name;
    QString displayName;
    QString optionSetType; // Picklist, State, Status, Boolean
    bool isGlobal = false;
    bool isCustom = false;
    QUuid metadataId;
    QUuid labelId;
    QList<OptionDef> options;
    // Boolean option sets
    QString trueLabel;
    QString falseLabel;
    QUuid trueLabelId;
    QUuid falseLabelId;

    const OptionDef *option(int value) const;
};

struct AttributeDef
{
    QString logicalName;
    QString schemaName;
    QString typeName; // AttributeTypeName.Value, e.g. "StringType"
    ValueKind kind = ValueKind::String;
    QString displayName; // empty: unlabelled
    QString requiredLevel = QStringLiteral("None");
    bool validForCreate = true;
    bool validForUpdate = true;
    bool validForRead = true;
    bool isCustom = false;
    bool isPrimaryId = false;
    bool isPrimaryName = false;
    QString attributeOf;
    int maxLength = 0;
    QString formatName; // String/Memo: FormatName.Value; Integer: Format; DateTime: Format
    std::optional<double> minValue;
    std::optional<double> maxValue;
    std::optional<int> precision;
    std::optional<int> precisionSource;
    QString dateTimeBehavior;               // UserLocal, DateOnly, TimeZoneIndependent
    QStringList targets;                    // lookups
    QSharedPointer<OptionSetDef> optionSet; // local choices, state/status, boolean
    QString globalOptionSetName;
    QSharedPointer<OptionSetDef> globalOptionSet;
    std::optional<double> defaultNumber; // DefaultValue for choices/state/status
    std::optional<bool> defaultBool;     // DefaultValue for booleans
    QStringList computedFrom;            // fullname = the non-empty values joined by a space
    QString autoNumber;                  // e.g. "CAS-{SEQNUM:5}"
    QUuid metadataId;
    QUuid labelId;

    // Metadata class name without namespace, e.g. "StringAttributeMetadata".
    QString metadataType() const;
    // AttributeTypeCode name, e.g. "String"; "Virtual" for multi-select and image columns.
    QString attributeTypeCode() const;
    // The OData property name used on records: "_<name>_value" for lookups, the logical name otherwise.
    QString propertyName() const;
    const OptionSetDef *options() const;
    bool isLookup() const { return kind == ValueKind::Lookup; }
};

// EntityKeyIndexStatus (FACTS §3): a key's index is built asynchronously; only an Active key addresses rows
// and enforces uniqueness.
enum class KeyIndexStatus { Pending = 0, InProgress = 1, Active = 2, Failed = 3 };
QString keyIndexStatusName(KeyIndexStatus status);
std::optional<KeyIndexStatus> keyIndexStatusFromName(QStringView name);

struct KeyDef
{
    QString schemaName;
    QString logicalName;
    QString displayName;
    QStringList keyAttributes;
    KeyIndexStatus initialStatus = KeyIndexStatus::Active; // "EntityKeyIndexStatus" in the org file
    QUuid metadataId;
    QUuid labelId;
};

struct RelationshipDef
{
    QString schemaName;
    QString referencingEntity;
    QString referencingAttribute;
    QString referencedEntity;
    QString referencedAttribute;
    QString navigationProperty; // ReferencingEntityNavigationPropertyName
    QUuid metadataId;
};

// A published duplicate-detection rule (FACTS §1), simplified: two rows are duplicates when every column
// of the rule has a non-blank value and the values are equal (strings case-insensitively).
struct DuplicateRuleDef
{
    QString name;
    QStringList attributes;
};

struct TableDef
{
    QString logicalName;
    QString schemaName;
    QString entitySetName;
    QString displayName;
    QString displayCollectionName;
    QString primaryIdAttribute;
    QString primaryNameAttribute;
    int objectTypeCode = 0;
    bool isCustom = false;
    bool isIntersect = false;
    bool isActivity = false;
    QString ownershipType = QStringLiteral("UserOwned");
    QString tableType = QStringLiteral("Standard");
    QUuid metadataId;
    QUuid labelId;
    QUuid collectionLabelId;
    std::vector<AttributeDef> attributes;
    QList<KeyDef> keys;
    QList<RelationshipDef> manyToOne;
    QList<DuplicateRuleDef> duplicateRules;
    // Bulk messages the table supports (FACTS §7: custom tables and many, not all, system tables):
    // "BulkMessages" in the org file; default CreateMultiple and UpdateMultiple unless the table is an
    // intersect table. UpsertMultiple needs both.
    QStringList bulkMessages;
    bool supportsBulk(QStringView message) const;
    // Seed rows ("Rows"): Web API create bodies stored at start-up (seedrows.cpp), in file order.
    QList<QJsonObject> seedRows;

    const AttributeDef *attribute(QStringView logicalName) const;
    // Attribute by record property name: "_parentcustomerid_value" finds the lookup parentcustomerid.
    const AttributeDef *attributeByProperty(QStringView propertyName) const;
    const RelationshipDef *relationshipByNavigation(QStringView navigationProperty) const;
    const AttributeDef *primaryId() const { return attribute(primaryIdAttribute); }
    QString typeName() const { return QStringLiteral("Microsoft.Dynamics.CRM.") + logicalName; }

    QHash<QString, int> attributeIndex;
};

struct OrganizationInfo
{
    QString uniqueName;
    QString friendlyName;
    QUuid organizationId;
    QUuid businessUnitId;
    QUuid userId;
    QUuid tenantId;
    QUuid baseCurrencyId; // BaseCurrencyId: the transactioncurrency row money columns default to; may be null
};

class OrgDefinition
{
public:
    // Parses and validates an org definition. On failure returns nullptr and sets *error to a message naming
    // the JSON path that is wrong.
    static std::shared_ptr<const OrgDefinition> fromJson(const QByteArray &json, QString *error);
    static std::shared_ptr<const OrgDefinition> fromFile(const QString &path, QString *error);

    const OrganizationInfo &organization() const { return m_org; }
    const std::vector<TableDef> &tables() const { return m_tables; }
    const TableDef *tableByLogicalName(QStringView name) const;
    const TableDef *tableByEntitySet(QStringView entitySetName) const;
    const QList<QSharedPointer<OptionSetDef>> &globalOptionSets() const { return m_globalOptionSets; }
    const OptionSetDef *globalOptionSet(QStringView name) const;

    // Deterministic ids for metadata objects that the file does not name (stable across runs).
    static QUuid stableId(const QString &what);

private:
    OrganizationInfo m_org;
    std::vector<TableDef> m_tables;
    QHash<QString, int> m_byLogicalName;
    QHash<QString, int> m_byEntitySet;
    QList<QSharedPointer<OptionSetDef>> m_globalOptionSets;
};

} // namespace d365::sandbox
