#include "identityprovider.h"

#include "orgdefinition.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>

Q_LOGGING_CATEGORY(lcIdentity, "d365.sandbox.identity")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

constexpr int CodeLifetimeSeconds = 600;                // FACTS §12: codes live about 10 minutes
constexpr int RefreshTokenLifetimeSeconds = 90 * 86400; // FACTS §12: 90 days

const QRegularExpression &oauthPath()
{
    static const QRegularExpression re(u"^/([^/]+)/oauth2/v2\\.0/(authorize|token)$"_s);
    return re;
}

// Entra's tenant metadata (v2-protocols-oidc.md): /{tenant}/v2.0/.well-known/openid-configuration and the
// signing keys it points to, /{tenant}/discovery/v2.0/keys.
const QRegularExpression &metadataPath()
{
    static const QRegularExpression re(
        u"^/([^/]+)/(?:(v2\\.0/\\.well-known/openid-configuration)|(discovery/v2\\.0/keys))$"_s);
    return re;
}

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray base64Url(const QJsonObject &object)
{
    return base64Url(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QByteArray randomBytes(int n)
{
    QByteArray bytes(n, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), n / 4);
    return bytes;
}

// Codes and refresh tokens use standard base64 ('+', '/', '=') on purpose: a client must encode them in the
// form body (toolchain.md §5, items 1 and 2) or the exchange fails.
QString newCode()
{
    return u"0.SBX"_s + QString::fromLatin1(randomBytes(48).toBase64());
}
QString newRefreshToken()
{
    return u"1.SBX"_s + QString::fromLatin1(randomBytes(48).toBase64());
}
QByteArray newAccessToken()
{
    return "sbx." + randomBytes(36).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// application/x-www-form-urlencoded: '+' is a space, then percent-decoding.
QHash<QString, QString> parseForm(const QByteArray &body)
{
    QHash<QString, QString> fields;
    for (const QByteArray &pair : body.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        QByteArray name = eq < 0 ? pair : pair.left(eq);
        QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
        name.replace('+', ' ');
        value.replace('+', ' ');
        fields.insert(QUrl::fromPercentEncoding(name), QUrl::fromPercentEncoding(value));
    }
    return fields;
}

QString loopbackHostKind(const QString &host)
{
    if (host == u"localhost"_s)
        return host;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback() ? address.toString() : QString();
}

QString timestamp()
{
    return QDateTime::currentDateTimeUtc().toString(u"yyyy-MM-dd hh:mm:ss'Z'"_s);
}

} // namespace

IdentityProvider::IdentityProvider(const OrgDefinition &definition)
    : m_tenantId(definition.organization().tenantId)
    , m_tenantDomain(u"sandbox.onmicrosoft.com"_s)
{
    // The first user is the org's own user (the systemuser WhoAmI names); the others have fixed ids.
    m_users = {
        {QString::fromLatin1(DefaultUser), u"Sandbox Admin"_s, definition.organization().userId, false, {}},
        {u"alice@sandbox.onmicrosoft.com"_s,
         u"Alice Example"_s,
         QUuid(u"7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"_s),
         false,
         {}},
        {u"d365sync-app@sandbox.onmicrosoft.com"_s,
         u"# D365 Sync (sandbox app)"_s,
         QUuid(u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s),
         true,
         {}},
    };
    m_appUser = 2;
    // The object id is the one the org's systemuser row names (CallerObjectId impersonation looks it up
    // there); an org without such a row falls back to the systemuserid.
    const TableDef *systemUsers = definition.tableByLogicalName(u"systemuser");
    for (User &user : m_users) {
        user.objectId = user.systemUserId;
        for (const QJsonObject &row : systemUsers ? systemUsers->seedRows : QList<QJsonObject>()) {
            if (QUuid::fromString(row.value(u"systemuserid"_s).toString()) == user.systemUserId) {
                const QUuid objectId =
                    QUuid::fromString(row.value(u"azureactivedirectoryobjectid"_s).toString());
                if (!objectId.isNull())
                    user.objectId = objectId;
            }
        }
    }
    // Registered redirect URIs of the test app. Loopback matching ignores the port (FACTS §12).
    m_redirectUris = {u"http://localhost"_s, u"http://127.0.0.1"_s, u"http://localhost/callback"_s,
                      u"http://127.0.0.1/callback"_s};
}

bool IdentityProvider::setSignInUser(const QString &upn)
{
    const int index = userIndex(upn);
    if (index < 0 || m_users[index].application)
        return false;
    m_signInUser = index;
    return true;
}

bool IdentityProvider::handles(QStringView path)
{
    return path.startsWith(u"/_sandbox/identity/"_s) || oauthPath().match(path).hasMatch() ||
           metadataPath().match(path).hasMatch();
}

HttpResponse IdentityProvider::handle(const HttpRequest &request)
{
    if (request.path.startsWith(u"/_sandbox/identity/"_s))
        return admin(request, QStringView(request.path).sliced(19));
    if (const auto metadata = metadataPath().match(request.path); metadata.hasMatch())
        return tenantMetadata(request, metadata.capturedView(1), metadata.hasCaptured(3));
    const auto m = oauthPath().match(request.path);
    const QStringView tenant = m.capturedView(1);
    const bool isAuthorize = m.capturedView(2) == u"authorize"_s;
    if (isAuthorize && request.method != "GET")
        return oauthError(request, u"invalid_request"_s, 900561,
                          u"The endpoint only accepts GET requests (sandbox: no form_post)."_s);
    if (!isAuthorize && request.method != "POST")
        return oauthError(request, u"invalid_request"_s, 900561,
                          u"The endpoint only accepts POST, OPTIONS requests. Received a %1 request."_s.arg(
                              QString::fromLatin1(request.method)));
    // Checked before anything else of either endpoint: an authorize error is shown "in the browser", never
    // redirected.
    if (!tenantKnown(tenant))
        return oauthError(request, u"invalid_request"_s, 90002,
                          u"Tenant '%1' not found. Check to make sure you have the correct tenant ID and are "
                          u"signing into the correct cloud."_s.arg(tenant));
    return isAuthorize ? authorize(request) : token(request);
}

std::optional<QUuid> IdentityProvider::validate(QByteArrayView token) const
{
    return validateFor(token, Audience::Org);
}

std::optional<QUuid> IdentityProvider::validateDiscovery(QByteArrayView token) const
{
    return validateFor(token, Audience::Discovery);
}

std::optional<QUuid> IdentityProvider::validateFor(QByteArrayView token, Audience audience) const
{
    const auto it = m_accessTokens.constFind(token.toByteArray());
    if (it == m_accessTokens.cend())
        return m_acceptAnyToken ? std::optional<QUuid>(m_users.first().systemUserId) : std::nullopt;
    if (it->audience != audience || it->expiresAt <= QDateTime::currentDateTimeUtc())
        return std::nullopt;
    return m_users[it->user].systemUserId;
}

HttpResponse IdentityProvider::authorize(const HttpRequest &request)
{
    const QString clientId = request.queryValue(u"client_id");
    const QString redirectUri = request.queryValue(u"redirect_uri");
    const QString state = request.queryValue(u"state");
    // Until client and redirect URI are known good, errors are shown "in the browser" (here: a 400 JSON
    // body), never redirected: an unchecked redirect_uri must not receive anything.
    if (clientId.isEmpty())
        return oauthError(request, u"invalid_request"_s, 900144,
                          u"The request body must contain the following parameter: 'client_id'."_s);
    if (clientId != QLatin1StringView(TestClientId))
        return oauthError(request, u"unauthorized_client"_s, 700016,
                          u"Application with identifier '%1' was not found in the directory '%2'."_s.arg(
                              clientId, m_tenantDomain));
    if (!redirectUriRegistered(redirectUri))
        return oauthError(request, u"invalid_request"_s, 50011,
                          u"The redirect URI '%1' specified in the request does not match the redirect URIs "
                          u"configured for the application '%2'."_s.arg(redirectUri, clientId));

    HttpResponse redirect;
    redirect.status = 302;
    const auto fail = [&](const QString &error, int code, const QString &description) {
        redirect.setHeader("Location",
                           errorRedirect(redirectUri, error, code, description, state).toEncoded());
        qCInfo(lcIdentity) << "authorize refused: AADSTS" << code;
        return redirect;
    };
    if (request.queryValue(u"response_type") != u"code"_s)
        return fail(u"unsupported_response_type"_s, 700054,
                    u"response_type '%1' is not enabled for the application."_s.arg(
                        request.queryValue(u"response_type")));
    const QString challenge = request.queryValue(u"code_challenge");
    if (challenge.isEmpty() || request.queryValue(u"code_challenge_method") != u"S256"_s)
        return fail(u"invalid_request"_s, 9002325,
                    u"Proof Key for Code Exchange is required: send code_challenge with "
                    u"code_challenge_method=S256 (sandbox rule)."_s);
    if (challenge.size() != 43)
        return fail(u"invalid_request"_s, 501491, u"Invalid size of Code_Challenge parameter."_s);
    HttpResponse scopeError;
    const QString scope = request.queryValue(u"scope");
    const auto resource = resourceOf(scope, request, false, &scopeError);
    if (!resource) {
        const QJsonObject body = QJsonDocument::fromJson(scopeError.body).object();
        return fail(
            body.value(u"error"_s).toString(), body.value(u"error_codes"_s).toArray().at(0).toInt(),
            body.value(u"error_description"_s).toString().section(u": "_s, 1).section(u"\r\n"_s, 0, 0));
    }
    int user = m_signInUser;
    const QString hint = request.queryValue(u"login_hint");
    if (!hint.isEmpty()) {
        user = userIndex(hint);
        if (user < 0 || m_users[user].application)
            return fail(
                u"invalid_request"_s, 50034,
                u"The user account %1 does not exist in the %2 directory. To sign into this "
                u"application, the account must be added to the directory."_s.arg(hint, m_tenantDomain));
    }

    const QString code = newCode();
    m_codes.insert(code,
                   Code{clientId, redirectUri, challenge, *resource, scope, request.queryValue(u"nonce"),
                        user, QDateTime::currentDateTimeUtc().addSecs(CodeLifetimeSeconds), false});
    QUrl target(redirectUri);
    if (target.path().isEmpty())
        target.setPath(u"/"_s); // FACTS §12: URIs without a path get a trailing '/'
    QUrlQuery query;
    query.addQueryItem(u"code"_s, QString::fromLatin1(QUrl::toPercentEncoding(code)));
    if (!state.isEmpty())
        query.addQueryItem(u"state"_s, QString::fromLatin1(QUrl::toPercentEncoding(state)));
    // Asked with client_info=1 (MSAL always asks), the answer names the user's home account.
    if (request.queryValue(u"client_info") == u"1"_s)
        query.addQueryItem(u"client_info"_s, QString::fromLatin1(clientInfo(user)));
    query.addQueryItem(u"session_state"_s, QUuid::createUuid().toString(QUuid::WithoutBraces));
    target.setQuery(query.query(QUrl::FullyEncoded), QUrl::StrictMode);
    redirect.setHeader("Location", target.toEncoded());
    redirect.setHeader("Cache-Control", "no-store, no-cache");
    qCInfo(lcIdentity) << "authorize: signed in" << m_users[user].upn << "for client" << clientId;
    return redirect;
}

HttpResponse IdentityProvider::token(const HttpRequest &request)
{
    if (!request.header("Content-Type").toLower().startsWith("application/x-www-form-urlencoded"))
        return oauthError(request, u"invalid_request"_s, 900144,
                          u"The request body must contain the following parameter: 'grant_type'. (Send an "
                          u"application/x-www-form-urlencoded body.)"_s);
    const QHash<QString, QString> form = parseForm(request.body);
    const QString grantType = form.value(u"grant_type"_s);
    const QString clientId = form.value(u"client_id"_s);
    if (grantType.isEmpty())
        return oauthError(request, u"invalid_request"_s, 900144,
                          u"The request body must contain the following parameter: 'grant_type'."_s);
    if (clientId.isEmpty())
        return oauthError(request, u"invalid_request"_s, 900144,
                          u"The request body must contain the following parameter: 'client_id'."_s);
    if (clientId != QLatin1StringView(TestClientId))
        return oauthError(request, u"unauthorized_client"_s, 700016,
                          u"Application with identifier '%1' was not found in the directory '%2'."_s.arg(
                              clientId, m_tenantDomain));
    const QDateTime now = QDateTime::currentDateTimeUtc();

    if (grantType == u"authorization_code"_s) {
        if (form.contains(u"client_secret"_s))
            return oauthError(request, u"invalid_client"_s, 700025,
                              u"Client is public so neither 'client_assertion' nor 'client_secret' should be "
                              u"presented."_s);
        const QString codeValue = form.value(u"code"_s);
        auto it = m_codes.find(codeValue);
        if (codeValue.isEmpty() || it == m_codes.end())
            return oauthError(
                request, u"invalid_grant"_s, 9002313,
                u"Invalid request. Request is malformed or invalid: the authorization code is not "
                u"one this server issued (was it encoded twice?)."_s);
        if (it->redeemed)
            return oauthError(
                request, u"invalid_grant"_s, 54005,
                u"OAuth2 Authorization code was already redeemed, please retry with a new valid "
                u"code or use an existing refresh token."_s);
        it->redeemed = true; // single use, even when the exchange below fails
        if (it->expiresAt <= now)
            return oauthError(
                request, u"invalid_grant"_s, 70008,
                u"The provided authorization code or refresh token has expired due to inactivity. "
                u"Send a new interactive authorization request for this user and resource."_s);
        if (form.value(u"redirect_uri"_s) != it->redirectUri)
            return oauthError(
                request, u"invalid_grant"_s, 50011,
                u"The redirect URI '%1' specified in the request does not match the redirect URI "
                u"of the authorization request."_s.arg(form.value(u"redirect_uri"_s)));
        const QByteArray verifier = form.value(u"code_verifier"_s).toUtf8();
        const QString expected = QString::fromLatin1(
            QCryptographicHash::hash(verifier, QCryptographicHash::Sha256)
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        if (verifier.isEmpty() || expected != it->challenge)
            return oauthError(request, u"invalid_grant"_s, 501481,
                              u"The Code_Verifier does not match the code_challenge supplied in the "
                              u"authorization request."_s);
        const Code code = *it;
        return issueTokens(request, code.user, clientId, code.resource, code.scope,
                           code.scope.split(u' ').contains(u"offline_access"_s), code.nonce,
                           form.value(u"client_info"_s) == u"1"_s);
    }

    if (grantType == u"refresh_token"_s) {
        auto it = m_refreshTokens.find(form.value(u"refresh_token"_s));
        if (it == m_refreshTokens.end())
            return oauthError(request, u"invalid_grant"_s, 9002313,
                              u"Invalid request. Request is malformed or invalid: unknown refresh token."_s);
        if (it->state == RefreshToken::State::Revoked)
            return oauthError(
                request, u"invalid_grant"_s, 50173,
                u"The provided grant has expired due to it being revoked, a fresh auth token is "
                u"needed. The user might have changed or reset their password."_s);
        if (it->state == RefreshToken::State::Rotated)
            return oauthError(request, u"invalid_grant"_s, 70000,
                              u"The provided value for the 'refresh_token' is not valid: it was already "
                              u"exchanged for a new one (sandbox rotation rule)."_s);
        if (it->expiresAt <= now)
            return oauthError(request, u"invalid_grant"_s, 700082,
                              u"The refresh token has expired due to inactivity. The token was issued on %1 "
                              u"and was inactive for 90.00:00:00."_s.arg(
                                  it->expiresAt.addSecs(-RefreshTokenLifetimeSeconds).toString(Qt::ISODate)));
        if (it->clientId != clientId)
            return oauthError(request, u"invalid_grant"_s, 70000,
                              u"The refresh token was issued to a different client."_s);
        QString scope = form.value(u"scope"_s);
        QString resource = it->resource;
        if (!scope.isEmpty()) {
            HttpResponse scopeError;
            const auto requested = resourceOf(scope, request, false, &scopeError);
            if (!requested)
                return scopeError;
            resource = *requested;
        } else {
            scope = it->scope;
        }
        it->state = RefreshToken::State::Rotated;
        const RefreshToken old = *it;
        return issueTokens(request, old.user, clientId, resource, scope, true, {},
                           form.value(u"client_info"_s) == u"1"_s);
    }

    if (grantType == u"client_credentials"_s) {
        const QString secret = form.value(u"client_secret"_s);
        if (secret.isEmpty())
            return oauthError(request, u"invalid_client"_s, 7000218,
                              u"The request body must contain the following parameter: 'client_assertion' or "
                              u"'client_secret'."_s);
        if (secret != m_clientSecret)
            return oauthError(
                request, u"invalid_client"_s, 7000215,
                u"Invalid client secret provided. Ensure the secret being sent in the request is "
                u"the client secret value, not the client secret ID, for a secret added to app "
                u"'%1'."_s.arg(clientId));
        HttpResponse scopeError;
        const QString scope = form.value(u"scope"_s);
        const auto resource = resourceOf(scope, request, true, &scopeError);
        if (!resource)
            return scopeError;
        // No user, so no client_info (Entra sends none for client credentials).
        return issueTokens(request, m_appUser, clientId, *resource, scope, false, {}, false);
    }

    return oauthError(request, u"unsupported_grant_type"_s, 70003,
                      u"The app requested an unsupported grant type '%1'."_s.arg(grantType));
}

HttpResponse IdentityProvider::issueTokens(const HttpRequest &request, int user, const QString &clientId,
                                           const QString &resource, const QString &scope,
                                           bool withRefreshToken, const QString &nonce, bool withClientInfo)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray accessToken = newAccessToken();
    const Audience audience = isOwnResource(resource, request)                   ? Audience::Org
                              : resource == QLatin1StringView(DiscoveryResource) ? Audience::Discovery
                                                                                 : Audience::Other;
    m_accessTokens.insert(accessToken, AccessToken{user, audience, now.addSecs(m_tokenLifetime)});
    QJsonObject body{{u"token_type"_s, u"Bearer"_s},
                     {u"scope"_s, QString(resource + (m_users[user].application ? u"/.default"_s
                                                                                : u"/user_impersonation"_s))},
                     {u"expires_in"_s, m_tokenLifetime},
                     {u"ext_expires_in"_s, m_tokenLifetime},
                     {u"access_token"_s, QString::fromLatin1(accessToken)}};
    if (withRefreshToken) {
        const QString refreshToken = newRefreshToken();
        m_refreshTokens.insert(refreshToken, RefreshToken{clientId, resource, scope, user,
                                                          now.addSecs(RefreshTokenLifetimeSeconds)});
        body.insert(u"refresh_token"_s, refreshToken);
    }
    if (scope.split(u' ').contains(u"openid"_s)) {
        // An id_token with the claims Entra's v2.0 tokens carry (id-token-claims-reference.md), signed with
        // RS256 by the key the tenant's JWKS publishes (IdTokenSigner).
        const QString tenantId = m_tenantId.toString(QUuid::WithoutBraces);
        QJsonObject claims{{u"aud"_s, clientId},
                           {u"iss"_s, issuer(request)},
                           {u"iat"_s, now.toSecsSinceEpoch()},
                           {u"nbf"_s, now.toSecsSinceEpoch()},
                           {u"exp"_s, now.addSecs(3600).toSecsSinceEpoch()},
                           {u"sub"_s, subject(user, clientId)},
                           {u"tid"_s, tenantId},
                           {u"oid"_s, m_users[user].objectId.toString(QUuid::WithoutBraces)},
                           {u"preferred_username"_s, m_users[user].upn},
                           {u"name"_s, m_users[user].displayName},
                           {u"ver"_s, u"2.0"_s}};
        if (!nonce.isEmpty())
            claims.insert(u"nonce"_s, nonce); // echoed from the authorize request
        body.insert(u"id_token"_s, QString::fromLatin1(m_signer->sign(claims)));
    }
    if (withClientInfo)
        body.insert(u"client_info"_s, QString::fromLatin1(clientInfo(user)));
    HttpResponse r;
    r.status = 200;
    r.setHeader("Content-Type", "application/json; charset=utf-8");
    r.setHeader("Cache-Control", "no-store, no-cache");
    r.setHeader("Pragma", "no-cache");
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    qCInfo(lcIdentity) << "token issued to" << m_users[user].upn << "for" << resource
                       << (withRefreshToken ? "with a refresh token" : "");
    return r;
}

HttpResponse IdentityProvider::admin(const HttpRequest &request, QStringView action)
{
    // SandboxServer::route admits loopback clients only to /_sandbox/.
    if (request.method != "POST")
        return oauthError(request, u"invalid_request"_s, 0, u"Use POST with a JSON body."_s);
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    const int user = userIndex(body.value(u"user"_s).toString());
    if (user < 0)
        return oauthError(request, u"invalid_request"_s, 0,
                          u"Unknown user '%1': send {\"user\": \"<upn>\"} with a UPN from the sandbox "
                          u"README."_s.arg(body.value(u"user"_s).toString()));
    int affected = 0;
    const QDateTime past = QDateTime::currentDateTimeUtc().addSecs(-1);
    if (action == u"revoke"_s) {
        for (auto &rt : m_refreshTokens) {
            if (rt.user == user && rt.state == RefreshToken::State::Active) {
                rt.state = RefreshToken::State::Revoked;
                ++affected;
            }
        }
    } else if (action == u"expire"_s) {
        const QString which = body.value(u"tokens"_s).toString(u"all"_s);
        if (which != u"access"_s && which != u"refresh"_s && which != u"all"_s)
            return oauthError(request, u"invalid_request"_s, 0,
                              u"\"tokens\" must be \"access\", \"refresh\" or \"all\"."_s);
        if (which != u"refresh"_s) {
            for (auto &at : m_accessTokens) {
                if (at.user == user && at.expiresAt > past) {
                    at.expiresAt = past;
                    ++affected;
                }
            }
        }
        if (which != u"access"_s) {
            for (auto &rt : m_refreshTokens) {
                if (rt.user == user && rt.state == RefreshToken::State::Active && rt.expiresAt > past) {
                    rt.expiresAt = past;
                    ++affected;
                }
            }
        }
    } else {
        return oauthError(
            request, u"invalid_request"_s, 0,
            u"Unknown admin action '%1': use /_sandbox/identity/revoke or /expire."_s.arg(action));
    }
    qCInfo(lcIdentity) << "admin" << action << m_users[user].upn << affected << "token(s)";
    HttpResponse r;
    r.status = 200;
    r.setHeader("Content-Type", "application/json; charset=utf-8");
    r.body = QJsonDocument(QJsonObject{{u"user"_s, m_users[user].upn}, {u"affected"_s, affected}})
                 .toJson(QJsonDocument::Compact);
    return r;
}

std::optional<QString> IdentityProvider::resourceOf(const QString &scope, const HttpRequest &request,
                                                    bool clientCredentials, HttpResponse *error) const
{
    QStringList resources;
    QString suffix;
    for (const QString &s : scope.split(u' ', Qt::SkipEmptyParts)) {
        if (s == u"openid"_s || s == u"profile"_s || s == u"offline_access"_s || s == u"email"_s)
            continue;
        const QUrl url(s);
        if (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty()) {
            *error = oauthError(
                request, u"invalid_scope"_s, 70011,
                u"The provided value for the input parameter 'scope' is not valid. The scope "
                u"'%1' is not a resource scope such as https://<org>/user_impersonation."_s.arg(s));
            return std::nullopt;
        }
        const QString resource = url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment)
                                     .toString(QUrl::FullyEncoded);
        if (!resources.contains(resource))
            resources.append(resource);
        suffix = url.path();
        // A resource id registered with a trailing slash is asked for as "<resource>//.default"; Entra maps
        // both spellings to the same resource, and clients built from a resource_id (which the 401
        // challenge gives with a trailing slash) send it that way.
        if (suffix.startsWith(u"//"_s))
            suffix.remove(0, 1);
    }
    if (resources.size() > 1) {
        *error =
            oauthError(request, u"invalid_scope"_s, 700022,
                       u"The provided value for the input parameter scope is not valid because it contains "
                       u"more than one resource. Scope %1 is not valid."_s.arg(scope));
        return std::nullopt;
    }
    if (resources.isEmpty() || (clientCredentials && suffix != u"/.default"_s) ||
        (!clientCredentials && suffix != u"/user_impersonation"_s && suffix != u"/.default"_s)) {
        *error = oauthError(
            request, u"invalid_scope"_s, clientCredentials ? 1002012 : 70011,
            clientCredentials
                ? u"The provided value for scope %1 is not valid. Client credential flows must "
                  u"have a scope value with /.default suffixed to the resource identifier."_s.arg(scope)
                : u"The provided value for the input parameter 'scope' is not valid. Ask for "
                  u"<org url>/user_impersonation offline_access."_s);
        return std::nullopt;
    }
    const QString resource = resources.first();
    const QUrl url(resource);
    // Dataverse hosts (FACTS §12): <org>.crm[N].dynamics.com and <org>.api.crm[N].dynamics.com, and the
    // sovereign clouds' crm.microsoftdynamics.us, crm.appsplatform.us, crm.dynamics.cn, (old)
    // crm.microsoftdynamics.de.
    static const QStringList dataverseDomains = {u".dynamics.com"_s, u".microsoftdynamics.us"_s,
                                                 u".appsplatform.us"_s, u".dynamics.cn"_s,
                                                 u".microsoftdynamics.de"_s};
    const bool dataverseHost =
        url.scheme() == u"https"_s && std::any_of(dataverseDomains.cbegin(), dataverseDomains.cend(),
                                                  [&](const QString &d) { return url.host().endsWith(d); });
    if (!isOwnResource(resource, request) && !dataverseHost) {
        *error =
            oauthError(request, u"invalid_resource"_s, 500011,
                       u"The resource principal named %1 was not found in the tenant named %2. This can "
                       u"happen if the application has not been installed by the administrator of the "
                       u"tenant or consented to by any user in the tenant."_s.arg(resource, m_tenantDomain));
        return std::nullopt;
    }
    return resource;
}

bool IdentityProvider::isOwnResource(const QString &resource, const HttpRequest &request) const
{
    // The org is this server: any loopback host name with the port the request came in on.
    const QUrl url(resource);
    const int ownPort = request.localHost.mid(request.localHost.lastIndexOf(':') + 1).toInt();
    return url.scheme() == (request.secure ? u"https"_s : u"http"_s) &&
           !loopbackHostKind(url.host()).isEmpty() && url.port() == ownPort;
}

bool IdentityProvider::redirectUriRegistered(const QString &uri) const
{
    // FACTS §12: exact, case-sensitive match, except that the port of a loopback URI is ignored; http only
    // for localhost/127.0.0.1; [::1] is not supported.
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"http"_s || url.hasQuery() || url.hasFragment())
        return false;
    const QString host = url.host();
    if (host != u"localhost"_s && host != u"127.0.0.1"_s)
        return false;
    const QString path = url.path() == u"/"_s ? QString() : url.path();
    for (const QString &registered : m_redirectUris) {
        const QUrl r(registered);
        if (r.host() == host && r.path() == path)
            return true;
    }
    return false;
}

bool IdentityProvider::tenantKnown(QStringView tenant) const
{
    return tenant == u"organizations"_s || tenant == u"common"_s || tenant == m_tenantDomain ||
           QUuid(tenant.toString()) == m_tenantId;
}

int IdentityProvider::userIndex(const QString &upn) const
{
    for (int i = 0; i < m_users.size(); ++i) {
        if (m_users[i].upn.compare(upn, Qt::CaseInsensitive) == 0)
            return i;
    }
    return -1;
}

HttpResponse IdentityProvider::oauthError(const HttpRequest &request, const QString &error, int aadsts,
                                          const QString &description) const
{
    const QString traceId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString correlationId = QString::fromLatin1(request.header("client-request-id"));
    if (QUuid(correlationId).isNull())
        correlationId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString ts = timestamp();
    const QString prefix = aadsts > 0 ? u"AADSTS%1: "_s.arg(aadsts) : u"SANDBOX: "_s;
    QJsonObject body{{u"error"_s, error},
                     {u"error_description"_s,
                      QString(prefix + description + u"\r\nTrace ID: "_s + traceId +
                              u"\r\nCorrelation ID: "_s + correlationId + u"\r\nTimestamp: "_s + ts)},
                     {u"error_codes"_s, QJsonArray{aadsts}},
                     {u"timestamp"_s, ts},
                     {u"trace_id"_s, traceId},
                     {u"correlation_id"_s, correlationId}};
    if (aadsts > 0)
        body.insert(u"error_uri"_s, u"https://login.microsoftonline.com/error?code=%1"_s.arg(aadsts));
    qCInfo(lcIdentity) << request.method << request.path << "->" << error << aadsts;
    HttpResponse r;
    r.status = 400;
    r.setHeader("Content-Type", "application/json; charset=utf-8");
    // The same no-cache headers as a success (FACTS §12 vectors), and Entra's request id (= trace_id).
    r.setHeader("Cache-Control", "no-store, no-cache");
    r.setHeader("Pragma", "no-cache");
    r.setHeader("x-ms-request-id", traceId.toLatin1());
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

QString IdentityProvider::issuer(const HttpRequest &request) const
{
    // Entra's issuer is its own authority with the tenant id; here the authority is this server.
    return request.origin() + u'/' + m_tenantId.toString(QUuid::WithoutBraces) + u"/v2.0"_s;
}

QString IdentityProvider::subject(int user, const QString &clientId) const
{
    // Pairwise, as Entra's: the same user has a different sub in every app, but always the same one in one
    // app.
    const QByteArray seed =
        m_users[user].objectId.toByteArray() + '|' + clientId.toUtf8() + '|' + m_tenantId.toByteArray();
    return QString::fromLatin1(base64Url(QCryptographicHash::hash(seed, QCryptographicHash::Sha256)));
}

QByteArray IdentityProvider::clientInfo(int user) const
{
    // base64url of {"uid": <object id>, "utid": <tenant id>}: MSAL's home account id is "<uid>.<utid>".
    return base64Url(QJsonObject{{u"uid"_s, m_users[user].objectId.toString(QUuid::WithoutBraces)},
                                 {u"utid"_s, m_tenantId.toString(QUuid::WithoutBraces)}});
}

HttpResponse IdentityProvider::tenantMetadata(const HttpRequest &request, QStringView tenant, bool keys) const
{
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse r;
        r.status = 405;
        r.setHeader("Allow", "GET, HEAD");
        return r;
    }
    if (!tenantKnown(tenant))
        return oauthError(request, u"invalid_tenant"_s, 90002,
                          u"Tenant '%1' not found. Check to make sure you have the correct tenant ID and are "
                          u"signing into the correct cloud."_s.arg(tenant));
    HttpResponse r;
    r.status = 200;
    r.setHeader("Content-Type", "application/json; charset=utf-8");
    r.setHeader("Cache-Control", "max-age=86400, private");
    r.setHeader("Access-Control-Allow-Origin", "*");
    if (keys) {
        r.body = QJsonDocument(m_signer->keySet()).toJson(QJsonDocument::Compact);
        return r;
    }
    // For a named tenant the endpoints carry its id; for common/organizations they keep the alias and the
    // issuer is a template, "{tenantid}", as Entra's are.
    const QString tenantId = m_tenantId.toString(QUuid::WithoutBraces);
    const bool alias = tenant == u"common"_s || tenant == u"organizations"_s;
    const QString base = request.origin() + u'/' + (alias ? tenant.toString() : tenantId);
    const QString issuerText = alias ? QString(request.origin() + u"/{tenantid}/v2.0"_s) : issuer(request);
    const QJsonObject document{
        {u"issuer"_s, issuerText},
        {u"authorization_endpoint"_s, QString(base + u"/oauth2/v2.0/authorize"_s)},
        {u"token_endpoint"_s, QString(base + u"/oauth2/v2.0/token"_s)},
        {u"jwks_uri"_s, QString(base + u"/discovery/v2.0/keys"_s)},
        {u"token_endpoint_auth_methods_supported"_s, QJsonArray{u"client_secret_post"_s}},
        {u"response_types_supported"_s, QJsonArray{u"code"_s}},
        {u"response_modes_supported"_s, QJsonArray{u"query"_s}},
        {u"grant_types_supported"_s,
         QJsonArray{u"authorization_code"_s, u"refresh_token"_s, u"client_credentials"_s}},
        {u"code_challenge_methods_supported"_s, QJsonArray{u"S256"_s}},
        {u"subject_types_supported"_s, QJsonArray{u"pairwise"_s}},
        {u"id_token_signing_alg_values_supported"_s, QJsonArray{m_signer->algorithm()}},
        {u"scopes_supported"_s, QJsonArray{u"openid"_s, u"profile"_s, u"email"_s, u"offline_access"_s}},
        {u"claims_supported"_s,
         QJsonArray{u"sub"_s, u"iss"_s, u"aud"_s, u"exp"_s, u"iat"_s, u"nbf"_s, u"nonce"_s,
                    u"preferred_username"_s, u"name"_s, u"tid"_s, u"oid"_s, u"ver"_s}},
        {u"request_uri_parameter_supported"_s, false},
        {u"tenant_region_scope"_s, u"NA"_s},
        {u"cloud_instance_name"_s, u"microsoftonline.com"_s},
    };
    r.body = QJsonDocument(document).toJson(QJsonDocument::Compact);
    return r;
}

QUrl IdentityProvider::errorRedirect(const QString &redirectUri, const QString &error, int aadsts,
                                     const QString &description, const QString &state) const
{
    QUrl target(redirectUri);
    if (target.path().isEmpty())
        target.setPath(u"/"_s);
    QUrlQuery query;
    const auto enc = [](const QString &s) { return QString::fromLatin1(QUrl::toPercentEncoding(s)); };
    query.addQueryItem(u"error"_s, error);
    query.addQueryItem(u"error_description"_s, enc(u"AADSTS%1: %2"_s.arg(aadsts).arg(description)));
    if (!state.isEmpty())
        query.addQueryItem(u"state"_s, enc(state));
    target.setQuery(query.query(QUrl::FullyEncoded), QUrl::StrictMode);
    return target;
}

} // namespace d365::sandbox
