#pragma once

// The sandbox: an HttpServer whose requests run through a pipeline of stages and end at the Web API.
//
//   HttpServer -> SandboxServer::handle -> [stage 1 -> stage 2 -> ...] -> WebApi -> RecordApi / MetadataApi
//                                          (bearer token, fault injection,
//                                           service protection: sandboxoptions.h)
//   ... then finish() of the same stages in reverse order (headers, response delay, dropped connection)
//   ... then, if the request committed writes, the write barrier's hold (--data: answer once durable).
//
// A stage may answer the request itself (a 401, a 429, a dropped connection) or let it pass. Paths added with
// addRoute (/_sandbox/...) bypass the pipeline. The org
// (definition plus rows) lives in an OrgStore that knows nothing about HTTP.

#include "httpserver.h"
#include "identityprovider.h"
#include "odataresponse.h"
#include "orgstore.h"
#include "webapi.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace d365::sandbox {

class RequestStage
{
public:
    virtual ~RequestStage() = default;
    // Returns a response to stop the request here, or nullopt to pass it on. A stage may enrich the context
    // (the bearer-token stage sets the caller).
    virtual std::optional<HttpResponse> process(const HttpRequest &request, ServiceContext &context) = 0;
    // Runs after the Web API (or a later stage) answered, in reverse stage order, for every stage whose
    // process() ran; may add headers, a delay or a connection fault to the response.
    virtual void finish(const HttpRequest &request, const ServiceContext &context, HttpResponse &response)
    {
        Q_UNUSED(request);
        Q_UNUSED(context);
        Q_UNUSED(response);
    }
};

// Every /api/data request needs "Authorization: Bearer <token>". Which tokens are valid, and which user
// (systemuserid) a token stands for, is up to the validator: SandboxServer installs
// IdentityProvider::validate (which also knows --accept-any-token). The caller lands in
// ServiceContext::callerId.
class BearerTokenStage : public RequestStage
{
public:
    // The caller's systemuserid for a valid token, nullopt to reject it with 401.
    using Validator = std::function<std::optional<QUuid>(QByteArrayView token)>;
    BearerTokenStage(QUuid tenantId, Validator validator);
    std::optional<HttpResponse> process(const HttpRequest &request, ServiceContext &context) override;

private:
    QUuid m_tenantId;
    Validator m_validator;
};

class SecurityModel; // security.h
class SecurityStage;

class SandboxServer : public QObject
{
    Q_OBJECT

public:
    explicit SandboxServer(std::shared_ptr<const OrgDefinition> definition, QObject *parent = nullptr);
    ~SandboxServer() override;

    // HTTPS instead of HTTP (--tls); before listen().
    void setTlsConfiguration(const QSslConfiguration &configuration);
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    QUrl baseUrl() const; // http://127.0.0.1:<port>, or https:// with TLS

    // Stages run in the order added, after the bearer-token check and before the Web API.
    void addStage(std::unique_ptr<RequestStage> stage);

    OrgStore &store() { return m_store; }

    // Requests whose path starts with `pathPrefix` (outside /api/data) go to `route` (e.g. /_sandbox/).
    using Route = std::function<HttpResponse(const HttpRequest &)>;
    void addRoute(const QString &pathPrefix, Route route);
    // Sees every request with its final response (the request log).
    // handlerUs: time spent producing the response (without response.delayMs).
    using Observer = std::function<void(const HttpRequest &, const ServiceContext &, const HttpResponse &,
                                        qint64 handlerUs)>;
    void setObserver(Observer observer) { m_observer = std::move(observer); }
    // The identity provider (/{tenant}/oauth2/v2.0/...); it is also the default token validator.
    IdentityProvider &identity() { return *m_identity; }
    // Security roles and privileges (security.h): without a model every caller may do everything. Also serves
    // /_sandbox/security.
    void setSecurity(std::shared_ptr<SecurityModel> model);
    // Called for the response of every request that committed writes to the store; returns a hold that
    // keeps the response back until those writes are durable (--data: OrgPersistence::barrier), or an
    // empty one. Responses of requests that wrote nothing (reads, rejected writes) are never held.
    using WriteBarrier = std::function<HttpResponse::Hold()>;
    void setWriteBarrier(WriteBarrier barrier) { m_writeBarrier = std::move(barrier); }

private:
    HttpResponse handle(const HttpRequest &request);
    HttpResponse route(const HttpRequest &request, ServiceContext &context);

    OrgStore m_store;
    WebApi m_webApi;
    std::unique_ptr<IdentityProvider> m_identity;
    SecurityStage *m_security = nullptr;
    std::vector<std::unique_ptr<RequestStage>> m_stages;
    HttpServer *m_http = nullptr;
    QList<QPair<QString, Route>> m_routes;
    Observer m_observer;
    WriteBarrier m_writeBarrier;
};

} // namespace d365::sandbox
