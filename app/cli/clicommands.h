#pragma once

// The commands of d365sync-cli. Each returns the process exit code (d365::ExitCode); messages for the user go
// to stderr, results (summaries, lists) to stdout.

#include "services/common/exitcode.h"

#include <QStringList>

namespace d365::cli {

int runCommand(const QStringList &arguments);

} // namespace d365::cli
