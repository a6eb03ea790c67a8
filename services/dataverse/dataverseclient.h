#pragma once

// Asynchronous client for one Dataverse Web API endpoint, over an HttpTransport (SocketTransport unless a
// test injects another). Create it on the thread that uses it.
//
//   send(request, context, callback)
//     → token from the TokenProvider (a refresh in flight is shared by every waiting request; a sign-in
//       failure ends the request with the provider's own error: wrong secret, not signed in, …)
//     → HTTP request with the recommended OData headers, one write, on a keep-alive connection
//     → 401: invalidate that token and retry with a newer one (each request as long as it gets tokens it has
//       not seen refused, at most maxAuthRetries times)
//     → 429: wait Retry-After (+ jitter); 502/503/504 and 500 (SQL deadlocks and timeouts come back as
//       500, FACTS §7): exponential back-off; a connection refused or a request that never left: back-off
//     → a dropped connection, a cut-off answer or a timeout leave the outcome unknown: an idempotent request
//       is sent again, any other ends with error.outcomeUnknown so its caller can find out what happened
//     → a 2xx whose JSON does not parse, an HTML page or a redirect is an error, never a success
//     → callback(response) exactly once, on the client's thread (unless context was destroyed)
//
// The access token is only ever put in the Authorization header; it is never logged.

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/dataverseerror.h"
#include "services/dataverse/httptransport.h"

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

#include <functional>
#include <memory>

namespace d365::services {

class TokenProvider;

struct DataverseRequest
{
    QByteArray method = "GET";
    QString path;        // relative to the Web API base: "contacts(…)?$select=…"; already percent-encoded
    HttpHeaders headers; // extra headers (Prefer, If-Match, …)
    QByteArray body;     // JSON, or a $batch body with its own Content-Type header; empty for none
    bool idempotent = true; // may be sent again when its outcome is unknown (dropped, cut off, timed out)
    int timeoutMs = 0;      // no answer for this long is a timeout; 0 → the client's policy

    static DataverseRequest get(const QString &path);
};

struct DataverseResponse
{
    int status = 0;                        // HTTP status; 0 when no complete answer arrived
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    std::optional<ServiceError> error; // set when the request failed (after retries)
    int attempts = 0;
    // An earlier attempt's outcome was unknown and it was sent again: the service may already have carried it
    // out, so "already exists" from this answer may be the request's own earlier success.
    bool resent = false;
    qint64 elapsedMs = 0; // wall time of the last attempt on the wire

    bool ok() const { return !error.has_value(); }
    // The body as JSON (parsed once, by the client, when the answer said application/json).
    QJsonObject json() const;
    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }

    QJsonDocument document; // filled by the client for JSON answers
};

struct RetryPolicy
{
    int maxRetries = 8;        // 502/503/504, dropped or refused connections
    int maxTimeoutRetries = 2; // requests that got no answer within requestTimeoutMs (each waited that long)
    int maxServerErrorRetries = 2; // HTTP 500
    int maxThrottleRetries = 30;   // 429 (each waits Retry-After)
    int maxAuthRetries = 10;       // 401 followed by a newer token
    int baseDelayMs = 500;         // exponential back-off base
    int maxDelayMs = 30000;
    int maxRetryAfterSeconds = 300;
    int requestTimeoutMs = 120000; // no answer for this long

    // How long to wait before attempt `attempt + 1`: the service's Retry-After when it sent one (capped),
    // else exponential back-off. Callers add jitter where requests run in parallel.
    int delayMs(int attempt, int retryAfterSeconds = -1) const;
};

// What the client has seen so far (benchmarks, reports, the engine's batch sizing).
struct ClientStats
{
    qint64 requests = 0;         // HTTP exchanges, retries included
    qint64 throttled = 0;        // 429 answers
    qint64 retried = 0;          // attempts after the first
    qint64 wireMilliseconds = 0; // sum of the exchanges' wall times
};

class DataverseClient : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const DataverseResponse &)>;

    DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                    QObject *parent = nullptr);
    // With a transport of the caller's choice (tests: a fake one).
    DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                    std::unique_ptr<HttpTransport> transport, QObject *parent = nullptr);
    ~DataverseClient() override;

    void setRetryPolicy(const RetryPolicy &policy) { m_retryPolicy = policy; }
    const RetryPolicy &retryPolicy() const { return m_retryPolicy; }
    const ConnectionProfile &profile() const { return m_profile; }
    ErrorContext errorContext(const QString &entitySet = {}) const;

    // Sends the request; callback runs once on this object's thread unless context is destroyed first.
    void send(const DataverseRequest &request, QObject *context, Callback callback);
    int inFlight() const { return m_inFlight; }
    // Last x-ms-dop-hint the service sent (recommended parallelism), or 0.
    int dopHint() const { return m_dopHint; }
    // Connections the transport may open to the org (the engine sets it from the parallelism it uses).
    void setMaxConnections(int connections);
    // The service's clock now, from the Date header of the latest answer (invalid before any answer).
    QDateTime serverNow() const;
    const ClientStats &stats() const { return m_stats; }
    // Milliseconds until the last 429's Retry-After has passed (0 when no request is held back).
    qint64 throttledForMs() const;

private:
    struct Pending;
    void attempt(std::shared_ptr<Pending> pending);
    void onReply(std::shared_ptr<Pending> pending, HttpReply reply);
    void finish(std::shared_ptr<Pending> pending, DataverseResponse response);
    void retryLater(std::shared_ptr<Pending> pending, int delayMs);

    ConnectionProfile m_profile;
    TokenProvider *m_tokenProvider = nullptr;
    std::unique_ptr<HttpTransport> m_transport;
    RetryPolicy m_retryPolicy;
    QByteArray m_baseUrl; // encoded Web API base URL
    int m_inFlight = 0;
    int m_dopHint = 0;
    QDateTime m_serverDate;
    bool m_reachedService = false; // some request got an HTTP answer (refusals after that are retried longer)
    QElapsedTimer m_sinceServerDate;
    // After a 429 no request of this client (this user on this org) leaves before the Retry-After has
    // passed: requests sent during it would be refused and make the service lengthen the wait (FACTS §9).
    QElapsedTimer m_clock;
    qint64 m_throttledUntilMs = 0; // on m_clock; 0: not throttled
    ClientStats m_stats;
};

} // namespace d365::services
