#pragma once

// The one place secrets are stored: the OS keychain through QtKeychain (Secret Service on Linux), service
// "D365 Sync", one entry per profile and kind ("<profile>/refresh-token", "<profile>/client-secret") and one
// per warehouse connection ("warehouse/<connection>/password"; names cannot contain '/', so the two never
// meet).
//
//   store.write(profile, CredentialStore::RefreshToken, token, ctx, [](Result<void> r) { ... });
//   store.read(profile, CredentialStore::ClientSecret, ctx, [](Result<QString> r) { ... });  // "" = none
//
// Jobs are asynchronous; they run on the application's thread (QtKeychain is not thread-safe) and the
// callback runs on the context object's thread. When no keychain is reachable the
// error says what to install; there is deliberately no plaintext fallback.

#include "services/common/result.h"

#include <QObject>
#include <QString>

#include <functional>

namespace d365::services {

class CredentialStore
{
public:
    enum Kind {
        RefreshToken,
        ClientSecret,
        WarehousePassword
    }; // the last: `profile` is a warehouse connection
    static constexpr const char *Service = "D365 Sync";

    // Entry key for a profile, e.g. "prod/refresh-token", or for a warehouse connection
    // "warehouse/dw/password".
    static QString key(const QString &profile, Kind kind);

    // A missing entry is success with an empty string. The callback runs once, in context's thread, unless
    // context is destroyed first.
    static void read(const QString &profile, Kind kind, QObject *context,
                     std::function<void(Result<QString>)> done);
    static void write(const QString &profile, Kind kind, const QString &secret, QObject *context,
                      std::function<void(Result<void>)> done);
    // Removing a missing entry is success.
    static void remove(const QString &profile, Kind kind, QObject *context,
                       std::function<void(Result<void>)> done);

    // The message for a keychain that cannot be reached (exposed for tests and the CLI); for a warehouse
    // password it names the environment variable that replaces the keychain in headless runs.
    static QString unavailableMessage(const QString &detail);
    static QString unavailableMessage(const QString &detail, Kind kind, const QString &name);
};

} // namespace d365::services
