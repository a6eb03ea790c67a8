#include "services/dataverse/dataverseclient.h"

#include "services/dataverse/sockettransport.h"
#include "services/dataverse/tlstrust.h"
#include "services/dataverse/tokenprovider.h"

#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcClient, "d365.dataverse.client")

namespace d365::services {

namespace {

// Tries for a refused connection before the service ever answered (then the address is most likely wrong).
constexpr int FirstContactRefusedRetries = 2;

bool isJsonContentType(const QByteArray &contentType)
{
    return contentType.contains("json");
}

// A body that is neither the Web API's JSON nor a $batch answer: an HTML page (a portal, a proxy, the wrong
// server) or anything else we cannot read.
bool isForeignContent(const QByteArray &contentType, const QByteArray &body)
{
    if (body.isEmpty()) {
        return false;
    }
    if (contentType.isEmpty()) {
        return body.trimmed().startsWith('<');
    }
    return !isJsonContentType(contentType) && !contentType.startsWith("multipart/") &&
           !contentType.startsWith("text/plain"); // $count answers with a bare number
}

} // namespace

struct DataverseClient::Pending
{
    DataverseRequest request;
    QPointer<QObject> context;
    bool hasContext = false;
    Callback callback;
    int attempts = 0;
    int authRetries = 0;
    int serverErrorRetries = 0;
    int throttleRetries = 0;
    int otherRetries = 0;
    int timeoutRetries = 0;
    bool resent = false; // an earlier attempt's outcome was unknown
    QByteArray token;
    QList<QByteArray> refusedTokens;
};

namespace {
// The transport with the profile's TLS trust (a sandbox profile's CA file, tlstrust.h).
std::unique_ptr<HttpTransport> socketTransportFor(const ConnectionProfile &profile)
{
    auto transport = std::make_unique<SocketTransport>();
    // A plain-http sandbox has no TLS to configure; not asking also keeps OpenSSL's per-thread state off the
    // sync worker's thread for it.
    if (profile.orgUrl.scheme() != "https"_L1)
        return transport;
    if (const auto tls = tlsConfiguration(profile))
        transport->setSslConfiguration(*tls);
    else
        transport->setTlsSetupError(tls.error().message);
    return transport;
}
} // namespace

DataverseRequest DataverseRequest::get(const QString &path)
{
    DataverseRequest request;
    request.method = "GET";
    request.path = path;
    return request;
}

QJsonObject DataverseResponse::json() const
{
    return document.object();
}

DataverseClient::DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                                 QObject *parent)
    : DataverseClient(profile, tokenProvider, socketTransportFor(profile), parent)
{}

DataverseClient::DataverseClient(const ConnectionProfile &profile, TokenProvider *tokenProvider,
                                 std::unique_ptr<HttpTransport> transport, QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_tokenProvider(tokenProvider)
    , m_transport(std::move(transport))
    , m_baseUrl(profile.webApiBaseUrl().toEncoded())
{
    // Redirects are never followed (the transport does not follow them): Dataverse does not redirect API
    // calls, and following one could send the bearer token to another host.
    m_clock.start();
}

qint64 DataverseClient::throttledForMs() const
{
    return std::max<qint64>(0, m_throttledUntilMs - m_clock.elapsed());
}

DataverseClient::~DataverseClient()
{
    // The transport goes first, so no callback runs into a client (or an owner) that is being destroyed.
    m_transport.reset();
}

ErrorContext DataverseClient::errorContext(const QString &entitySet) const
{
    return ErrorContext{m_profile.name, m_profile.orgUrl.toString(), entitySet, m_profile.isSandbox()};
}

void DataverseClient::setMaxConnections(int connections)
{
    m_transport->setMaxConnectionsPerHost(connections);
}

QDateTime DataverseClient::serverNow() const
{
    if (!m_serverDate.isValid()) {
        return {};
    }
    return m_serverDate.addMSecs(m_sinceServerDate.elapsed());
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
    if (const qint64 wait = throttledForMs(); wait > 0) {
        // Held back until the service's Retry-After has passed (a new request, or a retry of another 429).
        retryLater(pending, int(wait));
        return;
    }
    ++pending->attempts;

    // A refresh that another request started is shared: the provider makes every caller wait for it.
    auto token = m_tokenProvider ? m_tokenProvider->accessToken(m_profile)
                                 : Result<QByteArray>(Error::make(
                                       ErrorCategory::Authentication,
                                       tr("No sign-in is configured for profile '%1'.").arg(m_profile.name)));
    if (token.ok() && pending->refusedTokens.contains(token.value())) {
        // The provider has nothing newer than a token the service already refused for this request.
        token = Error::make(ErrorCategory::Authentication,
                            tr("Authentication failed: the service refused the access token of profile '%1' "
                               "and no newer one could be obtained. Reconnect the profile (sign in again) "
                               "and retry.")
                                .arg(m_profile.name));
    }
    if (!token.ok()) {
        DataverseResponse response;
        ServiceError error;
        error.signIn = token.error();
        error.message = token.error().message;
        response.error = error;
        response.attempts = pending->attempts;
        response.resent = pending->resent;
        finish(pending, response);
        return;
    }
    pending->token = token.value();

    HttpRequest request;
    request.method = pending->request.method;
    request.url = QUrl::fromEncoded(m_baseUrl + pending->request.path.toUtf8(), QUrl::TolerantMode);
    request.timeoutMs =
        pending->request.timeoutMs > 0 ? pending->request.timeoutMs : m_retryPolicy.requestTimeoutMs;
    request.headers.reserve(6 + pending->request.headers.size());
    request.headers.append(qMakePair(QByteArray("Accept"), QByteArray("application/json")));
    request.headers.append(qMakePair(QByteArray("OData-MaxVersion"), QByteArray("4.0")));
    request.headers.append(qMakePair(QByteArray("OData-Version"), QByteArray("4.0")));
    request.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer " + pending->token)));
    bool hasContentType = false;
    for (const auto &header : std::as_const(pending->request.headers)) {
        hasContentType = hasContentType || header.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
        request.headers.append(header);
    }
    if (!pending->request.body.isEmpty() && !hasContentType) {
        request.headers.append(
            qMakePair(QByteArray("Content-Type"), QByteArray("application/json; charset=utf-8")));
    }
    request.body = pending->request.body;

    qCDebug(lcClient).noquote() << pending->request.method << pending->request.path.left(200) << "attempt"
                                << pending->attempts;
    ++m_stats.requests;
    if (pending->attempts > 1) {
        ++m_stats.retried;
    }
    QPointer<DataverseClient> self(this);
    m_transport->send(std::move(request), [self, pending](HttpReply reply) {
        if (self) {
            self->onReply(pending, std::move(reply));
        }
    });
}

void DataverseClient::onReply(std::shared_ptr<Pending> pending, HttpReply reply)
{
    m_stats.wireMilliseconds += reply.elapsedMs;
    DataverseResponse response;
    response.attempts = pending->attempts;
    response.elapsedMs = reply.elapsedMs;
    response.status = reply.status;
    response.body = std::move(reply.body);
    for (const auto &[name, value] : std::as_const(reply.headers)) {
        response.headers.insert(name.toLower(), value);
    }
    if (reply.status > 0) {
        m_reachedService = true;
    }
    if (const int hint = response.header("x-ms-dop-hint").toInt(); hint > 0) {
        m_dopHint = hint;
    }
    if (const QByteArray date = response.header("date"); !date.isEmpty()) {
        // IMF-fixdate ("Tue, 15 Nov 1994 08:12:31 GMT"); Qt's RFC 2822 parser wants a numeric zone.
        QString text = QString::fromLatin1(date).trimmed();
        if (text.endsWith(" GMT"_L1)) {
            text.chop(3);
            text += "+0000"_L1;
        }
        const QDateTime parsed = QDateTime::fromString(text, Qt::RFC2822Date);
        if (parsed.isValid()) {
            m_serverDate = parsed.toUTC();
            m_sinceServerDate.start();
        }
    }

    if (reply.error != TransportError::None) {
        ServiceError error;
        error.transport = reply.error;
        error.message = reply.errorText;
        error.outcomeUnknown = reply.requestSent;
        response.error = error;
        const bool mayResend = !reply.requestSent || pending->request.idempotent;
        const bool timedOut = reply.error == TransportError::Timeout;
        const bool transient = reply.error == TransportError::ConnectionRefused || timedOut ||
                               reply.error == TransportError::ConnectionClosed ||
                               reply.error == TransportError::Other;
        // A timeout already waited the whole limit: it gets fewer tries than a dropped connection.
        int &retries = timedOut ? pending->timeoutRetries : pending->otherRetries;
        int limit = timedOut ? m_retryPolicy.maxTimeoutRetries : m_retryPolicy.maxRetries;
        if (reply.error == TransportError::ConnectionRefused && !m_reachedService) {
            // Refused before the service ever answered: most likely the wrong address or nothing listening;
            // a user should hear that in seconds, not after the minutes a restarting server is given.
            limit = std::min(limit, FirstContactRefusedRetries);
        }
        if (transient && mayResend && retries < limit) {
            ++retries;
            pending->resent = pending->resent || reply.requestSent;
            const int delay = timedOut ? 0 : m_retryPolicy.delayMs(retries);
            qCInfo(lcClient).noquote()
                << transportErrorName(reply.error) << "on" << pending->request.method << "("
                << reply.errorText << ") - sending it again in" << delay << "ms";
            retryLater(pending, delay);
            return;
        }
        response.resent = pending->resent;
        finish(pending, response);
        return;
    }

    const QByteArray contentType = response.header("content-type").toLower();
    if (response.status >= 200 && response.status < 300) {
        if (isJsonContentType(contentType) && !response.body.isEmpty()) {
            QJsonParseError parseError;
            response.document = QJsonDocument::fromJson(response.body, &parseError);
            if (parseError.error != QJsonParseError::NoError) {
                // A complete answer that says success but whose body is not JSON: treat it like a cut-off
                // answer (the outcome of a write is then unknown).
                ServiceError error;
                error.httpStatus = response.status;
                error.code = u"invalid-json"_s;
                error.message = tr("the service's answer (HTTP %1) is not valid JSON: %2 at byte %3")
                                    .arg(response.status)
                                    .arg(parseError.errorString())
                                    .arg(parseError.offset);
                error.outcomeUnknown = pending->request.method != "GET";
                response.error = error;
                if (pending->request.idempotent && pending->otherRetries < m_retryPolicy.maxRetries) {
                    ++pending->otherRetries;
                    pending->resent = pending->resent || error.outcomeUnknown;
                    retryLater(pending, m_retryPolicy.delayMs(pending->otherRetries));
                    return;
                }
                response.resent = pending->resent;
                finish(pending, response);
                return;
            }
        } else if (isForeignContent(contentType, response.body)) {
            ServiceError error;
            error.httpStatus = response.status;
            error.code = u"not-dataverse"_s;
            error.message =
                tr("the server answered with %1 instead of the Dataverse Web API's JSON")
                    .arg(contentType.isEmpty() ? tr("an HTML page") : QString::fromLatin1(contentType));
            response.error = error;
            response.resent = pending->resent;
            finish(pending, response);
            return;
        }
        response.resent = pending->resent;
        finish(pending, response);
        return;
    }

    if (response.status >= 300 && response.status < 400) {
        ServiceError error;
        error.httpStatus = response.status;
        error.code = u"redirect"_s;
        error.message = tr("the server redirected the request (HTTP %1) to %2; the Dataverse Web API never "
                           "redirects")
                            .arg(response.status)
                            .arg(QString::fromUtf8(response.header("location")));
        response.error = error;
        response.resent = pending->resent;
        finish(pending, response);
        return;
    }

    ServiceError error = ServiceError::fromHttp(response.status, response.body, contentType);
    bool okRetry = false;
    const int retryAfter = response.header("retry-after").trimmed().toInt(&okRetry);
    if (okRetry) {
        error.retryAfterSeconds = retryAfter;
    }
    response.error = error;

    if (response.status == 401 && m_tokenProvider && pending->authRetries < m_retryPolicy.maxAuthRetries) {
        // The token expired or was revoked. Another request may already have a newer one; if not, the
        // provider fetches one (once for everybody waiting).
        qCInfo(lcClient) << "401 from the service; retrying with a newer access token";
        pending->refusedTokens.append(pending->token);
        m_tokenProvider->invalidate(pending->token);
        ++pending->authRetries;
        retryLater(pending, 0);
        return;
    }
    int retries = 0;
    int limit = 0;
    if (response.status == 429) {
        ++m_stats.throttled;
        retries = ++pending->throttleRetries;
        limit = m_retryPolicy.maxThrottleRetries;
        if (error.retryAfterSeconds >= 0) {
            // Every request waits, not only this one: sending more during the wait only lengthens it.
            m_throttledUntilMs =
                std::max(m_throttledUntilMs,
                         m_clock.elapsed() + m_retryPolicy.delayMs(retries, error.retryAfterSeconds));
        }
    } else if (response.status == 500) {
        retries = ++pending->serverErrorRetries;
        limit = m_retryPolicy.maxServerErrorRetries;
    } else if (error.isTransient()) {
        retries = ++pending->otherRetries;
        limit = m_retryPolicy.maxRetries;
    }
    if (retries > 0 && retries <= limit) {
        int delay = m_retryPolicy.delayMs(retries, response.status == 429 ? error.retryAfterSeconds : -1);
        // A little jitter so parallel requests do not come back in lock-step.
        delay += int(QRandomGenerator::global()->bounded(std::max(1, delay / 10 + 1)));
        qCInfo(lcClient) << "HTTP" << response.status << "- retrying in" << delay << "ms (attempt"
                         << pending->attempts << ")";
        retryLater(pending, delay);
        return;
    }
    response.resent = pending->resent;
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
