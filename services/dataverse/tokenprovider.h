#pragma once

// Where the Dataverse client gets its bearer token. The sign-in layer (services/auth/) implements it: OAuth
// refresh tokens and client credentials (OAuthTokenProvider), an environment variable, the sandbox's
// development token. Implementations are called from worker threads and must be thread-safe.

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QByteArray>

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

} // namespace d365::services
