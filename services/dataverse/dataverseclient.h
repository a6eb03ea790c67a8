#pragma once

// Asynchronous client for one Dataverse Web API endpoint, on a QNetworkAccessManager that it owns. Create it
// on the thread that uses it (each thread doing HTTP has its own client and manager).
//
//   send(request, context, callback)
//     → token from the TokenProvider → HTTP request with the recommended OData headers
//     → 401: invalidate the token, fetch a new one, retry once
//     → 429: wait Retry-After seconds; 502/503/504 and dropped connections: exponential back-off
//       (transport retries only for idempotent requests, so a POST is never sent twice)
//     → callback(response) exactly once, on the client's thread (unless context was destroyed)
//
// The access token is only ever put in the Authorization header; it is never logged.

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/dataverseerror.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace d365::services {

class TokenProvider;

struct DataverseRequest
{
    QByteArray method = "GET";
    QString path;                                 // relative to the Web API base: "contacts(…)?$select=…"
    QList<QPair<QByteArray, QByteArray>> headers; // extra headers (Prefer, If-Match, …)
    QByteArray body;                              // JSON; empty for none
    bool idempotent = true;                       // may be re-sent after a dropped connection

    static DataverseRequest get(const QString &path);
};

struct DataverseResponse
{
    int status = 0;                        // HTTP status; 0 when no response arrived
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    std::optional<ServiceError> error; // set when the request failed (after retries)
    int attempts = 0;

    bool ok() const { return !error.has_value(); }
    QJsonObject json() const;
    QByteArray header(const QByteArray &lowerCaseName) const { return headers.value(lowerCaseName); }
};

struct RetryPolicy
{
    int maxRetries = 5;
    int baseDelayMs = 500; // exponential back-off base for 5xx / transport errors
    int maxDelayMs = 30000;
    int maxRetryAfterSeconds = 300;

    // How long to wait before attempt `attempt + 1`: the service's Retry-After when it sent one (capped),
    // else exponential back-off. Callers add jitter where requests run in parallel.
    int delayMs(int attempt, int retryAfterSeconds = -1) const;
};

class DataverseClient : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const DataverseResponse &)>;

    DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                    QObject *parent = nullptr);
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


private:
    struct Pending;
    void attempt(std::shared_ptr<Pending> pending);
    void onFinished(QNetworkReply *reply, std::shared_ptr<Pending> pending);
    void finish(std::shared_ptr<Pending> pending, DataverseResponse response);
    void retryLater(std::shared_ptr<Pending> pending, int delayMs);

    ConnectionProfile m_profile;
    TokenProvider *m_tokenProvider = nullptr;
    QNetworkAccessManager *m_network = nullptr;
    RetryPolicy m_retryPolicy;
    QList<QPointer<QNetworkReply>> m_replies;
    int m_inFlight = 0;
    int m_dopHint = 0;
};

} // namespace d365::services
