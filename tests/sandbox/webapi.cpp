#include "webapi.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcWebApi, "d365.sandbox.webapi")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

WebApi::WebApi(OrgStore &store)
    : m_store(store)
    , m_metadata(store.definition())
    , m_records(store)
    , m_batch(store, [this](const HttpRequest &request, const ServiceContext &context, QStringView path) {
        return handle(request, context, path);
    })
{}

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
                 {u"UserId"_s, org.userId.toString(QUuid::WithoutBraces)},
                 {u"OrganizationId"_s, org.organizationId.toString(QUuid::WithoutBraces)},
             });
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
    if (first.name == u"EntityDefinitions"_s)
        return m_metadata.entityDefinitions(request, context, *segments);
    if (first.name == u"GlobalOptionSetDefinitions"_s)
        return m_metadata.globalOptionSets(request, context, *segments);
    if (const TableDef *table = m_store.definition().tableByEntitySet(first.name))
        return m_records.handle(request, context, *table, *segments);
    if (first.name.isEmpty())
        return resourceNotFound(u"("_s + first.keyText + u')');
    return resourceNotFound(first.name);
}

} // namespace d365::sandbox
