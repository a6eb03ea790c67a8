#pragma once

// Value types of a sync run, shared by the worker, the run-results model, the GUI and the CLI.
// Every source row ends with exactly one RowOutcome.

#include "services/common/result.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace d365::services {

enum class RowStatus {
    Created,   // a new record was created
    Updated,   // an existing record was updated
    Unchanged, // nothing to send (change detection, later issue)
    Failed,    // the row could not be written: see errorCode / message
    Skipped,   // the run was cancelled before this row was sent
};

QString rowStatusName(RowStatus status); // "created", "updated", ...

struct RowOutcome
{
    qint64 sourceRow = -1; // 0-based index in the source result
    QString key;           // value of the mapping's source key column
    RowStatus status = RowStatus::Failed;
    int httpStatus = 0; // last HTTP status, 0 when no request was made
    QString errorCode;  // Dataverse error code (e.g. 0x80044331) or a local code (e.g. "conversion")
    QString message;    // human-readable reason for a failure
};

struct SyncSummary
{
    qint64 total = 0;
    qint64 created = 0;
    qint64 updated = 0;
    qint64 unchanged = 0;
    qint64 failed = 0;
    qint64 skipped = 0;
    qint64 requests = 0; // HTTP write requests sent, retries included
    qint64 elapsedMs = 0;
    bool cancelled = false;
    std::optional<Error> fatal; // set when the run stopped for a reason that is not one row's fault

    qint64 done() const { return created + updated + unchanged + failed + skipped; }
    double rowsPerSecond() const { return elapsedMs > 0 ? done() * 1000.0 / elapsedMs : 0.0; }
};

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::RowOutcome)
Q_DECLARE_METATYPE(d365::services::SyncSummary)
