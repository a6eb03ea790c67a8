#pragma once

// How a source that names a warehouse connection ("source.connection") finds its definition and password.
// The warehouse layer knows neither the settings nor the keychain (both sit above it), so the program
// installs one resolver at start-up (WarehouseCredentials::install, services/auth) and
// WarehouseSource::create() asks it, on the thread that creates the source — the sync worker's, or the
// counting thread's:
//
//   WarehouseSource::create(spec)            spec.type postgresql|odbc, spec.connection "dw"
//     → resolveWarehouseConnection("dw")      definition from the settings, password from
//                                             D365SYNC_WAREHOUSE_PASSWORD_DW or the keychain
//     → SqlSource(spec, connection, password) the password stays in this object's memory only
//
// The password never passes through a mapping file, the settings, a SourceSpec or a log line.

#include "services/common/result.h"
#include "services/warehouse/warehouseconnection.h"

#include <QString>

#include <functional>

namespace d365::services {

struct ResolvedConnection
{
    WarehouseConnection connection;
    QString password; // may be empty (trust or peer authentication, a DSN that holds its own credentials)
};

using ConnectionResolver = std::function<Result<ResolvedConnection>(const QString &name)>;

// Process-wide; thread-safe. An empty resolver uninstalls it.
void setConnectionResolver(ConnectionResolver resolver);
// A Configuration error when no resolver is installed (a program that never called install()).
Result<ResolvedConnection> resolveWarehouseConnection(const QString &name);

} // namespace d365::services
