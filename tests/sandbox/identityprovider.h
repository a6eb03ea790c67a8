#pragma once

// The sandbox's stand-in for the Microsoft identity platform (FACTS.md §12), served by the same HttpServer:
//
//   browser GET /{tenant}/oauth2/v2.0/authorize?client_id&redirect_uri&code_challenge(S256)&state&scope
//     -> 302 <loopback redirect_uri>?code=...&state=...      (the configured test user, no sign-in form)
//   POST /{tenant}/oauth2/v2.0/token  grant_type=authorization_code | refresh_token | client_credentials
//     -> {"access_token", "refresh_token" (rotated on every use), "expires_in", ...} or a Microsoft error
//   Web API request with "Authorization: Bearer <access_token>"
//     -> SandboxServer's BearerTokenStage asks validate() for the caller's systemuserid
//   GET /{tenant}/v2.0/.well-known/openid-configuration  -> the tenant's OpenID Connect metadata (MSAL reads
//     its endpoints there); GET /{tenant}/discovery/v2.0/keys -> the RS256 key the id_tokens are signed with
//   POST /_sandbox/identity/revoke | /_sandbox/identity/expire   (admin, loopback connections only)
//
// Tokens are opaque random strings kept in memory; nothing survives a restart. Errors are HTTP 400 with the
// Microsoft body (error, error_description "AADSTSnnnn: ...", error_codes, timestamp, trace_id,
// correlation_id).

#include "httprequest.h"
#include "httpresponse.h"
#include "idtokensigner.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QUuid>

#include <memory>
#include <optional>

namespace d365::sandbox {

class OrgDefinition;

class IdentityProvider
{
public:
    // The built-in "D365 Sync (sandbox)" app registration: a public client for the browser flow whose
    // service principal is also the application user for client credentials.
    static constexpr const char *TestClientId = "51f81489-12ee-4a9e-aaae-a2591f45987d";
    static constexpr const char *DefaultClientSecret = "sandbox-client-secret";
    static constexpr const char *DefaultUser = "admin@sandbox.onmicrosoft.com";
    // The Global Discovery Service's resource (FACTS §12): tokens for it work only on /api/discovery/.
    static constexpr const char *DiscoveryResource = "https://globaldisco.crm.dynamics.com";

    struct User
    {
        QString upn;
        QString displayName;
        QUuid systemUserId;
        bool application = false;
        QUuid objectId; // Entra object id (the id_token's oid): the systemuser row's
                        // azureactivedirectoryobjectid
    };

    explicit IdentityProvider(const OrgDefinition &definition);

    void setTokenLifetime(int seconds) { m_tokenLifetime = seconds; }
    void setClientSecret(const QString &secret) { m_clientSecret = secret; }
    void setAcceptAnyToken(bool accept) { m_acceptAnyToken = accept; }
    // Whom /authorize signs in when the request has no login_hint. Returns false for an unknown UPN.
    bool setSignInUser(const QString &upn);
    const QList<User> &users() const { return m_users; }

    // True for /{tenant}/oauth2/v2.0/... and /_sandbox/identity/... paths.
    static bool handles(QStringView path);
    HttpResponse handle(const HttpRequest &request);

    // The caller's systemuserid for a live access token issued for this org (or, with accept-any-token, any
    // token the provider did not issue); nullopt means 401.
    std::optional<QUuid> validate(QByteArrayView token) const;
    // The same for the discovery service: a live token issued for DiscoveryResource (or, with
    // accept-any-token, any token the provider did not issue).
    std::optional<QUuid> validateDiscovery(QByteArrayView token) const;

private:
    struct Code
    {
        QString clientId;
        QString redirectUri;
        QString challenge;
        QString resource;
        QString scope;
        QString nonce; // the authorize request's, echoed in the id_token
        int user = 0;
        QDateTime expiresAt;
        bool redeemed = false;
    };
    struct RefreshToken
    {
        QString clientId;
        QString resource;
        QString scope;
        int user = 0;
        QDateTime expiresAt;
        enum class State { Active, Rotated, Revoked } state = State::Active;
    };
    // Whom an access token was issued for: this org (any loopback host with our port), the discovery
    // service (DiscoveryResource), or another *.dynamics.com org (valid nowhere here).
    enum class Audience { Org, Discovery, Other };
    struct AccessToken
    {
        int user = 0;
        Audience audience = Audience::Other;
        QDateTime expiresAt;
    };

    std::optional<QUuid> validateFor(QByteArrayView token, Audience audience) const;
    HttpResponse authorize(const HttpRequest &request);
    HttpResponse token(const HttpRequest &request);
    HttpResponse admin(const HttpRequest &request, QStringView action);
    HttpResponse issueTokens(const HttpRequest &request, int user, const QString &clientId,
                             const QString &resource, const QString &scope, bool withRefreshToken,
                             const QString &nonce, bool withClientInfo);
    // GET /{tenant}/v2.0/.well-known/openid-configuration, or (keys) its jwks_uri.
    HttpResponse tenantMetadata(const HttpRequest &request, QStringView tenant, bool keys) const;
    QString issuer(const HttpRequest &request) const; // <origin>/<tenant id>/v2.0
    QString subject(int user, const QString &clientId) const;
    QByteArray clientInfo(int user) const;
    // Splits a scope into its resource (scheme://host[:port]) and checks it; an empty optional plus *error.
    std::optional<QString> resourceOf(const QString &scope, const HttpRequest &request,
                                      bool clientCredentials, HttpResponse *error) const;
    bool isOwnResource(const QString &resource, const HttpRequest &request) const;
    bool redirectUriRegistered(const QString &uri) const;
    bool tenantKnown(QStringView tenant) const;
    int userIndex(const QString &upn) const;

    HttpResponse oauthError(const HttpRequest &request, const QString &error, int aadsts,
                            const QString &description) const;
    QUrl errorRedirect(const QString &redirectUri, const QString &error, int aadsts,
                       const QString &description, const QString &state) const;

    QUuid m_tenantId;
    QString m_tenantDomain;
    QList<User> m_users;
    int m_signInUser = 0;
    int m_appUser = 0;
    QStringList m_redirectUris;
    QString m_clientSecret = QString::fromLatin1(DefaultClientSecret);
    int m_tokenLifetime = 3600;
    bool m_acceptAnyToken = false;

    std::shared_ptr<IdTokenSigner> m_signer = std::make_shared<IdTokenSigner>();
    QHash<QString, Code> m_codes;
    QHash<QString, RefreshToken> m_refreshTokens;
    QHash<QByteArray, AccessToken> m_accessTokens;
};

} // namespace d365::sandbox
