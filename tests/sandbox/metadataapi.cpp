#include "metadataapi.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QSet>

#include <variant>

Q_LOGGING_CATEGORY(lcMetadata, "d365.sandbox.metadataapi")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

const QString Ns = u"Microsoft.Dynamics.CRM."_s;

QJsonValue label(const QString &text, const QUuid &id, bool managed)
{
    if (text.isEmpty())
        return QJsonObject{{u"LocalizedLabels"_s, QJsonArray()}, {u"UserLocalizedLabel"_s, QJsonValue::Null}};
    const QJsonObject l{{u"Label"_s, text},
                        {u"LanguageCode"_s, 1033},
                        {u"IsManaged"_s, managed},
                        {u"MetadataId"_s, id.toString(QUuid::WithoutBraces)},
                        {u"HasChanged"_s, QJsonValue::Null}};
    return QJsonObject{{u"LocalizedLabels"_s, QJsonArray{l}}, {u"UserLocalizedLabel"_s, l}};
}

QJsonValue emptyLabel()
{
    return label(QString(), QUuid(), false);
}

QJsonValue nullable(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QJsonObject managedProperty(const QJsonValue &value, bool canBeChanged, const QString &name)
{
    return {{u"Value"_s, value}, {u"CanBeChanged"_s, canBeChanged}, {u"ManagedPropertyLogicalName"_s, name}};
}

QJsonObject tableJson(const TableDef &t)
{
    return {
        {u"LogicalName"_s, t.logicalName},
        {u"SchemaName"_s, t.schemaName},
        {u"EntitySetName"_s, t.entitySetName},
        {u"LogicalCollectionName"_s, t.entitySetName},
        {u"CollectionSchemaName"_s, QString(t.schemaName + u's')},
        {u"DisplayName"_s, label(t.displayName, t.labelId, !t.isCustom)},
        {u"DisplayCollectionName"_s, label(t.displayCollectionName, t.collectionLabelId, !t.isCustom)},
        {u"Description"_s, emptyLabel()},
        {u"PrimaryIdAttribute"_s, t.primaryIdAttribute},
        {u"PrimaryNameAttribute"_s, nullable(t.primaryNameAttribute)},
        {u"ObjectTypeCode"_s, t.objectTypeCode},
        {u"IsCustomEntity"_s, t.isCustom},
        {u"IsIntersect"_s, t.isIntersect},
        {u"IsActivity"_s, t.isActivity},
        // Private tables are internal system tables hidden from customizers; the org defines none, but
        // clients (Microsoft's Python SDK) filter on the property, so it must exist.
        {u"IsPrivate"_s, false},
        {u"IsManaged"_s, !t.isCustom},
        {u"OwnershipType"_s, t.ownershipType},
        {u"TableType"_s, t.tableType},
        {u"IsOptimisticConcurrencyEnabled"_s, true},
        {u"ChangeTrackingEnabled"_s, false},
        {u"IsValidForAdvancedFind"_s, !t.isIntersect},
        {u"MetadataId"_s, t.metadataId.toString(QUuid::WithoutBraces)},
        {u"HasChanged"_s, QJsonValue::Null},
    };
}

QJsonObject optionJson(const OptionDef &o, const OptionSetDef &set)
{
    const bool managed = !set.isCustom;
    QJsonObject j{
        {u"Value"_s, o.value},
        {u"Color"_s, QJsonValue::Null},
        {u"IsManaged"_s, managed},
        {u"ExternalValue"_s, managed ? QJsonValue(u""_s) : QJsonValue(QJsonValue::Null)},
        {u"ParentValues"_s, QJsonArray()},
        {u"Tag"_s, QJsonValue::Null},
        {u"IsHidden"_s, false},
        {u"MetadataId"_s, QJsonValue::Null},
        {u"HasChanged"_s, QJsonValue::Null},
        {u"Label"_s, label(o.label, o.labelId, managed)},
        {u"Description"_s, emptyLabel()},
    };
    if (set.optionSetType == u"Status"_s) {
        j.insert(u"State"_s, o.state);
        j.insert(u"TransitionData"_s, QJsonValue::Null);
    } else if (set.optionSetType == u"State"_s) {
        j.insert(u"InvariantName"_s, o.label);
        j.insert(u"DefaultStatus"_s, QJsonValue::Null);
    }
    return j;
}

QJsonObject booleanOptionJson(int value, const QString &text, const QUuid &id, bool managed)
{
    return {{u"Value"_s, value},
            {u"Label"_s, label(text, id, managed)},
            {u"Description"_s, emptyLabel()},
            {u"Color"_s, QJsonValue::Null},
            {u"IsManaged"_s, managed},
            {u"MetadataId"_s, QJsonValue::Null},
            {u"HasChanged"_s, QJsonValue::Null}};
}

QJsonObject optionSetJson(const OptionSetDef &set)
{
    const bool managed = !set.isCustom;
    QJsonObject j{
        {u"Name"_s, set.name},
        {u"DisplayName"_s, label(set.displayName, set.labelId, managed)},
        {u"Description"_s, emptyLabel()},
        {u"IsGlobal"_s, set.isGlobal},
        {u"IsCustomOptionSet"_s, set.isCustom},
        {u"IsManaged"_s, managed},
        {u"OptionSetType"_s, set.optionSetType},
        {u"MetadataId"_s, set.metadataId.toString(QUuid::WithoutBraces)},
        {u"HasChanged"_s, QJsonValue::Null},
    };
    if (set.optionSetType == u"Boolean"_s) {
        j.insert(u"@odata.type"_s, u"#Microsoft.Dynamics.CRM.BooleanOptionSetMetadata"_s);
        j.insert(u"TrueOption"_s, booleanOptionJson(1, set.trueLabel, set.trueLabelId, managed));
        j.insert(u"FalseOption"_s, booleanOptionJson(0, set.falseLabel, set.falseLabelId, managed));
    } else {
        j.insert(u"@odata.type"_s, u"#Microsoft.Dynamics.CRM.OptionSetMetadata"_s);
        QJsonArray options;
        for (const OptionDef &o : set.options)
            options.append(optionJson(o, set));
        j.insert(u"Options"_s, options);
    }
    return j;
}

QJsonObject attributeJson(const TableDef &t, const AttributeDef &a, bool derived)
{
    const int column = t.attributeIndex.value(a.logicalName) + 1;
    QJsonObject j{
        {u"@odata.type"_s, QString(u"#"_s + Ns + a.metadataType())},
        {u"LogicalName"_s, a.logicalName},
        {u"SchemaName"_s, a.schemaName},
        {u"AttributeType"_s, a.attributeTypeCode()},
        {u"AttributeTypeName"_s, QJsonObject{{u"Value"_s, a.typeName}}},
        {u"DisplayName"_s, label(a.displayName, a.labelId, !a.isCustom)},
        {u"Description"_s, emptyLabel()},
        {u"RequiredLevel"_s, managedProperty(a.requiredLevel, a.requiredLevel != u"SystemRequired"_s,
                                             u"canmodifyrequirementlevelsettings"_s)},
        {u"IsValidForCreate"_s, a.validForCreate},
        {u"IsValidForUpdate"_s, a.validForUpdate},
        {u"IsValidForRead"_s, a.validForRead},
        {u"IsValidForForm"_s, a.attributeOf.isEmpty()},
        {u"IsRequiredForForm"_s, false},
        {u"AttributeOf"_s, nullable(a.attributeOf)},
        {u"IsPrimaryId"_s, a.isPrimaryId},
        {u"IsPrimaryName"_s, a.isPrimaryName},
        {u"IsCustomAttribute"_s, a.isCustom},
        {u"IsManaged"_s, !a.isCustom},
        {u"IsLogical"_s, false},
        {u"IsSecured"_s, false},
        {u"IsFilterable"_s, true},
        {u"IsSearchable"_s, true},
        {u"IsRetrievable"_s, true},
        {u"EntityLogicalName"_s, t.logicalName},
        {u"ColumnNumber"_s, column},
        {u"MetadataId"_s, a.metadataId.toString(QUuid::WithoutBraces)},
        {u"HasChanged"_s, QJsonValue::Null},
    };
    if (!derived)
        return j;
    const auto setRange = [&]() {
        j.insert(u"MinValue"_s, a.minValue ? QJsonValue(*a.minValue) : QJsonValue(QJsonValue::Null));
        j.insert(u"MaxValue"_s, a.maxValue ? QJsonValue(*a.maxValue) : QJsonValue(QJsonValue::Null));
    };
    switch (a.kind) {
    case ValueKind::String:
        j.insert(u"MaxLength"_s, a.maxLength);
        j.insert(u"DatabaseLength"_s, a.maxLength * 2);
        j.insert(u"Format"_s, a.formatName.isEmpty() ? u"Text"_s : a.formatName);
        j.insert(u"FormatName"_s,
                 QJsonObject{{u"Value"_s, a.formatName.isEmpty() ? u"Text"_s : a.formatName}});
        j.insert(u"ImeMode"_s, u"Auto"_s);
        if (a.typeName == u"StringType"_s) {
            j.insert(u"IsLocalizable"_s, false);
            j.insert(u"YomiOf"_s, QJsonValue::Null);
            j.insert(u"AutoNumberFormat"_s, a.autoNumber);
        }
        break;
    case ValueKind::Integer:
        setRange();
        j.insert(u"Format"_s, a.formatName.isEmpty() ? u"None"_s : a.formatName);
        break;
    case ValueKind::BigInt:
        if (a.minValue || a.maxValue)
            setRange();
        break;
    case ValueKind::Decimal:
    case ValueKind::Double:
        setRange();
        j.insert(u"Precision"_s, a.precision.value_or(2));
        j.insert(u"ImeMode"_s, u"Auto"_s);
        if (a.typeName == u"MoneyType"_s) {
            j.insert(u"PrecisionSource"_s, a.precisionSource.value_or(2));
            j.insert(u"CalculationOf"_s, QJsonValue::Null);
            j.insert(u"IsBaseCurrency"_s, !a.attributeOf.isEmpty());
        }
        break;
    case ValueKind::DateTime:
        j.insert(u"Format"_s, a.formatName.isEmpty() ? u"DateAndTime"_s : a.formatName);
        j.insert(u"DateTimeBehavior"_s, QJsonObject{{u"Value"_s, a.dateTimeBehavior}});
        j.insert(u"CanChangeDateTimeBehavior"_s, managedProperty(a.dateTimeBehavior == u"UserLocal"_s, false,
                                                                 u"canchangedatetimebehavior"_s));
        j.insert(u"MinSupportedValue"_s, u"1753-01-01T00:00:00Z"_s);
        j.insert(u"MaxSupportedValue"_s, u"9999-12-30T23:59:59Z"_s);
        j.insert(u"ImeMode"_s, u"Auto"_s);
        break;
    case ValueKind::Choice:
    case ValueKind::MultiChoice:
        j.insert(u"DefaultFormValue"_s, a.defaultNumber ? QJsonValue(*a.defaultNumber) : QJsonValue(-1));
        break;
    case ValueKind::Boolean:
        j.insert(u"DefaultValue"_s, a.defaultBool.value_or(false));
        break;
    case ValueKind::Lookup:
        j.insert(u"Targets"_s, QJsonArray::fromStringList(a.targets));
        j.insert(u"Format"_s, QJsonValue::Null);
        break;
    case ValueKind::Image:
        j.insert(u"MaxHeight"_s, 144);
        j.insert(u"MaxWidth"_s, 144);
        j.insert(u"IsPrimaryImage"_s, true);
        break;
    case ValueKind::Guid:
    case ValueKind::EntityName:
        break;
    }
    return j;
}

QJsonObject keyJson(const TableDef &t, const KeyDef &k, KeyIndexStatus status)
{
    return {{u"SchemaName"_s, k.schemaName},
            {u"LogicalName"_s, k.logicalName},
            {u"DisplayName"_s, label(k.displayName, k.labelId, false)},
            {u"KeyAttributes"_s, QJsonArray::fromStringList(k.keyAttributes)},
            {u"EntityKeyIndexStatus"_s, keyIndexStatusName(status)},
            {u"EntityLogicalName"_s, t.logicalName},
            {u"IsManaged"_s, false},
            {u"IsSynchronous"_s, true},
            {u"MetadataId"_s, k.metadataId.toString(QUuid::WithoutBraces)},
            {u"HasChanged"_s, QJsonValue::Null}};
}

QJsonObject relationshipJson(const OrgDefinition &def, const RelationshipDef &r)
{
    const TableDef *referencing = def.tableByLogicalName(r.referencingEntity);
    return {{u"SchemaName"_s, r.schemaName},
            {u"RelationshipType"_s, u"OneToManyRelationship"_s},
            {u"ReferencedEntity"_s, r.referencedEntity},
            {u"ReferencedAttribute"_s, r.referencedAttribute},
            {u"ReferencingEntity"_s, r.referencingEntity},
            {u"ReferencingAttribute"_s, r.referencingAttribute},
            {u"ReferencingEntityNavigationPropertyName"_s, r.navigationProperty},
            {u"ReferencedEntityNavigationPropertyName"_s, r.schemaName},
            {u"IsCustomRelationship"_s, referencing && referencing->isCustom},
            {u"IsManaged"_s, !(referencing && referencing->isCustom)},
            {u"IsValidForAdvancedFind"_s, true},
            {u"IsHierarchical"_s, false},
            {u"SecurityTypes"_s, u"Append"_s},
            {u"MetadataId"_s, r.metadataId.toString(QUuid::WithoutBraces)},
            {u"HasChanged"_s, QJsonValue::Null}};
}

// Keeps the selected properties plus MetadataId (and @odata.type when keepType). Unknown names -> 400.
std::optional<HttpResponse> applySelect(QJsonObject &obj, const QStringList &select,
                                        const QSet<QString> &allowed, const QString &typeName, bool keepType)
{
    if (!keepType)
        obj.remove(u"@odata.type"_s);
    if (select.isEmpty())
        return std::nullopt;
    for (const QString &name : select) {
        if (!allowed.contains(name))
            return propertyNotFound(name, Ns + typeName);
    }
    QJsonObject cut;
    for (auto it = obj.constBegin(); it != obj.constEnd(); ++it) {
        if (select.contains(it.key()) || it.key() == u"MetadataId"_s ||
            (keepType && it.key() == u"@odata.type"_s))
            cut.insert(it.key(), it.value());
    }
    obj = cut;
    return std::nullopt;
}

QSet<QString> keysOf(const QJsonObject &o)
{
    QSet<QString> s;
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        s.insert(it.key());
    return s;
}

QJsonValue valueAtPath(const QJsonObject &obj, const QString &path, bool *found)
{
    QJsonValue v = obj;
    for (const QString &part : path.split(u'/')) {
        if (!v.isObject() || !v.toObject().contains(part)) {
            *found = false;
            return {};
        }
        v = v.toObject().value(part);
    }
    *found = true;
    return v;
}

// Evaluates a parsed $filter against a rendered metadata object.
std::optional<HttpResponse> matches(const QJsonObject &obj, const QList<FilterTerm> &terms,
                                    const QString &typeName, bool *result)
{
    *result = true;
    for (const FilterTerm &t : terms) {
        if (t.op != FilterTerm::Op::Eq && t.op != FilterTerm::Op::Ne)
            return badRequest(
                u"The sandbox filters metadata with 'eq' and 'ne' only ('%1')."_s.arg(t.property));
        bool found = false;
        const QJsonValue v = valueAtPath(obj, t.property, &found);
        if (!found)
            return propertyNotFound(t.property.section(u'/', 0, 0), Ns + typeName);
        bool eq = false;
        switch (t.value.kind) {
        case ODataLiteral::Kind::Null:
            eq = v.isNull();
            break;
        case ODataLiteral::Kind::Boolean:
            eq = v.isBool() && v.toBool() == t.value.boolean;
            break;
        case ODataLiteral::Kind::Number:
            eq = v.isDouble() && v.toDouble() == t.value.number;
            break;
        default:
            eq = v.isString() && v.toString() == t.value.text;
            break;
        }
        if (eq == t.negate) {
            *result = false;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

QString selectSuffix(const QStringList &select, const QList<ExpandItem> &expand)
{
    QStringList items = select;
    for (const ExpandItem &e : expand)
        items.append(e.name + u'(' + e.select.join(u',') + u')');
    return items.isEmpty() ? QString() : u'(' + items.join(u',') + u')';
}

const QStringList entityNavigations = {u"Attributes"_s, u"Keys"_s, u"ManyToOneRelationships"_s,
                                       u"OneToManyRelationships"_s, u"ManyToManyRelationships"_s};

} // namespace

MetadataApi::MetadataApi(const OrgDefinition &definition)
    : m_definition(definition)
{}

KeyIndexStatus MetadataApi::keyStatus(const TableDef &table, int keyIndex) const
{
    return m_keyStatus ? m_keyStatus(table, keyIndex) : table.keys[keyIndex].initialStatus;
}

HttpResponse MetadataApi::entityDefinitions(const HttpRequest &request, const ServiceContext &context,
                                            const QList<PathSegment> &segments)
{
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed(request.method, "GET");
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    QList<ExpandItem> expand;
    if (request.hasQuery(u"$expand")) {
        const auto parsed = parseExpand(request.queryValue(u"$expand"));
        if (!parsed)
            return badRequest(u"Syntax error in $expand: unbalanced parentheses."_s);
        expand = *parsed;
    }
    QList<FilterTerm> filter;
    if (request.hasQuery(u"$filter")) {
        QString error;
        const auto parsed = parseFilter(request.queryValue(u"$filter"), &error);
        if (!parsed)
            return badRequest(error);
        filter = *parsed;
    }

    // Attributes/Keys/relationships of one table, as objects; used by $expand and by the nested paths.
    const auto relationshipsOf = [&](const TableDef &t, bool manyToOne) {
        QList<QJsonObject> out;
        if (manyToOne) {
            for (const RelationshipDef &r : t.manyToOne)
                out.append(relationshipJson(m_definition, r));
        } else {
            for (const TableDef &other : m_definition.tables())
                for (const RelationshipDef &r : other.manyToOne)
                    if (r.referencedEntity == t.logicalName)
                        out.append(relationshipJson(m_definition, r));
        }
        return out;
    };
    const QSet<QString> baseAttributeProps = keysOf(attributeJson(
        m_definition.tables().front(), m_definition.tables().front().attributes.front(), false));

    // Renders a collection of objects with select/filter; keepType for polymorphic attribute collections.
    const auto renderCollection = [&](const QList<QJsonObject> &items, const QStringList &sel,
                                      const QList<FilterTerm> &flt, const QSet<QString> &allowed,
                                      const QString &typeName, bool keepType,
                                      QJsonArray *out) -> std::optional<HttpResponse> {
        for (QJsonObject item : items) {
            bool ok = true;
            if (auto err = matches(item, flt, typeName, &ok))
                return err;
            if (!ok)
                continue;
            if (auto err = applySelect(item, sel, allowed, typeName, keepType))
                return err;
            out->append(item);
        }
        return std::nullopt;
    };

    // Expands navigation properties of one table into `obj`.
    const auto expandTable = [&](const TableDef &t, QJsonObject &obj) -> std::optional<HttpResponse> {
        for (const ExpandItem &e : std::as_const(expand)) {
            QList<FilterTerm> flt;
            if (!e.filter.isEmpty()) {
                QString error;
                const auto parsed = parseFilter(e.filter, &error);
                if (!parsed)
                    return badRequest(error);
                flt = *parsed;
            }
            QJsonArray arr;
            if (e.name == u"Attributes"_s) {
                QList<QJsonObject> items;
                for (const AttributeDef &a : t.attributes)
                    items.append(attributeJson(t, a, false));
                if (auto err = renderCollection(items, e.select, flt, baseAttributeProps,
                                                u"AttributeMetadata"_s, true, &arr))
                    return err;
            } else if (e.name == u"Keys"_s) {
                QList<QJsonObject> items;
                for (int k = 0; k < t.keys.size(); ++k)
                    items.append(keyJson(t, t.keys[k], keyStatus(t, k)));
                const QSet<QString> allowed = items.isEmpty() ? QSet<QString>() : keysOf(items.first());
                if (auto err =
                        renderCollection(items, e.select, flt, allowed, u"EntityKeyMetadata"_s, false, &arr))
                    return err;
            } else if (e.name == u"ManyToOneRelationships"_s || e.name == u"OneToManyRelationships"_s) {
                const QList<QJsonObject> items = relationshipsOf(t, e.name == u"ManyToOneRelationships"_s);
                const QSet<QString> allowed = keysOf(relationshipJson(m_definition, RelationshipDef()));
                if (auto err = renderCollection(items, e.select, flt, allowed,
                                                u"OneToManyRelationshipMetadata"_s, false, &arr))
                    return err;
            } else if (e.name == u"ManyToManyRelationships"_s) {
                // No N:N relationships are modelled yet.
            } else {
                return propertyNotFound(e.name, Ns + u"EntityMetadata"_s);
            }
            obj.insert(e.name, arr);
        }
        return std::nullopt;
    };

    const QSet<QString> tableProps = [&] {
        QSet<QString> s = keysOf(tableJson(m_definition.tables().front()));
        for (const QString &n : entityNavigations)
            s.insert(n);
        return s;
    }();
    for (const QString &s : select) {
        if (entityNavigations.contains(s))
            return badRequest(u"'%1' is a navigation property; use $expand=%1 instead of $select."_s.arg(s));
    }

    const PathSegment &first = segments.first();
    if (!first.hasKey) {
        if (segments.size() > 1)
            return resourceNotFound(segments.at(1).name);
        QJsonArray value;
        for (const TableDef &t : m_definition.tables()) {
            QJsonObject obj = tableJson(t);
            bool ok = true;
            if (auto err = matches(obj, filter, u"EntityMetadata"_s, &ok))
                return *err;
            if (!ok)
                continue;
            if (auto err = applySelect(obj, select, tableProps, u"EntityMetadata"_s, false))
                return *err;
            if (auto err = expandTable(t, obj))
                return *err;
            value.append(obj);
        }
        return jsonResponse(200, QJsonObject{{u"@odata.context"_s,
                                              QString(context.serviceRoot + u"$metadata#EntityDefinitions"_s +
                                                      selectSuffix(select, expand))},
                                             {u"value"_s, value}});
    }

    // A single table: EntityDefinitions(LogicalName='x') or EntityDefinitions(<MetadataId>).
    QString keyError;
    const auto key = parseKey(first.keyText, &keyError);
    if (!key)
        return badRequest(keyError);
    const TableDef *table = nullptr;
    if (key->size() == 1 && key->first().name == u"LogicalName"_s &&
        key->first().value.kind == ODataLiteral::Kind::String) {
        table = m_definition.tableByLogicalName(key->first().value.text);
    } else if (key->size() == 1 && (key->first().name.isEmpty() || key->first().name == u"MetadataId"_s) &&
               key->first().value.kind == ODataLiteral::Kind::Guid) {
        for (const TableDef &t : m_definition.tables())
            if (t.metadataId == QUuid::fromString(key->first().value.text))
                table = &t;
    } else {
        return badRequest(u"The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM."
                          u"EntityMetadata'. Use EntityDefinitions(LogicalName='<name>') or "
                          u"EntityDefinitions(<MetadataId>)."_s);
    }
    if (!table)
        return errorResponse(404, u"0x80040217"_s,
                             u"Could not find an entity with the specified key: %1."_s.arg(first.keyText));
    const QString entityPrefix =
        context.serviceRoot + u"$metadata#EntityDefinitions("_s + first.keyText + u")/"_s;

    if (segments.size() == 1) {
        QJsonObject obj = tableJson(*table);
        if (auto err = applySelect(obj, select, tableProps, u"EntityMetadata"_s, false))
            return *err;
        if (auto err = expandTable(*table, obj))
            return *err;
        obj.insert(u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#EntityDefinitions"_s +
                                                selectSuffix(select, expand) + u"/$entity"_s));
        return jsonResponse(200, obj);
    }

    const PathSegment &nav = segments.at(1);
    if (nav.name == u"Attributes"_s) {
        // Optional cast segment: .../Attributes[/(key)]/Microsoft.Dynamics.CRM.<X>AttributeMetadata
        QString cast;
        if (segments.size() > 3)
            return resourceNotFound(segments.at(3).name);
        if (segments.size() == 3) {
            cast = segments.at(2).name;
            if (!cast.startsWith(Ns) || !cast.endsWith(u"AttributeMetadata"_s) || segments.at(2).hasKey)
                return resourceNotFound(cast);
            cast = cast.mid(Ns.size());
            if (cast == u"EnumAttributeMetadata"_s || cast == u"AttributeMetadata"_s)
                return badRequest(
                    u"The type '%1' cannot be used in a cast segment; cast to a concrete type such "
                    u"as PicklistAttributeMetadata."_s.arg(Ns + cast));
        }
        const QString typeName = cast.isEmpty() ? u"AttributeMetadata"_s : cast;
        QSet<QString> allowed = baseAttributeProps;
        bool castKnown = cast.isEmpty();
        for (const AttributeDef &a : table->attributes) {
            if (!cast.isEmpty() && a.metadataType() == cast) {
                allowed.unite(keysOf(attributeJson(*table, a, true)));
                castKnown = true;
            }
        }
        if (!castKnown) {
            for (const TableDef &t : m_definition.tables())
                for (const AttributeDef &a : t.attributes)
                    if (a.metadataType() == cast)
                        castKnown = true;
            if (!castKnown)
                return resourceNotFound(Ns + cast);
        }
        const bool hasOptions = cast == u"PicklistAttributeMetadata"_s ||
                                cast == u"StateAttributeMetadata"_s || cast == u"StatusAttributeMetadata"_s ||
                                cast == u"BooleanAttributeMetadata"_s ||
                                cast == u"MultiSelectPicklistAttributeMetadata"_s;
        for (const ExpandItem &e : std::as_const(expand)) {
            if (!hasOptions || (e.name != u"OptionSet"_s && e.name != u"GlobalOptionSet"_s))
                return propertyNotFound(e.name, Ns + typeName);
        }
        const auto render = [&](const AttributeDef &a) -> std::variant<QJsonObject, HttpResponse> {
            QJsonObject obj = attributeJson(*table, a, !cast.isEmpty());
            if (auto err = applySelect(obj, select, allowed, typeName, cast.isEmpty()))
                return *err;
            for (const ExpandItem &e : std::as_const(expand)) {
                const OptionSetDef *set =
                    e.name == u"OptionSet"_s ? a.optionSet.data() : a.globalOptionSet.data();
                if (e.name == u"OptionSet"_s && !set)
                    set = a.globalOptionSet.data(); // a global choice's OptionSet is the global set
                if (!set) {
                    obj.insert(e.name, QJsonValue::Null);
                    continue;
                }
                QJsonObject os = optionSetJson(*set);
                if (e.hasSelect) {
                    if (auto err = applySelect(os, e.select, keysOf(os), u"OptionSetMetadataBase"_s, false))
                        return *err;
                }
                obj.insert(e.name, os);
            }
            return obj;
        };

        if (nav.hasKey) {
            QString keyErr;
            const auto akey = parseKey(nav.keyText, &keyErr);
            if (!akey)
                return badRequest(keyErr);
            const AttributeDef *attr = nullptr;
            const KeyPart &kp = akey->first();
            if (kp.name == u"LogicalName"_s && kp.value.kind == ODataLiteral::Kind::String)
                attr = table->attribute(kp.value.text);
            else if (kp.value.kind == ODataLiteral::Kind::Guid)
                for (const AttributeDef &a : table->attributes)
                    if (a.metadataId == QUuid::fromString(kp.value.text))
                        attr = &a;
            if (!attr)
                return errorResponse(
                    404, u"0x80040217"_s,
                    u"Could not find an attribute with the specified key: %1 on entity %2."_s.arg(
                        nav.keyText, table->logicalName));
            if (!cast.isEmpty() && attr->metadataType() != cast)
                return resourceNotFound(Ns + cast);
            auto rendered = render(*attr);
            if (auto *err = std::get_if<HttpResponse>(&rendered))
                return *err;
            QJsonObject obj = std::get<QJsonObject>(rendered);
            obj.insert(u"@odata.context"_s, QString(entityPrefix + u"Attributes"_s +
                                                    (cast.isEmpty() ? QString() : u'/' + Ns + cast) +
                                                    selectSuffix(select, expand) + u"/$entity"_s));
            return jsonResponse(200, obj);
        }
        QJsonArray value;
        for (const AttributeDef &a : table->attributes) {
            if (!cast.isEmpty() && a.metadataType() != cast)
                continue;
            QJsonObject full = attributeJson(*table, a, !cast.isEmpty());
            bool ok = true;
            if (auto err = matches(full, filter, typeName, &ok))
                return *err;
            if (!ok)
                continue;
            auto rendered = render(a);
            if (auto *err = std::get_if<HttpResponse>(&rendered))
                return *err;
            value.append(std::get<QJsonObject>(rendered));
        }
        return jsonResponse(
            200, QJsonObject{{u"@odata.context"_s, QString(entityPrefix + u"Attributes"_s +
                                                           (cast.isEmpty() ? QString() : u'/' + Ns + cast) +
                                                           selectSuffix(select, expand))},
                             {u"value"_s, value}});
    }

    if (segments.size() > 2)
        return resourceNotFound(segments.at(2).name);
    QList<QJsonObject> items;
    QString typeName;
    if (nav.name == u"Keys"_s) {
        for (int k = 0; k < table->keys.size(); ++k)
            items.append(keyJson(*table, table->keys[k], keyStatus(*table, k)));
        typeName = u"EntityKeyMetadata"_s;
    } else if (nav.name == u"ManyToOneRelationships"_s || nav.name == u"OneToManyRelationships"_s) {
        items = relationshipsOf(*table, nav.name == u"ManyToOneRelationships"_s);
        typeName = u"OneToManyRelationshipMetadata"_s;
    } else if (nav.name == u"ManyToManyRelationships"_s) {
        typeName = u"ManyToManyRelationshipMetadata"_s;
    } else {
        return resourceNotFound(nav.name);
    }
    const QSet<QString> allowed = typeName == u"EntityKeyMetadata"_s
                                      ? keysOf(keyJson(*table, KeyDef(), KeyIndexStatus::Active))
                                      : keysOf(relationshipJson(m_definition, RelationshipDef()));
    if (nav.hasKey)
        return errorResponse(501, u"0x0"_s,
                             u"The sandbox does not address single %1 items yet."_s.arg(nav.name));
    QJsonArray value;
    if (auto err = renderCollection(items, select, filter, allowed, typeName, false, &value))
        return *err;
    return jsonResponse(
        200, QJsonObject{{u"@odata.context"_s, QString(entityPrefix + nav.name + selectSuffix(select, {}))},
                         {u"value"_s, value}});
}

HttpResponse MetadataApi::globalOptionSets(const HttpRequest &request, const ServiceContext &context,
                                           const QList<PathSegment> &segments)
{
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed(request.method, "GET");
    if (segments.size() > 1)
        return resourceNotFound(segments.at(1).name);
    if (request.hasQuery(u"$filter"))
        return badRequest(
            u"The query parameter '$filter' is not supported for GlobalOptionSetDefinitions."_s);
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    const PathSegment &first = segments.first();
    const QSet<QString> allowed = [] {
        OptionSetDef probe;
        QSet<QString> s = keysOf(optionSetJson(probe));
        s.insert(u"Options"_s);
        s.insert(u"TrueOption"_s);
        s.insert(u"FalseOption"_s);
        return s;
    }();
    if (!first.hasKey) {
        QJsonArray value;
        for (const auto &set : m_definition.globalOptionSets()) {
            QJsonObject obj = optionSetJson(*set);
            if (auto err = applySelect(obj, select, allowed, u"OptionSetMetadataBase"_s, true))
                return *err;
            value.append(obj);
        }
        return jsonResponse(
            200, QJsonObject{{u"@odata.context"_s,
                              QString(context.serviceRoot + u"$metadata#GlobalOptionSetDefinitions"_s +
                                      selectSuffix(select, {}))},
                             {u"value"_s, value}});
    }
    QString err;
    const auto key = parseKey(first.keyText, &err);
    if (!key)
        return badRequest(err);
    const OptionSetDef *found = nullptr;
    const KeyPart &kp = key->first();
    for (const auto &set : m_definition.globalOptionSets()) {
        if ((kp.name == u"Name"_s && set->name == kp.value.text) ||
            (kp.value.kind == ODataLiteral::Kind::Guid &&
             set->metadataId == QUuid::fromString(kp.value.text)))
            found = set.data();
    }
    if (!found)
        return errorResponse(404, u"0x80040217"_s,
                             u"Could not find optionset with the specified key: %1."_s.arg(first.keyText));
    QJsonObject obj = optionSetJson(*found);
    if (auto e = applySelect(obj, select, allowed, u"OptionSetMetadataBase"_s, true))
        return *e;
    obj.insert(u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#GlobalOptionSetDefinitions"_s +
                                            selectSuffix(select, {}) + u"/$entity"_s));
    return jsonResponse(200, obj);
}

} // namespace d365::sandbox
