#pragma once

// Everything a run checks before it writes a single row, in one place: `d365sync-cli validate`, `run` and
// the GUI's Sync now all go through it, so what validate passes, run accepts.
//
//   run(mapping, requested writer, source factory, done)
//     ├─ WhoAmI                                   → the caller's systemuserid (and the service's clock)
//     ├─ the warehouse: open it, its columns and declared types
//     └─ the table's metadata (EntityDefinitions, alternate keys, relationships, bulk-message support)
//          → mapping checks (MappingValidator: columns, types, keys, required columns, the query's columns)
//          → lookups (LookupResolver: target tables, their keys)
//          → privileges of the caller for the mode's writes (FACTS §8: prv<Action><SchemaName>) through
//            RetrieveUserSetOfPrivilegesByNames (falls back to one RetrieveUserPrivilegeByPrivilegeName per
//            name; an org that answers neither is not checked, and the first write says it instead)
//          → the writer: bulk messages when the table supports them (or the user forced one), else $batch
//     ├─ an audience: its marketing list (MarketingLists::find), refused when dynamic, locked, inactive or of
//     │  another member type, or missing without createIfMissing
//     → done(report): every problem with its JSON path, or nothing to fix
//
// Runs on the caller's thread, asynchronously, through the given DataverseClient.

#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"
#include "services/mapping/mappingfile.h"
#include "services/sync/lookupresolver.h"
#include "services/sync/marketinglist.h"
#include "services/sync/writer.h"
#include "services/warehouse/warehousesource.h"

#include <QObject>

#include <functional>
#include <memory>

namespace d365::services {

class DataverseClient;
class MetadataClient;

struct PreflightReport
{
    EntityMetadata entity;
    ResolvedLookups lookups;
    std::shared_ptr<WarehouseSource> source; // opened; null when the warehouse could not be opened
    QStringList sourceColumns;
    WriterKind writer = WriterKind::Batch; // the writer to use (never Auto)
    QList<MappingProblem> problems;        // what must be fixed, each with its JSON path
    std::optional<Error> error;            // set when the run cannot start (problems summarised in it)
    QString userId;                        // the caller's systemuserid (WhoAmI)
    bool privilegesChecked = false;        // false: the org answered none of the privilege functions
    QStringList missingPrivileges;
    MarketingList list; // an audience's marketing list (exists false: createIfMissing will make it)

    bool ok() const { return !error.has_value(); }
};

class Preflight : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(std::shared_ptr<PreflightReport>)>;

    explicit Preflight(DataverseClient *client, QObject *parent = nullptr);

    // sources may be empty: the warehouse is then neither opened nor checked.
    void run(const Mapping &mapping, WriterKind requested, const SourceFactory &sources, Callback done);

    // The privileges the mode's writes need on the target (and, for lookups, on their tables): Create and/or
    // Write on the table, Read when rows are looked up by key, Append/AppendTo for lookups.
    // lookupTables: SchemaNames of the tables the mapping's lookups point at.
    static QStringList requiredPrivileges(const Mapping &mapping, const EntityMetadata &entity,
                                          const QStringList &lookupTables, WriterKind writer);

private:
    struct State;
    void onEntity(std::shared_ptr<State> state);
    void checkPrivileges(std::shared_ptr<State> state);
    void checkPrivilegesOneByOne(std::shared_ptr<State> state, QStringList names);
    void finish(std::shared_ptr<State> state);

    DataverseClient *m_client;
    MetadataClient *m_metadata;
    LookupResolver *m_lookups;
    MarketingLists *m_lists;
};

} // namespace d365::services
