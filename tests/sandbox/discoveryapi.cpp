#include "discoveryapi.h"

#include "odataresponse.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcDiscovery, "d365.sandbox.discovery")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

// The build the sandbox claims to be (the format of the vector's Version; the number itself means nothing).
const QString InstanceVersion = u"9.2.25031.00180"_s;
const QString DiscoveryResourceId = u"https://globaldisco.crm.dynamics.com/"_s;

// One "<Property> eq <literal>" clause of $filter against a property value.
bool literalMatches(const QJsonValue &value, const QString &literal)
{
    if (literal == u"null"_s)
        return value.isNull();
    if (literal.startsWith(u'\'') && literal.endsWith(u'\'') && literal.size() >= 2) {
        const QString text = literal.mid(1, literal.size() - 2).replace(u"''"_s, u"'"_s);
        // Strings compare without case, like the Dataverse collation.
        return value.isString() && value.toString().compare(text, Qt::CaseInsensitive) == 0;
    }
    if (literal == u"true"_s || literal == u"false"_s)
        return value.isBool() && value.toBool() == (literal == u"true"_s);
    bool isNumber = false;
    const double number = literal.toDouble(&isNumber);
    if (isNumber)
        return value.isDouble() && value.toDouble() == number;
    // An unquoted GUID (Id eq 00aeb966-…, TenantId eq …).
    const QUuid guid = QUuid::fromString(literal);
    return !guid.isNull() && QUuid::fromString(value.toString()) == guid;
}

} // namespace

DiscoveryApi::DiscoveryApi(const OrganizationInfo &organization, Validator validator)
    : m_org(organization)
    , m_validator(std::move(validator))
    , m_lastUpdated(QDateTime::currentDateTimeUtc())
{}

QJsonObject DiscoveryApi::instance(const QString &origin) const
{
    const auto guid = [](const QUuid &id) { return id.toString(QUuid::WithoutBraces); };
    // Url and ApiUrl are the same origin: the sandbox has no separate api.* host name.
    return {{u"Id"_s, guid(m_org.organizationId)},
            {u"UniqueName"_s, m_org.uniqueName},
            {u"UrlName"_s, m_org.uniqueName},
            {u"FriendlyName"_s, m_org.friendlyName},
            {u"State"_s, 0},
            {u"Version"_s, InstanceVersion},
            {u"Url"_s, origin},
            {u"ApiUrl"_s, origin},
            {u"LastUpdated"_s, m_lastUpdated.toString(Qt::ISODate)},
            {u"TenantId"_s, guid(m_org.tenantId)},
            {u"EnvironmentId"_s, guid(OrgDefinition::stableId(u"environment:"_s + m_org.uniqueName))},
            {u"Region"_s, u"LOCAL"_s},
            {u"Purpose"_s, u"Sandbox"_s},
            {u"TrialExpirationDate"_s, QJsonValue::Null},
            {u"OrganizationType"_s, 0}};
}

HttpResponse DiscoveryApi::unauthorized(bool hadToken) const
{
    HttpResponse r = errorResponse(
        401, u"0x80072560"_s,
        hadToken
            ? u"The user is not authenticated: the bearer token is not valid for the discovery service. "
              u"Ask for a token with the scope https://globaldisco.crm.dynamics.com/user_impersonation."_s
            : u"The user is not authenticated: the request has no Authorization header. Send "
              u"'Authorization: Bearer <access token for https://globaldisco.crm.dynamics.com>'."_s);
    r.headers.append({QByteArrayLiteral("WWW-Authenticate"),
                      QString(u"Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/"
                              u"authorize, resource_id="_s +
                              DiscoveryResourceId)
                          .toUtf8()});
    return r;
}

HttpResponse DiscoveryApi::handle(const HttpRequest &request) const
{
    const QByteArrayView token = request.bearerToken();
    if (token.isEmpty() || !m_validator(token)) {
        // Never log the token itself.
        qCInfo(lcDiscovery) << "rejected" << request.method << request.path;
        return unauthorized(request.hasHeader("Authorization"));
    }

    static const QRegularExpression route(u"^/api/discovery/v2\\.0/Instances(?:\\((.*)\\))?/?$"_s);
    const auto m = route.match(request.path);
    const QString origin = request.origin();
    if (!m.hasMatch()) {
        return errorResponse(404, QString(),
                             u"No HTTP resource was found that matches the request URI '%1%2'. The discovery "
                             u"service answers /api/discovery/v2.0/Instances."_s.arg(origin, request.path));
    }
    if (request.method != "GET") {
        return errorResponse(405, QString(),
                             u"The requested resource does not support http method '%1'."_s.arg(
                                 QString::fromLatin1(request.method)));
    }

    const QString serviceRoot = origin + u"/api/discovery/v2.0/"_s;
    QJsonObject item = instance(origin);

    // $select: a subset of the instance's properties, named in the context URL like the Web API does.
    QStringList selected;
    if (request.hasQuery(u"$select")) {
        for (const QString &name : request.queryValue(u"$select").split(u',', Qt::SkipEmptyParts)) {
            const QString property = name.trimmed();
            if (!item.contains(property)) {
                return errorResponse(400, u"0x0"_s,
                                     u"Could not find a property named '%1' on type 'Instance'. Properties: "
                                     u"%2."_s.arg(property, item.keys().join(u", "_s)));
            }
            selected.append(property);
        }
    }
    const auto shaped = [&](const QJsonObject &full) {
        if (selected.isEmpty())
            return full;
        // The key comes back whatever $select says, as on the Web API (the vector shows Id unselected).
        QJsonObject o{{u"Id"_s, full.value(u"Id"_s)}};
        for (const QString &p : std::as_const(selected))
            o.insert(p, full.value(p));
        return o;
    };
    const QString contextSet =
        u"Instances"_s + (selected.isEmpty() ? QString() : u"("_s + selected.join(u',') + u')');

    if (m.capturedLength(1) > 0 || m.captured(0).contains(u'(')) {
        // Instances(<guid>) or Instances(UniqueName='name').
        const QString key = m.captured(1).trimmed();
        static const QRegularExpression byName(u"^UniqueName\\s*=\\s*'((?:[^']|'')*)'$"_s);
        const auto named = byName.match(key);
        bool found = false;
        if (named.hasMatch()) {
            found =
                named.captured(1).replace(u"''"_s, u"'"_s).compare(m_org.uniqueName, Qt::CaseInsensitive) ==
                0;
        } else {
            const QUuid id = QUuid::fromString(key);
            if (id.isNull()) {
                return errorResponse(400, u"0x0"_s,
                                     u"The key '%1' is not valid: use Instances(<guid>) or "
                                     u"Instances(UniqueName='<unique name>')."_s.arg(key));
            }
            found = id == m_org.organizationId;
        }
        if (!found)
            return errorResponse(404, u"0x0"_s,
                                 u"No instance matches the key '%1' for this user."_s.arg(key));
        QJsonObject body = shaped(item);
        body.insert(u"@odata.context"_s, QString(serviceRoot + u"$metadata#"_s + contextSet + u"/$entity"_s));
        return jsonResponse(200, body);
    }

    // $filter: "<Property> eq <literal>" clauses joined by "and" — what environment pickers send (by unique
    // name, by state, by type). Anything else is refused rather than silently ignored.
    bool keep = true;
    if (request.hasQuery(u"$filter")) {
        static const QRegularExpression clause(u"^\\s*(\\w+)\\s+eq\\s+('(?:[^']|'')*'|[-\\w.]+)\\s*$"_s);
        for (const QString &part : request.queryValue(u"$filter").split(u" and "_s)) {
            const auto c = clause.match(part);
            if (!c.hasMatch()) {
                return errorResponse(
                    400, u"0x0"_s,
                    u"The $filter clause '%1' is not supported by the sandbox's discovery "
                    u"service: use <Property> eq <value>, joined by 'and'."_s.arg(part.trimmed()));
            }
            if (!item.contains(c.captured(1))) {
                return errorResponse(
                    400, u"0x0"_s,
                    u"Could not find a property named '%1' on type 'Instance'."_s.arg(c.captured(1)));
            }
            keep = keep && literalMatches(item.value(c.captured(1)), c.captured(2));
        }
    }
    QJsonArray value;
    if (keep)
        value.append(shaped(item));
    return jsonResponse(
        200, QJsonObject{{u"@odata.context"_s, QString(serviceRoot + u"$metadata#"_s + contextSet)},
                         {u"value"_s, value}});
}

} // namespace d365::sandbox
