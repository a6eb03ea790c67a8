#include "orgdefinition.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcOrgDefinition, "d365.sandbox.orgdefinition")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

const OptionDef *OptionSetDef::option(int value) const
{
    for (const OptionDef &o : options) {
        if (o.value == value)
            return &o;
    }
    return nullptr;
}

QString AttributeDef::metadataType() const
{
    static const QHash<QString, QString> map = {
        {u"BooleanType"_s, u"BooleanAttributeMetadata"_s},
        {u"CustomerType"_s, u"LookupAttributeMetadata"_s},
        {u"LookupType"_s, u"LookupAttributeMetadata"_s},
        {u"OwnerType"_s, u"LookupAttributeMetadata"_s},
        {u"DateTimeType"_s, u"DateTimeAttributeMetadata"_s},
        {u"DecimalType"_s, u"DecimalAttributeMetadata"_s},
        {u"DoubleType"_s, u"DoubleAttributeMetadata"_s},
        {u"IntegerType"_s, u"IntegerAttributeMetadata"_s},
        {u"BigIntType"_s, u"BigIntAttributeMetadata"_s},
        {u"MemoType"_s, u"MemoAttributeMetadata"_s},
        {u"MoneyType"_s, u"MoneyAttributeMetadata"_s},
        {u"PicklistType"_s, u"PicklistAttributeMetadata"_s},
        {u"StateType"_s, u"StateAttributeMetadata"_s},
        {u"StatusType"_s, u"StatusAttributeMetadata"_s},
        {u"StringType"_s, u"StringAttributeMetadata"_s},
        {u"UniqueidentifierType"_s, u"UniqueIdentifierAttributeMetadata"_s},
        {u"EntityNameType"_s, u"EntityNameAttributeMetadata"_s},
        {u"MultiSelectPicklistType"_s, u"MultiSelectPicklistAttributeMetadata"_s},
        {u"ImageType"_s, u"ImageAttributeMetadata"_s},
    };
    return map.value(typeName, u"AttributeMetadata"_s);
}

QString AttributeDef::attributeTypeCode() const
{
    if (typeName == u"MultiSelectPicklistType"_s || typeName == u"ImageType"_s)
        return u"Virtual"_s;
    QString code = typeName;
    code.chop(4); // "StringType" -> "String"
    return code;
}

QString AttributeDef::propertyName() const
{
    return isLookup() ? u'_' + logicalName + u"_value"_s : logicalName;
}

const OptionSetDef *AttributeDef::options() const
{
    if (globalOptionSet)
        return globalOptionSet.data();
    return optionSet.data();
}

const AttributeDef *TableDef::attribute(QStringView name) const
{
    const auto it = attributeIndex.constFind(name.toString());
    return it == attributeIndex.constEnd() ? nullptr : &attributes[size_t(*it)];
}

const AttributeDef *TableDef::attributeByProperty(QStringView property) const
{
    if (property.startsWith(u'_') && property.endsWith(u"_value")) {
        const AttributeDef *a = attribute(property.sliced(1, property.size() - 7));
        return a && a->isLookup() ? a : nullptr;
    }
    const AttributeDef *a = attribute(property);
    return a && !a->isLookup() ? a : nullptr;
}

const RelationshipDef *TableDef::relationshipByNavigation(QStringView navigationProperty) const
{
    for (const RelationshipDef &r : manyToOne) {
        if (r.navigationProperty == navigationProperty)
            return &r;
    }
    return nullptr;
}

QUuid OrgDefinition::stableId(const QString &what)
{
    static const QUuid ns(u"6f1c1c52-4bb1-4d7e-9a43-5e8a2f0d9b11"_s);
    return QUuid::createUuidV5(ns, what);
}

const TableDef *OrgDefinition::tableByLogicalName(QStringView name) const
{
    const auto it = m_byLogicalName.constFind(name.toString());
    return it == m_byLogicalName.constEnd() ? nullptr : &m_tables[size_t(*it)];
}

const TableDef *OrgDefinition::tableByEntitySet(QStringView name) const
{
    const auto it = m_byEntitySet.constFind(name.toString());
    return it == m_byEntitySet.constEnd() ? nullptr : &m_tables[size_t(*it)];
}

const OptionSetDef *OrgDefinition::globalOptionSet(QStringView name) const
{
    for (const auto &o : m_globalOptionSets) {
        if (o->name == name)
            return o.data();
    }
    return nullptr;
}

namespace {

struct Loader
{
    QString error;

    bool fail(const QString &path, const QString &message)
    {
        if (error.isEmpty())
            error = path + u": "_s + message;
        return false;
    }

    QString requireString(const QJsonObject &o, const QString &key, const QString &path)
    {
        const QJsonValue v = o.value(key);
        if (!v.isString() || v.toString().isEmpty()) {
            fail(path + u'.' + key, u"a non-empty string is required"_s);
            return {};
        }
        return v.toString();
    }

    QUuid idOr(const QJsonObject &o, const QString &key, const QString &seed)
    {
        const QUuid id(o.value(key).toString());
        return id.isNull() ? OrgDefinition::stableId(seed) : id;
    }

    QList<OptionDef> options(const QJsonArray &array, const QString &seed, const QString &path)
    {
        QList<OptionDef> out;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QJsonObject o = array.at(i).toObject();
            const QString p = path + u'[' + QString::number(i) + u']';
            if (!o.value(u"Value"_s).isDouble()) {
                fail(p + u".Value"_s, u"an integer option value is required"_s);
                continue;
            }
            OptionDef d;
            d.value = o.value(u"Value"_s).toInt();
            d.label = o.value(u"Label"_s).toString();
            d.state = o.value(u"State"_s).toInt(-1);
            d.labelId = OrgDefinition::stableId(seed + u".option."_s + QString::number(d.value));
            out.append(d);
        }
        return out;
    }
};

const QStringList knownTypes = {
    u"StringType"_s,
    u"MemoType"_s,
    u"IntegerType"_s,
    u"BigIntType"_s,
    u"MoneyType"_s,
    u"DecimalType"_s,
    u"DoubleType"_s,
    u"BooleanType"_s,
    u"DateTimeType"_s,
    u"PicklistType"_s,
    u"StateType"_s,
    u"StatusType"_s,
    u"MultiSelectPicklistType"_s,
    u"LookupType"_s,
    u"CustomerType"_s,
    u"OwnerType"_s,
    u"UniqueidentifierType"_s,
    u"EntityNameType"_s,
    u"ImageType"_s,
};

ValueKind kindOf(const QString &type)
{
    if (type == u"StringType"_s || type == u"MemoType"_s)
        return ValueKind::String;
    if (type == u"IntegerType"_s)
        return ValueKind::Integer;
    if (type == u"BigIntType"_s)
        return ValueKind::BigInt;
    if (type == u"MoneyType"_s || type == u"DecimalType"_s)
        return ValueKind::Decimal;
    if (type == u"DoubleType"_s)
        return ValueKind::Double;
    if (type == u"BooleanType"_s)
        return ValueKind::Boolean;
    if (type == u"DateTimeType"_s)
        return ValueKind::DateTime;
    if (type == u"PicklistType"_s || type == u"StateType"_s || type == u"StatusType"_s)
        return ValueKind::Choice;
    if (type == u"MultiSelectPicklistType"_s)
        return ValueKind::MultiChoice;
    if (type == u"LookupType"_s || type == u"CustomerType"_s || type == u"OwnerType"_s)
        return ValueKind::Lookup;
    if (type == u"UniqueidentifierType"_s)
        return ValueKind::Guid;
    if (type == u"EntityNameType"_s)
        return ValueKind::EntityName;
    return ValueKind::Image;
}

} // namespace

std::shared_ptr<const OrgDefinition> OrgDefinition::fromFile(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"Cannot read the org definition %1: %2"_s.arg(path, f.errorString());
        return nullptr;
    }
    return fromJson(f.readAll(), error);
}

std::shared_ptr<const OrgDefinition> OrgDefinition::fromJson(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (doc.isNull() || !doc.isObject()) {
        *error = u"The org definition is not a JSON object (%1 at offset %2)"_s.arg(parseError.errorString())
                     .arg(parseError.offset);
        return nullptr;
    }
    const QJsonObject root = doc.object();
    auto def = std::make_shared<OrgDefinition>();
    Loader L;

    const QJsonObject org = root.value(u"Organization"_s).toObject();
    def->m_org.uniqueName = org.value(u"UniqueName"_s).toString(u"sandbox"_s);
    def->m_org.friendlyName = org.value(u"FriendlyName"_s).toString(def->m_org.uniqueName);
    def->m_org.organizationId = L.idOr(org, u"OrganizationId"_s, u"org.organization"_s);
    def->m_org.businessUnitId = L.idOr(org, u"BusinessUnitId"_s, u"org.businessunit"_s);
    def->m_org.userId = L.idOr(org, u"UserId"_s, u"org.user"_s);
    def->m_org.tenantId = L.idOr(org, u"TenantId"_s, u"org.tenant"_s);
    def->m_org.baseCurrencyId = QUuid::fromString(org.value(u"BaseCurrencyId"_s).toString());

    const QJsonArray globals = root.value(u"GlobalOptionSets"_s).toArray();
    for (qsizetype i = 0; i < globals.size(); ++i) {
        const QJsonObject g = globals.at(i).toObject();
        const QString path = u"GlobalOptionSets["_s + QString::number(i) + u']';
        auto set = QSharedPointer<OptionSetDef>::create();
        set->name = L.requireString(g, u"Name"_s, path);
        set->displayName = g.value(u"DisplayName"_s).toString();
        set->optionSetType = g.value(u"OptionSetType"_s).toString(u"Picklist"_s);
        set->isGlobal = true;
        set->isCustom = g.value(u"IsCustomOptionSet"_s).toBool();
        set->metadataId = L.idOr(g, u"MetadataId"_s, u"global."_s + set->name);
        set->labelId = stableId(u"global.label."_s + set->name);
        set->options =
            L.options(g.value(u"Options"_s).toArray(), u"global."_s + set->name, path + u".Options"_s);
        def->m_globalOptionSets.append(set);
    }

    const QJsonArray tables = root.value(u"Tables"_s).toArray();
    if (tables.isEmpty()) {
        *error = u"Tables: at least one table is required"_s;
        return nullptr;
    }
    def->m_tables.reserve(size_t(tables.size()));
    for (qsizetype ti = 0; ti < tables.size(); ++ti) {
        const QJsonObject t = tables.at(ti).toObject();
        const QString tpath = u"Tables["_s + QString::number(ti) + u']';
        TableDef table;
        table.logicalName = L.requireString(t, u"LogicalName"_s, tpath);
        table.schemaName = t.value(u"SchemaName"_s).toString(table.logicalName);
        table.entitySetName = L.requireString(t, u"EntitySetName"_s, tpath);
        table.displayName = t.value(u"DisplayName"_s).toString();
        table.displayCollectionName = t.value(u"DisplayCollectionName"_s).toString();
        table.primaryIdAttribute = L.requireString(t, u"PrimaryIdAttribute"_s, tpath);
        table.primaryNameAttribute = t.value(u"PrimaryNameAttribute"_s).toString();
        table.objectTypeCode = t.value(u"ObjectTypeCode"_s).toInt();
        table.isCustom = t.value(u"IsCustomEntity"_s).toBool();
        table.isIntersect = t.value(u"IsIntersect"_s).toBool();
        table.isActivity = t.value(u"IsActivity"_s).toBool();
        table.ownershipType = t.value(u"OwnershipType"_s).toString(u"UserOwned"_s);
        table.tableType = t.value(u"TableType"_s).toString(u"Standard"_s);
        table.metadataId = L.idOr(t, u"MetadataId"_s, u"table."_s + table.logicalName);
        table.labelId = stableId(u"table.label."_s + table.logicalName);
        table.collectionLabelId = stableId(u"table.collectionlabel."_s + table.logicalName);

        const QJsonArray attrs = t.value(u"Attributes"_s).toArray();
        for (qsizetype ai = 0; ai < attrs.size(); ++ai) {
            const QJsonObject a = attrs.at(ai).toObject();
            const QString apath = tpath + u".Attributes["_s + QString::number(ai) + u']';
            AttributeDef attr;
            attr.logicalName = L.requireString(a, u"LogicalName"_s, apath);
            attr.schemaName = a.value(u"SchemaName"_s).toString(attr.logicalName);
            attr.typeName = L.requireString(a, u"AttributeTypeName"_s, apath);
            if (!attr.typeName.isEmpty() && !knownTypes.contains(attr.typeName))
                L.fail(apath + u".AttributeTypeName"_s,
                       u"unknown type '%1'; use one of %2"_s.arg(attr.typeName, knownTypes.join(u", "_s)));
            attr.kind = kindOf(attr.typeName);
            attr.displayName = a.value(u"DisplayName"_s).toString();
            attr.requiredLevel = a.value(u"RequiredLevel"_s).toString(u"None"_s);
            attr.validForCreate = a.value(u"IsValidForCreate"_s).toBool(true);
            attr.validForUpdate = a.value(u"IsValidForUpdate"_s).toBool(true);
            attr.validForRead = a.value(u"IsValidForRead"_s).toBool(true);
            attr.isCustom = a.value(u"IsCustomAttribute"_s).toBool(false);
            attr.isPrimaryId = attr.logicalName == table.primaryIdAttribute;
            attr.isPrimaryName = attr.logicalName == table.primaryNameAttribute;
            attr.attributeOf = a.value(u"AttributeOf"_s).toString();
            attr.maxLength = a.value(u"MaxLength"_s).toInt();
            attr.formatName = a.contains(u"FormatName"_s) ? a.value(u"FormatName"_s).toString()
                                                          : a.value(u"Format"_s).toString();
            if (a.contains(u"MinValue"_s))
                attr.minValue = a.value(u"MinValue"_s).toDouble();
            if (a.contains(u"MaxValue"_s))
                attr.maxValue = a.value(u"MaxValue"_s).toDouble();
            if (a.contains(u"Precision"_s))
                attr.precision = a.value(u"Precision"_s).toInt();
            if (a.contains(u"PrecisionSource"_s))
                attr.precisionSource = a.value(u"PrecisionSource"_s).toInt();
            attr.dateTimeBehavior = a.value(u"DateTimeBehavior"_s).toString();
            if (attr.kind == ValueKind::DateTime && attr.dateTimeBehavior.isEmpty())
                attr.dateTimeBehavior = u"UserLocal"_s;
            for (const QJsonValue &v : a.value(u"Targets"_s).toArray())
                attr.targets.append(v.toString());
            if (attr.kind == ValueKind::Lookup && attr.targets.isEmpty())
                L.fail(apath + u".Targets"_s, u"a lookup column needs at least one target table"_s);
            const QJsonValue dflt = a.value(u"DefaultValue"_s);
            if (dflt.isBool())
                attr.defaultBool = dflt.toBool();
            else if (dflt.isDouble())
                attr.defaultNumber = dflt.toDouble();
            for (const QJsonValue &v : a.value(u"ComputedFrom"_s).toArray())
                attr.computedFrom.append(v.toString());
            attr.autoNumber = a.value(u"AutoNumber"_s).toString();
            const QString seed = table.logicalName + u'.' + attr.logicalName;
            attr.metadataId = L.idOr(a, u"MetadataId"_s, u"attribute."_s + seed);
            attr.labelId = stableId(u"attribute.label."_s + seed);

            if (attr.kind == ValueKind::Choice || attr.kind == ValueKind::Boolean) {
                auto set = QSharedPointer<OptionSetDef>::create();
                set->name = table.logicalName + u'_' + attr.logicalName;
                set->optionSetType = attr.typeName == u"StateType"_s     ? u"State"_s
                                     : attr.typeName == u"StatusType"_s  ? u"Status"_s
                                     : attr.typeName == u"BooleanType"_s ? u"Boolean"_s
                                                                         : u"Picklist"_s;
                set->isCustom = attr.isCustom;
                set->metadataId = stableId(u"optionset."_s + seed);
                set->labelId = stableId(u"optionset.label."_s + seed);
                set->displayName = attr.displayName;
                if (attr.kind == ValueKind::Boolean) {
                    set->trueLabel = a.value(u"TrueLabel"_s).toString(u"Yes"_s);
                    set->falseLabel = a.value(u"FalseLabel"_s).toString(u"No"_s);
                    set->trueLabelId = stableId(u"optionset.true."_s + seed);
                    set->falseLabelId = stableId(u"optionset.false."_s + seed);
                } else {
                    set->options = L.options(a.value(u"Options"_s).toArray(), seed, apath + u".Options"_s);
                    if (set->options.isEmpty() && !a.contains(u"GlobalOptionSet"_s))
                        L.fail(apath + u".Options"_s, u"a choice column needs Options or GlobalOptionSet"_s);
                }
                attr.optionSet = set;
            }
            attr.globalOptionSetName = a.value(u"GlobalOptionSet"_s).toString();
            if (!attr.globalOptionSetName.isEmpty()) {
                for (const auto &g : std::as_const(def->m_globalOptionSets)) {
                    if (g->name == attr.globalOptionSetName)
                        attr.globalOptionSet = g;
                }
                if (!attr.globalOptionSet)
                    L.fail(apath + u".GlobalOptionSet"_s,
                           u"'%1' is not defined under GlobalOptionSets"_s.arg(attr.globalOptionSetName));
                if (attr.optionSet && attr.optionSet->options.isEmpty())
                    attr.optionSet.reset();
            }
            if (attr.kind == ValueKind::MultiChoice && !attr.options())
                L.fail(apath, u"a multi-select choice column needs GlobalOptionSet"_s);
            if (table.attributeIndex.contains(attr.logicalName))
                L.fail(apath + u".LogicalName"_s, u"'%1' is defined twice"_s.arg(attr.logicalName));
            table.attributeIndex.insert(attr.logicalName, int(table.attributes.size()));
            table.attributes.push_back(std::move(attr));
        }
        if (!table.attribute(table.primaryIdAttribute))
            L.fail(tpath + u".PrimaryIdAttribute"_s,
                   u"'%1' is not one of the table's Attributes"_s.arg(table.primaryIdAttribute));
        if (!table.primaryNameAttribute.isEmpty() && !table.attribute(table.primaryNameAttribute))
            L.fail(tpath + u".PrimaryNameAttribute"_s,
                   u"'%1' is not one of the table's Attributes"_s.arg(table.primaryNameAttribute));

        const QJsonArray keys = t.value(u"Keys"_s).toArray();
        for (qsizetype ki = 0; ki < keys.size(); ++ki) {
            const QJsonObject k = keys.at(ki).toObject();
            const QString kpath = tpath + u".Keys["_s + QString::number(ki) + u']';
            KeyDef key;
            key.schemaName = L.requireString(k, u"SchemaName"_s, kpath);
            key.logicalName = k.value(u"LogicalName"_s).toString(key.schemaName.toLower());
            key.displayName = k.value(u"DisplayName"_s).toString(key.schemaName);
            for (const QJsonValue &v : k.value(u"KeyAttributes"_s).toArray()) {
                const QString name = v.toString();
                const AttributeDef *ka = table.attribute(name);
                if (!ka)
                    L.fail(kpath + u".KeyAttributes"_s,
                           u"'%1' is not a column of %2"_s.arg(name, table.logicalName));
                key.keyAttributes.append(name);
            }
            if (key.keyAttributes.isEmpty())
                L.fail(kpath + u".KeyAttributes"_s, u"a key needs at least one column"_s);
            if (k.contains(u"EntityKeyIndexStatus"_s)) {
                const auto status = keyIndexStatusFromName(k.value(u"EntityKeyIndexStatus"_s).toString());
                if (!status)
                    L.fail(kpath + u".EntityKeyIndexStatus"_s,
                           u"must be Pending, InProgress, Active or Failed"_s);
                else
                    key.initialStatus = *status;
            }
            key.metadataId =
                L.idOr(k, u"MetadataId"_s, u"key."_s + table.logicalName + u'.' + key.logicalName);
            key.labelId = stableId(u"key.label."_s + table.logicalName + u'.' + key.logicalName);
            table.keys.append(key);
        }

        const QJsonArray rules = t.value(u"DuplicateRules"_s).toArray();
        for (qsizetype di = 0; di < rules.size(); ++di) {
            const QJsonObject d = rules.at(di).toObject();
            const QString dpath = tpath + u".DuplicateRules["_s + QString::number(di) + u']';
            DuplicateRuleDef rule;
            rule.name = L.requireString(d, u"Name"_s, dpath);
            for (const QJsonValue &v : d.value(u"Attributes"_s).toArray()) {
                if (!table.attribute(v.toString()))
                    L.fail(dpath + u".Attributes"_s,
                           u"'%1' is not a column of %2"_s.arg(v.toString(), table.logicalName));
                rule.attributes.append(v.toString());
            }
            if (rule.attributes.isEmpty())
                L.fail(dpath + u".Attributes"_s, u"a duplicate-detection rule needs at least one column"_s);
            table.duplicateRules.append(rule);
        }
        if (t.contains(u"BulkMessages"_s)) {
            for (const QJsonValue &v : t.value(u"BulkMessages"_s).toArray()) {
                if (v.toString() != u"CreateMultiple"_s && v.toString() != u"UpdateMultiple"_s)
                    L.fail(tpath + u".BulkMessages"_s,
                           u"'%1' is not CreateMultiple or UpdateMultiple"_s.arg(v.toString()));
                table.bulkMessages.append(v.toString());
            }
        } else if (!table.isIntersect) {
            table.bulkMessages = {u"CreateMultiple"_s, u"UpdateMultiple"_s};
        }

        const QJsonArray rels = t.value(u"ManyToOneRelationships"_s).toArray();
        for (qsizetype ri = 0; ri < rels.size(); ++ri) {
            const QJsonObject r = rels.at(ri).toObject();
            const QString rpath = tpath + u".ManyToOneRelationships["_s + QString::number(ri) + u']';
            RelationshipDef rel;
            rel.schemaName = L.requireString(r, u"SchemaName"_s, rpath);
            rel.referencingEntity = table.logicalName;
            rel.referencingAttribute = L.requireString(r, u"ReferencingAttribute"_s, rpath);
            rel.referencedEntity = L.requireString(r, u"ReferencedEntity"_s, rpath);
            rel.referencedAttribute =
                r.value(u"ReferencedAttribute"_s).toString(rel.referencedEntity + u"id"_s);
            rel.navigationProperty = L.requireString(r, u"ReferencingEntityNavigationPropertyName"_s, rpath);
            rel.metadataId = L.idOr(r, u"MetadataId"_s, u"relationship."_s + rel.schemaName);
            const AttributeDef *ra = table.attribute(rel.referencingAttribute);
            if (!ra || !ra->isLookup())
                L.fail(rpath + u".ReferencingAttribute"_s, u"'%1' is not a lookup column of %2"_s.arg(
                                                               rel.referencingAttribute, table.logicalName));
            else if (!ra->targets.contains(rel.referencedEntity))
                L.fail(rpath + u".ReferencedEntity"_s, u"'%1' is not one of the Targets of %2"_s.arg(
                                                           rel.referencedEntity, rel.referencingAttribute));
            table.manyToOne.append(rel);
        }

        const QJsonValue rows = t.value(u"Rows"_s);
        if (!rows.isUndefined() && !rows.isArray())
            L.fail(tpath + u".Rows"_s, u"must be an array of row objects"_s);
        for (qsizetype ri = 0; ri < rows.toArray().size(); ++ri) {
            if (!rows.toArray().at(ri).isObject())
                L.fail(tpath + u".Rows["_s + QString::number(ri) + u']', u"a row must be a JSON object"_s);
            table.seedRows.append(rows.toArray().at(ri).toObject());
        }

        if (def->m_byLogicalName.contains(table.logicalName))
            L.fail(tpath + u".LogicalName"_s, u"table '%1' is defined twice"_s.arg(table.logicalName));
        if (def->m_byEntitySet.contains(table.entitySetName))
            L.fail(tpath + u".EntitySetName"_s, u"entity set '%1' is used twice"_s.arg(table.entitySetName));
        def->m_byLogicalName.insert(table.logicalName, int(def->m_tables.size()));
        def->m_byEntitySet.insert(table.entitySetName, int(def->m_tables.size()));
        def->m_tables.push_back(std::move(table));
    }

    // Relationship targets must exist.
    for (const TableDef &table : def->m_tables) {
        for (const RelationshipDef &rel : table.manyToOne) {
            if (!def->tableByLogicalName(rel.referencedEntity))
                L.fail(u"Tables(%1).ManyToOneRelationships(%2).ReferencedEntity"_s.arg(table.logicalName,
                                                                                       rel.schemaName),
                       u"table '%1' is not defined"_s.arg(rel.referencedEntity));
        }
    }

    if (!L.error.isEmpty()) {
        *error = u"Invalid org definition: "_s + L.error;
        return nullptr;
    }
    qCInfo(lcOrgDefinition) << "loaded org" << def->m_org.uniqueName << "with" << def->m_tables.size()
                            << "tables";
    return def;
}

QString keyIndexStatusName(KeyIndexStatus status)
{
    switch (status) {
    case KeyIndexStatus::Pending:
        return u"Pending"_s;
    case KeyIndexStatus::InProgress:
        return u"InProgress"_s;
    case KeyIndexStatus::Active:
        return u"Active"_s;
    case KeyIndexStatus::Failed:
        return u"Failed"_s;
    }
    return QString();
}

std::optional<KeyIndexStatus> keyIndexStatusFromName(QStringView name)
{
    for (KeyIndexStatus s : {KeyIndexStatus::Pending, KeyIndexStatus::InProgress, KeyIndexStatus::Active,
                             KeyIndexStatus::Failed}) {
        if (keyIndexStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

bool TableDef::supportsBulk(QStringView message) const
{
    if (message == u"UpsertMultiple")
        return bulkMessages.contains(u"CreateMultiple"_s) && bulkMessages.contains(u"UpdateMultiple"_s);
    return bulkMessages.contains(message.toString());
}

} // namespace d365::sandbox
