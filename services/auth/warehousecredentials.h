#pragma once

// Warehouse passwords, and the connection resolver that hands them to the sources (connectionresolver.h).
//
//   WarehouseCredentials::install(settingsFile);   // once, at start-up (d365sync-cli, d365sync)
//   … later, on the sync worker's thread or the counting thread:
//   WarehouseSource::create(spec)                  // spec.connection "dw"
//     → the installed resolver: the definition of "dw" from the settings file (its own QSettings on this
//       thread), then password(definition):
//         1. D365SYNC_WAREHOUSE_PASSWORD_DW when it is set (even empty: "no password"), for headless runs;
//         2. a password this process read or stored before (prefetch(), store());
//         3. the OS keychain, entry "warehouse/dw/password" (missing entry: no password). QtKeychain jobs run
//            on the application thread (credentialstore.h), so a caller on another thread posts the read
//            there and waits for it (up to two minutes: the keychain may ask to be unlocked). A caller ON
//            the application thread cannot wait without a nested event loop, which the house style forbids:
//            it gets an error unless prefetch() ran first — d365sync-cli prefetches for run and validate
//            (validate's preflight opens the source on the main thread); the GUI opens sources on worker
//            threads only.
//
// The password goes from the keychain (or the environment) into the SqlSource that connects with it and
// nowhere else: not into settings, mapping files, SourceSpec, logs or error messages.

#include "services/common/result.h"
#include "services/warehouse/warehouseconnection.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace d365::services {

class WarehouseCredentials
{
public:
    static constexpr int KeychainWaitMs = 120000;

    // Installs the process-wide connection resolver reading connections from this settings file (empty: the
    // user's settings).
    static void install(const QString &settingsFile);

    // The password for connecting (see above); an empty string when there is none. Any thread.
    static Result<QString> password(const WarehouseConnection &connection);
    // The environment variable's value when it is set (possibly empty), else nullopt.
    static std::optional<QString> environmentPassword(const QString &connectionName);

    // Reads the keychain entry of the connection into this process's memory; `done` runs on context's thread.
    // A failure is remembered too, and returned by password() (it then says what to fix).
    static void prefetch(const QString &connectionName, QObject *context,
                         std::function<void(Result<void>)> done);
    // Keeps a password in the keychain (and this process's memory).
    static void store(const QString &connectionName, const QString &password, QObject *context,
                      std::function<void(Result<void>)> done);
    // Removes the keychain entry (a missing one is success) and forgets the password here.
    static void remove(const QString &connectionName, QObject *context,
                       std::function<void(Result<void>)> done);
    // Whether the keychain holds a password for the connection (for `warehouse show` and the dialog).
    static void hasStoredPassword(const QString &connectionName, QObject *context,
                                  std::function<void(Result<bool>)> done);
    // Forgets what this process remembers (tests).
    static void clearMemory();
};

} // namespace d365::services
