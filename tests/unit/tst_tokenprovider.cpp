// EnvironmentTokenProvider: the token from D365SYNC_ACCESS_TOKEN or a sandbox's development token, and what
// it says once the service refused that token (never "expired or invalid" alone: which token, and what to
// do), kept as lastError() for callers that only saw the refusal. No token is ever part of a message.

#include "services/auth/tokenprovider.h"

#include <QTest>

using namespace Qt::StringLiterals;
using d365::ErrorCategory;
using d365::services::ConnectionProfile;
using d365::services::EnvironmentTokenProvider;

namespace {

ConnectionProfile sandbox()
{
    ConnectionProfile p;
    p.name = u"sbx"_s;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = QUrl(u"http://127.0.0.1:41234"_s);
    return p;
}

ConnectionProfile prod()
{
    ConnectionProfile p;
    p.name = u"prod"_s;
    p.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    return p;
}

} // namespace

class TestTokenProvider : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void noToken_realOrg_saysHowToSignIn();
    void developmentToken_refused_saysTheSandboxWantsARealSignIn();
    void environmentToken_refused_namesTheVariableNotTheToken();
};

void TestTokenProvider::init()
{
    qunsetenv(EnvironmentTokenProvider::EnvironmentVariable);
}

void TestTokenProvider::noToken_realOrg_saysHowToSignIn()
{
    EnvironmentTokenProvider provider;
    const auto token = provider.accessToken(prod());
    QVERIFY(!token.ok());
    QCOMPARE(token.error().category, ErrorCategory::Authentication);
    QVERIFY2(token.error().message.startsWith(u"Not signed in to profile 'prod'"_s),
             qPrintable(token.error().message));
    QVERIFY(token.error().message.contains(u"auth login --profile prod"_s));
    QVERIFY(!token.error().message.contains(u"not available in this version"_s));
    QCOMPARE(provider.lastError()->message, token.error().message);
}

void TestTokenProvider::developmentToken_refused_saysTheSandboxWantsARealSignIn()
{
    EnvironmentTokenProvider provider;
    const auto first = provider.accessToken(sandbox());
    QVERIFY(first.ok());
    QVERIFY(!provider.lastError());
    provider.invalidate(*first); // the sandbox answered 401: it runs without --accept-any-token
    const auto again = provider.accessToken(sandbox());
    QVERIFY(!again.ok());
    QCOMPARE(again.error().category, ErrorCategory::Authentication);
    const QString m = again.error().message;
    QVERIFY2(m.startsWith(u"Not signed in to profile 'sbx' (127.0.0.1:41234): this sandbox org accepts only "
                          "tokens from its own sign-in"_s),
             qPrintable(m));
    QVERIFY(m.contains(u"auth login --profile sbx"_s));
    QVERIFY(!m.contains(u"D365SYNC_ACCESS_TOKEN"_s)); // the user never set it
    QCOMPARE(provider.lastError()->message, m);
}

void TestTokenProvider::environmentToken_refused_namesTheVariableNotTheToken()
{
    const QByteArray secretToken = "eyJ0eXAiOiJKV1QiLCJhbGciOi.expired-test-token";
    qputenv(EnvironmentTokenProvider::EnvironmentVariable, secretToken);
    EnvironmentTokenProvider provider;
    const auto first = provider.accessToken(prod());
    QCOMPARE(*first, secretToken);
    provider.invalidate(*first);
    const auto again = provider.accessToken(prod());
    QVERIFY(!again.ok());
    QCOMPARE(again.error().category, ErrorCategory::Authentication);
    const QString m = again.error().message;
    QVERIFY2(
        m.startsWith(u"The access token in D365SYNC_ACCESS_TOKEN was refused by contoso.crm.dynamics.com "
                     "(profile 'prod')"_s),
        qPrintable(m));
    QVERIFY(m.contains(u"az account get-access-token --resource https://contoso.crm.dynamics.com"_s));
    QVERIFY(!m.contains(QString::fromLatin1(secretToken)));
    QVERIFY(!again.error().detail.contains(QString::fromLatin1(secretToken)));
}

QTEST_GUILESS_MAIN(TestTokenProvider)
#include "tst_tokenprovider.moc"
