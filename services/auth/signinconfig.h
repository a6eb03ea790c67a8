#pragma once

// What a profile's sign-in talks to, and what the identity platform's answers mean for the user.
//
//   ConnectionProfile --signInEndpoints()--> authorize / token URLs, scopes, client id
//   token endpoint error body --tokenEndpointError()--> Error with an actionable message (FACTS.md §12 codes)
//   no answer at all --unreachableError()--> Network error naming the sign-in host and the cause
//   no sign-in at all --notSignedInMessage()--> how to sign in (browser, client secret, environment)
//
// Scopes: the Dataverse resource itself (https://<org host>/user_impersonation for a user, /.default for an
// application user), never Microsoft Graph: Dataverse refuses Graph tokens.

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace d365::services {

struct SignInEndpoints
{
    QUrl authorizeUrl;        // <authority>/<tenant>/oauth2/v2.0/authorize
    QUrl tokenUrl;            // <authority>/<tenant>/oauth2/v2.0/token
    QString clientId;         // the profile's app registration (sandbox: the sandbox test app by default)
    QString delegatedScope;   // "<org>/user_impersonation offline_access openid profile"
    QString applicationScope; // "<org>/.default"
};

class SignInConfig
{
public:
    static constexpr const char *DefaultAuthority = "https://login.microsoftonline.com";
    // The client id of d365sync-sandbox's built-in app registration (tests/sandbox/README.md).
    static constexpr const char *SandboxClientId = "51f81489-12ee-4a9e-aaae-a2591f45987d";
    // How long a token request may take before it counts as unanswered.
    static constexpr int TokenRequestTimeoutSeconds = 60;

    // The endpoints, or a Configuration error (no client id, bad authority) saying what to set.
    static Result<SignInEndpoints> endpoints(const ConnectionProfile &profile);

    // Where the profile signs in, for messages: "login.microsoftonline.com", or "127.0.0.1:41234" for a
    // sandbox org (its own identity provider).
    static QString signInHost(const ConnectionProfile &profile);

    // Maps a token endpoint reply (status, JSON body) to an Error; reconnectRequired is set when only a new
    // interactive sign-in helps (invalid_grant: expired, revoked or reused grants). httpStatus 0 (no answer)
    // is unreachableError() with the transport error's text.
    static Error tokenEndpointError(const ConnectionProfile &profile, int httpStatus, const QByteArray &body,
                                    const QString &transportError, bool *reconnectRequired = nullptr);
    // The token request got no HTTP answer: a Network error naming the sign-in host, the cause (from the
    // QNetworkReply::NetworkError) and what to check.
    static Error unreachableError(const ConnectionProfile &profile, int networkError,
                                  const QString &errorString);
    // The AADSTS number of an error_description / error_codes body, or 0.
    static int aadstsCode(const QByteArray &body);
    // The message for a refresh that failed for good: the profile must be reconnected.
    static QString reconnectMessage(const ConnectionProfile &profile, int aadsts);
    // The message for a profile without any sign-in (never connected, or disconnected): every way to get
    // one. `why`, when given, follows the profile's name (e.g. "you disconnected it").
    static QString notSignedInMessage(const ConnectionProfile &profile, const QString &why = {});
};

} // namespace d365::services
