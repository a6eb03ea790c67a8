#pragma once

// Where the Dataverse client gets its bearer token. The OAuth implementation (browser sign-in, refresh
// tokens in the keychain, client credentials) is OAuthTokenProvider; TokenProviderFactory picks one. Besides:
//  - EnvironmentTokenProvider reads D365SYNC_ACCESS_TOKEN (any org; e.g. a token from `az account
//    get-access-token`);
//  - for a Sandbox profile without that variable it uses a fixed development token, which the sandbox
//    accepts until its identity provider lands.
// Implementations are called from worker threads and must be thread-safe.

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QByteArray>

namespace d365::services {

class TokenProvider
{
public:
    virtual ~TokenProvider() = default;
    // A valid access token for the profile's org, or an Authentication error saying how to sign in.
    virtual Result<QByteArray> accessToken(const ConnectionProfile &profile) = 0;
    // Called after the service answered 401 with this token; the next accessToken() must not return it.
    virtual void invalidate(const QByteArray &token) = 0;
};

class EnvironmentTokenProvider final : public TokenProvider
{
public:
    static constexpr const char *EnvironmentVariable = "D365SYNC_ACCESS_TOKEN";
    static constexpr const char *SandboxDevelopmentToken = "sandbox-development-token";

    Result<QByteArray> accessToken(const ConnectionProfile &profile) override;
    void invalidate(const QByteArray &token) override;
};

} // namespace d365::services
