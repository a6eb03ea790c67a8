// Requests below a row (FACTS §2, §4):
//
//   GET    contacts(<id>)/lastname             → 200 {"@odata.context":…,"value":…} (204 when null)
//   PUT    contacts(<id>)/lastname {"value":…} → 204, validated exactly like PATCH {"lastname":…}
//   DELETE contacts(<id>)/lastname             → 204, the column set to null
//   GET    contacts(<id>)/parentcustomerid_account           → the related row (204 when none)
//   GET    accounts(<id>)/contact_customer_accounts?$filter… → the related rows
//   PUT    contacts(<id>)/parentcustomerid_account/$ref {"@odata.id":"<url>"} → 204 (associate)
//   DELETE contacts(<id>)/parentcustomerid_account/$ref                     → 204 (disassociate)
//   GET    accounts(<id>)/contact_customer_accounts/$ref                    → 200 the references
//   POST   accounts(<id>)/contact_customer_accounts/$ref {"@odata.id":"<contact url>"} → 204 (associate:
//          sets the contact's parentcustomerid to the account)
//   DELETE accounts(<id>)/contact_customer_accounts(<contact id>)/$ref, or …/$ref?$id=<contact url> → 204
//          (disassociate: clears that lookup; a contact that is not related is left alone)
//
// Writes go through upsertRow(), so validation, row versions and the other write rules are the same as for
// PATCH; the row must exist (404, no upsert).

#include "recordapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcProperty, "d365.sandbox.property")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

HttpResponse RecordApi::related(const HttpRequest &request, const ServiceContext &context,
                                const TableDef &table, const QList<PathSegment> &segments)
{
    const PathSegment &segment = segments.at(1);
    ResolvedKey key;
    if (auto err = resolveKey(table, segments.first().keyText, &key))
        return *err;
    if (context.stats)
        ++context.stats->recordOperations;
    if (const AttributeDef *a = table.attributeByProperty(segment.name); a && !segment.hasKey) {
        if (segments.size() == 2)
            return propertyRequest(request, context, table, key, *a);
        return resourceNotFound(segments.at(2).name);
    }
    const auto nav = navigation(table, segment.name);
    if (!nav)
        return resourceNotFound(segment.name);
    if (segment.hasKey && nav->collection && segments.size() == 3 && segments.at(2).name == u"$ref"_s &&
        !segments.at(2).hasKey)
        return collectionReferenceRequest(request, context, table, key, segment.name, *nav, segment.keyText);
    if (segment.hasKey)
        return errorResponse(501, u"0x0"_s,
                             u"The sandbox does not address single related rows by key ('%1(%2)'); read '%1' "
                             u"with $filter instead."_s.arg(segment.name, segment.keyText));
    if (segments.size() == 3 && segments.at(2).name == u"$ref"_s && !segments.at(2).hasKey)
        return referenceRequest(request, context, table, key, segment.name, *nav);
    if (segments.size() > 2)
        return resourceNotFound(segments.at(2).name);
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed(request.method, "GET");
    if (!key.found)
        return notFound(table, key);
    return navigationRead(request, context, table, *m_store.find(table, key.id), *nav);
}

HttpResponse RecordApi::propertyRequest(const HttpRequest &request, const ServiceContext &context,
                                        const TableDef &table, const ResolvedKey &key, const AttributeDef &a)
{
    const QByteArray &method = request.method;
    if (method != "GET" && method != "HEAD" && method != "PUT" && method != "DELETE")
        return methodNotAllowed(method, "GET, PUT, DELETE");
    if (!key.found)
        return notFound(table, key);
    const QString property = a.propertyName();
    if (method == "GET" || method == "HEAD") {
        QJsonObject rendered;
        renderProperty(rendered, table, a, *m_store.find(table, key.id), Preferences());
        const QJsonValue value = rendered.value(property);
        if (value.isNull() || value.isUndefined())
            return emptyResponse(204); // OData: a null property value has no representation
        return jsonResponse(
            200, QJsonObject{{u"@odata.context"_s,
                              QString(context.serviceRoot + u"$metadata#"_s + key.urlForm + u'/' + property)},
                             {u"value"_s, value}});
    }
    // Lookups are navigation properties for writes (FACTS §2: "not for navigation properties").
    if (a.isLookup())
        return badRequest(
            u"'%1' is a lookup; set it with PUT <row>/<navigation property>/$ref "
            u"{\"@odata.id\":\"<entity set>(<id>)\"} or '<navigation property>@odata.bind' in a "
            u"PATCH, and clear it with DELETE <row>/<navigation property>/$ref."_s.arg(property));
    QJsonValue value = QJsonValue::Null;
    if (method == "PUT") {
        const QJsonDocument doc = QJsonDocument::fromJson(request.body);
        if (!doc.isObject() || !doc.object().contains(u"value"_s))
            return payloadError(table.entitySetName,
                                u"Microsoft.OData.ODataException: A single-property PUT needs the body "
                                u"{\"value\": <new value>}."_s);
        value = doc.object().value(u"value"_s);
    }
    QUuid id;
    bool created = false;
    if (auto err = upsertRow(table, key, QJsonObject{{a.logicalName, value}}, context, &id, &created))
        return *err;
    qCDebug(lcProperty) << method << table.logicalName << key.id << property;
    return emptyResponse(204);
}

HttpResponse RecordApi::referenceRequest(const HttpRequest &request, const ServiceContext &context,
                                         const TableDef &table, const ResolvedKey &key, const QString &name,
                                         const Navigation &nav)
{
    if (nav.collection)
        return collectionReferenceRequest(request, context, table, key, name, nav, QString());
    const QByteArray &method = request.method;
    if (method != "GET" && method != "PUT" && method != "DELETE")
        return methodNotAllowed(method, "GET, PUT, DELETE");
    if (!key.found)
        return notFound(table, key);
    const QString bind = name + u"@odata.bind"_s;
    if (method == "GET") {
        const QList<const Row *> rows = relatedRows(table, nav, *m_store.find(table, key.id));
        if (rows.isEmpty())
            return emptyResponse(204);
        return jsonResponse(
            200,
            QJsonObject{{u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#$ref"_s)},
                        {u"@odata.id"_s, QString(context.serviceRoot + nav.target->entitySetName + u'(' +
                                                 rows.first()->id.toString(QUuid::WithoutBraces) + u')')}});
    }
    QJsonValue target = QJsonValue::Null;
    if (method == "PUT") {
        const QJsonDocument doc = QJsonDocument::fromJson(request.body);
        const QJsonValue id = doc.object().value(u"@odata.id"_s);
        if (!doc.isObject() || !id.isString())
            return payloadError(table.entitySetName,
                                u"Microsoft.OData.ODataException: PUT %1/$ref needs the body {\"@odata.id\": "
                                u"\"<service root>/%2(<id>)\"}."_s.arg(name, nav.target->entitySetName));
        target = id;
    }
    QUuid id;
    bool created = false;
    if (auto err = upsertRow(table, key, QJsonObject{{bind, target}}, context, &id, &created))
        return *err;
    qCDebug(lcProperty) << (target.isNull() ? "disassociated" : "associated") << table.logicalName << key.id
                        << name;
    return emptyResponse(204);
}

HttpResponse RecordApi::collectionReferenceRequest(const HttpRequest &request, const ServiceContext &context,
                                                   const TableDef &table, const ResolvedKey &key,
                                                   const QString &name, const Navigation &nav,
                                                   const QString &memberKeyText)
{
    const QByteArray &method = request.method;
    if (memberKeyText.isEmpty() ? (method != "GET" && method != "POST" && method != "DELETE")
                                : method != "DELETE")
        return methodNotAllowed(method, memberKeyText.isEmpty() ? "GET, POST, DELETE" : "DELETE");
    if (!key.found)
        return notFound(table, key);
    const TableDef &child = *nav.target;
    const RelationshipDef &rel = *nav.relationship;
    const Row &parent = *m_store.find(table, key.id);
    if (method == "GET") {
        QJsonArray refs;
        for (const Row *row : relatedRows(table, nav, parent))
            refs.append(
                QJsonObject{{u"@odata.id"_s, QString(context.serviceRoot + child.entitySetName + u'(' +
                                                     row->id.toString(QUuid::WithoutBraces) + u')')}});
        return jsonResponse(200, QJsonObject{{u"@odata.context"_s,
                                              QString(context.serviceRoot + u"$metadata#Collection($ref)"_s)},
                                             {u"value"_s, refs}});
    }
    // The related row: from the body (POST), the <nav>(<key>) segment or the $id query option (DELETE).
    QString reference;
    if (method == "POST") {
        const QJsonDocument doc = QJsonDocument::fromJson(request.body);
        reference = doc.object().value(u"@odata.id"_s).toString();
    }
    QString entitySet = child.entitySetName, keyText = memberKeyText;
    if (method == "DELETE" && keyText.isEmpty())
        reference = request.queryValue(u"$id");
    if (keyText.isEmpty() &&
        (!splitEntityReference(reference, &entitySet, &keyText) || entitySet != child.entitySetName))
        return payloadError(
            table.entitySetName,
            method == "POST"
                ? u"Microsoft.OData.ODataException: POST %1/$ref needs the body "
                  u"{\"@odata.id\": \"<service root>/%2(<id>)\"}."_s.arg(name, child.entitySetName)
                : u"Microsoft.OData.ODataException: DELETE %1/$ref needs the related row: "
                  u"%1(<id>)/$ref or %1/$ref?$id=<service root>/%2(<id>)."_s.arg(name, child.entitySetName));
    ResolvedKey childKey;
    if (auto err = resolveKey(child, keyText, &childKey))
        return *err;
    if (!childKey.found)
        return notFound(child, childKey);
    QJsonValue bind = QJsonValue::Null;
    if (method == "POST") {
        bind = QString(u'/' + table.entitySetName + u'(' + key.id.toString(QUuid::WithoutBraces) + u')');
    } else {
        // Only a row related through this navigation property is disassociated.
        const Row *row = m_store.find(child, childKey.id);
        if (QUuid::fromString(row->values.value(rel.referencingAttribute).toString()) != key.id ||
            row->lookupTargets.value(rel.referencingAttribute, rel.referencedEntity) != table.logicalName)
            return emptyResponse(204);
    }
    QUuid id;
    bool created = false;
    if (auto err = upsertRow(child, childKey, QJsonObject{{rel.navigationProperty + u"@odata.bind"_s, bind}},
                             context, &id, &created))
        return *err;
    qCDebug(lcProperty) << (bind.isNull() ? "disassociated" : "associated") << child.logicalName
                        << childKey.id << "through" << table.logicalName << key.id << name;
    return emptyResponse(204);
}

} // namespace d365::sandbox
