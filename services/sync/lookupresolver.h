#pragma once

// Before a run binds lookups, each lookup field needs its target tables' entity set names, navigation
// properties and (for a key lookup) the key columns' metadata. LookupResolver gathers them asynchronously:
//
//   resolve(mapping, entity, cb)
//     no lookup fields          → cb({}) at once
//     EntityDefinitions list    → entity set name per target table
//     per keyed target table    → MetadataClient::fetchEntity → key columns must be an alternate key of it
//     → cb(field index → QList<LookupTarget>)  or  cb(problems with JSON paths)
//
// targetsFor() is the pure part (tables list + target metadata in, targets or problems out), for tests.

#include "services/dataverse/entitymetadata.h"
#include "services/dataverse/valueconverter.h"
#include "services/mapping/mapping.h"
#include "services/mapping/mappingfile.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace d365::services {

class MetadataClient;

struct ResolvedLookups
{
    QHash<int, QList<LookupTarget>> targets; // by field index
    QHash<QString, QString> schemaNames;     // logical name → SchemaName of each target table (privileges)
    QList<MappingProblem> problems;
    std::optional<Error> error; // the metadata could not be read
};

class LookupResolver : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const ResolvedLookups &)>;

    explicit LookupResolver(MetadataClient *metadata, QObject *parent = nullptr);

    void resolve(const Mapping &mapping, const EntityMetadata &entity, Callback callback);

    // The tables a lookup field can point at: its lookup.table, else every target of the column.
    static QStringList tablesFor(const FieldMapping &field, const AttributeMetadata &attribute);
    static ResolvedLookups targetsFor(const Mapping &mapping, const EntityMetadata &entity,
                                      const QList<EntitySummary> &tables,
                                      const QHash<QString, EntityMetadata> &targetMetadata);

private:
    MetadataClient *m_metadata;
};

} // namespace d365::services
