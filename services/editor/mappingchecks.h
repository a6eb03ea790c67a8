#pragma once

// The editor's live validation, run on every edit without touching the network: the same checks a mapping
// file gets when it is loaded (MappingFile), the same checks the preflight of `d365sync-cli validate` runs
// against the table's metadata (MappingValidator, here against the cached copy) with the warehouse columns
// and types from the last preview, and a few the editor can see before a run that the file format cannot:
//
//   errors   : every problem MappingFile::parse reports for the saved form of the mapping (so a file saved
//              from the editor always loads back), every problem MappingValidator reports, a table that is
//              not in the org's table list, a warehouse the preview could not read
//   warnings : required columns a create needs that no field writes (upsert creates rows too; insert mode is
//              an error, from MappingValidator), and text in the previewed rows longer than its column
//
// What needs the org itself (the caller's privileges, lookup target tables and their keys, the current
// metadata) is checked by the preflight (MappingOrgCheck), on the Validate action.

#include "services/dataverse/entitymetadata.h"
#include "services/editor/editorproblem.h"
#include "services/editor/sourceinspector.h"
#include "services/mapping/mapping.h"

#include <QList>

namespace d365::services {

class MappingChecks
{
public:
    struct Input
    {
        const Mapping *mapping = nullptr;
        const EntityMetadata *entity = nullptr;       // the target table's metadata, if loaded
        const QList<EntitySummary> *tables = nullptr; // the org's table list, if loaded
        const SourcePreview *source = nullptr;        // the last preview of mapping->source, if any
        QString baseDir;                              // the mapping file's folder (relative paths)
    };

    static QList<EditorProblem> check(const Input &input);
};

} // namespace d365::services
