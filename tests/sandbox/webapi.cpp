#include "webapi.h"

#include "security.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcWebApi, "d365.sandbox.webapi")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

WebApi::WebApi(OrgStore &store)
    : m_store(store)
    , m_metadata(store.definition())
    , m_records(store)
    , m_lists(store, m_records)
    , m_privileges(store, m_records)
    , m_batch(store, [this](const HttpRequest &request, const ServiceContext &context, QStringView path) {
        return handle(request, context, path);
    })
{
    m_metadata.setKeyStatusSource(
        [this](const TableDef &table, int keyIndex) { return m_store.keyStatus(table, keyIndex); });
}

HttpResponse WebApi::whoAmI(const HttpRequest &request, const ServiceContext &context)
{
    // FACTS §8/§10: WhoAmI is a function, so only GET matches; POST finds "no HTTP resource".
    if (request.method != "GET" && request.method != "HEAD")
        return noHttpResource(context);
    const OrganizationInfo &org = m_store.definition().organization();
    return jsonResponse(
        200, QJsonObject{
                 {u"@odata.context"_s,
                  QString(context.serviceRoot + u"$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"_s)},
                 {u"BusinessUnitId"_s, org.businessUnitId.toString(QUuid::WithoutBraces)},
                 // The caller the bearer-token stage identified (identity provider) or the user it
                 // impersonates (security.h), else the org's user.
                 {u"UserId"_s, (effectiveUserId(context).isNull() ? org.userId : effectiveUserId(context))
                                   .toString(QUuid::WithoutBraces)},
                 {u"OrganizationId"_s, org.organizationId.toString(QUuid::WithoutBraces)},
             });
}

HttpResponse WebApi::sdkMessageFilters(const HttpRequest &request, const ServiceContext &context)
{
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed(request.method, "GET");
    QString error;
    const auto terms = parseFilter(request.queryValue(u"$filter"), &error);
    if (!terms)
        return badRequest(error);
    QString message;
    QString table;
    for (const FilterTerm &t : *terms) {
        if (t.op != FilterTerm::Op::Eq)
            return badRequest(
                u"The sandbox answers sdkmessagefilters only for \"sdkmessageid/name eq '<message>' and "
                u"primaryobjecttypecode eq '<table>'\"."_s);
        if (t.property == u"sdkmessageid/name"_s)
            message = t.value.text;
        else if (t.property == u"primaryobjecttypecode"_s)
            table = t.value.text;
        else
            return propertyNotFound(t.property, u"Microsoft.Dynamics.CRM.sdkmessagefilter"_s);
    }
    // The tables' BulkMessages (org file; default: every non-intersect table has CreateMultiple and
    // UpdateMultiple); UpsertMultiple is never listed (FACTS §7).
    QJsonArray value;
    const TableDef *def = m_store.definition().tableByLogicalName(table);
    if (def && (message == u"CreateMultiple"_s || message == u"UpdateMultiple"_s) &&
        def->supportsBulk(message)) {
        static const QUuid ns(u"6f1c2a3e-0b7d-4a51-9d55-5a4b2f8e9c10"_s);
        const QUuid id = QUuid::createUuidV5(ns, QString(message + u'/' + table));
        value.append(QJsonObject{{u"@odata.etag"_s, u"W/\"1000\""_s},
                                 {u"sdkmessagefilterid"_s, id.toString(QUuid::WithoutBraces)}});
    }
    return jsonResponse(
        200, QJsonObject{{u"@odata.context"_s, QString(context.serviceRoot +
                                                       u"$metadata#sdkmessagefilters(sdkmessagefilterid)"_s)},
                         {u"value"_s, value}});
}

HttpResponse WebApi::handle(const HttpRequest &request, const ServiceContext &context,
                            QStringView resourcePath)
{
    const auto segments = parseResourcePath(resourcePath);
    if (!segments)
        return badRequest(
            u"Bad Request - Error in query syntax: unbalanced quotes or parentheses in '%1'."_s.arg(
                resourcePath));
    if (segments->isEmpty())
        return errorResponse(501, u"0x0"_s, u"The sandbox does not serve the service document yet."_s);
    const PathSegment &first = segments->first();
    if (first.name == u"WhoAmI"_s && (!first.hasKey || first.keyText.isEmpty()) && segments->size() == 1)
        return whoAmI(request, context);
    if (first.name == u"$batch"_s && !first.hasKey && segments->size() == 1)
        return m_batch.handle(request, context);
    if (first.name == u"sdkmessagefilters"_s && !first.hasKey && segments->size() == 1)
        return sdkMessageFilters(request, context);
    if (first.name == u"EntityDefinitions"_s)
        return m_metadata.entityDefinitions(request, context, *segments);
    if (first.name == u"GlobalOptionSetDefinitions"_s)
        return m_metadata.globalOptionSets(request, context, *segments);
    if (first.name == u"BulkDelete"_s && !first.hasKey && segments->size() == 1)
        return m_records.bulkDelete(request, context);
    if (first.name == u"AddListMembersList"_s && !first.hasKey && segments->size() == 1)
        return m_lists.addListMembers(request, context);
    if (const TableDef *table = m_store.definition().tableByEntitySet(first.name)) {
        if (m_lists.handles(*table, *segments, request.method)) // marketing lists (listapi.h)
            return m_lists.handle(request, context, *table, *segments);
        if (m_privileges.handles(*table, *segments)) // systemuser privilege functions (privilegeapi.h)
            return m_privileges.handle(request, context, *table, *segments);
        return m_records.handle(request, context, *table, *segments);
    }
    if (first.name.isEmpty())
        return resourceNotFound(u"("_s + first.keyText + u')');
    return resourceNotFound(first.name);
}

} // namespace d365::sandbox
