#pragma once

// How a run writes: set by the CLI's options and the mapping file ("writer"), defaults for the GUI.

#include "services/mapping/mapping.h"

#include <optional>

namespace d365::services {

struct SyncOptions
{
    // Write requests in flight at most; 0 → the service's x-ms-dop-hint (FACTS §9), else 8.
    int maxConcurrentRequests = 0;
    int maxRetries = 8; // per request, for 5xx / transport errors (429 waits Retry-After, up to 30 times)
    // Rows per write request; 0 → the writer's default (1,000 per bulk message, 100 per $batch). A bulk
    // request that runs long makes the next ones smaller. With the $batch writer, 1 sends one PATCH per row.
    int batchSize = 0;
    // Overrides the mapping's "writer" (auto: bulk messages where the table supports them, else $batch).
    std::optional<WriterKind> writer;
    int requestTimeoutMs = 120000; // no answer for this long: a timeout (retried, then the run stops)

    // Sync state (StateStore): rows whose converted values the service already confirmed are "unchanged" and
    // not sent. Empty statePath → the mapping's default state file; useState false → no state, no history.
    bool useState = true;
    QString statePath;
    bool fullResync = false;  // send every row once, whatever the state says (the state is updated)
    bool retryFailed = false; // only the rows that failed last time; the others are not part of the run
    QString runLabel;         // what the history calls the run's mapping (its file, or its name)

    // A dry run (preview): the records of the rows a run would send are read in bulk and compared; nothing
    // is written, the state and the history stay as they are.
    bool dryRun = false;
    int previewSample = 10; // rows per outcome (create, update, fail) shown with their columns

    // Audiences: the share of a list's members a mirror may remove in this run (--allow-removals N%);
    // unset → the mapping's maxRemovalPercent.
    std::optional<int> allowRemovalsPercent;
};

} // namespace d365::services
