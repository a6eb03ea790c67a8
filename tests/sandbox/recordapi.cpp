#include "recordapi.h"

#include "rowfilter.h"
#include "security.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <limits>

Q_LOGGING_CATEGORY(lcRecords, "d365.sandbox.recordapi")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

constexpr int MaxPageSize = 5000;
const QString FormattedValue = u"OData.Community.Display.V1.FormattedValue"_s;
const QString LookupLogicalName = u"Microsoft.Dynamics.CRM.lookuplogicalname"_s;
const QString AssociatedNavigation = u"Microsoft.Dynamics.CRM.associatednavigationproperty"_s;

QString literalText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isBool())
        return v.toBool() ? u"True"_s : u"False"_s;
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    return u"null"_s;
}

QString nowUtc()
{
    // Second resolution, so one formatted string serves a whole bulk message (formatting every row's
    // createdon/modifiedon was 6% of a 1,000-row create).
    static qint64 cachedSecond = -1;
    static QString cached;
    const qint64 second = QDateTime::currentSecsSinceEpoch();
    if (second != cachedSecond) {
        cached = QDateTime::fromSecsSinceEpoch(second, Qt::UTC).toString(Qt::ISODate);
        cachedSecond = second;
    }
    return cached;
}

QString numberText(double d)
{
    if (std::floor(d) == d && std::fabs(d) < 1e15)
        return QString::number(qint64(d));
    return QString::number(d, 'g', 17);
}

// "yyyy-MM-dd" or ISO 8601 date-time with optional fraction and offset; no offset means UTC.
std::optional<QDateTime> parseIsoDateTime(const QString &text)
{
    static const QRegularExpression re(
        u"^(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,7}))?)?(Z|[+-]\\d{2}:\\d{2})?)?$"_s);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
    if (!date.isValid())
        return std::nullopt;
    QTime time(0, 0);
    if (m.capturedLength(4) > 0) {
        const QString fraction = m.captured(7).left(3).leftJustified(3, u'0');
        time = QTime(m.captured(4).toInt(), m.captured(5).toInt(), m.captured(6).toInt(),
                     m.capturedLength(7) > 0 ? fraction.toInt() : 0);
        if (!time.isValid())
            return std::nullopt;
    }
    int offsetSeconds = 0;
    const QString zone = m.captured(8);
    if (!zone.isEmpty() && zone != u"Z"_s) {
        const int sign = zone.startsWith(u'-') ? -1 : 1;
        offsetSeconds = sign * (zone.mid(1, 2).toInt() * 3600 + zone.mid(4, 2).toInt() * 60);
    }
    QDateTime dt(date, time, Qt::UTC);
    return dt.addSecs(-offsetSeconds);
}

QString formatNumber(double value, int decimals)
{
    static const QLocale en(QLocale::English, QLocale::UnitedStates);
    return en.toString(value, 'f', decimals);
}

struct SkipToken
{
    int page = 1;
    quint64 after = 0;
};

std::optional<SkipToken> parseSkipToken(const QString &token)
{
    static const QRegularExpression re(u"pagenumber=\"(\\d+)\"[^>]*pagingcookie=\"(\\d+)\""_s);
    const auto m = re.match(token);
    if (!m.hasMatch())
        return std::nullopt;
    return SkipToken{m.captured(1).toInt(), m.captured(2).toULongLong()};
}

} // namespace

QString etagFor(const Row &row)
{
    return u"W/\""_s + QString::number(row.version()) + u'"';
}

RecordApi::RecordApi(OrgStore &store)
    : m_store(store)
{}

HttpResponse RecordApi::handle(const HttpRequest &request, const ServiceContext &context,
                               const TableDef &table, const QList<PathSegment> &segments)
{
    const PathSegment &set = segments.first();
    if (segments.size() == 2 && !set.hasKey) {
        static const QStringList bulkMessages = {u"Microsoft.Dynamics.CRM.CreateMultiple"_s,
                                                 u"Microsoft.Dynamics.CRM.UpdateMultiple"_s,
                                                 u"Microsoft.Dynamics.CRM.UpsertMultiple"_s};
        const QString &name = segments.at(1).name;
        if (bulkMessages.contains(name) && !segments.at(1).hasKey) {
            if (request.method != "POST")
                return noHttpResource(context); // actions answer only POST (like functions only GET)
            return bulk(request, context, table, name.mid(23));
        }
    }
    if (segments.size() > 1) {
        if (set.hasKey) {
            // Reading a property, a reference or related rows needs Read on this table; their writes go
            // through upsertRow, which checks Write (and resolveBind Append/AppendTo).
            if (request.method == "GET" || request.method == "HEAD") {
                if (auto denied = checkAccess(context, table, Access::Read))
                    return *denied;
            }
            return related(request, context, table, segments); // propertyapi.cpp
        }
        return resourceNotFound(segments.at(1).name);
    }
    const QByteArray &m = request.method;
    if (context.stats && (set.hasKey || m == "POST"))
        ++context.stats->recordOperations;
    // Privileges (security.h): reads and deletes here; creates and upserts in createRow/upsertRow, which the
    // bulk messages share.
    if (m == "GET" || m == "HEAD" || m == "DELETE") {
        if (auto denied = checkAccess(context, table, m == "DELETE" ? Access::Delete : Access::Read))
            return *denied;
    }
    if (!set.hasKey) {
        if (m == "GET" || m == "HEAD")
            return list(request, context, table);
        if (m == "POST")
            return create(request, context, table);
        return methodNotAllowed(m, "GET, POST");
    }
    if (m == "GET" || m == "HEAD")
        return retrieve(request, context, table, set.keyText);
    if (m == "PATCH")
        return upsert(request, context, table, set.keyText);
    if (m == "DELETE")
        return remove(request, table, set.keyText);
    return methodNotAllowed(m, "GET, PATCH, DELETE");
}

// ---- keys
// -------------------------------------------------------------------------------------------------------

std::optional<HttpResponse> RecordApi::resolveKey(const TableDef &table, const QString &keyText,
                                                  ResolvedKey *key)
{
    // Built only when needed: resolveKey runs once per bulk target, and an error response is not cheap.
    const auto invalidKey = [&table](const QString &why = QString()) {
        return badRequest(
            u"The key in the request URI is not valid for resource '%1'. Ensure that the names and number of "
            u"key "
            u"properties match the declared or alternate key properties for the resource '%1'."_s.arg(
                table.typeName()) +
            why);
    };
    QString error;
    const auto parts = parseKey(keyText, &error);
    if (!parts)
        return badRequest(error);
    const auto primaryForm = [&](const ODataLiteral &lit) -> std::optional<HttpResponse> {
        if (lit.kind != ODataLiteral::Kind::Guid)
            return invalidKey();
        key->primary = true;
        key->id = QUuid::fromString(lit.text);
        key->urlForm = table.entitySetName + u'(' + lit.text + u')';
        key->found = m_store.find(table, key->id) != nullptr;
        return std::nullopt;
    };
    if (parts->size() == 1 && parts->first().name.isEmpty())
        return primaryForm(parts->first().value);
    if (parts->size() == 1 && parts->first().name == table.primaryIdAttribute)
        return primaryForm(parts->first().value);

    // Alternate key: the named columns must be exactly one defined key's columns (order free).
    QStringList names;
    for (const KeyPart &p : *parts) {
        QString name = p.name;
        if (name.startsWith(u'_') && name.endsWith(u"_value"_s))
            name = name.mid(1, name.size() - 7);
        names.append(name);
    }
    int keyIndex = -1;
    for (int k = 0; k < table.keys.size(); ++k) {
        QStringList a = table.keys[k].keyAttributes;
        QStringList b = names;
        a.sort();
        b.sort();
        if (a == b) {
            keyIndex = k;
            break;
        }
    }
    if (keyIndex < 0)
        return invalidKey();
    // A key whose index is not built yet (or failed) is not a key the service can address rows by: like an
    // undefined key it is refused (FACTS §3 leaves the answer UNCONFIRMED; this is our choice), and the
    // message says why and what to do.
    if (const KeyIndexStatus status = m_store.keyStatus(table, keyIndex); status != KeyIndexStatus::Active) {
        return invalidKey(u" The alternate key '%1' of '%2' has EntityKeyIndexStatus %3: %4"_s.arg(
            table.keys[keyIndex].schemaName, table.logicalName, keyIndexStatusName(status),
            status == KeyIndexStatus::Failed
                ? u"its index could not be built (rows share key values); fix the rows, then reactivate the key."_s
                : u"its index is still being built; use the key once it is Active."_s));
    }
    key->primary = false;
    key->keyIndex = keyIndex;
    QStringList urlParts;
    QList<QPair<QString, QString>> canonical; // a QHash allocates a whole span per call
    for (qsizetype i = 0; i < parts->size(); ++i) {
        const AttributeDef *a = table.attribute(names[i]);
        const ODataLiteral &lit = parts->at(i).value;
        QJsonValue value;
        switch (a->kind) {
        case ValueKind::String:
            if (lit.kind != ODataLiteral::Kind::String)
                return invalidKey();
            value = lit.text;
            break;
        case ValueKind::Integer:
        case ValueKind::BigInt:
        case ValueKind::Decimal:
        case ValueKind::Double:
        case ValueKind::Choice:
            if (lit.kind != ODataLiteral::Kind::Number)
                return invalidKey();
            value = lit.number;
            break;
        case ValueKind::Lookup:
        case ValueKind::Guid:
            if (lit.kind != ODataLiteral::Kind::Guid)
                return invalidKey();
            value = lit.text;
            break;
        case ValueKind::DateTime:
            if (lit.kind != ODataLiteral::Kind::String && lit.kind != ODataLiteral::Kind::Number)
                return invalidKey();
            value = lit.text;
            break;
        default:
            return invalidKey();
        }
        key->values.append({a, value});
        canonical.append({a->logicalName, OrgStore::canonicalKeyValue(*a, value)});
        urlParts.append(parts->at(i).name + u'=' + lit.toUrlForm());
    }
    QStringList ordered;
    for (const QString &name : table.keys[keyIndex].keyAttributes) {
        for (const auto &[column, value] : std::as_const(canonical)) {
            if (column == name)
                ordered.append(value);
        }
    }
    key->urlForm = table.entitySetName + u'(' + urlParts.join(u',') + u')';
    key->canonicalParts = ordered;
    if (const auto id = m_store.findByKey(table, keyIndex, ordered)) {
        key->found = true;
        key->id = *id;
    }
    return std::nullopt;
}

HttpResponse RecordApi::notFound(const TableDef &table, const ResolvedKey &key) const
{
    if (key.primary)
        return errorResponse(404, u"0x80040217"_s,
                             u"%1 With Id = %2 Does Not Exist"_s.arg(table.logicalName,
                                                                     key.id.toString(QUuid::WithoutBraces)));
    return errorResponse(
        404, u"0x80040217"_s,
        u"A record with the specified key values does not exist in %1 entity"_s.arg(table.logicalName));
}

// ---- validation
// -------------------------------------------------------------------------------------------------

std::optional<HttpResponse> RecordApi::parseBody(const HttpRequest &request, const TableDef &table,
                                                 QJsonObject *body)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &err);
    if (request.body.trimmed().isEmpty() || doc.isNull() || !doc.isObject())
        return payloadError(
            table.entitySetName,
            u"Microsoft.OData.ODataException: The request body is not a JSON object (%1)."_s.arg(
                request.body.trimmed().isEmpty() ? u"empty body"_s : err.errorString()));
    *body = doc.object();
    return std::nullopt;
}

std::optional<HttpResponse> RecordApi::validateValue(const TableDef &table, const AttributeDef &a,
                                                     const QJsonValue &value, QJsonValue *normalized)
{
    const auto conversion = [&]() {
        return payloadError(
            table.entitySetName,
            u"Microsoft.OData.ODataException: Cannot convert the literal '%1' to the expected type "
            u"'%2'."_s.arg(literalText(value), edmTypeName(a)));
    };
    const auto outOfRange = [&](const QString &valueText) {
        return errorResponse(
            400, u"0x80040203"_s,
            u"A validation error occurred. The value %1 of '%2' on record of type '%3' is outside "
            u"the valid range. Accepted range: %4 to %5"_s.arg(
                valueText, a.logicalName, table.logicalName,
                numberText(a.minValue.value_or(-std::numeric_limits<double>::max())),
                numberText(a.maxValue.value_or(std::numeric_limits<double>::max()))));
    };
    const auto choiceOutOfRange = [&](const QString &valueText) {
        QStringList accepted;
        if (const OptionSetDef *set = a.options()) {
            for (const OptionDef &o : set->options)
                accepted.append(QString::number(o.value));
        }
        return errorResponse(
            400, u"0x8004431A"_s,
            u"A validation error occurred. The value %1 of '%2' on record of type '%3' is outside "
            u"the valid range. Accepted Values: %4"_s.arg(valueText, a.logicalName, table.logicalName,
                                                          accepted.join(u',')));
    };

    if (value.isNull()) {
        *normalized = QJsonValue::Null;
        return std::nullopt;
    }
    switch (a.kind) {
    case ValueKind::String:
    case ValueKind::EntityName:
    case ValueKind::Image: {
        if (!value.isString())
            return conversion();
        const QString s = value.toString();
        if (a.maxLength > 0 && s.size() > a.maxLength)
            return errorResponse(
                400, u"0x80044331"_s,
                u"A validation error occurred.  The length of the '%1' attribute of the '%2' entity "
                u"exceeded the maximum allowed length of '%3'."_s.arg(a.logicalName, table.logicalName)
                    .arg(a.maxLength));
        *normalized = value; // shares the parsed string; a QJsonValue built from `s` would allocate again
        return std::nullopt;
    }
    case ValueKind::Integer:
    case ValueKind::BigInt: {
        if (!value.isDouble())
            return conversion();
        const double d = value.toDouble();
        const double limit = a.kind == ValueKind::Integer ? 2147483647.0 : 9007199254740992.0;
        if (std::floor(d) != d || d > limit || d < -limit - 1)
            return conversion();
        if ((a.minValue && d < *a.minValue) || (a.maxValue && d > *a.maxValue))
            return outOfRange(numberText(d));
        *normalized = d;
        return std::nullopt;
    }
    case ValueKind::Decimal:
    case ValueKind::Double: {
        if (!value.isDouble())
            return conversion();
        double d = value.toDouble();
        if ((a.minValue && d < *a.minValue) || (a.maxValue && d > *a.maxValue))
            return outOfRange(numberText(d));
        if (a.precision && a.kind == ValueKind::Decimal) {
            const double scale = std::pow(10.0, *a.precision);
            d = std::round(d * scale) / scale;
        }
        *normalized = d;
        return std::nullopt;
    }
    case ValueKind::Boolean:
        if (!value.isBool())
            return conversion();
        *normalized = value.toBool();
        return std::nullopt;
    case ValueKind::Choice: {
        if (!value.isDouble() || std::floor(value.toDouble()) != value.toDouble())
            return conversion();
        const int v = int(value.toDouble());
        const OptionSetDef *set = a.options();
        if (!set || !set->option(v))
            return choiceOutOfRange(QString::number(v));
        *normalized = v;
        return std::nullopt;
    }
    case ValueKind::MultiChoice: {
        if (!value.isString())
            return conversion();
        const QString s = value.toString();
        QStringList values;
        for (QStringView part : QStringView(s).split(u',', Qt::SkipEmptyParts)) {
            bool ok = false;
            const int v = part.trimmed().toInt(&ok);
            if (!ok)
                return conversion();
            if (!a.options()->option(v))
                return choiceOutOfRange(QString::number(v));
            if (!values.contains(QString::number(v)))
                values.append(QString::number(v));
        }
        if (values.size() > 150)
            return errorResponse(
                400, u"0x80040203"_s,
                u"A validation error occurred. '%1' can hold at most 150 selected options."_s.arg(
                    a.logicalName));
        *normalized = values.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(values.join(u','));
        return std::nullopt;
    }
    case ValueKind::DateTime: {
        if (!value.isString())
            return conversion();
        const auto dt = parseIsoDateTime(value.toString());
        if (!dt)
            return conversion();
        if (a.dateTimeBehavior == u"DateOnly"_s)
            *normalized = dt->date().toString(Qt::ISODate);
        else
            *normalized = dt->toString(Qt::ISODate);
        return std::nullopt;
    }
    case ValueKind::Guid: {
        if (!value.isString() || QUuid::fromString(value.toString()).isNull())
            return conversion();
        *normalized = QUuid::fromString(value.toString()).toString(QUuid::WithoutBraces);
        return std::nullopt;
    }
    case ValueKind::Lookup:
        return conversion(); // lookups are written through navigation properties only (handled by the caller)
    }
    return conversion();
}

bool RecordApi::splitEntityReference(const QString &reference, QString *entitySet, QString *keyText)
{
    QString ref = QUrl::fromPercentEncoding(reference.toUtf8());
    // Absolute ("https://org/api/data/v9.2/accounts(..)"), server-relative ("/api/data/v9.2/accounts(..)"),
    // or service-root-relative with or without a leading slash ("/accounts(..)", "accounts(..)").
    static const QRegularExpression apiPrefix(
        u"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+)?/?api/data/v\\d+\\.\\d+/"_s);
    ref.remove(apiPrefix);
    if (ref.startsWith(u'/'))
        ref.remove(0, 1);
    const auto segments = parseResourcePath(ref);
    if (!segments || segments->size() != 1 || !segments->first().hasKey)
        return false;
    *entitySet = segments->first().name;
    *keyText = segments->first().keyText;
    return true;
}

std::optional<HttpResponse> RecordApi::resolveBind(const TableDef &table, const RelationshipDef &rel,
                                                   const QString &reference, const ServiceContext &context,
                                                   QUuid *targetId)
{
    QString entitySet, keyText;
    const TableDef *target = m_store.definition().tableByLogicalName(rel.referencedEntity);
    if (!splitEntityReference(reference, &entitySet, &keyText))
        return payloadError(
            table.entitySetName,
            u"Microsoft.OData.ODataException: The value '%1' of '%2@odata.bind' is not an entity "
            u"reference such as '/%3(<id>)'."_s.arg(reference, rel.navigationProperty,
                                                    target->entitySetName));
    if (entitySet != target->entitySetName)
        return payloadError(
            table.entitySetName,
            u"Microsoft.OData.ODataException: The entity set '%1' in '%2@odata.bind' does not match "
            u"the navigation property's target '%3'."_s.arg(entitySet, rel.navigationProperty,
                                                            target->entitySetName));
    ResolvedKey key;
    if (auto err = resolveKey(*target, keyText, &key))
        return err;
    if (!key.found)
        return notFound(*target, key);
    // Setting a lookup needs Append on this table and AppendTo on the target's (FACTS §8).
    if (auto denied = checkAccess(context, table, Access::Append))
        return denied;
    if (auto denied = checkAccess(context, *target, Access::AppendTo))
        return denied;
    *targetId = key.id;
    return std::nullopt;
}

std::optional<HttpResponse> RecordApi::prepare(const TableDef &table, const QJsonObject &body, Mode mode,
                                               const ServiceContext &context, PreparedWrite *out)
{
    out->detectDuplicates = context.detectDuplicates;
    // A created row gets about one value per column: size the hash once instead of rehashing as it grows.
    if (mode == Mode::Create && out->values.isEmpty())
        out->values.reserve(qsizetype(table.attributes.size()) + 2);
    for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
        const QString &name = it.key();
        const QJsonValue value = it.value();
        if (const qsizetype at = name.indexOf(u'@'); at >= 0) {
            if (!name.endsWith(u"@odata.bind"_s) || at == 0)
                continue; // instance annotations such as @odata.type or x@OData.Community... are ignored
            const QString nav = name.left(at);
            const RelationshipDef *rel = table.relationshipByNavigation(nav);
            if (!rel)
                return payloadError(
                    table.entitySetName,
                    u"Microsoft.OData.ODataException: An undeclared property '%1' which only has property "
                    u"annotations "
                    u"in the payload but no property value was found in the payload. In OData, only declared "
                    u"navigation properties and declared named streams can be represented as properties "
                    u"without "
                    u"values."_s.arg(nav));
            if (value.isNull()) {
                out->values.insert(rel->referencingAttribute, QJsonValue::Null);
                out->lookupTargets.remove(rel->referencingAttribute);
                continue;
            }
            if (!value.isString())
                return payloadError(
                    table.entitySetName,
                    u"Microsoft.OData.ODataException: The sandbox supports only single-valued "
                    u"navigation properties in @odata.bind; '%1' must be a string such as "
                    u"'/%2(<id>)'."_s.arg(name, rel->referencedEntity));
            // Owner lookups have one navigation property (ownerid) for several targets: the entity set
            // in the reference picks the relationship.
            for (const RelationshipDef &other : table.manyToOne) {
                const TableDef *t = m_store.definition().tableByLogicalName(other.referencedEntity);
                if (&other != rel && other.navigationProperty == nav && t &&
                    value.toString().contains(t->entitySetName + u'('))
                    rel = &other;
            }
            QUuid target;
            if (auto err = resolveBind(table, *rel, value.toString(), context, &target))
                return err;
            out->values.insert(rel->referencingAttribute, target.toString(QUuid::WithoutBraces));
            out->lookupTargets.insert(rel->referencingAttribute, rel->referencedEntity);
            continue;
        }
        if (const RelationshipDef *rel = table.relationshipByNavigation(name)) {
            if (value.isNull()) {
                out->values.insert(rel->referencingAttribute, QJsonValue::Null);
                out->lookupTargets.remove(rel->referencingAttribute);
                continue;
            }
            if (!value.isObject())
                return payloadError(
                    table.entitySetName,
                    u"Microsoft.OData.ODataException: The navigation property '%1' takes an object "
                    u"(deep insert), null, or '%1@odata.bind'."_s.arg(name));
            const TableDef *child = m_store.definition().tableByLogicalName(rel->referencedEntity);
            NestedCreate nested;
            nested.table = child;
            nested.lookup = rel->referencingAttribute;
            nested.write = std::make_shared<PreparedWrite>();
            // Deep insert creates the related row and binds to it.
            for (const auto &[t, access] :
                 {std::pair{&table, Access::Append}, std::pair{child, Access::AppendTo},
                  std::pair{child, Access::Create}}) {
                if (auto denied = checkAccess(context, *t, access))
                    return denied;
            }
            if (auto err = prepare(*child, value.toObject(), Mode::Create, context, nested.write.get()))
                return err;
            const QJsonValue childId = nested.write->values.value(child->primaryIdAttribute);
            nested.id = childId.isString() ? QUuid::fromString(childId.toString()) : QUuid::createUuid();
            if (m_store.find(*child, nested.id))
                return errorResponse(412, u"0x80040237"_s,
                                     u"A record with matching key values already exists."_s);
            out->values.insert(rel->referencingAttribute, nested.id.toString(QUuid::WithoutBraces));
            out->lookupTargets.insert(rel->referencingAttribute, rel->referencedEntity);
            out->nested.append(nested);
            continue;
        }
        const AttributeDef *a = table.attribute(name);
        if (!a || a->isLookup())
            return badRequest(
                u"An error occurred while validating input parameters: Microsoft.Crm.CrmException: "
                u"Invalid property '%1' was found in entity '%2'. ---> "
                u"Microsoft.OData.ODataException: Does not support untyped value in non-open type."_s.arg(
                    name, table.typeName()));
        if ((mode == Mode::Create && !a->validForCreate) || (mode == Mode::Update && !a->validForUpdate))
            continue; // FACTS §0: silently ignored, not rejected
        QJsonValue normalized;
        if (auto err = validateValue(table, *a, value, &normalized))
            return err;
        if (a->isPrimaryId && normalized.isNull())
            continue;
        out->values.insert(a->logicalName, normalized);
    }
    return std::nullopt;
}

void RecordApi::applyComputed(const TableDef &table, Row &row)
{
    for (const AttributeDef &a : table.attributes) {
        if (a.computedFrom.isEmpty())
            continue;
        QStringList parts;
        for (const QString &source : a.computedFrom) {
            const QString v = row.values.value(source).toString();
            if (!v.isEmpty())
                parts.append(v);
        }
        row.values.insert(a.logicalName,
                          parts.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(parts.join(u' ')));
    }
}

std::optional<HttpResponse> RecordApi::checkRequired(const TableDef &table, const Row &row)
{
    // Only SystemRequired is enforced by the server (FACTS §0); ApplicationRequired is a form-level rule.
    for (const AttributeDef &a : table.attributes) {
        if (a.requiredLevel != u"SystemRequired"_s || a.isPrimaryId || !a.attributeOf.isEmpty() ||
            a.typeName == u"OwnerType"_s || !a.validForCreate)
            continue;
        const QJsonValue v = row.values.value(a.logicalName);
        if (v.isNull() || v.isUndefined() || (v.isString() && v.toString().isEmpty()))
            return errorResponse(
                400, u"0x80040203"_s,
                u"A validation error occurred. The value for the required column '%1' of record type "
                u"'%2' is missing. Set '%1' and try again."_s.arg(a.logicalName, table.logicalName));
    }
    return std::nullopt;
}

std::optional<HttpResponse> RecordApi::keyViolation(const TableDef &table, const Row &row)
{
    const auto k = m_store.keyViolation(table, row);
    if (!k)
        return std::nullopt;
    const KeyDef &key = table.keys[*k];
    return errorResponse(
        412, u"0x80060892"_s,
        u"Entity Key %1 violated. A record with the same value for %2 already exists. A duplicate "
        u"record cannot be created. Select one or more unique values and try again."_s.arg(
            key.schemaName, key.keyAttributes.join(u',')));
}

std::optional<HttpResponse> RecordApi::finishCreate(const TableDef &table, PreparedWrite &write,
                                                    const QUuid &id, Row *row)
{
    const OrganizationInfo &org = m_store.definition().organization();
    row->id = id;
    row->values = std::move(write.values);
    // Sized once for every column: growing a fresh hash row by row dominated bulk creates (malloc).
    row->values.reserve(table.attributes.size() + 2);
    row->lookupTargets = write.lookupTargets;
    row->values.insert(table.primaryIdAttribute, id.toString(QUuid::WithoutBraces));
    for (const AttributeDef &a : table.attributes) {
        if (row->values.contains(a.logicalName))
            continue;
        if (a.defaultNumber)
            row->values.insert(a.logicalName, *a.defaultNumber);
        else if (a.defaultBool)
            row->values.insert(a.logicalName, *a.defaultBool);
        else if (!a.autoNumber.isEmpty()) {
            static const QRegularExpression seq(u"\\{SEQNUM:(\\d+)\\}"_s);
            QString text = a.autoNumber;
            const auto m = seq.match(text);
            if (m.hasMatch())
                text.replace(
                    m.capturedStart(), m.capturedLength(),
                    QString::number(m_store.nextAutoNumber()).rightJustified(m.captured(1).toInt(), u'0'));
            row->values.insert(a.logicalName, text);
        } else if (a.typeName == u"OwnerType"_s) {
            row->values.insert(a.logicalName, org.userId.toString(QUuid::WithoutBraces));
            row->lookupTargets.insert(a.logicalName, u"systemuser"_s);
        }
    }
    const QString now = nowUtc();
    if (table.attribute(u"createdon"))
        row->values.insert(u"createdon"_s, now);
    if (table.attribute(u"modifiedon"))
        row->values.insert(u"modifiedon"_s, now);
    row->values.insert(u"versionnumber"_s, double(m_store.nextVersion()));
    applyComputed(table, *row);
    applyDefaultCurrency(table, *row);
    if (auto err = checkRequired(table, *row))
        return err;
    if (auto err = keyViolation(table, *row))
        return err;
    return write.detectDuplicates ? duplicateFound(table, *row) : std::nullopt;
}

std::optional<HttpResponse> RecordApi::duplicateFound(const TableDef &table, const Row &row) const
{
    for (const DuplicateRuleDef &rule : table.duplicateRules) {
        QStringList wanted;
        for (const QString &column : rule.attributes) {
            const QJsonValue v = row.values.value(column);
            const QString canonical = OrgStore::canonicalKeyValue(*table.attribute(column), v);
            if (v.isNull() || v.isUndefined() || canonical.trimmed().isEmpty())
                break; // blank values never match (the rule's "ignore blank values")
            wanted.append(canonical);
        }
        if (wanted.size() != rule.attributes.size())
            continue;
        bool found = false;
        m_store.forEach(table, 0, [&](const Row &other) {
            if (other.id == row.id)
                return true;
            for (qsizetype i = 0; i < rule.attributes.size(); ++i) {
                const QString &column = rule.attributes[i];
                if (OrgStore::canonicalKeyValue(*table.attribute(column), other.values.value(column)) !=
                    wanted[i])
                    return true;
            }
            found = true;
            return false;
        });
        if (found) {
            qCInfo(lcRecords) << "duplicate detection rule" << rule.name << "matched a" << table.logicalName;
            // FACTS §1: 412 in the 2025 optional-parameters page (500 in the older duplicate-detection page).
            return errorResponse(412, u"0x80040333"_s,
                                 u"A record was not created or updated because a duplicate of the current "
                                 u"record already exists."_s);
        }
    }
    return std::nullopt;
}

std::optional<HttpResponse> RecordApi::buildNested(PreparedWrite &write,
                                                   QList<std::pair<const TableDef *, Row>> *rows)
{
    for (NestedCreate &n : write.nested) {
        if (auto err = buildNested(*n.write, rows))
            return err;
        Row child;
        if (auto err = finishCreate(*n.table, *n.write, n.id, &child))
            return err;
        rows->append({n.table, std::move(child)});
    }
    return std::nullopt;
}

std::optional<HttpResponse> RecordApi::commitNested(PreparedWrite &write)
{
    // Deep insert is all-or-nothing: every related row is built and checked (required columns, alternate
    // keys) before any of them is stored; the caller stores the parent only when this succeeds.
    QList<std::pair<const TableDef *, Row>> rows;
    if (auto err = buildNested(write, &rows))
        return err;
    for (auto &[table, row] : rows)
        m_store.insert(*table, std::move(row));
    return std::nullopt;
}

// ---- read
// -------------------------------------------------------------------------------------------------------

std::optional<HttpResponse> RecordApi::checkSelect(const TableDef &table, const QStringList &select)
{
    for (const QString &name : select) {
        const AttributeDef *a = table.attributeByProperty(name);
        if (!a || !a->validForRead)
            return propertyNotFound(name, table.typeName());
    }
    return std::nullopt;
}

void RecordApi::renderProperty(QJsonObject &out, const TableDef &table, const AttributeDef &a, const Row &row,
                               const Preferences &prefs) const
{
    const QString prop = a.propertyName();
    QJsonValue value = row.values.value(a.logicalName);
    if (value.isUndefined())
        value = QJsonValue::Null;

    // Auxiliary columns are derived from the column they belong to.
    if (!a.attributeOf.isEmpty()) {
        const AttributeDef *base = table.attribute(a.attributeOf);
        if (base && base->isLookup()) {
            const QString targetName = row.lookupTargets.value(base->logicalName);
            if (a.kind == ValueKind::EntityName) {
                value = targetName.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(targetName);
            } else {
                value = QJsonValue::Null;
                const TableDef *target = m_store.definition().tableByLogicalName(targetName);
                const QJsonValue id = row.values.value(base->logicalName);
                if (target && id.isString() && !target->primaryNameAttribute.isEmpty()) {
                    if (const Row *t = m_store.find(*target, QUuid::fromString(id.toString())))
                        value = t->values.value(target->primaryNameAttribute);
                }
            }
        } else if (base) {
            value = row.values.value(base->logicalName, QJsonValue::Null); // money _base: exchange rate 1
        }
    }

    if (prefs.includeAnnotations && !value.isNull()) {
        QString formatted;
        switch (a.kind) {
        case ValueKind::Choice:
            if (const OptionSetDef *set = a.options())
                if (const OptionDef *o = set->option(value.toInt()))
                    formatted = o->label;
            break;
        case ValueKind::MultiChoice: {
            QStringList labels;
            for (QStringView v : QStringView(value.toString()).split(u','))
                if (const OptionDef *o = a.options()->option(v.toInt()))
                    labels.append(o->label);
            formatted = labels.join(u"; "_s);
            break;
        }
        case ValueKind::Boolean:
            if (a.optionSet)
                formatted = value.toBool() ? a.optionSet->trueLabel : a.optionSet->falseLabel;
            break;
        case ValueKind::Decimal:
            formatted = a.typeName == u"MoneyType"_s
                            ? (value.toDouble() < 0 ? u"-$"_s : u"$"_s) +
                                  formatNumber(std::fabs(value.toDouble()), a.precision.value_or(2))
                            : formatNumber(value.toDouble(), a.precision.value_or(2));
            break;
        case ValueKind::Double:
            formatted = formatNumber(value.toDouble(), a.precision.value_or(2));
            break;
        case ValueKind::Integer:
        case ValueKind::BigInt:
            formatted = formatNumber(value.toDouble(), 0);
            break;
        case ValueKind::DateTime: {
            const auto dt = parseIsoDateTime(value.toString());
            if (dt)
                formatted = a.formatName == u"DateOnly"_s ? dt->toString(u"M/d/yyyy"_s)
                                                          : dt->toString(u"M/d/yyyy h:mm AP"_s);
            break;
        }
        case ValueKind::Lookup: {
            const QString targetName = row.lookupTargets.value(a.logicalName);
            if (const TableDef *target = m_store.definition().tableByLogicalName(targetName)) {
                if (!target->primaryNameAttribute.isEmpty())
                    if (const Row *t = m_store.find(*target, QUuid::fromString(value.toString())))
                        formatted = t->values.value(target->primaryNameAttribute).toString();
                for (const RelationshipDef &rel : table.manyToOne) {
                    if (rel.referencingAttribute == a.logicalName && rel.referencedEntity == targetName &&
                        prefs.wantsAnnotation(AssociatedNavigation))
                        out.insert(prop + u'@' + AssociatedNavigation, rel.navigationProperty);
                }
            }
            if (!targetName.isEmpty() && prefs.wantsAnnotation(LookupLogicalName))
                out.insert(prop + u'@' + LookupLogicalName, targetName);
            break;
        }
        default:
            break;
        }
        if (!formatted.isEmpty() && prefs.wantsAnnotation(FormattedValue))
            out.insert(prop + u'@' + FormattedValue, formatted);
    }
    out.insert(prop, value);
}

QJsonObject RecordApi::render(const TableDef &table, const Row &row, const QStringList &select,
                              const Preferences &prefs) const
{
    QJsonObject out;
    out.insert(u"@odata.etag"_s, etagFor(row));
    if (select.isEmpty()) {
        for (const AttributeDef &a : table.attributes) {
            if (a.validForRead)
                renderProperty(out, table, a, row, prefs);
        }
    } else {
        for (const QString &name : select) {
            if (const AttributeDef *a = table.attributeByProperty(name))
                renderProperty(out, table, *a, row, prefs);
        }
        if (const AttributeDef *pk = table.primaryId())
            renderProperty(out, table, *pk, row, prefs);
        // FACTS §0: asking for a money column also returns _transactioncurrencyid_value.
        const AttributeDef *currency = table.attribute(u"transactioncurrencyid");
        if (currency && currency->isLookup() && !out.contains(currency->propertyName())) {
            for (const QString &name : select) {
                const AttributeDef *a = table.attributeByProperty(name);
                if (a && a->typeName == u"MoneyType"_s) {
                    renderProperty(out, table, *currency, row, prefs);
                    break;
                }
            }
        }
    }
    return out;
}

HttpResponse RecordApi::representation(int status, const ServiceContext &context, const TableDef &table,
                                       const Row &row, const QString &selectText,
                                       const Preferences &prefs) const
{
    const QStringList select = parseSelect(selectText);
    QJsonObject body = render(table, row, select, prefs);
    body.insert(u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#"_s + table.entitySetName +
                                             contextSelect(select, {}) + u"/$entity"_s));
    HttpResponse r = jsonResponse(status, body);
    r.headers.append({QByteArrayLiteral("ETag"), etagFor(row).toUtf8()});
    QStringList applied;
    if (prefs.returnRepresentation)
        applied.append(u"return=representation"_s);
    if (prefs.includeAnnotations)
        applied.append(u"odata.include-annotations=\""_s + prefs.annotationFilter + u'"');
    if (!applied.isEmpty())
        r.headers.append({QByteArrayLiteral("Preference-Applied"), applied.join(u',').toUtf8()});
    return r;
}

HttpResponse RecordApi::retrieve(const HttpRequest &request, const ServiceContext &context,
                                 const TableDef &table, const QString &keyText)
{
    ResolvedKey key;
    if (auto err = resolveKey(table, keyText, &key))
        return *err;
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    if (auto err = checkSelect(table, select))
        return *err;
    if (!key.found)
        return notFound(table, key);
    const Row *row = m_store.find(table, key.id);
    if (request.hasQuery(u"$expand"))
        return retrieveExpanded(request, context, table, *row); // expandapi.cpp
    Preferences prefs = parsePrefer(request.header("Prefer"));
    prefs.returnRepresentation = false;
    const QByteArray ifNoneMatch = request.header("If-None-Match");
    if (!prefs.includeAnnotations && !ifNoneMatch.isEmpty() && ifNoneMatch != "null" &&
        QString::fromUtf8(ifNoneMatch) == etagFor(*row))
        return emptyResponse(304);
    HttpResponse r = representation(200, context, table, *row, request.queryValue(u"$select"), prefs);
    return r;
}

HttpResponse RecordApi::list(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                             const RowScope *scope)
{
    for (const auto &q : request.query) {
        static const QStringList supported = {u"$select"_s, u"$filter"_s,    u"$top"_s,   u"$orderby"_s,
                                              u"$count"_s,  u"$skiptoken"_s, u"$expand"_s};
        if (q.first.startsWith(u'$') && !supported.contains(q.first))
            return badRequest(
                u"The query option '%1' is not supported by the sandbox yet (supported: %2)."_s.arg(
                    q.first, supported.join(u", "_s)));
    }
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    if (auto err = checkSelect(table, select))
        return *err;

    RowFilter filter;
    if (auto err = compileRowFilter(table, filterText(request), &filter))
        return *err;
    QList<ExpandPlan> expand;
    if (auto err = planExpand(context, table, request.queryValue(u"$expand"), &expand))
        return *err;
    const Preferences prefs = parsePrefer(request.header("Prefer"));
    int pageSize = MaxPageSize;
    if (prefs.maxPageSize > 0)
        pageSize = qMin(prefs.maxPageSize, MaxPageSize);
    int top = -1;
    if (auto err = parseTop(request, &top))
        return *err;
    // FACTS §10: with odata.maxpagesize, $top is ignored.
    if (prefs.maxPageSize > 0)
        top = -1;
    SkipToken token;
    if (request.hasQuery(u"$skiptoken")) {
        const auto parsed = parseSkipToken(request.queryValue(u"$skiptoken"));
        if (!parsed)
            return badRequest(
                u"The $skiptoken is not one this server issued; GET the @odata.nextLink unchanged."_s);
        token = *parsed;
    }
    const int limit = top >= 0 ? qMin(top, MaxPageSize) : pageSize;

    // $orderby / $count: collect every match, sort, page by position (the paging cookie holds the offset).
    QList<RowOrder> orderBy;
    if (auto err = parseRowOrder(table, request.queryValue(u"$orderby"), &orderBy))
        return *err;
    const QString countText = request.queryValue(u"$count");
    if (!countText.isNull() && countText != u"true"_s && countText != u"false"_s)
        return badRequest(u"Invalid value '%1' for $count; use true or false."_s.arg(countText));
    const bool wantCount = countText == u"true"_s;

    // Rows in insertion order after a sequence number: from the key index when the filter allows, else all.
    const auto candidates = filter.indexedRows(m_store, table);
    const auto forEachRow = [&](quint64 after, auto &&callback) {
        if (!candidates) {
            m_store.forEach(table, after, callback);
            return;
        }
        for (const Row *row : *candidates) {
            if (row->sequence > after && !callback(*row))
                return;
        }
    };

    QJsonArray values;
    quint64 lastSequence = token.after;
    bool more = false;
    qsizetype total = -1;
    if (!orderBy.isEmpty() || wantCount) {
        QList<const Row *> matches;
        forEachRow(0, [&](const Row &row) {
            if ((!scope || scope->ids.contains(row.id)) && filter.matches(row))
                matches.append(&row);
            return true;
        });
        sortRows(matches, orderBy);
        total = matches.size();
        const qsizetype offset = qMin<qsizetype>(qsizetype(token.after), total);
        const qsizetype end = qMin<qsizetype>(offset + limit, total);
        for (qsizetype i = offset; i < end; ++i)
            values.append(renderExpanded(table, *matches[i], select, prefs, expand));
        more = end < total;
        lastSequence = quint64(end);
    } else {
        forEachRow(token.after, [&](const Row &row) {
            if ((scope && !scope->ids.contains(row.id)) || !filter.matches(row))
                return true;
            if (values.size() >= limit) {
                more = true;
                return false;
            }
            values.append(renderExpanded(table, row, select, prefs, expand));
            lastSequence = row.sequence;
            return true;
        });
    }

    if (context.stats)
        context.stats->rowsRead += int(values.size());
    QJsonObject body;
    body.insert(u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#"_s + table.entitySetName +
                                             contextSelect(select, expand)));
    body.insert(u"value"_s, values);
    if (wantCount) // FACTS §10: $count stops at 5,000
        body.insert(u"@odata.count"_s, qMin<qsizetype>(total, 5000));
    if (more && top < 0) {
        QByteArrayList kept;
        for (const QByteArray &item : request.rawQuery.split('&')) {
            if (!item.isEmpty() && !item.startsWith("$skiptoken=") && !item.startsWith("%24skiptoken="))
                kept.append(item);
        }
        const QString cookie =
            u"<cookie pagenumber=\"%1\" pagingcookie=\"%2\" istracking=\"False\" />"_s.arg(token.page + 1)
                .arg(lastSequence);
        kept.append("$skiptoken=" + QUrl::toPercentEncoding(cookie));
        body.insert(u"@odata.nextLink"_s,
                    QString(context.serviceRoot + (scope ? scope->path : table.entitySetName) + u'?' +
                            QString::fromUtf8(kept.join('&'))));
    }
    HttpResponse r = jsonResponse(200, body);
    QStringList applied;
    if (prefs.maxPageSize > 0)
        applied.append(u"odata.maxpagesize="_s + QString::number(prefs.maxPageSize));
    if (prefs.includeAnnotations)
        applied.append(u"odata.include-annotations=\""_s + prefs.annotationFilter + u'"');
    if (!applied.isEmpty())
        r.headers.append({QByteArrayLiteral("Preference-Applied"), applied.join(u',').toUtf8()});
    return r;
}

// ---- write
// ------------------------------------------------------------------------------------------------------

HttpResponse RecordApi::create(const HttpRequest &request, const ServiceContext &context,
                               const TableDef &table)
{
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    if (auto err = checkSelect(table, select))
        return *err;
    QJsonObject body;
    if (auto err = parseBody(request, table, &body))
        return *err;
    QUuid id;
    if (auto err = createRow(table, body, context, &id))
        return *err;

    const Preferences prefs = parsePrefer(request.header("Prefer"));
    if (prefs.returnRepresentation)
        return representation(201, context, table, *m_store.find(table, id), request.queryValue(u"$select"),
                              prefs);
    HttpResponse r = emptyResponse(204);
    r.headers.append({QByteArrayLiteral("OData-EntityId"), (context.serviceRoot + table.entitySetName + u'(' +
                                                            id.toString(QUuid::WithoutBraces) + u')')
                                                               .toUtf8()});
    return r;
}

std::optional<HttpResponse> RecordApi::createRow(const TableDef &table, const QJsonObject &body,
                                                 const ServiceContext &context, QUuid *createdId)
{
    if (auto denied = checkAccess(context, table, Access::Create))
        return denied;
    PreparedWrite write;
    if (auto err = prepare(table, body, Mode::Create, context, &write))
        return err;
    const QJsonValue pk = write.values.value(table.primaryIdAttribute);
    const QUuid id = pk.isString() ? QUuid::fromString(pk.toString()) : QUuid::createUuid();
    if (m_store.find(table, id))
        return errorResponse(412, u"0x80040237"_s, u"A record with matching key values already exists."_s);
    const bool ownerGiven = write.values.contains(u"ownerid"_s);
    Row row;
    if (auto err = finishCreate(table, write, id, &row))
        return err;
    if (auto err = commitNested(write))
        return err;
    stampUsers(context, table, row, true, ownerGiven);
    m_store.insert(table, row);
    qCDebug(lcRecords) << "created" << table.logicalName << id;
    *createdId = id;
    return std::nullopt;
}

HttpResponse RecordApi::upsert(const HttpRequest &request, const ServiceContext &context,
                               const TableDef &table, const QString &keyText)
{
    ResolvedKey key;
    if (auto err = resolveKey(table, keyText, &key))
        return *err;
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    if (auto err = checkSelect(table, select))
        return *err;
    QJsonObject body;
    if (auto err = parseBody(request, table, &body))
        return *err;

    const QByteArray ifMatch = request.header("If-Match");
    const QByteArray ifNoneMatch = request.header("If-None-Match");
    if (!ifMatch.isEmpty()) {
        if (!key.found)
            return notFound(table, key);
        if (ifMatch != "*" && QString::fromUtf8(ifMatch) != etagFor(*m_store.find(table, key.id)))
            return errorResponse(
                412, u"0x80060882"_s,
                u"The version of the existing record doesn't match the RowVersion property provided."_s);
    }
    if (ifNoneMatch == "*" && key.found)
        return errorResponse(412, u"0x80040237"_s, u"A record with matching key values already exists."_s);

    const Preferences prefs = parsePrefer(request.header("Prefer"));
    QUuid id;
    bool created = false;
    if (auto err = upsertRow(table, key, body, context, &id, &created))
        return *err;
    const int status = created ? 201 : 200;
    if (prefs.returnRepresentation)
        return representation(status, context, table, *m_store.find(table, id),
                              request.queryValue(u"$select"), prefs);
    HttpResponse r = emptyResponse(204);
    r.headers.append({QByteArrayLiteral("OData-EntityId"), (context.serviceRoot + key.urlForm).toUtf8()});
    return r;
}

std::optional<HttpResponse> RecordApi::upsertRow(const TableDef &table, const ResolvedKey &key,
                                                 const QJsonObject &body, const ServiceContext &context,
                                                 QUuid *id, bool *created)
{
    PreparedWrite write;
    // Upsert checks the privilege of what it does: Write for an existing row, Create for a new one.
    if (auto denied = checkAccess(context, table, key.found ? Access::Write : Access::Create))
        return denied;
    if (key.found) {
        if (auto err = prepare(table, body, Mode::Update, context, &write))
            return err;
        if (!key.primary) {
            // FACTS §2: while addressing a row by its key, body values for the key columns are discarded.
            for (const auto &kv : std::as_const(key.values))
                write.values.remove(kv.first->logicalName);
        }
        Row row = *m_store.find(table, key.id);
        for (auto it = write.values.constBegin(); it != write.values.constEnd(); ++it) {
            row.values.insert(it.key(), it.value());
            if (it.value().isNull())
                row.lookupTargets.remove(it.key());
        }
        for (auto it = write.lookupTargets.constBegin(); it != write.lookupTargets.constEnd(); ++it)
            row.lookupTargets.insert(it.key(), it.value());
        applyComputed(table, row);
        applyDefaultCurrency(table, row);
        if (table.attribute(u"modifiedon"))
            row.values.insert(u"modifiedon"_s, nowUtc());
        row.values.insert(u"versionnumber"_s, double(m_store.nextVersion()));
        for (const AttributeDef &a : table.attributes) {
            if (a.requiredLevel == u"SystemRequired"_s && write.values.contains(a.logicalName) &&
                write.values.value(a.logicalName).isNull())
                return errorResponse(
                    400, u"0x80040203"_s,
                    u"A validation error occurred. The required column '%1' of record type '%2' "
                    u"cannot be set to null."_s.arg(a.logicalName, table.logicalName));
        }
        if (auto err = keyViolation(table, row))
            return err;
        if (write.detectDuplicates)
            if (auto err = duplicateFound(table, row))
                return err;
        if (auto err = commitNested(write))
            return err;
        stampUsers(context, table, row, false);
        m_store.replace(table, row);
        *id = row.id;
        *created = false;
    } else {
        if (auto err = prepare(table, body, Mode::Create, context, &write))
            return err;
        if (key.primary) {
            *id = key.id;
        } else {
            // FACTS §2: for a new row, body values for the key columns win; absent ones come from the URL.
            for (const auto &kv : std::as_const(key.values)) {
                if (write.values.contains(kv.first->logicalName))
                    continue;
                write.values.insert(kv.first->logicalName, kv.second);
                if (kv.first->isLookup())
                    write.lookupTargets.insert(kv.first->logicalName, kv.first->targets.value(0));
            }
            const QJsonValue pk = write.values.value(table.primaryIdAttribute);
            *id = pk.isString() ? QUuid::fromString(pk.toString()) : QUuid::createUuid();
            if (m_store.find(table, *id))
                return errorResponse(412, u"0x80040237"_s,
                                     u"A record with matching key values already exists."_s);
        }
        const bool ownerGiven = write.values.contains(u"ownerid"_s);
        Row row;
        if (auto err = finishCreate(table, write, *id, &row))
            return err;
        if (auto err = commitNested(write))
            return err;
        stampUsers(context, table, row, true, ownerGiven);
        m_store.insert(table, row);
        *created = true;
    }
    qCDebug(lcRecords) << (*created ? "upsert created" : "upsert updated") << table.logicalName << *id;
    return std::nullopt;
}

HttpResponse RecordApi::remove(const HttpRequest &request, const TableDef &table, const QString &keyText)
{
    ResolvedKey key;
    if (auto err = resolveKey(table, keyText, &key))
        return *err;
    if (!key.found)
        return notFound(table, key);
    const QByteArray ifMatch = request.header("If-Match");
    if (!ifMatch.isEmpty() && ifMatch != "*" &&
        QString::fromUtf8(ifMatch) != etagFor(*m_store.find(table, key.id)))
        return errorResponse(
            412, u"0x80060882"_s,
            u"The version of the existing record doesn't match the RowVersion property provided."_s);
    m_store.remove(table, key.id);
    qCDebug(lcRecords) << "deleted" << table.logicalName << key.id;
    return emptyResponse(204);
}

} // namespace d365::sandbox
