#include "services/dataverse/dataverseclient.h"

#include "services/dataverse/tokenprovider.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcClient, "d365.dataverse.client")

namespace d365::services {

struct DataverseClient::Pending
{
    DataverseRequest request;
    QPointer<QObject> context;
    bool hasContext = false;
    Callback callback;
    int attempts = 0;
    bool refreshedToken = false;
    QByteArray token;
};

DataverseRequest DataverseRequest::get(const QString &path)
{
    DataverseRequest request;
    request.method = "GET";
    request.path = path;
    return request;
}

QJsonObject DataverseResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

DataverseClient::DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                                 QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_tokenProvider(tokenProvider)
    , m_network(new QNetworkAccessManager(this))
{
    // Redirects are never followed: Dataverse does not redirect API calls, and following one could send the
    // bearer token to another host.
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

DataverseClient::~DataverseClient()
{
    // No callback may run while the client (and probably its owner) is being destroyed: detach the replies
    // first, then abort them.
    const auto replies = m_replies;
    for (const auto &reply : replies) {
        if (reply) {
            disconnect(reply, nullptr, this, nullptr);
            reply->abort();
        }
    }
}

ErrorContext DataverseClient::errorContext(const QString &entitySet) const
{
    return ErrorContext{m_profile.name, m_profile.orgUrl.toString(), entitySet, m_profile.isSandbox()};
}

void DataverseClient::send(const DataverseRequest &request, QObject *context, Callback callback)
{
    auto pending = std::make_shared<Pending>();
    pending->request = request;
    pending->context = context;
    pending->hasContext = context != nullptr;
    pending->callback = std::move(callback);
    ++m_inFlight;
    attempt(pending);
}

void DataverseClient::attempt(std::shared_ptr<Pending> pending)
{
    if (pending->hasContext && !pending->context) {
        --m_inFlight;
        return;
    }
    ++pending->attempts;

    auto token = m_tokenProvider ? m_tokenProvider->accessToken(m_profile)
                                 : Result<QByteArray>(Error::make(ErrorCategory::Authentication, {}));
    if (!token.ok()) {
        DataverseResponse response;
        ServiceError error;
        error.httpStatus = 401;
        error.message = token.error().message;
        response.error = error;
        response.attempts = pending->attempts;
        finish(pending, response);
        return;
    }
    pending->token = token.value();

    const QByteArray encoded = m_profile.webApiBaseUrl().toEncoded() + pending->request.path.toUtf8();
    QNetworkRequest request(QUrl::fromEncoded(encoded, QUrl::TolerantMode));
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("OData-MaxVersion", "4.0");
    request.setRawHeader("OData-Version", "4.0");
    request.setRawHeader("Authorization", "Bearer " + pending->token);
    if (!pending->request.body.isEmpty()) {
        request.setRawHeader("Content-Type", "application/json; charset=utf-8");
    }
    for (const auto &[name, value] : pending->request.headers) {
        request.setRawHeader(name, value);
    }
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(120000);

    qCDebug(lcClient).noquote() << pending->request.method << pending->request.path << "attempt"
                                << pending->attempts;
    QNetworkReply *reply =
        m_network->sendCustomRequest(request, pending->request.method, pending->request.body);
    m_replies.append(reply);
    connect(reply, &QNetworkReply::finished, this, [this, reply, pending] { onFinished(reply, pending); });
}

void DataverseClient::onFinished(QNetworkReply *reply, std::shared_ptr<Pending> pending)
{
    reply->deleteLater();
    m_replies.removeAll(reply);

    DataverseResponse response;
    response.attempts = pending->attempts;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->isOpen()) { // an aborted reply is closed; reading it only produces a warning
        response.body = reply->readAll();
    }
    for (const auto &[name, value] : reply->rawHeaderPairs()) {
        response.headers.insert(name.toLower(), value);
    }
    if (const int hint = response.header("x-ms-dop-hint").toInt(); hint > 0) {
        m_dopHint = hint;
    }

    if (response.status == 0) {
        ServiceError error;
        error.networkError = reply->error();
        error.message = reply->errorString();
        response.error = error;
        const bool cancelled = reply->error() == QNetworkReply::OperationCanceledError;
        if (!cancelled && error.isTransient() && pending->request.idempotent &&
            pending->attempts <= m_retryPolicy.maxRetries) {
            const int delay = m_retryPolicy.delayMs(pending->attempts);
            qCInfo(lcClient) << "transport error" << reply->error() << "- retrying in" << delay << "ms";
            retryLater(pending, delay);
            return;
        }
        finish(pending, response);
        return;
    }

    if (response.status >= 200 && response.status < 400) {
        finish(pending, response);
        return;
    }

    ServiceError error = ServiceError::fromHttp(response.status, response.body);
    bool okRetry = false;
    const int retryAfter = response.header("retry-after").toInt(&okRetry);
    if (okRetry) {
        error.retryAfterSeconds = retryAfter;
    }
    response.error = error;

    if (response.status == 401 && !pending->refreshedToken && m_tokenProvider) {
        // The token expired or was revoked: the provider must hand out a different one; retry once.
        qCInfo(lcClient) << "401 from the service; refreshing the token and retrying once";
        m_tokenProvider->invalidate(pending->token);
        pending->refreshedToken = true;
        retryLater(pending, 0);
        return;
    }
    if (error.isTransient() && pending->attempts <= m_retryPolicy.maxRetries) {
        int delay =
            m_retryPolicy.delayMs(pending->attempts, response.status == 429 ? error.retryAfterSeconds : -1);
        // A little jitter so parallel requests do not come back in lock-step.
        delay += int(QRandomGenerator::global()->bounded(std::max(1, delay / 10 + 1)));
        qCInfo(lcClient) << "HTTP" << response.status << "- retrying in" << delay << "ms (attempt"
                         << pending->attempts << ")";
        retryLater(pending, delay);
        return;
    }
    finish(pending, response);
}

int RetryPolicy::delayMs(int attempt, int retryAfterSeconds) const
{
    if (retryAfterSeconds >= 0) {
        return std::min(retryAfterSeconds, maxRetryAfterSeconds) * 1000;
    }
    return std::min(maxDelayMs, baseDelayMs * (1 << std::min(std::max(attempt - 1, 0), 10)));
}

void DataverseClient::retryLater(std::shared_ptr<Pending> pending, int delayMs)
{
    QTimer::singleShot(delayMs, this, [this, pending] { attempt(pending); });
}

void DataverseClient::finish(std::shared_ptr<Pending> pending, DataverseResponse response)
{
    --m_inFlight;
    if (pending->hasContext && !pending->context) {
        return;
    }
    if (pending->callback) {
        pending->callback(response);
    }
}

} // namespace d365::services
