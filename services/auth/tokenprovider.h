#pragma once

// Where the Dataverse client gets its bearer token. The OAuth implementation (browser sign-in, refresh
// tokens in the keychain, client credentials) is OAuthTokenProvider; TokenProviderFactory picks one. Besides:
//  - EnvironmentTokenProvider reads D365SYNC_ACCESS_TOKEN (any org; e.g. a token from `az account
//    get-access-token`);
//  - for a Sandbox profile without that variable it uses a fixed development token, which a sandbox started
//    with --accept-any-token accepts (one without it wants a real sign-in: the refusal says so).
// A provider that cannot hand out a token returns an Error that says why and how to fix it (Authentication:
// not signed in, credentials refused, reconnect required; Network: the sign-in service cannot be reached;
// Configuration: the profile or the machine lacks something); callers pass it on unchanged.
// Implementations are called from worker threads and must be thread-safe.

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QByteArray>
#include <QMutex>

#include <optional>

namespace d365::services {

class TokenProvider
{
public:
    virtual ~TokenProvider() = default;
    // A valid access token for the profile's org, or an Authentication error saying how to sign in.
    virtual Result<QByteArray> accessToken(const ConnectionProfile &profile) = 0;
    // Called after the service answered 401 with this token; the next accessToken() must not return it.
    virtual void invalidate(const QByteArray &token) = 0;
    // Why the last accessToken() failed (the provider's own, specific error), without asking anything; empty
    // when it did not fail. Callers that only see the refusal (a 401 after the token was refused, a request
    // that failed for want of a token) ask here what to tell the user.
    virtual std::optional<Error> lastError() const { return std::nullopt; }
};

class EnvironmentTokenProvider final : public TokenProvider
{
public:
    static constexpr const char *EnvironmentVariable = "D365SYNC_ACCESS_TOKEN";
    static constexpr const char *SandboxDevelopmentToken = "sandbox-development-token";

    Result<QByteArray> accessToken(const ConnectionProfile &profile) override;
    void invalidate(const QByteArray &token) override;
    std::optional<Error> lastError() const override;

private:
    mutable QMutex m_mutex;
    std::optional<Error> m_lastError;
};

} // namespace d365::services
