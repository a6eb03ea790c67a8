#pragma once

// Where a sync reads its rows: the warehouse part of a mapping file ("source"). It lives with the warehouse
// sources (which open it) so that warehouse/ never needs the mapping layer above it.

#include <QString>

namespace d365::services {

struct SourceSpec
{
    QString type = QStringLiteral("sqlite"); // only "sqlite" in format v1's first slice
    QString path;      // absolute after loading (relative paths resolve against the file)
    QString query;     // a SELECT; streamed forward-only
    QString keyColumn; // the source column that identifies a row (reports, state)
};

} // namespace d365::services
