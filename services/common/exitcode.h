#pragma once

// How a run (or any d365sync-cli command) ended, as a process exit code: what a scheduler keys on, and what
// the run history records for GUI runs too.

#include "services/common/result.h"

namespace d365 {

enum ExitCode : int {
    Success = 0,            // every row was written
    RowsFailed = 1,         // the run completed, but some rows failed, were skipped or were not read
    ConfigurationError = 2, // usage, mapping file, profile, URL, entity, columns, warehouse, privileges
    SignInError = 3,        // no token, or the token was refused
    ServiceError = 4,       // the service or the network stopped the run (unreachable, 5xx, throttling)
    Cancelled = 130,        // interrupted (SIGINT / SIGTERM); finished rows keep their outcome
};

// The exit code of a run or validation that stopped on this kind of error.
int exitCodeFor(ErrorCategory category);

} // namespace d365
