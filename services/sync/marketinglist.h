#pragma once

// The marketing list of an audience (FACTS §11): finding it, checking it can take the run's members,
// creating it when the mapping allows, and reading its members. Used by Preflight (find + check, so
// `validate` refuses what `run` would) and by AudienceEngine (create, read members).
//
//   find(spec, done)
//     by id:   GET lists(<id>)?$select=…                        → the list, or NotFound
//     by name: GET lists?$filter=listname eq '<name>'&$select=… → one list; none: `exists` false (created
//              later when createIfMissing); several: a Configuration error naming their ids
//   problems(spec, list, member table) → refusals: a dynamic list (type true), a locked list (lockstatus
//              true), an inactive list, a member type (createdfromcode) other than the member table, a member
//              table that is not contact, account or lead
//   create(name, member table, done)  POST lists {listname, createdfromcode, type false} → the new list
//   readMembers(list, member table, done)
//     GET lists(<id>)/list<table>_association?$select=<id>,<name>, Prefer odata.maxpagesize=5000, then every
//     @odata.nextLink → member id → name
//
// Runs on the caller's thread, asynchronously, through the given DataverseClient.

#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"
#include "services/dataverse/marketinglistinfo.h"
#include "services/mapping/mapping.h"
#include "services/mapping/mappingfile.h"

#include <QHash>
#include <QObject>

#include <functional>

namespace d365::services {

class DataverseClient;

class MarketingLists : public QObject
{
    Q_OBJECT
public:
    struct Members
    {
        QHash<QString, QString> names; // member id (lower case) → primary name
        std::optional<Error> error;
        int requests = 0;
    };

    explicit MarketingLists(DataverseClient *client, QObject *parent = nullptr);

    // What stops the list from taking the members of memberTable, each with its JSON path.
    static QList<MappingProblem> problems(const ListSpec &spec, const MarketingList &list,
                                          const EntityMetadata &memberTable);

    void find(const ListSpec &spec, std::function<void(Result<MarketingList>)> done);
    void create(const QString &name, const EntityMetadata &memberTable,
                std::function<void(Result<MarketingList>)> done);
    void readMembers(const MarketingList &list, const EntityMetadata &memberTable,
                     std::function<void(Members)> done);

private:
    void readPage(const QString &path, std::shared_ptr<Members> members, const QString &idColumn,
                  const QString &nameColumn, std::function<void(Members)> done);

    DataverseClient *m_client;
};

} // namespace d365::services
