#pragma once

// `history` and `failed`: what the sync state (services/sync/statestore.h) remembers of a mapping's runs.
// Both read the state file only; neither signs in nor writes to the org.

#include <QStringList>

namespace d365::services {
class Settings;
}

namespace d365::cli {

int commandHistory(const QStringList &arguments, services::Settings &settings);
int commandFailed(const QStringList &arguments, services::Settings &settings);

} // namespace d365::cli
