#pragma once

// Checks a mapping against the target table's metadata before anything is written; used by the sync worker,
// d365sync-cli validate and the mapping editor. Every problem carries the mapping file's JSON path and a fix:
//
//   validate(mapping, entity, source columns?)
//     fields:   unknown column (did you mean …), read-only for the mode, type the converter cannot write,
//               constant that does not convert, source type that cannot become the column's type,
//               lookup spec on a non-lookup column, polymorphic lookup without a table, table not a target
//     insert:   required columns (SystemRequired / ApplicationRequired) that no field writes
//     matchKey: not an alternate key (lists the table's keys) or its index not active yet
//     source:   columns the query does not return (only when the source columns are known)
//
// The lookup's target tables are checked by LookupResolver, which needs their metadata.

#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"
#include "services/mapping/mappingfile.h"

#include <QHash>
#include <QMetaType>

namespace d365::services {

struct SourceColumns
{
    QStringList names;                     // empty → not known, not checked
    QHash<QString, QMetaType::Type> types; // optional: declared types of the query's columns
};

class MappingValidator
{
public:
    static QList<MappingProblem> validate(const Mapping &mapping, const EntityMetadata &entity,
                                          const SourceColumns &source = {});
    // Only the source-type check of validate(), for when the types become known after the rest passed (the
    // sync worker opens the warehouse after checking the mapping).
    static QList<MappingProblem> validateSourceTypes(const Mapping &mapping, const EntityMetadata &entity,
                                                     const QHash<QString, QMetaType::Type> &types);
    // "path: message" lines, as the CLI prints them.
    static QStringList lines(const QList<MappingProblem> &problems);
};

} // namespace d365::services
