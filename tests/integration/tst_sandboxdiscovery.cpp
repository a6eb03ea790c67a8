// FACTS §12 against d365sync-sandbox over real HTTP: the sign-in vectors of tests/vectors/12-auth.json
// replayed as one flow (authorize → code → token → refresh), and the Global Discovery Service (vector
// discovery-instances plus its token audience, keys, $select and $filter).
//
// The vectors name Microsoft's hosts and an example app; the replay maps them onto the sandbox: the
// login.microsoftonline.com and globaldisco hosts → the sandbox origin, the vector's client id → the
// sandbox's test app, the org resource https://contoso.crm.dynamics.com → the sandbox origin. Codes and
// tokens are random, so the replay carries the real ones from step to step and checks shapes, not values.

#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::request;
using d365::testsupport::SandboxProcess;

namespace {

const QString VectorClientId = u"0b7c3d2e-5f4a-4e1b-9c8d-7a6b5c4d3e2f"_s;
const QString SandboxClientId = u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s;
const QString VectorOrg = u"https://contoso.crm.dynamics.com"_s;
const QString DiscoveryScope = u"https://globaldisco.crm.dynamics.com/user_impersonation"_s;

QString text(const HttpResult &r)
{
    return u"%1 %2"_s.arg(r.status).arg(QString::fromUtf8(r.body.left(600)));
}

} // namespace

class tst_SandboxDiscovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void authVectors_authorizeTokenRefresh_replayAsOneFlow();
    void discoveryVector_instancesWithSelect_listsTheSandboxOrg();
    void discovery_orgToken_is401WithDiscoveryChallenge();
    void discovery_discoveryToken_isRefusedByWebApi();
    void discovery_byKey_findsTheOrgOr404_data();
    void discovery_byKey_findsTheOrgOr404();
    void discovery_filter_matchesOrNot_data();
    void discovery_filter_matchesOrNot();
    void discovery_badRequests_sayWhatIsWrong_data();
    void discovery_badRequests_sayWhatIsWrong();

private:
    QJsonObject vector(const QString &id) const;
    QString origin() const { return m_sandbox.baseUrl().toString(); }
    QUrl discoveryUrl(const QString &path) const { return QUrl(origin() + u"/api/discovery/v2.0/"_s + path); }
    QByteArray tokenFor(const QString &scope);
    QUrl mapped(const QJsonObject &vectorRequest) const;
    QByteArray mappedText(QString text) const;

    SandboxProcess m_sandbox;
    QList<QJsonObject> m_vectors;
    QByteArray m_discoveryToken;
    QByteArray m_orgToken;
};

void tst_SandboxDiscovery::initTestCase()
{
    // Only tokens from the sandbox's identity provider, so the audience checks are real.
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start());
    QFile file(QStringLiteral(D365_SOURCE_DIR "/tests/vectors/12-auth.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    for (const QJsonValue &v : QJsonDocument::fromJson(file.readAll()).array())
        m_vectors.append(v.toObject());
    QCOMPARE(m_vectors.size(), 4);
    m_discoveryToken = tokenFor(u"https://globaldisco.crm.dynamics.com/.default"_s);
    m_orgToken = tokenFor(origin() + u"/.default"_s);
    QVERIFY(!m_discoveryToken.isEmpty());
    QVERIFY(!m_orgToken.isEmpty());
}

QJsonObject tst_SandboxDiscovery::vector(const QString &id) const
{
    for (const QJsonObject &v : m_vectors) {
        if (v.value("id"_L1).toString() == id)
            return v;
    }
    return {};
}

QByteArray tst_SandboxDiscovery::mappedText(QString text) const
{
    text.replace(VectorClientId, SandboxClientId);
    text.replace(QString::fromLatin1(QUrl::toPercentEncoding(VectorOrg)),
                 QString::fromLatin1(QUrl::toPercentEncoding(origin())));
    text.replace(VectorOrg, origin());
    return text.toUtf8();
}

QUrl tst_SandboxDiscovery::mapped(const QJsonObject &vectorRequest) const
{
    return QUrl::fromEncoded(
        QByteArray(origin().toUtf8() + mappedText(vectorRequest.value("path"_L1).toString())));
}

// Client credentials of the sandbox's application user (tests/sandbox/README.md).
QByteArray tst_SandboxDiscovery::tokenFor(const QString &scope)
{
    QUrlQuery form;
    form.addQueryItem(u"grant_type"_s, u"client_credentials"_s);
    form.addQueryItem(u"client_id"_s, SandboxClientId);
    form.addQueryItem(u"client_secret"_s, u"sandbox-client-secret"_s);
    form.addQueryItem(u"scope"_s, scope);
    const HttpResult r = request("POST", QUrl(origin() + u"/organizations/oauth2/v2.0/token"_s),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}},
                                 form.toString(QUrl::FullyEncoded).toUtf8());
    if (r.status != 200) {
        qWarning() << "token for" << scope << "failed:" << text(r);
        return {};
    }
    return r.json().object().value("access_token"_L1).toString().toUtf8();
}

void tst_SandboxDiscovery::authVectors_authorizeTokenRefresh_replayAsOneFlow()
{
    // 1. authorize: 302 to the loopback redirect URI with a code and the same state.
    const QJsonObject authorize = vector(u"auth-authorize-pkce-loopback"_s);
    const QJsonObject authorizeRequest = authorize.value("request"_L1).toObject();
    const HttpResult redirect =
        request(authorizeRequest.value("method"_L1).toString().toLatin1(), mapped(authorizeRequest));
    QCOMPARE(redirect.status, authorize.value("response"_L1)[u"status"].toInt());
    const QUrl location = QUrl::fromEncoded(redirect.header("Location"));
    const QUrl expectedLocation(authorize.value("response"_L1)[u"headers"][u"Location"].toString());
    QCOMPARE(location.adjusted(QUrl::RemoveQuery), expectedLocation.adjusted(QUrl::RemoveQuery));
    const QUrlQuery reply(location);
    QCOMPARE(reply.queryItemValue(u"state"_s), QUrlQuery(expectedLocation).queryItemValue(u"state"_s));
    const QString code = reply.queryItemValue(u"code"_s, QUrl::FullyDecoded);
    QVERIFY2(!code.isEmpty(), redirect.header("Location").constData());

    // 2. token: the vector's form with the real code; the verifier is the vector's, matching its challenge.
    const QJsonObject redeem = vector(u"auth-token-authorization-code"_s);
    const QJsonObject redeemRequest = redeem.value("request"_L1).toObject();
    QUrlQuery form(QString::fromUtf8(mappedText(redeemRequest.value("body_text"_L1).toString())));
    const QString vectorCode = form.queryItemValue(u"code"_s);
    form.removeQueryItem(u"code"_s);
    form.addQueryItem(u"code"_s, QString::fromLatin1(QUrl::toPercentEncoding(code)));
    QVERIFY(!vectorCode.isEmpty());
    const HttpResult tokens =
        request("POST", mapped(redeemRequest), {{"Content-Type", "application/x-www-form-urlencoded"}},
                form.toString(QUrl::FullyEncoded).toUtf8());
    const QJsonObject expectedTokens = redeem.value("response"_L1)[u"body"].toObject();
    QCOMPARE(tokens.status, redeem.value("response"_L1)[u"status"].toInt());
    QVERIFY2(tokens.header("Content-Type").startsWith("application/json"), tokens.header("Content-Type"));
    QCOMPARE(tokens.header("Cache-Control"), QByteArray("no-store, no-cache"));
    QCOMPARE(tokens.header("Pragma"), QByteArray("no-cache"));
    const QJsonObject issued = tokens.json().object();
    for (auto it = expectedTokens.constBegin(); it != expectedTokens.constEnd(); ++it) {
        QVERIFY2(issued.contains(it.key()), qPrintable(u"missing "_s + it.key() + u" in "_s + text(tokens)));
        QCOMPARE(issued.value(it.key()).type(), it.value().type());
    }
    QCOMPARE(issued.value("token_type"_L1).toString(), u"Bearer"_s);
    QVERIFY(issued.value("expires_in"_L1).toInt() > 0);

    // The token works on the org's Web API.
    const HttpResult whoAmI =
        request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                {{"Authorization", "Bearer " + issued.value("access_token"_L1).toString().toUtf8()}});
    QCOMPARE(whoAmI.status, 200);

    // 3. refresh: a new access token and a new refresh token; the old refresh token is spent.
    const QJsonObject refresh = vector(u"auth-token-refresh"_s);
    const QJsonObject refreshRequest = refresh.value("request"_L1).toObject();
    QUrlQuery refreshForm(QString::fromUtf8(mappedText(refreshRequest.value("body_text"_L1).toString())));
    refreshForm.removeQueryItem(u"refresh_token"_s);
    const QString oldRefreshToken = issued.value("refresh_token"_L1).toString();
    refreshForm.addQueryItem(u"refresh_token"_s,
                             QString::fromLatin1(QUrl::toPercentEncoding(oldRefreshToken)));
    const QByteArray refreshBody = refreshForm.toString(QUrl::FullyEncoded).toUtf8();
    const HttpResult renewed = request("POST", mapped(refreshRequest),
                                       {{"Content-Type", "application/x-www-form-urlencoded"}}, refreshBody);
    QCOMPARE(renewed.status, refresh.value("response"_L1)[u"status"].toInt());
    const QJsonObject renewedTokens = renewed.json().object();
    const QJsonObject expectedRenewed = refresh.value("response"_L1)[u"body"].toObject();
    for (auto it = expectedRenewed.constBegin(); it != expectedRenewed.constEnd(); ++it)
        QVERIFY2(renewedTokens.contains(it.key()),
                 qPrintable(u"missing "_s + it.key() + u" in "_s + text(renewed)));
    QVERIFY(renewedTokens.value("refresh_token"_L1).toString() != oldRefreshToken);
    QVERIFY(renewedTokens.value("access_token"_L1).toString() != issued.value("access_token"_L1).toString());
    const HttpResult reused = request("POST", mapped(refreshRequest),
                                      {{"Content-Type", "application/x-www-form-urlencoded"}}, refreshBody);
    QCOMPARE(reused.status, 400);
    QCOMPARE(reused.json().object().value("error"_L1).toString(), u"invalid_grant"_s);
}

void tst_SandboxDiscovery::discoveryVector_instancesWithSelect_listsTheSandboxOrg()
{
    const QJsonObject v = vector(u"discovery-instances"_s);
    const QJsonObject vectorRequest = v.value("request"_L1).toObject();
    Headers headers;
    const QJsonObject vectorHeaders = vectorRequest.value("headers"_L1).toObject();
    for (auto it = vectorHeaders.constBegin(); it != vectorHeaders.constEnd(); ++it) {
        if (it.key() != "Authorization"_L1)
            headers.append({it.key().toLatin1(), it.value().toString().toLatin1()});
    }
    headers.append({"Authorization", "Bearer " + m_discoveryToken});
    const HttpResult r = request("GET", mapped(vectorRequest), headers);

    const QJsonObject expected = v.value("response"_L1).toObject();
    QCOMPARE(r.status, expected.value("status"_L1).toInt());
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json; odata.metadata=minimal"));
    QCOMPARE(r.header("OData-Version"), QByteArray("4.0"));
    const QJsonObject body = r.json().object();
    QCOMPARE(body.value("@odata.context"_L1).toString(),
             expected[u"body"][u"@odata.context"].toString().replace(
                 u"https://globaldisco.crm.dynamics.com"_s, origin()));
    const QJsonArray instances = body.value("value"_L1).toArray();
    QCOMPARE(instances.size(), 1); // the sandbox has one org
    const QJsonObject instance = instances.first().toObject();
    const QJsonObject example = expected[u"body"][u"value"][0].toObject();
    // Id is not in $select but the vector shows it (the key is always returned, as on the Web API).
    QStringList expectedKeys = example.keys();
    QStringList actualKeys = instance.keys();
    expectedKeys.sort();
    actualKeys.sort();
    QCOMPARE(actualKeys, expectedKeys);
    for (const QString &key : expectedKeys)
        QCOMPARE(instance.value(key).type(), example.value(key).type());
    QCOMPARE(instance.value("UniqueName"_L1).toString(), u"sandbox"_s);
    QCOMPARE(instance.value("Url"_L1).toString(), origin());
    QCOMPARE(instance.value("ApiUrl"_L1).toString(), origin());
    QCOMPARE(instance.value("State"_L1).toInt(), 0);
}

void tst_SandboxDiscovery::discovery_orgToken_is401WithDiscoveryChallenge()
{
    const HttpResult r =
        request("GET", discoveryUrl(u"Instances"_s), {{"Authorization", "Bearer " + m_orgToken}});
    QCOMPARE(r.status, 401);
    QVERIFY2(r.header("WWW-Authenticate")
                 .contains("authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize"),
             r.header("WWW-Authenticate").constData());
    QVERIFY2(r.header("WWW-Authenticate").contains("resource_id=https://globaldisco.crm.dynamics.com/"),
             r.header("WWW-Authenticate").constData());
    QVERIFY2(r.body.contains(DiscoveryScope.toUtf8()), r.body.constData()); // says which token to get

    const HttpResult none = request("GET", discoveryUrl(u"Instances"_s));
    QCOMPARE(none.status, 401);
    QVERIFY2(none.body.contains("no Authorization header"), none.body.constData());
}

void tst_SandboxDiscovery::discovery_discoveryToken_isRefusedByWebApi()
{
    const HttpResult r = request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                                 {{"Authorization", "Bearer " + m_discoveryToken}});
    QCOMPARE(r.status, 401);
    const HttpResult org = request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                                   {{"Authorization", "Bearer " + m_orgToken}});
    QCOMPARE(org.status, 200);
}

void tst_SandboxDiscovery::discovery_byKey_findsTheOrgOr404_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("by id") << u"Instances(0669fde1-d400-ef11-665f-000d3ad630a6)"_s << 200;
    QTest::newRow("by unique name, other case") << u"Instances(UniqueName='SANDBOX')"_s << 200;
    QTest::newRow("unknown id") << u"Instances(00000000-0000-0000-0000-000000000001)"_s << 404;
    QTest::newRow("unknown unique name") << u"Instances(UniqueName='contoso')"_s << 404;
    QTest::newRow("not a key") << u"Instances(contoso)"_s << 400;
}

void tst_SandboxDiscovery::discovery_byKey_findsTheOrgOr404()
{
    QFETCH(QString, path);
    QFETCH(int, status);
    const HttpResult r =
        request("GET", discoveryUrl(path), {{"Authorization", "Bearer " + m_discoveryToken}});
    QCOMPARE(r.status, status);
    const QJsonObject body = r.json().object();
    if (status == 200) {
        QCOMPARE(body.value("Id"_L1).toString(), u"0669fde1-d400-ef11-665f-000d3ad630a6"_s);
        QVERIFY2(body.value("@odata.context"_L1).toString().endsWith("$metadata#Instances/$entity"_L1),
                 qPrintable(text(r)));
    } else {
        QVERIFY2(!body.value("error"_L1)[u"message"].toString().isEmpty(), qPrintable(text(r)));
    }
}

void tst_SandboxDiscovery::discovery_filter_matchesOrNot_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("count");
    QTest::newRow("unique name") << u"UniqueName eq 'sandbox'"_s << 1;
    QTest::newRow("other unique name") << u"UniqueName eq 'contoso'"_s << 0;
    QTest::newRow("state and type") << u"State eq 0 and OrganizationType eq 0"_s << 1;
    QTest::newRow("state disabled") << u"State eq 1"_s << 0;
    QTest::newRow("tenant id") << u"TenantId eq 7a1c5b1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b"_s << 1;
}

void tst_SandboxDiscovery::discovery_filter_matchesOrNot()
{
    QFETCH(QString, filter);
    QFETCH(int, count);
    QUrl url = discoveryUrl(u"Instances"_s);
    url.setQuery(QUrlQuery{{u"$filter"_s, filter}});
    const HttpResult r = request("GET", url, {{"Authorization", "Bearer " + m_discoveryToken}});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().object().value("value"_L1).toArray().size(), count);
}

void tst_SandboxDiscovery::discovery_badRequests_sayWhatIsWrong_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown $select property") << QByteArray("GET") << u"Instances?$select=UniqueName,Colour"_s
                                              << 400 << u"Could not find a property named 'Colour'"_s;
    QTest::newRow("unsupported $filter")
        << QByteArray("GET") << u"Instances?$filter=State gt 0"_s << 400 << u"use <Property> eq <value>"_s;
    QTest::newRow("unknown $filter property") << QByteArray("GET") << u"Instances?$filter=Type eq 0"_s << 400
                                              << u"Could not find a property named 'Type'"_s;
    QTest::newRow("write") << QByteArray("POST") << u"Instances"_s << 405 << u"http method 'POST'"_s;
    QTest::newRow("other resource") << QByteArray("GET") << u"Environments"_s << 404
                                    << u"/api/discovery/v2.0/Instances"_s;
}

void tst_SandboxDiscovery::discovery_badRequests_sayWhatIsWrong()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QString, message);
    const HttpResult r =
        request(method, discoveryUrl(path), {{"Authorization", "Bearer " + m_discoveryToken}});
    QCOMPARE(r.status, status);
    QVERIFY2(r.json().object().value("error"_L1)[u"message"].toString().contains(message),
             qPrintable(text(r)));
}

QTEST_GUILESS_MAIN(tst_SandboxDiscovery)
#include "tst_sandboxdiscovery.moc"
