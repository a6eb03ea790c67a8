// Client sign-in against the sandbox identity provider over real HTTP: the interactive flow (the test plays
// the browser: it GETs the login URL and follows the redirect to the loopback listener), wrong state ignored,
// refresh with rotation persisted to the keychain, 401 -> refresh -> retry, an expired refresh token ->
// reconnect required, client credentials. Needs a D-Bus session with an unlocked gnome-keyring
// (installer/test.sh, or the dbus-run-session recipe in README "Building by hand").

#include "common/sandboxprocess.h"
#include "services/auth/credentialstore.h"
#include "services/auth/oauthsignin.h"
#include "services/auth/oauthtokenprovider.h"
#include "services/auth/signinconfig.h"
#include "services/dataverse/dataverseclient.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::Result;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {
const QString Alice = u"alice@sandbox.onmicrosoft.com"_s;
const QString AppSecret = u"app+secret/with=odd&chars"_s;
} // namespace

class tst_OAuthSignIn : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void credentialStore_writeReadRemove_roundTrips();
    void signIn_browserFollowsLoginUrl_grantsAndStoresRefreshToken_data();
    void signIn_browserFollowsLoginUrl_grantsAndStoresRefreshToken();
    void signIn_callbackWithWrongState_isIgnored();
    void signIn_cancel_endsWithCancelled();
    void signIn_profileWithoutClientId_failsWithConfigurationMessage();
    void provider_refresh_rotatesTokenAndPersistsItToKeychain();
    void client_expiredAccessToken_refreshesOnceAndRetries();
    void provider_expiredRefreshToken_requiresReconnect_data();
    void provider_expiredRefreshToken_requiresReconnect();
    void provider_clientCredentials_data();
    void provider_clientCredentials();

private:
    ConnectionProfile profile(const QString &name) const;
    // Runs an interactive sign-in, playing the browser; returns the finished sign-in's result.
    Result<SignInResult> interactiveSignIn(const ConnectionProfile &p,
                                           const QString &redirectHost = u"localhost"_s);
    QString keychainValue(const QString &profile, CredentialStore::Kind kind);
    HttpResult admin(const QString &action, const QJsonObject &body);
    HttpResult whoAmI(const QByteArray &token);

    SandboxProcess m_sandbox;
    QNetworkAccessManager m_browser;
};

void tst_OAuthSignIn::initTestCase()
{
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start({u"--client-secret"_s, AppSecret}));
}

ConnectionProfile tst_OAuthSignIn::profile(const QString &name) const
{
    ConnectionProfile p;
    p.name = name;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = m_sandbox.baseUrl();
    return p;
}

Result<SignInResult> tst_OAuthSignIn::interactiveSignIn(const ConnectionProfile &p,
                                                        const QString &redirectHost)
{
    OAuthSignIn signIn;
    signIn.setRedirectHost(redirectHost);
    QSignalSpy finished(&signIn, &OAuthSignIn::finished);
    connect(&signIn, &OAuthSignIn::loginUrlReady, this, [this](const QUrl &url) {
        // The "browser": follows the 302 from the identity provider to the loopback listener.
        QNetworkRequest request(url);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::NoLessSafeRedirectPolicy);
        QNetworkReply *reply = m_browser.get(request);
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    });
    if (!signIn.start(p))
        return signIn.result();
    if (!finished.wait(15000))
        return d365::Error::make(d365::ErrorCategory::Internal, u"sign-in did not finish"_s);
    return signIn.result();
}

QString tst_OAuthSignIn::keychainValue(const QString &profile, CredentialStore::Kind kind)
{
    std::optional<Result<QString>> value;
    CredentialStore::read(profile, kind, this, [&](Result<QString> r) { value = std::move(r); });
    if (!QTest::qWaitFor([&] { return value.has_value(); }, 10000))
        return u"<timeout>"_s;
    return value->ok() ? value->value() : u"<error: "_s + value->error().message + u'>';
}

HttpResult tst_OAuthSignIn::admin(const QString &action, const QJsonObject &body)
{
    return d365::testsupport::request("POST",
                                      m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/identity/"_s + action)),
                                      {{"Content-Type", "application/json"}}, QJsonDocument(body).toJson());
}

HttpResult tst_OAuthSignIn::whoAmI(const QByteArray &token)
{
    return d365::testsupport::request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                                      {{"Authorization", "Bearer " + token}});
}

void tst_OAuthSignIn::credentialStore_writeReadRemove_roundTrips()
{
    const QString secret = u"röund+trip/secret=%41"_s;
    std::optional<Result<void>> written;
    CredentialStore::write(u"store-test"_s, CredentialStore::ClientSecret, secret, this,
                           [&](Result<void> r) { written = r; });
    QTRY_VERIFY_WITH_TIMEOUT(written.has_value(), 10000);
    QVERIFY2(written->ok(), qPrintable(written->ok() ? QString() : written->error().message));
    QCOMPARE(keychainValue(u"store-test"_s, CredentialStore::ClientSecret), secret);
    QCOMPARE(keychainValue(u"store-test"_s, CredentialStore::RefreshToken), QString());
    std::optional<Result<void>> removed;
    CredentialStore::remove(u"store-test"_s, CredentialStore::ClientSecret, this,
                            [&](Result<void> r) { removed = r; });
    QTRY_VERIFY_WITH_TIMEOUT(removed.has_value(), 10000);
    QVERIFY(removed->ok());
    QCOMPARE(keychainValue(u"store-test"_s, CredentialStore::ClientSecret), QString());
}

void tst_OAuthSignIn::signIn_browserFollowsLoginUrl_grantsAndStoresRefreshToken_data()
{
    QTest::addColumn<QString>("redirectHost");
    QTest::newRow("localhost (registration http://localhost)") << u"localhost"_s;
    QTest::newRow("127.0.0.1 (registration http://127.0.0.1)") << u"127.0.0.1"_s;
}

void tst_OAuthSignIn::signIn_browserFollowsLoginUrl_grantsAndStoresRefreshToken()
{
    QFETCH(QString, redirectHost);
    const ConnectionProfile p = profile(u"interactive"_s);
    const auto result = interactiveSignIn(p, redirectHost);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
    QCOMPARE(result->userName, u"admin@sandbox.onmicrosoft.com"_s);
    QVERIFY(!result->refreshToken.isEmpty());
    QVERIFY(result->expiresAt > QDateTime::currentDateTimeUtc().addSecs(3000));
    QCOMPARE(whoAmI(result->accessToken).status, 200);
    QCOMPARE(keychainValue(p.name, CredentialStore::RefreshToken), result->refreshToken);
}

void tst_OAuthSignIn::signIn_callbackWithWrongState_isIgnored()
{
    OAuthSignIn signIn;
    signIn.setStoreInKeychain(false);
    QSignalSpy finished(&signIn, &OAuthSignIn::finished);
    QUrl loginUrl;
    connect(&signIn, &OAuthSignIn::loginUrlReady, this, [&](const QUrl &url) { loginUrl = url; });
    QVERIFY(signIn.start(profile(u"wrong-state"_s)));
    QVERIFY(loginUrl.isValid());
    const QUrlQuery login(loginUrl);
    QVERIFY(login.queryItemValue(u"state"_s).size() >= 32);
    QCOMPARE(login.queryItemValue(u"code_challenge_method"_s), u"S256"_s);

    // A forged callback: valid-looking code, wrong state. The listener answers but the flow ignores it.
    QUrl forged = signIn.redirectUri();
    forged.setQuery(u"code=forged&state=not-the-state"_s);
    QNetworkReply *reply = m_browser.get(QNetworkRequest(forged));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 5000);
    reply->deleteLater();
    // A browser that resolves localhost to ::1 reaches the listener through the IPv6 relay.
    QUrl viaIpv6 = signIn.redirectUri();
    viaIpv6.setHost(u"::1"_s);
    viaIpv6.setQuery(u"code=forged&state=also-wrong"_s);
    QNetworkReply *ipv6Reply = m_browser.get(QNetworkRequest(viaIpv6));
    QTRY_VERIFY_WITH_TIMEOUT(ipv6Reply->isFinished(), 5000);
    QVERIFY2(ipv6Reply->error() == QNetworkReply::NoError, qPrintable(ipv6Reply->errorString()));
    QVERIFY(ipv6Reply->readAll().contains("close this window"));
    ipv6Reply->deleteLater();
    // A forged error callback with a wrong state must not end the sign-in either.
    forged.setQuery(u"error=access_denied&error_description=AADSTS65004%3A+declined&state=not-the-state"_s);
    QNetworkReply *errorReply = m_browser.get(QNetworkRequest(forged));
    QTRY_VERIFY_WITH_TIMEOUT(errorReply->isFinished(), 5000);
    errorReply->deleteLater();
    // The listener reports a callback in the same step as it answers the browser, so a forged callback that
    // ended the flow would already show here; and one that started a token exchange would end it with an
    // error before the real round trip below could finish (which needs the listener still open).
    QCOMPARE(finished.count(), 0);
    QVERIFY(signIn.isRunning());

    // The real browser round trip still completes.
    QNetworkRequest real(loginUrl);
    real.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    m_browser.get(real);
    QVERIFY(finished.wait(15000));
    QCOMPARE(finished.count(), 1); // one ending, the real one
    QVERIFY2(signIn.result().ok(),
             qPrintable(signIn.result().ok() ? QString() : signIn.result().error().message));
}

void tst_OAuthSignIn::signIn_cancel_endsWithCancelled()
{
    OAuthSignIn signIn;
    QSignalSpy finished(&signIn, &OAuthSignIn::finished);
    QVERIFY(signIn.start(profile(u"cancelled"_s)));
    const QUrl redirect = signIn.redirectUri();
    signIn.cancel();
    QCOMPARE(finished.count(), 1);
    QVERIFY(!signIn.result().ok());
    QCOMPARE(signIn.result().error().category, d365::ErrorCategory::Cancelled);
    // The listener is closed once the session is torn down.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, quint16(redirect.port()));
            return !probe.waitForConnected(200);
        }(),
        5000);
}

void tst_OAuthSignIn::signIn_profileWithoutClientId_failsWithConfigurationMessage()
{
    ConnectionProfile p;
    p.name = u"prod"_s;
    p.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    OAuthSignIn signIn;
    QSignalSpy finished(&signIn, &OAuthSignIn::finished);
    QVERIFY(!signIn.start(p));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(signIn.result().error().category, d365::ErrorCategory::Configuration);
    QVERIFY(signIn.result().error().message.contains(u"client ID"_s));
    QVERIFY(signIn.result().error().message.contains(u"http://localhost"_s));
}

void tst_OAuthSignIn::provider_refresh_rotatesTokenAndPersistsItToKeychain()
{
    const ConnectionProfile p = profile(u"rotation"_s);
    const auto signedIn = interactiveSignIn(p);
    QVERIFY(signedIn.ok());
    OAuthTokenProvider provider(p, OAuthTokenProvider::Grant::RefreshToken, signedIn->refreshToken);
    std::optional<Result<void>> persisted;
    provider.setPersistCallback([&](Result<void> r) { persisted = r; });
    const auto token = provider.accessToken(p); // nothing seeded: one refresh
    QVERIFY2(token.ok(), qPrintable(token.ok() ? QString() : token.error().message));
    QCOMPARE(provider.tokenRequestCount(), 1);
    QCOMPARE(whoAmI(*token).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(persisted.has_value(), 10000);
    QVERIFY(persisted->ok());
    const QString stored = keychainValue(p.name, CredentialStore::RefreshToken);
    QVERIFY(!stored.isEmpty());
    QVERIFY(stored != signedIn->refreshToken);
    // The cached token is reused; the old refresh token is dead, the stored one works.
    QCOMPARE(provider.accessToken(p).value(), token.value());
    QCOMPARE(provider.tokenRequestCount(), 1);
    OAuthTokenProvider withOld(p, OAuthTokenProvider::Grant::RefreshToken, signedIn->refreshToken, false);
    QVERIFY(!withOld.accessToken(p).ok());
    OAuthTokenProvider withStored(p, OAuthTokenProvider::Grant::RefreshToken, stored, false);
    QVERIFY(withStored.accessToken(p).ok());
}

void tst_OAuthSignIn::client_expiredAccessToken_refreshesOnceAndRetries()
{
    ConnectionProfile p = profile(u"retry"_s);
    const auto signedIn = interactiveSignIn(p);
    QVERIFY(signedIn.ok());
    OAuthTokenProvider provider(p, OAuthTokenProvider::Grant::RefreshToken, signedIn->refreshToken, false);
    provider.seed(signedIn->accessToken, signedIn->expiresAt);
    QCOMPARE(admin(u"expire"_s, {{u"user"_s, u"admin@sandbox.onmicrosoft.com"_s}, {u"tokens"_s, u"access"_s}})
                 .status,
             200);
    DataverseClient client(p, &provider);
    std::optional<DataverseResponse> response;
    client.send(DataverseRequest::get(u"WhoAmI"_s), this, [&](const DataverseResponse &r) { response = r; });
    QTRY_VERIFY_WITH_TIMEOUT(response.has_value(), 15000);
    QCOMPARE(response->status, 200);
    QCOMPARE(provider.tokenRequestCount(), 1);
    QVERIFY(provider.accessToken(p).value() != signedIn->accessToken);
}

void tst_OAuthSignIn::provider_expiredRefreshToken_requiresReconnect_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("aadsts");
    QTest::newRow("expired") << u"expire"_s << u"AADSTS700082"_s;
    QTest::newRow("revoked") << u"revoke"_s << u"AADSTS50173"_s;
}

void tst_OAuthSignIn::provider_expiredRefreshToken_requiresReconnect()
{
    QFETCH(QString, action);
    QFETCH(QString, aadsts);
    const ConnectionProfile p = profile(u"reconnect"_s);
    const auto signedIn = interactiveSignIn(p);
    QVERIFY(signedIn.ok());
    QCOMPARE(admin(action, {{u"user"_s, u"admin@sandbox.onmicrosoft.com"_s}, {u"tokens"_s, u"all"_s}}).status,
             200);
    OAuthTokenProvider provider(p, OAuthTokenProvider::Grant::RefreshToken, signedIn->refreshToken, false);
    const auto token = provider.accessToken(p);
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, d365::ErrorCategory::Authentication);
    QVERIFY2(token.error().message.startsWith(u"Reconnect required for profile 'reconnect'"_s),
             qPrintable(token.error().message));
    QVERIFY(token.error().message.contains(aadsts));
    QVERIFY(provider.reconnectRequired());
    // Fails fast from now on: no second token request.
    QVERIFY(!provider.accessToken(p).ok());
    QCOMPARE(provider.tokenRequestCount(), 1);
}

void tst_OAuthSignIn::provider_clientCredentials_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("ok");
    QTest::newRow("good secret with + / = &") << AppSecret << true;
    QTest::newRow("wrong secret") << u"nope"_s << false;
}

void tst_OAuthSignIn::provider_clientCredentials()
{
    QFETCH(QString, secret);
    QFETCH(bool, ok);
    const ConnectionProfile p = profile(u"app"_s);
    OAuthTokenProvider provider(p, OAuthTokenProvider::Grant::ClientCredentials, secret);
    const auto token = provider.accessToken(p);
    QCOMPARE(token.ok(), ok);
    if (!ok) {
        QVERIFY(token.error().message.contains(u"AADSTS7000215"_s));
        QVERIFY(token.error().message.contains(u"set-secret"_s));
        QVERIFY(!provider.reconnectRequired());
        return;
    }
    const HttpResult who = whoAmI(*token);
    QCOMPARE(who.status, 200);
    QCOMPARE(who.json().object().value(u"UserId"_s).toString(), u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s);
}

QTEST_GUILESS_MAIN(tst_OAuthSignIn)
#include "tst_oauthsignin.moc"
