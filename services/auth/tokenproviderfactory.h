#pragma once

// Picks where a profile's access tokens come from, for the CLI's `run` and `auth status` and for the GUI:
//
//   1. D365SYNC_CLIENT_SECRET, else the keychain's client secret  -> client credentials (application user)
//   2. the keychain's refresh token (a browser sign-in)          -> refresh-token provider
//   3. D365SYNC_ACCESS_TOKEN, or for sandbox profiles the sandbox's development token -> as before
//   else: an Authentication error saying how to sign in.
//
// Asynchronous because the keychain is; `done` runs once on context's thread.

#include "services/auth/tokenprovider.h"

#include <QObject>

#include <functional>
#include <memory>

namespace d365::services {

struct TokenSource
{
    enum class Kind { ClientSecret, RefreshToken, Environment };
    Kind kind = Kind::Environment;
    std::shared_ptr<TokenProvider> provider;
    QString description; // for the user: "client secret (D365SYNC_CLIENT_SECRET)", "browser sign-in", ...
};

class TokenProviderFactory
{
public:
    static constexpr const char *ClientSecretVariable = "D365SYNC_CLIENT_SECRET";

    static void create(const ConnectionProfile &profile, QObject *context,
                       std::function<void(Result<TokenSource>)> done);
};

} // namespace d365::services
