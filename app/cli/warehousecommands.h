#pragma once

// `d365sync-cli warehouse add|list|show|test|remove|set-password`: the named warehouse connections that
// postgresql and odbc mapping files read through ("source": { "type": "postgresql", "connection": "dw", … }).
// Connections live in the settings and hold no secret; a password comes from stdin (never an argument) and
// goes to the OS keychain; headless runs may set D365SYNC_WAREHOUSE_PASSWORD_<NAME> instead.

#include <QStringList>

namespace d365::services {
class Settings;
} // namespace d365::services

namespace d365::cli {

// arguments: "warehouse", <sub-command>, options. Returns the process exit code.
int commandWarehouse(const QStringList &arguments, services::Settings &settings);

// Called by runCommand before any command: installs the warehouse connection resolver on these settings
// (WarehouseCredentials::install), and for `run` and `validate` reads the password of the mapping's warehouse
// connection from the keychain now, on the main thread — validate's preflight opens the source on the main
// thread, where it cannot wait for a keychain job (warehousecredentials.h). A failure is not printed here: it
// is remembered and reported where the source is opened, as a problem of $.source (exit 2).
void prepareWarehouseSources(const QStringList &arguments, services::Settings &settings);

} // namespace d365::cli
