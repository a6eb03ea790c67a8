#pragma once

// Token providers besides OAuthTokenProvider (browser sign-in, refresh tokens in the keychain, client
// credentials); TokenProviderFactory picks one. The interface itself lives in services/dataverse/, which
// only needs "a token for this profile" and must not depend on the sign-in layer above it.
//  - EnvironmentTokenProvider reads D365SYNC_ACCESS_TOKEN (any org; e.g. a token from `az account
//    get-access-token`);
//  - for a Sandbox profile without that variable it uses a fixed development token, which the sandbox
//    accepts until its identity provider lands.
// Implementations are called from worker threads and must be thread-safe.

#include "services/dataverse/tokenprovider.h"

#include <QByteArray>

namespace d365::services {

class EnvironmentTokenProvider final : public TokenProvider
{
public:
    static constexpr const char *EnvironmentVariable = "D365SYNC_ACCESS_TOKEN";
    static constexpr const char *SandboxDevelopmentToken = "sandbox-development-token";

    Result<QByteArray> accessToken(const ConnectionProfile &profile) override;
    void invalidate(const QByteArray &token) override;
};

} // namespace d365::services
