#pragma once

// Which server certificates a connection profile trusts.
//
//   real org:        the system's CA certificates, nothing else (no option to add or to turn checks off)
//   sandbox profile: the same, plus the CA certificate file `d365sync-sandbox --tls` writes
//                    (profile.caCertificateFile), so the whole product — sign-in, token refresh, the Web API
//                    — runs over verified HTTPS against the local sandbox
//
// Every HTTPS connection of a profile takes its configuration from here: SocketTransport (the Web API) and
// the network access managers of OAuthSignIn and OAuthTokenProvider (the token endpoint).

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QSslConfiguration>

namespace d365::services {

// The TLS configuration for the profile's connections. A Configuration error when the profile names a CA
// file it may not have (not a sandbox profile), or one that cannot be read or holds no PEM certificate; the
// message names the file and how to fix it.
Result<QSslConfiguration> tlsConfiguration(const ConnectionProfile &profile);

} // namespace d365::services
