#pragma once

// Token providers besides OAuthTokenProvider (browser sign-in, refresh tokens in the keychain, client
// credentials); TokenProviderFactory picks one. The interface itself lives in services/dataverse/, which
// only needs "a token for this profile" and must not depend on the sign-in layer above it.
//  - EnvironmentTokenProvider reads D365SYNC_ACCESS_TOKEN (any org; e.g. a token from `az account
//    get-access-token`);
//  - for a Sandbox profile without that variable it uses a fixed development token, which a sandbox started
//    with --accept-any-token accepts (one without it wants a real sign-in: the refusal says so).
// A provider that cannot hand out a token returns an Error that says why and how to fix it (Authentication:
// not signed in, credentials refused, reconnect required; Network: the sign-in service cannot be reached;
// Configuration: the profile or the machine lacks something); callers pass it on unchanged.
// Implementations are called from worker threads and must be thread-safe.

#include "services/dataverse/tokenprovider.h"

#include <QByteArray>
#include <QMutex>

#include <optional>

namespace d365::services {

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
