// SignInConfig: the endpoints and scopes derived from a profile, the token-endpoint errors (FACTS.md §12
// AADSTS codes) mapped to actionable messages, and the settings rule that only sandbox profiles may
// override the authority host.

#include "services/auth/signinconfig.h"
#include "services/settings/settings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::ErrorCategory;
using d365::services::ConnectionProfile;
using d365::services::SignInConfig;

Q_DECLARE_METATYPE(d365::ErrorCategory)

namespace {

ConnectionProfile prod()
{
    ConnectionProfile p;
    p.name = u"prod"_s;
    p.orgUrl = QUrl(u"https://contoso.crm4.dynamics.com"_s);
    p.tenant = u"contoso.onmicrosoft.com"_s;
    p.clientId = u"0b7c3d2e-5f4a-4e1b-9c8d-7a6b5c4d3e2f"_s;
    return p;
}

QByteArray errorBody(const QString &error, int code)
{
    return QJsonDocument(QJsonObject{{u"error"_s, error},
                                     {u"error_description"_s, u"AADSTS%1: text\r\nTrace ID: x"_s.arg(code)},
                                     {u"error_codes"_s, QJsonArray{code}}})
        .toJson();
}

} // namespace

class TestSignInConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void endpoints_realOrg_usesMicrosoftAuthorityAndOrgScopes();
    void endpoints_sandboxProfile_defaultsToSandboxAuthorityAndTestApp();
    void endpoints_missingClientId_saysHowToRegisterAnApp();
    void endpoints_authorityOnRealOrg_isRefused();
    void tokenEndpointError_mapsAadstsCodes_data();
    void tokenEndpointError_mapsAadstsCodes();
    void tokenEndpointError_noResponse_isNetworkError();
    void tokenEndpointError_unknownCode_quotesTheServiceOnce();
    void unreachableError_namesSignInHostCauseAndFix_data();
    void unreachableError_namesSignInHostCauseAndFix();
    void notSignedInMessage_namesEveryWayToSignIn();
    void settings_authorityHost_onlyForSandboxProfiles();
};

void TestSignInConfig::endpoints_realOrg_usesMicrosoftAuthorityAndOrgScopes()
{
    const auto e = SignInConfig::endpoints(prod());
    QVERIFY(e.ok());
    QCOMPARE(e->authorizeUrl.toString(),
             u"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"_s);
    QCOMPARE(e->tokenUrl.toString(),
             u"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"_s);
    QCOMPARE(e->delegatedScope,
             u"https://contoso.crm4.dynamics.com/user_impersonation offline_access openid profile"_s);
    QCOMPARE(e->applicationScope, u"https://contoso.crm4.dynamics.com/.default"_s);
    QVERIFY(!e->delegatedScope.contains(u"graph"_s));
}

void TestSignInConfig::endpoints_sandboxProfile_defaultsToSandboxAuthorityAndTestApp()
{
    ConnectionProfile p;
    p.name = u"sbx"_s;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = QUrl(u"http://127.0.0.1:41234"_s);
    const auto e = SignInConfig::endpoints(p);
    QVERIFY(e.ok());
    QCOMPARE(e->tokenUrl.toString(), u"http://127.0.0.1:41234/organizations/oauth2/v2.0/token"_s);
    QCOMPARE(e->clientId, QString::fromLatin1(SignInConfig::SandboxClientId));
    p.authorityHost = QUrl(u"http://127.0.0.1:5000"_s);
    QCOMPARE(SignInConfig::endpoints(p)->authorizeUrl.toString(),
             u"http://127.0.0.1:5000/organizations/oauth2/v2.0/authorize"_s);
}

void TestSignInConfig::endpoints_missingClientId_saysHowToRegisterAnApp()
{
    ConnectionProfile p = prod();
    p.clientId.clear();
    const auto e = SignInConfig::endpoints(p);
    QVERIFY(!e.ok());
    QCOMPARE(e.error().category, ErrorCategory::Configuration);
    QVERIFY(e.error().message.contains(u"http://localhost"_s));
    QVERIFY(e.error().message.contains(u"user_impersonation"_s));
}

void TestSignInConfig::endpoints_authorityOnRealOrg_isRefused()
{
    ConnectionProfile p = prod();
    p.authorityHost = QUrl(u"https://evil.example.com"_s);
    QVERIFY(!SignInConfig::endpoints(p).ok());
}

void TestSignInConfig::tokenEndpointError_mapsAadstsCodes_data()
{
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("code");
    QTest::addColumn<ErrorCategory>("category");
    QTest::addColumn<bool>("reconnect");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("expired refresh token") << u"invalid_grant"_s << 700082 << ErrorCategory::Authentication
                                           << true << u"Reconnect required for profile 'prod'"_s;
    QTest::newRow("revoked grant") << u"invalid_grant"_s << 50173 << ErrorCategory::Authentication << true
                                   << u"revoked"_s;
    QTest::newRow("app not found") << u"unauthorized_client"_s << 700016 << ErrorCategory::Configuration
                                   << false << u"client ID"_s;
    QTest::newRow("redirect URI") << u"invalid_request"_s << 50011 << ErrorCategory::Configuration << false
                                  << u"http://localhost"_s;
    QTest::newRow("tenant not found")
        << u"invalid_request"_s << 90002 << ErrorCategory::Configuration << false << u"organizations"_s;
    QTest::newRow("consent") << u"invalid_grant"_s << 65001 << ErrorCategory::Authentication << false
                             << u"admin consent"_s;
    QTest::newRow("wrong org") << u"invalid_resource"_s << 500011 << ErrorCategory::Configuration << false
                               << u"Organization URL"_s;
    QTest::newRow("MFA") << u"interaction_required"_s << 50076 << ErrorCategory::Authentication << false
                         << u"multi-factor"_s;
    QTest::newRow("bad secret") << u"invalid_client"_s << 7000215 << ErrorCategory::Authentication << false
                                << u"Secret ID"_s;
    QTest::newRow("unknown 5xx-ish") << u"temporarily_unavailable"_s << 0 << ErrorCategory::Server << false
                                     << u"temporarily unavailable"_s;
}

void TestSignInConfig::tokenEndpointError_mapsAadstsCodes()
{
    QFETCH(QString, error);
    QFETCH(int, code);
    QFETCH(ErrorCategory, category);
    QFETCH(bool, reconnect);
    QFETCH(QString, mentions);
    bool reconnectRequired = !reconnect;
    const d365::Error e =
        SignInConfig::tokenEndpointError(prod(), 400, errorBody(error, code), QString(), &reconnectRequired);
    QCOMPARE(e.category, category);
    QCOMPARE(reconnectRequired, reconnect);
    QVERIFY2(e.message.contains(mentions), qPrintable(e.message));
    if (code > 0)
        QVERIFY2(e.message.contains(u"AADSTS%1"_s.arg(code)), qPrintable(e.message));
    QVERIFY(!e.message.contains(u"Trace ID"_s)); // support ids only in the detail
}

void TestSignInConfig::tokenEndpointError_noResponse_isNetworkError()
{
    const d365::Error e = SignInConfig::tokenEndpointError(prod(), 0, {}, u"Connection refused"_s);
    QCOMPARE(e.category, ErrorCategory::Network);
    QVERIFY(e.message.contains(u"Connection refused"_s));
}

void TestSignInConfig::tokenEndpointError_unknownCode_quotesTheServiceOnce()
{
    const d365::Error e =
        SignInConfig::tokenEndpointError(prod(), 400, errorBody(u"invalid_request"_s, 9999999), {});
    QCOMPARE(e.category, ErrorCategory::Authentication);
    QVERIFY2(e.message.startsWith(u"Sign-in failed for profile 'prod': text. Sign in again"_s),
             qPrintable(e.message));
    QVERIFY2(e.message.endsWith(u"(AADSTS9999999)"_s), qPrintable(e.message));
    QCOMPARE(e.message.count(u"AADSTS"_s), 1);
    QVERIFY(!e.message.contains(u"Trace ID"_s));
}

void TestSignInConfig::unreachableError_namesSignInHostCauseAndFix_data()
{
    QTest::addColumn<bool>("sandbox");
    QTest::addColumn<int>("networkError");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("refused")
        << false << int(QNetworkReply::ConnectionRefusedError)
        << u"Cannot reach the sign-in service login.microsoftonline.com for profile 'prod': "
           "the connection was refused. Check the network connection, proxy and firewall"_s;
    QTest::newRow("no DNS")
        << false << int(QNetworkReply::HostNotFoundError)
        << u"login.microsoftonline.com for profile 'prod': the host name could not be resolved"_s;
    QTest::newRow("transfer timeout")
        << false << int(QNetworkReply::OperationCanceledError) << u"it did not answer within 60 seconds"_s;
    QTest::newRow("sandbox down")
        << true << int(QNetworkReply::ConnectionRefusedError)
        << u"Cannot reach the sign-in service 127.0.0.1:41234 for profile 'sbx': the "
           "connection was refused. Check that d365sync-sandbox is running at "
           "127.0.0.1:41234"_s;
}

void TestSignInConfig::unreachableError_namesSignInHostCauseAndFix()
{
    QFETCH(bool, sandbox);
    QFETCH(int, networkError);
    QFETCH(QString, mentions);
    ConnectionProfile p = prod();
    if (sandbox) {
        p.name = u"sbx"_s;
        p.kind = ConnectionProfile::Kind::Sandbox;
        p.orgUrl = QUrl(u"http://127.0.0.1:41234"_s);
    }
    const d365::Error e = SignInConfig::unreachableError(p, networkError, u"Qt's text"_s);
    QCOMPARE(e.category, ErrorCategory::Network);
    QVERIFY2(e.message.contains(mentions), qPrintable(e.message));
}

void TestSignInConfig::notSignedInMessage_namesEveryWayToSignIn()
{
    const QString m = SignInConfig::notSignedInMessage(prod(), u"you disconnected it"_s);
    QVERIFY2(
        m.startsWith(u"Not signed in to profile 'prod' (contoso.crm4.dynamics.com): you disconnected it. "_s),
        qPrintable(m));
    QVERIFY(m.contains(u"Connect with OAuth"_s));
    QVERIFY(m.contains(u"d365sync-cli auth login --profile prod"_s));
    QVERIFY(m.contains(u"d365sync-cli auth set-secret --profile prod"_s));
    QVERIFY(m.contains(u"D365SYNC_CLIENT_SECRET"_s));
}

void TestSignInConfig::settings_authorityHost_onlyForSandboxProfiles()
{
    QTemporaryDir dir;
    d365::services::Settings settings(dir.filePath(u"s.ini"_s));
    ConnectionProfile real = prod();
    real.authorityHost = QUrl(u"https://login.example.com"_s);
    const auto refused = settings.saveProfile(real);
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().message.contains(u"only sandbox profiles"_s));

    ConnectionProfile sbx;
    sbx.name = u"sbx"_s;
    sbx.kind = ConnectionProfile::Kind::Sandbox;
    sbx.orgUrl = QUrl(u"http://127.0.0.1:41234"_s);
    sbx.authorityHost = QUrl(u"http://127.0.0.1:5000"_s);
    QVERIFY(settings.saveProfile(sbx).ok());
    QCOMPARE(settings.profile(u"sbx"_s)->authorityHost, QUrl(u"http://127.0.0.1:5000"_s));
}

QTEST_GUILESS_MAIN(TestSignInConfig)
#include "tst_signinconfig.moc"
