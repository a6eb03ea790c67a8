#pragma once

// The commands of d365sync-cli. Each returns the process exit code (see ExitCode); messages for the user go
// to stderr, results (summaries, lists) to stdout.

#include <QStringList>

namespace d365::cli {

enum ExitCode : int {
    Success = 0,            // every row was written
    RowsFailed = 1,         // the run completed, some rows failed or were skipped
    ConfigurationError = 2, // usage, mapping file, profile, URL, entity, columns, warehouse, privileges
    SignInError = 3,        // no token, or the token was refused
    ServiceError = 4,       // the service or the network stopped the run (unreachable, 5xx, throttling)
    Cancelled = 130,        // interrupted (SIGINT / SIGTERM); finished rows keep their outcome
};

int runCommand(const QStringList &arguments);

} // namespace d365::cli
