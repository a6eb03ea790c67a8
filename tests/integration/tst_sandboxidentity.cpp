// The sandbox identity provider over real HTTP (tests/sandbox/README.md, "Identity provider"): the authorize
// redirect with state, PKCE verification, single-use codes, loopback redirect-URI rules, refresh-token
// rotation, revoked and expired refresh tokens, client credentials, and the Web API's checks of the tokens
// it issues (expired, wrong audience, unknown). The sandbox runs without --accept-any-token.

#include "common/sandboxprocess.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

using Params = QList<QPair<QString, QString>>;

namespace {

const QString ClientId = u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s;
const QString ClientSecret = u"s3cr3t+with/odd=chars&more"_s;
const QString Verifier = u"m4Rq8Zt1Vx6Nb3Kp9Lw2Hs7Jd5Fg0Yc-Ae_Ui.Oo~Pr4Ty8"_s;
const QString Alice = u"alice@sandbox.onmicrosoft.com"_s;

QString challengeFor(const QString &verifier)
{
    return QString::fromLatin1(QCryptographicHash::hash(verifier.toUtf8(), QCryptographicHash::Sha256)
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray form(const QList<QPair<QString, QString>> &fields)
{
    QByteArray body;
    for (const auto &[name, value] : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

} // namespace

class tst_SandboxIdentity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void authorize_validRequest_redirectsWithCodeAndEchoedState();
    void authorize_badRequest_isRefusedWithoutRedirect_data();
    void authorize_badRequest_isRefusedWithoutRedirect();
    void authorize_missingPkce_redirectsWithError_data();
    void authorize_missingPkce_redirectsWithError();
    void token_verifierMismatch_isRejected501481();
    void token_codeReused_isRejected54005();
    void token_redirectUriDiffers_isRejected50011();
    void token_codeIsUsableWithLoginHintUser_webApiSeesThatUser();
    void oidc_nonceClientInfoAndEntraClaims_andTheTenantMetadata();
    void refresh_rotatesToken_oldOneStopsWorking();
    void refresh_revoked_isRejected50173();
    void refresh_expired_isRejected700082();
    void clientCredentials_secret_data();
    void clientCredentials_secret();
    void webApi_expiredAccessToken_returns401();
    void webApi_tokenForOtherOrg_returns401();
    void webApi_unknownToken_returns401();
    void admin_unknownUser_isRejected();

private:
    // GET /authorize; returns the raw response (302 expected).
    HttpResult authorize(QList<QPair<QString, QString>> overrides = {}, const QStringList &drop = {});
    QUrlQuery redirectQuery(const HttpResult &r);
    QString freshCode(const QString &loginHint = {});
    HttpResult token(const QList<QPair<QString, QString>> &fields);
    QJsonObject signIn(const QString &loginHint = {});
    HttpResult whoAmI(const QString &accessToken);
    HttpResult adminPost(const QString &action, const QJsonObject &body);
    static int aadsts(const HttpResult &r)
    {
        return r.json().object().value(u"error_codes"_s).toArray().at(0).toInt();
    }

    SandboxProcess m_sandbox;
    QString m_orgScope;
    QString m_redirectUri = u"http://localhost:53117/"_s;
};

void tst_SandboxIdentity::initTestCase()
{
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start({u"--client-secret"_s, ClientSecret}));
    m_orgScope = m_sandbox.baseUrl().toString() + u"/user_impersonation offline_access openid profile"_s;
}

HttpResult tst_SandboxIdentity::authorize(QList<QPair<QString, QString>> overrides, const QStringList &drop)
{
    QList<QPair<QString, QString>> params{{u"client_id"_s, ClientId},
                                          {u"response_type"_s, u"code"_s},
                                          {u"redirect_uri"_s, m_redirectUri},
                                          {u"response_mode"_s, u"query"_s},
                                          {u"scope"_s, m_orgScope},
                                          {u"state"_s, u"f3b9+c1d2/e7a8=4c56"_s},
                                          {u"code_challenge"_s, challengeFor(Verifier)},
                                          {u"code_challenge_method"_s, u"S256"_s}};
    for (const auto &[name, value] : overrides) {
        for (auto &p : params) {
            if (p.first == name)
                p.second = value;
        }
        if (std::none_of(params.cbegin(), params.cend(), [&](const auto &p) { return p.first == name; }))
            params.append({name, value});
    }
    QUrlQuery query;
    for (const auto &[name, value] : params) {
        if (!drop.contains(name))
            query.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    }
    QUrl url = m_sandbox.baseUrl().resolved(QUrl(u"/organizations/oauth2/v2.0/authorize"_s));
    url.setQuery(query.query(QUrl::FullyEncoded), QUrl::StrictMode);
    return d365::testsupport::request("GET", url);
}

QUrlQuery tst_SandboxIdentity::redirectQuery(const HttpResult &r)
{
    return QUrlQuery(QUrl::fromEncoded(r.header("Location")).query(QUrl::FullyEncoded));
}

QString tst_SandboxIdentity::freshCode(const QString &loginHint)
{
    const HttpResult r =
        authorize(loginHint.isEmpty() ? QList<QPair<QString, QString>>{}
                                      : QList<QPair<QString, QString>>{{u"login_hint"_s, loginHint}});
    if (r.status != 302)
        return {};
    return redirectQuery(r).queryItemValue(u"code"_s, QUrl::FullyDecoded);
}

HttpResult tst_SandboxIdentity::token(const QList<QPair<QString, QString>> &fields)
{
    return d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/organizations/oauth2/v2.0/token"_s)),
        {{"Content-Type", "application/x-www-form-urlencoded"}}, form(fields));
}

QJsonObject tst_SandboxIdentity::signIn(const QString &loginHint)
{
    const HttpResult r = token({{u"client_id"_s, ClientId},
                                {u"grant_type"_s, u"authorization_code"_s},
                                {u"code"_s, freshCode(loginHint)},
                                {u"redirect_uri"_s, m_redirectUri},
                                {u"code_verifier"_s, Verifier}});
    return r.status == 200 ? r.json().object() : QJsonObject();
}

HttpResult tst_SandboxIdentity::whoAmI(const QString &accessToken)
{
    return d365::testsupport::request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                                      {{"Authorization", "Bearer " + accessToken.toLatin1()}});
}

HttpResult tst_SandboxIdentity::adminPost(const QString &action, const QJsonObject &body)
{
    return d365::testsupport::request("POST",
                                      m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/identity/"_s + action)),
                                      {{"Content-Type", "application/json"}}, QJsonDocument(body).toJson());
}

void tst_SandboxIdentity::authorize_validRequest_redirectsWithCodeAndEchoedState()
{
    const HttpResult r = authorize();
    QCOMPARE(r.status, 302);
    const QUrl location = QUrl::fromEncoded(r.header("Location"));
    QCOMPARE(location.scheme(), u"http"_s);
    QCOMPARE(location.host(), u"localhost"_s);
    QCOMPARE(location.port(), 53117);
    QCOMPARE(location.path(), u"/"_s);
    const QUrlQuery q = redirectQuery(r);
    QCOMPARE(q.queryItemValue(u"state"_s, QUrl::FullyDecoded), u"f3b9+c1d2/e7a8=4c56"_s);
    QVERIFY(q.queryItemValue(u"code"_s, QUrl::FullyDecoded).size() > 20);
    QVERIFY(!q.hasQueryItem(u"error"_s));
}

void tst_SandboxIdentity::authorize_badRequest_isRefusedWithoutRedirect_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");
    QTest::addColumn<int>("code");
    QTest::newRow("unknown client id")
        << u"client_id"_s << u"00000000-1111-2222-3333-444444444444"_s << 700016;
    QTest::newRow("https non-loopback redirect")
        << u"redirect_uri"_s << u"https://evil.example.com/"_s << 50011;
    QTest::newRow("http non-loopback redirect")
        << u"redirect_uri"_s << u"http://example.com:8080/"_s << 50011;
    QTest::newRow("IPv6 loopback not supported") << u"redirect_uri"_s << u"http://[::1]:53117/"_s << 50011;
    QTest::newRow("unregistered path") << u"redirect_uri"_s << u"http://localhost:53117/other"_s << 50011;
    QTest::newRow("path case differs") << u"redirect_uri"_s << u"http://localhost:53117/Callback"_s << 50011;
}

void tst_SandboxIdentity::authorize_badRequest_isRefusedWithoutRedirect()
{
    QFETCH(QString, name);
    QFETCH(QString, value);
    QFETCH(int, code);
    const HttpResult r = authorize({{name, value}});
    QCOMPARE(r.status, 400);
    QVERIFY(r.header("Location").isEmpty());
    const QJsonObject body = r.json().object();
    QCOMPARE(aadsts(r), code);
    QVERIFY2(body.value(u"error_description"_s).toString().startsWith(u"AADSTS%1:"_s.arg(code)),
             qPrintable(body.value(u"error_description"_s).toString()));
    for (const char *member : {"error", "timestamp", "trace_id", "correlation_id"})
        QVERIFY2(!body.value(QLatin1StringView(member)).toString().isEmpty(), member);
}

void tst_SandboxIdentity::authorize_missingPkce_redirectsWithError_data()
{
    QTest::addColumn<Params>("overrides");
    QTest::addColumn<QStringList>("drop");
    QTest::addColumn<QString>("error");
    QTest::newRow("no challenge") << Params{} << QStringList{u"code_challenge"_s} << u"invalid_request"_s;
    QTest::newRow("plain method") << Params{{u"code_challenge_method"_s, u"plain"_s}} << QStringList{}
                                  << u"invalid_request"_s;
    QTest::newRow("graph scope only")
        << Params{{u"scope"_s, u"openid offline_access"_s}} << QStringList{} << u"invalid_scope"_s;
    QTest::newRow("unknown resource") << Params{{u"scope"_s, u"https://example.com/user_impersonation"_s}}
                                      << QStringList{} << u"invalid_resource"_s;
    QTest::newRow("token response type")
        << Params{{u"response_type"_s, u"token"_s}} << QStringList{} << u"unsupported_response_type"_s;
}

void tst_SandboxIdentity::authorize_missingPkce_redirectsWithError()
{
    QFETCH(Params, overrides);
    QFETCH(QStringList, drop);
    QFETCH(QString, error);
    const HttpResult r = authorize(overrides, drop);
    QCOMPARE(r.status, 302);
    const QUrlQuery q = redirectQuery(r);
    QCOMPARE(q.queryItemValue(u"error"_s), error);
    QVERIFY(q.queryItemValue(u"error_description"_s, QUrl::FullyDecoded).startsWith(u"AADSTS"_s));
    QCOMPARE(q.queryItemValue(u"state"_s, QUrl::FullyDecoded), u"f3b9+c1d2/e7a8=4c56"_s);
    QVERIFY(!q.hasQueryItem(u"code"_s));
}

void tst_SandboxIdentity::token_verifierMismatch_isRejected501481()
{
    const HttpResult r = token({{u"client_id"_s, ClientId},
                                {u"grant_type"_s, u"authorization_code"_s},
                                {u"code"_s, freshCode()},
                                {u"redirect_uri"_s, m_redirectUri},
                                {u"code_verifier"_s, Verifier + u"x"_s}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json().object().value(u"error"_s).toString(), u"invalid_grant"_s);
    QCOMPARE(aadsts(r), 501481);
}

void tst_SandboxIdentity::token_codeReused_isRejected54005()
{
    const QString code = freshCode();
    const QList<QPair<QString, QString>> fields{{u"client_id"_s, ClientId},
                                                {u"grant_type"_s, u"authorization_code"_s},
                                                {u"code"_s, code},
                                                {u"redirect_uri"_s, m_redirectUri},
                                                {u"code_verifier"_s, Verifier}};
    const HttpResult first = token(fields);
    QCOMPARE(first.status, 200);
    const QJsonObject tokens = first.json().object();
    QCOMPARE(tokens.value(u"token_type"_s).toString(), u"Bearer"_s);
    QCOMPARE(tokens.value(u"expires_in"_s).toInt(), 3600);
    QVERIFY(!tokens.value(u"access_token"_s).toString().isEmpty());
    QVERIFY(!tokens.value(u"refresh_token"_s).toString().isEmpty());
    QVERIFY(!tokens.value(u"id_token"_s).toString().isEmpty());
    QVERIFY(first.header("Cache-Control").contains("no-store"));
    const HttpResult second = token(fields);
    QCOMPARE(second.status, 400);
    QCOMPARE(aadsts(second), 54005);
}

void tst_SandboxIdentity::token_redirectUriDiffers_isRejected50011()
{
    const HttpResult r = token({{u"client_id"_s, ClientId},
                                {u"grant_type"_s, u"authorization_code"_s},
                                {u"code"_s, freshCode()},
                                {u"redirect_uri"_s, u"http://localhost:9999/"_s},
                                {u"code_verifier"_s, Verifier}});
    QCOMPARE(r.status, 400);
    QCOMPARE(aadsts(r), 50011);
}

void tst_SandboxIdentity::token_codeIsUsableWithLoginHintUser_webApiSeesThatUser()
{
    const QJsonObject admin = signIn();
    const QJsonObject alice = signIn(Alice);
    QVERIFY(!admin.isEmpty());
    QVERIFY(!alice.isEmpty());
    const HttpResult a = whoAmI(admin.value(u"access_token"_s).toString());
    const HttpResult b = whoAmI(alice.value(u"access_token"_s).toString());
    QCOMPARE(a.status, 200);
    QCOMPARE(b.status, 200);
    QCOMPARE(b.json().object().value(u"UserId"_s).toString(), u"7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"_s);
    QVERIFY(a.json().object().value(u"UserId"_s) != b.json().object().value(u"UserId"_s));
    // The id_token names the signed-in user.
    const QString idToken = alice.value(u"id_token"_s).toString();
    const QJsonObject claims =
        QJsonDocument::fromJson(
            QByteArray::fromBase64(idToken.section(u'.', 1, 1).toLatin1(), QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(claims.value(u"preferred_username"_s).toString(), Alice);
    // oid is the Entra object id of the user's systemuser row (what CallerObjectId names), not the
    // systemuserid.
    QCOMPARE(claims.value(u"oid"_s).toString(), u"3c1e8f52-7a9d-4b6e-8f21-5d0c9a7e4b13"_s);
}

void tst_SandboxIdentity::oidc_nonceClientInfoAndEntraClaims_andTheTenantMetadata()
{
    // As MSAL asks: a nonce and client_info=1 on the authorize request, client_info=1 on the token request.
    const HttpResult authorized =
        authorize({{u"nonce"_s, u"n-0S6_WzA2Mj"_s}, {u"client_info"_s, u"1"_s}, {u"login_hint"_s, Alice}});
    QCOMPARE(authorized.status, 302);
    const QUrlQuery redirect = redirectQuery(authorized);
    const QJsonObject fromRedirect =
        QJsonDocument::fromJson(QByteArray::fromBase64(redirect.queryItemValue(u"client_info"_s).toLatin1(),
                                                       QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(fromRedirect.value(u"uid"_s).toString(), u"3c1e8f52-7a9d-4b6e-8f21-5d0c9a7e4b13"_s);
    const QString tenantId = fromRedirect.value(u"utid"_s).toString();
    QVERIFY(!QUuid(tenantId).isNull());
    const HttpResult r = token({{u"client_id"_s, ClientId},
                                {u"grant_type"_s, u"authorization_code"_s},
                                {u"code"_s, redirect.queryItemValue(u"code"_s, QUrl::FullyDecoded)},
                                {u"redirect_uri"_s, m_redirectUri},
                                {u"code_verifier"_s, Verifier},
                                {u"client_info"_s, u"1"_s}});
    QCOMPARE(r.status, 200);
    const QJsonObject tokens = r.json().object();
    QCOMPARE(tokens.value(u"client_info"_s).toString(), redirect.queryItemValue(u"client_info"_s));
    const QStringList parts = tokens.value(u"id_token"_s).toString().split(u'.');
    QCOMPARE(parts.size(), 3);
    const QJsonObject claims =
        QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(), QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(claims.value(u"nonce"_s).toString(), u"n-0S6_WzA2Mj"_s);
    QCOMPARE(claims.value(u"ver"_s).toString(), u"2.0"_s);
    QCOMPARE(claims.value(u"aud"_s).toString(), ClientId);
    QCOMPARE(claims.value(u"tid"_s).toString(), tenantId);
    QCOMPARE(claims.value(u"iss"_s).toString(),
             m_sandbox.baseUrl().toString() + u'/' + tenantId + u"/v2.0"_s);
    QVERIFY(claims.value(u"nbf"_s).toInteger() <= claims.value(u"exp"_s).toInteger());
    // sub is pairwise: stable for this user in this app, and not the object id.
    const QString sub = claims.value(u"sub"_s).toString();
    QVERIFY(!sub.isEmpty());
    QVERIFY(sub != claims.value(u"oid"_s).toString());
    const QJsonObject again = signIn(Alice);
    const QJsonObject againClaims =
        QJsonDocument::fromJson(
            QByteArray::fromBase64(again.value(u"id_token"_s).toString().section(u'.', 1, 1).toLatin1(),
                                   QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(againClaims.value(u"sub"_s).toString(), sub);
    QVERIFY(!againClaims.contains(u"nonce"_s)); // none asked, none echoed
    QVERIFY(!again.contains(u"client_info"_s));

    // The tenant's metadata names this server's endpoints and the id_token's issuer.
    const HttpResult metadata = d365::testsupport::request(
        "GET",
        m_sandbox.baseUrl().resolved(QUrl(u"/%1/v2.0/.well-known/openid-configuration"_s.arg(tenantId))));
    QCOMPARE(metadata.status, 200);
    const QJsonObject document = metadata.json().object();
    QCOMPARE(document.value(u"issuer"_s).toString(), claims.value(u"iss"_s).toString());
    QCOMPARE(document.value(u"token_endpoint"_s).toString(),
             m_sandbox.baseUrl().toString() + u'/' + tenantId + u"/oauth2/v2.0/token"_s);
    QCOMPARE(document.value(u"authorization_endpoint"_s).toString(),
             m_sandbox.baseUrl().toString() + u'/' + tenantId + u"/oauth2/v2.0/authorize"_s);
    // Signed with RS256 by the key the JWKS publishes (tst_msalpython verifies the signature with PyJWT).
    QCOMPARE(document.value(u"id_token_signing_alg_values_supported"_s).toArray(), QJsonArray{u"RS256"_s});
    const QJsonObject header =
        QJsonDocument::fromJson(QByteArray::fromBase64(parts[0].toLatin1(), QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(header.value(u"alg"_s).toString(), u"RS256"_s);
    QVERIFY(!parts[2].isEmpty());
    const HttpResult keys = d365::testsupport::request("GET", QUrl(document.value(u"jwks_uri"_s).toString()));
    QCOMPARE(keys.status, 200);
    const QJsonArray keySet = keys.json().object().value(u"keys"_s).toArray();
    QCOMPARE(keySet.size(), 1);
    const QJsonObject jwk = keySet.first().toObject();
    QCOMPARE(jwk.value(u"kty"_s).toString(), u"RSA"_s);
    QCOMPARE(jwk.value(u"kid"_s).toString(), header.value(u"kid"_s).toString());
    QCOMPARE(
        QByteArray::fromBase64(jwk.value(u"n"_s).toString().toLatin1(), QByteArray::Base64UrlEncoding).size(),
        256); // 2048 bits
    const HttpResult posted = d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/organizations/v2.0/.well-known/openid-configuration"_s)),
        {}, "{}");
    QCOMPARE(posted.status, 405);
    const HttpResult unknown = d365::testsupport::request(
        "GET",
        m_sandbox.baseUrl().resolved(QUrl(u"/contoso.example/v2.0/.well-known/openid-configuration"_s)));
    QCOMPARE(unknown.status, 400);
    QCOMPARE(aadsts(unknown), 90002);
}

void tst_SandboxIdentity::refresh_rotatesToken_oldOneStopsWorking()
{
    const QJsonObject first = signIn();
    const QString rt1 = first.value(u"refresh_token"_s).toString();
    const QList<QPair<QString, QString>> fields{
        {u"client_id"_s, ClientId},
        {u"grant_type"_s, u"refresh_token"_s},
        {u"refresh_token"_s, rt1},
        {u"scope"_s, m_sandbox.baseUrl().toString() + u"/user_impersonation offline_access"_s}};
    const HttpResult r = token(fields);
    QCOMPARE(r.status, 200);
    const QString rt2 = r.json().object().value(u"refresh_token"_s).toString();
    const QString at2 = r.json().object().value(u"access_token"_s).toString();
    QVERIFY(!rt2.isEmpty());
    QVERIFY(rt2 != rt1);
    QVERIFY(at2 != first.value(u"access_token"_s).toString());
    QCOMPARE(whoAmI(at2).status, 200);
    const HttpResult again = token(fields);
    QCOMPARE(again.status, 400);
    QCOMPARE(again.json().object().value(u"error"_s).toString(), u"invalid_grant"_s);
    // The new one works.
    QList<QPair<QString, QString>> next = fields;
    next[2].second = rt2;
    QCOMPARE(token(next).status, 200);
}

void tst_SandboxIdentity::refresh_revoked_isRejected50173()
{
    const QString rt = signIn(Alice).value(u"refresh_token"_s).toString();
    const HttpResult admin = adminPost(u"revoke"_s, {{u"user"_s, Alice}});
    QCOMPARE(admin.status, 200);
    QVERIFY(admin.json().object().value(u"affected"_s).toInt() >= 1);
    const HttpResult r =
        token({{u"client_id"_s, ClientId}, {u"grant_type"_s, u"refresh_token"_s}, {u"refresh_token"_s, rt}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json().object().value(u"error"_s).toString(), u"invalid_grant"_s);
    QCOMPARE(aadsts(r), 50173);
}

void tst_SandboxIdentity::refresh_expired_isRejected700082()
{
    const QString rt = signIn(Alice).value(u"refresh_token"_s).toString();
    QCOMPARE(adminPost(u"expire"_s, {{u"user"_s, Alice}, {u"tokens"_s, u"refresh"_s}}).status, 200);
    const HttpResult r =
        token({{u"client_id"_s, ClientId}, {u"grant_type"_s, u"refresh_token"_s}, {u"refresh_token"_s, rt}});
    QCOMPARE(r.status, 400);
    QCOMPARE(aadsts(r), 700082);
}

void tst_SandboxIdentity::clientCredentials_secret_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    const QString scope = m_sandbox.baseUrl().toString() + u"/.default"_s;
    QTest::newRow("good secret") << ClientSecret << scope << 200 << 0;
    QTest::newRow("wrong secret") << u"wrong"_s << scope << 400 << 7000215;
    QTest::newRow("plus sign decoded as space") << u"s3cr3t with/odd=chars&more"_s << scope << 400 << 7000215;
    QTest::newRow("no secret") << QString() << scope << 400 << 7000218;
    QTest::newRow("user_impersonation scope")
        << ClientSecret << QString(m_sandbox.baseUrl().toString() + u"/user_impersonation"_s) << 400
        << 1002012;
}

void tst_SandboxIdentity::clientCredentials_secret()
{
    QFETCH(QString, secret);
    QFETCH(QString, scope);
    QFETCH(int, status);
    QFETCH(int, code);
    QList<QPair<QString, QString>> fields{
        {u"client_id"_s, ClientId}, {u"grant_type"_s, u"client_credentials"_s}, {u"scope"_s, scope}};
    if (!secret.isNull())
        fields.append({u"client_secret"_s, secret});
    const HttpResult r = token(fields);
    QCOMPARE(r.status, status);
    if (status != 200) {
        QCOMPARE(aadsts(r), code);
        return;
    }
    const QJsonObject tokens = r.json().object();
    QVERIFY(!tokens.contains(u"refresh_token"_s));
    const HttpResult who = whoAmI(tokens.value(u"access_token"_s).toString());
    QCOMPARE(who.status, 200);
    QCOMPARE(who.json().object().value(u"UserId"_s).toString(), u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s);
}

void tst_SandboxIdentity::webApi_expiredAccessToken_returns401()
{
    const QString at = signIn(Alice).value(u"access_token"_s).toString();
    QCOMPARE(whoAmI(at).status, 200);
    QCOMPARE(adminPost(u"expire"_s, {{u"user"_s, Alice}, {u"tokens"_s, u"access"_s}}).status, 200);
    const HttpResult r = whoAmI(at);
    QCOMPARE(r.status, 401);
    QVERIFY(r.header("WWW-Authenticate").startsWith("Bearer authorization_uri="));
    QVERIFY(
        r.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(u"expired"_s));
}

void tst_SandboxIdentity::webApi_tokenForOtherOrg_returns401()
{
    const HttpResult r = token({{u"client_id"_s, ClientId},
                                {u"grant_type"_s, u"client_credentials"_s},
                                {u"client_secret"_s, ClientSecret},
                                {u"scope"_s, u"https://contoso.crm.dynamics.com/.default"_s}});
    QCOMPARE(r.status, 200);
    QCOMPARE(whoAmI(r.json().object().value(u"access_token"_s).toString()).status, 401);
}

void tst_SandboxIdentity::webApi_unknownToken_returns401()
{
    QCOMPARE(whoAmI(u"sandbox-development-token"_s).status, 401);
    QCOMPARE(whoAmI(u"test"_s).status, 401);
}

void tst_SandboxIdentity::admin_unknownUser_isRejected()
{
    const HttpResult r = adminPost(u"revoke"_s, {{u"user"_s, u"nobody@example.com"_s}});
    QCOMPARE(r.status, 400);
    QVERIFY(r.json().object().value(u"error_description"_s).toString().contains(u"nobody@example.com"_s));
}

QTEST_GUILESS_MAIN(tst_SandboxIdentity)
#include "tst_sandboxidentity.moc"
