#pragma once

// `d365sync-cli auth login|status|logout|set-secret --profile P`: sign-in management for headless use.
// Secrets come from stdin or the keychain, never from arguments.

#include "services/auth/tokenproviderfactory.h"

#include <QStringList>

#include <optional>

namespace d365::services {
class Settings;
struct ConnectionProfile;
} // namespace d365::services

namespace d365::cli {

// arguments: "auth", <sub-command>, options. Returns the process exit code.
int commandAuth(const QStringList &arguments, services::Settings &settings);

// The token source for a command that talks to the org (TokenProviderFactory, run to completion;
// call it before the command's own runToCompletion). On failure prints the error and sets *exitCode.
std::optional<services::TokenSource> resolveTokenSource(const services::ConnectionProfile &profile,
                                                        int *exitCode);

} // namespace d365::cli
