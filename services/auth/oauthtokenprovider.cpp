#include "services/auth/oauthtokenprovider.h"

#include "services/auth/credentialstore.h"
#include "services/auth/signinconfig.h"
#include "services/dataverse/tlstrust.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <chrono>
#include <limits>
#include <utility>

Q_LOGGING_CATEGORY(lcOAuthProvider, "d365.auth.oauthtokenprovider")

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {
constexpr int TokenRequestTimeoutMs = SignInConfig::TokenRequestTimeoutSeconds * 1000;

QByteArray formField(const char *name, const QString &value)
{
    return QByteArray(name) + '=' + QUrl::toPercentEncoding(value);
}
} // namespace

// Lives on the provider's thread: owns the network access manager and the refresh-ahead timer.
class OAuthTokenProvider::Worker : public QObject
{
public:
    QNetworkAccessManager *network()
    {
        if (!m_network)
            m_network = new QNetworkAccessManager(this);
        return m_network;
    }
    QTimer *aheadTimer()
    {
        if (!m_ahead) {
            m_ahead = new QTimer(this);
            m_ahead->setSingleShot(true);
        }
        return m_ahead;
    }

private:
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_ahead = nullptr;
};

OAuthTokenProvider::OAuthTokenProvider(const ConnectionProfile &profile, Grant grant,
                                       const QString &credential, bool persistRotation)
    : m_profile(profile)
    , m_grant(grant)
    , m_persistRotation(persistRotation && grant == Grant::RefreshToken)
    , m_credential(credential)
{
    m_worker = new Worker;
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(u"d365-auth"_s);
    m_thread.start();
}

OAuthTokenProvider::~OAuthTokenProvider()
{
    m_thread.quit();
    m_thread.wait();
}

void OAuthTokenProvider::setRefreshMargin(int seconds)
{
    QMutexLocker lock(&m_mutex);
    m_margin = seconds;
}

void OAuthTokenProvider::setPersistCallback(std::function<void(Result<void>)> callback)
{
    QMutexLocker lock(&m_mutex);
    m_persistCallback = std::move(callback);
}

int OAuthTokenProvider::tokenRequestCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_requests;
}

bool OAuthTokenProvider::reconnectRequired() const
{
    QMutexLocker lock(&m_mutex);
    return m_reconnect.has_value();
}

bool OAuthTokenProvider::validLocked() const
{
    if (m_accessToken.isEmpty() || !m_expiresAt.isValid())
        return false;
    // A few seconds of skew: a token that expires in transit is as bad as an expired one.
    return QDateTime::currentDateTimeUtc().secsTo(m_expiresAt) > 5;
}

void OAuthTokenProvider::seed(const QByteArray &accessToken, const QDateTime &expiresAt)
{
    QMutexLocker lock(&m_mutex);
    m_accessToken = accessToken;
    m_expiresAt = expiresAt.toUTC();
    m_reconnect.reset();
    scheduleAheadLocked();
}

Result<QByteArray> OAuthTokenProvider::accessToken(const ConnectionProfile &)
{
    std::shared_future<void> wait;
    {
        QMutexLocker lock(&m_mutex);
        if (m_reconnect)
            return *m_reconnect;
        if (validLocked())
            return m_accessToken;
        if (!m_inflight.valid() ||
            m_inflight.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            m_lastError.reset();
            m_inflight = startRefreshLocked();
        }
        wait = m_inflight;
    }
    if (wait.wait_for(std::chrono::milliseconds(TokenRequestTimeoutMs + 5000)) != std::future_status::ready)
        return SignInConfig::unreachableError(m_profile, QNetworkReply::TimeoutError, QString());
    QMutexLocker lock(&m_mutex);
    if (m_reconnect)
        return *m_reconnect;
    if (m_lastError)
        return *m_lastError;
    if (!m_accessToken.isEmpty())
        return m_accessToken;
    return Error::make(
        ErrorCategory::Authentication,
        QCoreApplication::translate("SignIn", "The sign-in service %1 answered without an access token for "
                                              "profile '%2'. Sign in again with `d365sync-cli auth login "
                                              "--profile %2` or \"Connect with OAuth\".")
            .arg(SignInConfig::signInHost(m_profile), m_profile.name));
}

std::optional<Error> OAuthTokenProvider::lastError() const
{
    QMutexLocker lock(&m_mutex);
    if (m_reconnect)
        return m_reconnect;
    return m_lastError;
}

void OAuthTokenProvider::prefetch(QObject *context, std::function<void()> done)
{
    QMutexLocker lock(&m_mutex);
    m_waiters.append({QPointer<QObject>(context), std::move(done)});
    if (m_reconnect || validLocked()) {
        notifyWaitersLocked();
        return;
    }
    if (!m_inflight.valid() || m_inflight.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        m_lastError.reset();
        m_inflight = startRefreshLocked();
    }
}

void OAuthTokenProvider::notifyWaitersLocked()
{
    const auto waiters = std::exchange(m_waiters, {});
    for (const auto &[context, done] : waiters) {
        if (context)
            QMetaObject::invokeMethod(context.data(), done, Qt::QueuedConnection);
    }
}

void OAuthTokenProvider::invalidate(const QByteArray &token)
{
    QMutexLocker lock(&m_mutex);
    if (token == m_accessToken) {
        qCInfo(lcOAuthProvider) << "the service refused the access token of profile" << m_profile.name
                                << "; the next request refreshes it";
        m_accessToken.clear();
    }
}

std::shared_future<void> OAuthTokenProvider::startRefreshLocked()
{
    auto done = std::make_shared<std::promise<void>>();
    std::shared_future<void> future = done->get_future().share();
    const auto endpoints = SignInConfig::endpoints(m_profile);
    if (!endpoints) {
        m_lastError = endpoints.error();
        done->set_value();
        notifyWaitersLocked();
        return future;
    }
    QByteArray body = formField("client_id", endpoints->clientId) + '&';
    if (m_grant == Grant::RefreshToken) {
        if (m_credential.isEmpty()) {
            m_reconnect =
                Error::make(ErrorCategory::Authentication, SignInConfig::reconnectMessage(m_profile, 0));
            done->set_value();
            notifyWaitersLocked();
            return future;
        }
        // The scope without openid/profile: a refresh needs only the resource and offline_access.
        body += "grant_type=refresh_token&" + formField("refresh_token", m_credential) + '&' +
                formField("scope", endpoints->delegatedScope.section(u' ', 0, 1));
    } else {
        body += "grant_type=client_credentials&" + formField("client_secret", m_credential) + '&' +
                formField("scope", endpoints->applicationScope);
    }
    const QUrl url = endpoints->tokenUrl;
    // Only an https token endpoint has TLS to configure (a plain-http sandbox does not).
    std::optional<QSslConfiguration> tls;
    if (url.scheme() == "https"_L1) {
        auto configured = tlsConfiguration(m_profile);
        if (!configured) {
            m_lastError = configured.error();
            done->set_value();
            notifyWaitersLocked();
            return future;
        }
        tls = *configured;
    }
    ++m_requests;
    qCDebug(lcOAuthProvider) << "requesting a token for profile" << m_profile.name << "from" << url.host()
                             << (m_grant == Grant::RefreshToken ? "(refresh_token)" : "(client_credentials)");
    QMetaObject::invokeMethod(m_worker, [this, url, body, done, tls] {
        QNetworkRequest request(url);
        if (tls)
            request.setSslConfiguration(*tls);
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/x-www-form-urlencoded"_s);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        request.setTransferTimeout(TokenRequestTimeoutMs);
        QNetworkReply *reply = m_worker->network()->post(request, body);
        QObject::connect(reply, &QNetworkReply::finished, m_worker, [this, reply, done] {
            reply->deleteLater();
            Reply r;
            r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            r.body = reply->readAll();
            if (r.status == 0) {
                r.networkError = reply->error();
                r.transportError = reply->errorString();
            }
            apply(r);
            done->set_value();
            QMutexLocker lock(&m_mutex);
            notifyWaitersLocked();
        });
    });
    return future;
}

void OAuthTokenProvider::apply(const Reply &reply)
{
    QMutexLocker lock(&m_mutex);
    const QJsonObject o = QJsonDocument::fromJson(reply.body).object();
    const QString accessToken = o.value(u"access_token"_s).toString();
    if (reply.status != 200 || accessToken.isEmpty()) {
        bool reconnect = false;
        const Error error =
            reply.status == 0
                ? SignInConfig::unreachableError(m_profile, reply.networkError, reply.transportError)
                : SignInConfig::tokenEndpointError(m_profile, reply.status, reply.body, reply.transportError,
                                                   &reconnect);
        // Debug only: accessToken() returns the error, and whoever asked shows its message.
        qCDebug(lcOAuthProvider) << "token request for profile" << m_profile.name
                                 << "failed:" << error.detail;
        if (reconnect && m_grant == Grant::RefreshToken) {
            m_accessToken.clear();
            m_reconnect = error;
        } else {
            m_lastError = error;
        }
        return;
    }
    m_accessToken = accessToken.toUtf8();
    const QJsonValue expiresIn = o.value(u"expires_in"_s);
    const int seconds = expiresIn.isString() ? expiresIn.toString().toInt() : expiresIn.toInt(3600);
    m_expiresAt = QDateTime::currentDateTimeUtc().addSecs(qMax(1, seconds));
    m_lastError.reset();
    const QString rotated = o.value(u"refresh_token"_s).toString();
    if (m_grant == Grant::RefreshToken && !rotated.isEmpty() && rotated != m_credential) {
        m_credential = rotated;
        if (m_persistRotation) {
            auto callback = m_persistCallback;
            const QString name = m_profile.name;
            CredentialStore::write(
                name, CredentialStore::RefreshToken, rotated, m_worker, [name, callback](Result<void> r) {
                    if (!r)
                        qCWarning(lcOAuthProvider)
                            << "could not store the new refresh token of profile" << name << r.error().detail;
                    if (callback)
                        callback(r);
                });
        }
    }
    qCInfo(lcOAuthProvider) << "new access token for profile" << m_profile.name << "valid for" << seconds
                            << "s";
    scheduleAheadLocked();
}

void OAuthTokenProvider::scheduleAheadLocked()
{
    const qint64 lifetime = QDateTime::currentDateTimeUtc().secsTo(m_expiresAt);
    if (lifetime <= 0)
        return;
    const qint64 margin = qMin<qint64>(m_margin, lifetime / 2);
    const qint64 delayMs = (lifetime - margin) * 1000;
    QMetaObject::invokeMethod(m_worker, [this, delayMs] {
        QTimer *timer = m_worker->aheadTimer();
        timer->disconnect();
        QObject::connect(timer, &QTimer::timeout, m_worker, [this] {
            QMutexLocker lock(&m_mutex);
            if (m_reconnect || (m_inflight.valid() &&
                                m_inflight.wait_for(std::chrono::seconds(0)) != std::future_status::ready))
                return;
            // The current token stays in use until the new one arrives.
            qCDebug(lcOAuthProvider) << "refreshing the access token of profile" << m_profile.name
                                     << "ahead of expiry";
            m_inflight = startRefreshLocked();
        });
        timer->start(int(qMin<qint64>(delayMs, std::numeric_limits<int>::max())));
    });
}

} // namespace d365::services
