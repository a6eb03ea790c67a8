#include "services/auth/oauthsignin.h"

#include "services/auth/credentialstore.h"
#include "services/auth/signinconfig.h"
#include "services/common/durationtext.h"
#include "services/dataverse/tlstrust.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QOAuth2AuthorizationCodeFlow>
#include <QOAuthHttpServerReplyHandler>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcSignIn, "d365.auth.oauthsignin")

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

QByteArray randomUrlSafe(int bytes)
{
    QByteArray rnd(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(rnd.data()), bytes / 4);
    return rnd.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// The 6.4 handler hard-codes http://127.0.0.1:<port>/<path> as its callback; app registrations use
// http://localhost (FACTS §12), so the redirect URI names the configured host instead.
class LoopbackReplyHandler : public QOAuthHttpServerReplyHandler
{
public:
    LoopbackReplyHandler(const QString &host, QObject *parent)
        : QOAuthHttpServerReplyHandler(QHostAddress::LocalHost, 0, parent)
        , m_host(host)
        , m_port(port())
    {}
    QString callback() const override
    {
        // The port listened on at construction: the redirect URI must stay the same for the token request,
        // which is sent after the listener closed.
        return u"http://%1:%2/%3"_s.arg(m_host).arg(m_port).arg(callbackPath());
    }

private:
    QString m_host;
    quint16 m_port = 0;
};

// Qt 6.4 reports a failed token request only as a log line (toolchain.md §5, item 3): watch the reply
// ourselves. The connection is made before the flow's, so the body can still be peeked.
class TokenWatchingNetworkAccessManager : public QNetworkAccessManager
{
public:
    using QNetworkAccessManager::QNetworkAccessManager;
    QUrl tokenUrl;
    QSslConfiguration tls; // the profile's trust (tlstrust.h), for every request of the flow
    // status, body, and when no HTTP answer arrived (status 0) the QNetworkReply::NetworkError and its text.
    std::function<void(int, QByteArray, int, QString)> onTokenReply;

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &original, QIODevice *data) override
    {
        QNetworkRequest request(original);
        request.setSslConfiguration(tls);
        QNetworkReply *reply = QNetworkAccessManager::createRequest(op, request, data);
        if (op == PostOperation && request.url() == tokenUrl) {
            connect(reply, &QNetworkReply::finished, this, [this, reply] {
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QByteArray body = reply->peek(reply->bytesAvailable());
                if (onTokenReply)
                    onTokenReply(status, body, status == 0 ? int(reply->error()) : 0,
                                 status == 0 ? reply->errorString() : QString());
            });
        }
        return reply;
    }
};

// Browsers may resolve "localhost" to ::1 first; relay [::1]:<port> to the IPv4 listener.
void startIpv6Relay(quint16 port, QObject *parent)
{
    auto *server = new QTcpServer(parent);
    if (!server->listen(QHostAddress::LocalHostIPv6, port)) {
        qCDebug(lcSignIn) << "no IPv6 loopback relay:" << server->errorString();
        delete server;
        return;
    }
    QObject::connect(server, &QTcpServer::newConnection, server, [server, port] {
        while (QTcpSocket *client = server->nextPendingConnection()) {
            auto *upstream = new QTcpSocket(client);
            upstream->connectToHost(QHostAddress::LocalHost, port);
            QObject::connect(client, &QTcpSocket::readyRead, upstream,
                             [client, upstream] { upstream->write(client->readAll()); });
            QObject::connect(upstream, &QTcpSocket::readyRead, client,
                             [client, upstream] { client->write(upstream->readAll()); });
            QObject::connect(upstream, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
            QObject::connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        }
    });
}

QString successPage()
{
    QFile file(u":/d365/signin-complete.html"_s);
    if (file.open(QIODevice::ReadOnly))
        return QString::fromUtf8(file.readAll());
    // A fragment: the 6.4 reply handler wraps it in <html><body> itself.
    return u"<p>Signed in to D365 Sync. You can close this window.</p>"_s;
}

QString userFromIdToken(const QString &idToken)
{
    const QByteArray payload =
        QByteArray::fromBase64(idToken.section(u'.', 1, 1).toLatin1(), QByteArray::Base64UrlEncoding);
    const QJsonObject claims = QJsonDocument::fromJson(payload).object();
    const QString upn = claims.value(u"preferred_username"_s).toString();
    return upn.isEmpty() ? claims.value(u"name"_s).toString() : upn;
}

} // namespace

class OAuthSignIn::Flow : public QOAuth2AuthorizationCodeFlow
{
public:
    using QOAuth2AuthorizationCodeFlow::QOAuth2AuthorizationCodeFlow;
    using QOAuth2AuthorizationCodeFlow::setStatus;
};

OAuthSignIn::OAuthSignIn(QObject *parent)
    : QObject(parent)
{}

OAuthSignIn::~OAuthSignIn()
{
    delete m_session;
}

bool OAuthSignIn::start(const ConnectionProfile &profile)
{
    teardown();
    m_profile = profile;
    m_result.reset();
    const auto endpoints = SignInConfig::endpoints(profile);
    if (!endpoints) {
        fail(endpoints.error());
        return false;
    }
    const auto tls = tlsConfiguration(profile);
    if (!tls) {
        fail(tls.error());
        return false;
    }
    m_session = new QObject(this);
    auto *network = new TokenWatchingNetworkAccessManager(m_session);
    network->tokenUrl = endpoints->tokenUrl;
    network->tls = *tls;
    auto *handler = new LoopbackReplyHandler(m_redirectHost, m_session);
    if (!handler->isListening()) {
        fail(Error::make(ErrorCategory::Internal,
                         tr("Cannot open a local port for the sign-in redirect. Check that nothing blocks "
                            "listening on 127.0.0.1.")));
        return false;
    }
    handler->setCallbackPath(m_redirectPath);
    handler->setCallbackText(successPage());
    startIpv6Relay(handler->port(), m_session);
    m_redirectUri = QUrl(handler->callback());

    auto *flow = new Flow(network, m_session);
    flow->setAuthorizationUrl(endpoints->authorizeUrl);
    flow->setAccessTokenUrl(endpoints->tokenUrl);
    flow->setClientIdentifier(endpoints->clientId);
    flow->setScope(endpoints->delegatedScope);
    // The default state is 8 characters from a time-seeded mt19937 (toolchain.md §5, item 6).
    const QString state = QString::fromLatin1(randomUrlSafe(24));
    flow->setState(state);

    // PKCE S256 and the 6.4 encoding fixes (toolchain.md §5, items 1 and 2).
    const QByteArray verifier = randomUrlSafe(32);
    const QByteArray challenge =
        QCryptographicHash::hash(verifier, QCryptographicHash::Sha256)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    flow->setModifyParametersFunction([verifier, challenge](QAbstractOAuth::Stage stage,
                                                            QMultiMap<QString, QVariant> *p) {
        switch (stage) {
        case QAbstractOAuth::Stage::RequestingAuthorization:
            p->insert(u"code_challenge"_s, challenge);
            p->insert(u"code_challenge_method"_s, u"S256"_s);
            p->insert(u"prompt"_s, u"select_account"_s);
            break;
        case QAbstractOAuth::Stage::RequestingAccessToken: {
            p->insert(u"code_verifier"_s, verifier);
            QByteArray code = QUrl::fromPercentEncoding(p->value(u"code"_s).toByteArray()).toUtf8();
            code = QUrl::fromPercentEncoding(code).toUtf8();
            p->replace(u"code"_s, QUrl::toPercentEncoding(QString::fromUtf8(code)));
            break;
        }
        case QAbstractOAuth::Stage::RefreshingAccessToken:
            p->replace(u"refresh_token"_s, QUrl::toPercentEncoding(p->value(u"refresh_token"_s).toString()));
            p->remove(u"redirect_uri"_s);
            if (p->value(u"client_secret"_s).toString().isEmpty())
                p->remove(u"client_secret"_s);
            break;
        default:
            break;
        }
    });

    // The first callback with our state and a code (or an error) ends listening; anything else is ignored.
    // Connected before the flow's own handler (setReplyHandler below), so it runs first: Qt 6.4 reports an
    // error callback before it checks the state, and a forged "?error=..." must not end the sign-in.
    auto stateOk = std::make_shared<bool>(false);
    connect(handler, &QAbstractOAuthReplyHandler::callbackReceived, m_session,
            [handler, state, stateOk](const QVariantMap &values) {
                const QString received =
                    QUrl::fromPercentEncoding(values.value(u"state"_s).toString().toUtf8());
                *stateOk = received == state;
                if (!*stateOk) {
                    qCWarning(lcSignIn) << "ignored a sign-in callback with a wrong or missing state";
                    return;
                }
                handler->close();
            });
    flow->setReplyHandler(handler);
    network->onTokenReply = [this](int status, const QByteArray &body, int networkError,
                                   const QString &transportError) {
        const QJsonObject o = QJsonDocument::fromJson(body).object();
        if (status == 200 && !o.value(u"access_token"_s).toString().isEmpty())
            return; // the flow emits granted()
        fail(status == 0 ? SignInConfig::unreachableError(m_profile, networkError, transportError)
                         : SignInConfig::tokenEndpointError(m_profile, status, body, transportError));
    };
    connect(flow, &QAbstractOAuth2::error, m_session,
            [this, stateOk](const QString &error, const QString &description, const QUrl &) {
                if (!*stateOk)
                    return;
                const QByteArray body =
                    QJsonDocument(QJsonObject{{u"error"_s, error},
                                              {u"error_description"_s,
                                               QUrl::fromPercentEncoding(description.toUtf8())}})
                        .toJson();
                fail(SignInConfig::tokenEndpointError(m_profile, 400, body, QString()));
            });
    connect(flow, &QAbstractOAuth::authorizeWithBrowser, this, &OAuthSignIn::loginUrlReady);
    connect(flow, &QAbstractOAuth::granted, m_session, [this, flow] {
        SignInResult result;
        result.accessToken = flow->token().toUtf8();
        result.refreshToken = flow->refreshToken();
        result.expiresAt = flow->expirationAt().toUTC();
        result.userName = userFromIdToken(flow->extraTokens().value(u"id_token"_s).toString());
        qCInfo(lcSignIn) << "signed in to" << m_profile.orgUrl.host() << "as" << result.userName;
        if (!m_storeInKeychain || result.refreshToken.isEmpty()) {
            succeed(std::move(result));
            return;
        }
        CredentialStore::write(m_profile.name, CredentialStore::RefreshToken, result.refreshToken, this,
                               [this, result](Result<void> stored) {
                                   if (!stored)
                                       fail(stored.error());
                                   else
                                       succeed(result);
                               });
    });

    auto *timer = new QTimer(m_session);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this] {
        fail(Error::make(
            ErrorCategory::Authentication,
            tr("Sign-in did not complete within %1. Start it again (\"Connect with OAuth\" in the "
               "app, or `d365sync-cli auth login`) and finish signing in in the browser within "
               "that time.")
                .arg(durationText(m_timeoutSeconds))));
    });
    timer->start(m_timeoutSeconds * 1000);
    m_running = true;
    qCInfo(lcSignIn) << "waiting for the browser sign-in to" << endpoints->authorizeUrl.host() << "redirect"
                     << m_redirectUri.toString();
    flow->grant(); // emits authorizeWithBrowser -> loginUrlReady synchronously
    return true;
}

void OAuthSignIn::cancel()
{
    if (m_running)
        fail(Error::make(ErrorCategory::Cancelled, tr("Sign-in was cancelled.")));
}

void OAuthSignIn::fail(const Error &error)
{
    if (m_result)
        return;
    // Debug only: the caller shows error.message (the app's status, the CLI's "Error:" line).
    qCDebug(lcSignIn) << "sign-in failed:" << error.message << error.detail;
    m_result = error;
    teardown();
    Q_EMIT finished();
}

void OAuthSignIn::succeed(SignInResult result)
{
    if (m_result)
        return;
    m_result = std::move(result);
    teardown();
    Q_EMIT finished();
}

void OAuthSignIn::teardown()
{
    m_running = false;
    // Deferred: teardown can run inside a signal of the flow or a network reply.
    if (m_session)
        m_session->deleteLater();
    m_session = nullptr;
}

} // namespace d365::services
