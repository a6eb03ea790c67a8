#pragma once

// Writes the failed rows of a run as CSV in the source's shape: the warehouse query is read again and every
// row whose key failed is written with all its source columns, followed by the error columns (source row,
// HTTP status, Dataverse error code, message). A user fixes the values in the file or the warehouse and sees
// exactly which rows and why. Failed rows the source no longer returns are written with their key only.
//
// Without the source (it cannot be opened, or `withSource` is false) the file holds the key and the error
// columns only. Runs on the calling thread (the warehouse connection is thread-bound); the GUI calls it on a
// worker thread.

#include "services/common/result.h"
#include "services/sync/statestore.h"

#include <QIODevice>

namespace d365::services {

struct SourceSpec;

struct FailedRowsExport
{
    qint64 written = 0;         // failed rows written
    qint64 notInSource = 0;     // of those, rows the source no longer returns (key and error only)
    bool sourceColumns = false; // whether the source's columns are in the file
};

// `failed` as read from the history (StateStore::readFailedRows). The CSV is UTF-8, comma-separated, with a
// header row; fields are quoted where they must be (RFC 4180).
Result<FailedRowsExport> exportFailedRows(const SourceSpec &source,
                                          const QList<StateStore::FailedRow> &failed, QIODevice *out,
                                          bool withSource);

// One CSV field, quoted when it holds a comma, a quote, a line break or leading/trailing spaces.
QByteArray csvField(const QString &text);

} // namespace d365::services
