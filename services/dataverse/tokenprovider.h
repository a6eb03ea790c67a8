#pragma once

// Where the Dataverse client gets its bearer token. The sign-in layer (services/auth/) implements it: OAuth
// refresh tokens and client credentials (OAuthTokenProvider), an environment variable, the sandbox's
// development token. Implementations are called from worker threads and must be thread-safe.

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

} // namespace d365::services
