#include "sandboxserver.h"

#include "discoveryapi.h"
#include "security.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcSandbox, "d365.sandbox.server")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

BearerTokenStage::BearerTokenStage(QUuid tenantId, Validator validator)
    : m_tenantId(tenantId)
    , m_validator(std::move(validator))
{}

std::optional<HttpResponse> BearerTokenStage::process(const HttpRequest &request, ServiceContext &context)
{
    const QByteArray auth = request.header("Authorization");
    const QByteArrayView token = request.bearerToken();
    if (!token.isEmpty()) {
        if (const std::optional<QUuid> caller = m_validator(token)) {
            context.callerId = *caller;
            return std::nullopt;
        }
    }
    // Never log the token itself.
    qCInfo(lcSandbox) << "rejected" << request.method << request.path
                      << (auth.isEmpty() ? "without Authorization header" : "with an invalid bearer token");
    HttpResponse r = errorResponse(
        401, u"0x80072560"_s,
        auth.isEmpty()
            ? u"The user is not authenticated: the request has no Authorization header. Send "
              u"'Authorization: Bearer <access token>'."_s
            : u"The user is not authenticated: the bearer token is missing, invalid or expired."_s);
    const QString resource = context.serviceRoot.left(context.serviceRoot.indexOf(u"/api/data/"_s) + 1);
    r.headers.append(
        {QByteArrayLiteral("WWW-Authenticate"),
         QString(u"Bearer authorization_uri=https://login.microsoftonline.com/"_s +
                 m_tenantId.toString(QUuid::WithoutBraces) + u"/oauth2/authorize, resource_id="_s + resource)
             .toUtf8()});
    return r;
}

namespace {

// /_sandbox/keys: the alternate keys' EntityKeyIndexStatus (FACTS §3). The service builds a new key's index
// asynchronously (Pending → InProgress → Active, or Failed); here a test or demo moves a key on:
//   GET  /_sandbox/keys                                                  →
//   {"keys":[{"table","key","status"}]} POST /_sandbox/keys
//   {"table":"contact","key":"new_EmailKey","status":"Active"} → the status it ended in
// (Active builds the index and ends Failed when rows share key values; "status" defaults to Active).
HttpResponse keysAdmin(OrgStore &store, const HttpRequest &request)
{
    const OrgDefinition &def = store.definition();
    const auto describe = [&](const TableDef &t, int k) {
        return QJsonObject{{u"table"_s, t.logicalName},
                           {u"key"_s, t.keys[k].schemaName},
                           {u"status"_s, keyIndexStatusName(store.keyStatus(t, k))}};
    };
    if (request.method == "GET") {
        QJsonArray keys;
        for (const TableDef &t : def.tables())
            for (int k = 0; k < t.keys.size(); ++k)
                keys.append(describe(t, k));
        return jsonResponse(200, QJsonObject{{u"keys"_s, keys}});
    }
    if (request.method != "POST")
        return methodNotAllowed(request.method, "GET, POST");
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    const TableDef *table = def.tableByLogicalName(body.value(u"table"_s).toString());
    if (!table)
        return badRequest(
            u"Unknown table '%1' (give its logical name)."_s.arg(body.value(u"table"_s).toString()));
    int keyIndex = -1;
    for (int k = 0; k < table->keys.size(); ++k) {
        if (table->keys[k].schemaName.compare(body.value(u"key"_s).toString(), Qt::CaseInsensitive) == 0)
            keyIndex = k;
    }
    if (keyIndex < 0)
        return badRequest(
            u"'%1' has no alternate key '%2'."_s.arg(table->logicalName, body.value(u"key"_s).toString()));
    const auto status = keyIndexStatusFromName(body.value(u"status"_s).toString(u"Active"_s));
    if (!status)
        return badRequest(u"'status' must be Pending, InProgress, Active or Failed."_s);
    const KeyIndexStatus reached = store.setKeyStatus(*table, keyIndex, *status);
    qCInfo(lcSandbox) << "key" << table->logicalName << table->keys[keyIndex].schemaName << "is now"
                      << keyIndexStatusName(reached);
    return jsonResponse(200, describe(*table, keyIndex));
}

} // namespace

SandboxServer::SandboxServer(std::shared_ptr<const OrgDefinition> definition, QObject *parent)
    : QObject(parent)
    , m_store(definition)
    , m_webApi(m_store)
    , m_identity(std::make_unique<IdentityProvider>(*definition))
{
    m_stages.push_back(
        std::make_unique<BearerTokenStage>(definition->organization().tenantId, [this](QByteArrayView token) {
            return m_identity->validate(token);
        }));
    auto security = std::make_unique<SecurityStage>(m_store, *m_identity);
    m_security = security.get();
    m_stages.push_back(std::move(security));
    m_http = new HttpServer([this](const HttpRequest &request) { return handle(request); }, this);
    // The Global Discovery Service: its own token audience, outside the Web API's pipeline.
    auto discovery = std::make_shared<DiscoveryApi>(definition->organization(), [this](QByteArrayView token) {
        return m_identity->validateDiscovery(token);
    });
    addRoute(QString::fromLatin1(DiscoveryApi::PathPrefix),
             [discovery](const HttpRequest &request) { return discovery->handle(request); });
    addRoute(u"/_sandbox/keys"_s, [this](const HttpRequest &request) { return keysAdmin(m_store, request); });
}

SandboxServer::~SandboxServer() = default;

void SandboxServer::setTlsConfiguration(const QSslConfiguration &configuration)
{
    m_http->setTlsConfiguration(configuration);
}

bool SandboxServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_http->listen(address, port))
        return true;
    *error = m_http->errorString();
    return false;
}

QUrl SandboxServer::baseUrl() const
{
    QUrl url;
    url.setScheme(m_http->isSecure() ? u"https"_s : u"http"_s);
    url.setHost(m_http->serverAddress().toString());
    url.setPort(m_http->serverPort());
    return url;
}

void SandboxServer::setSecurity(std::shared_ptr<SecurityModel> model)
{
    const bool first = !m_security->model();
    m_security->setModel(std::move(model));
    if (first)
        addRoute(u"/_sandbox/security"_s, [this](const HttpRequest &request) {
            if (SecurityModel *m = m_security->model())
                return m->admin(request);
            return errorResponse(404, QString(), u"No security model is loaded."_s);
        });
}

void SandboxServer::addStage(std::unique_ptr<RequestStage> stage)
{
    m_stages.push_back(std::move(stage));
}

void SandboxServer::addRoute(const QString &pathPrefix, Route route)
{
    m_routes.append({pathPrefix, std::move(route)});
}

HttpResponse SandboxServer::handle(const HttpRequest &request)
{
    ServiceContext context;
    QElapsedTimer timer;
    timer.start();
    const quint64 commitsBefore = m_store.commitCount();
    HttpResponse r = route(request, context);
    if (m_writeBarrier && m_store.commitCount() != commitsBefore)
        r.hold = m_writeBarrier();
    if (m_observer)
        m_observer(request, context, r, timer.nsecsElapsed() / 1000);
    return r;
}

HttpResponse SandboxServer::route(const HttpRequest &request, ServiceContext &context)
{
    // Every admin endpoint (faults, limits, security, identity) answers local clients only.
    if (request.path.startsWith(u"/_sandbox/"_s) && !request.fromLoopback())
        return errorResponse(403, QString(),
                             u"The sandbox admin endpoints answer loopback connections only."_s);
    for (const auto &[prefix, handler] : std::as_const(m_routes)) {
        if (request.path.startsWith(prefix))
            return handler(request);
    }
    static const QRegularExpression apiPath(u"^/api/data/(v\\d+\\.\\d+)(?:/(.*))?$"_s);
    const auto m = apiPath.match(request.path);
    const QString origin = request.origin();
    context.requestUrl = origin + request.path;
    if (!m.hasMatch() && IdentityProvider::handles(request.path))
        return m_identity->handle(request);
    if (!m.hasMatch()) {
        qCDebug(lcSandbox) << request.method << request.path << "-> 404 (outside /api/data)";
        return errorResponse(
            404, QString(),
            u"No HTTP resource was found that matches the request URI '%1'. The Web API lives "
            u"under /api/data/v9.2/."_s.arg(context.requestUrl));
    }
    context.serviceRoot = origin + u"/api/data/"_s + m.captured(1) + u'/';
    context.detectDuplicates =
        request.header("MSCRM.SuppressDuplicateDetection").trimmed().compare("false", Qt::CaseInsensitive) ==
        0;
    size_t ran = 0;
    std::optional<HttpResponse> early;
    while (ran < m_stages.size() && !early)
        early = m_stages[ran++]->process(request, context);
    HttpResponse r = early ? std::move(*early) : m_webApi.handle(request, context, m.capturedView(2));
    while (ran > 0)
        m_stages[--ran]->finish(request, context, r);
    qCDebug(lcSandbox) << request.method << request.path << "->" << r.status;
    return r;
}

} // namespace d365::sandbox
