#pragma once

// Marketing lists (FACTS §11): static lists of accounts, contacts or leads and their listmember rows.
//
//   POST lists(<id>)/Microsoft.Dynamics.CRM.AddMemberList {"EntityId"}        -> 200 {"Id": <listmemberid>}
//   POST AddListMembersList {"List":{listid},"Members":[{@odata.type,<pk>}]}   -> 204 (all or nothing)
//   POST lists(<id>)/Microsoft.Dynamics.CRM.RemoveMemberList {"EntityId"}     -> 204
//   POST lists(<source>)/Microsoft.Dynamics.CRM.CopyMembersList {"TargetList"} -> 204
//   GET  lists(<id>)/listcontact_association (listaccount_/listlead_)         -> the member rows, paged
//   GET  contacts(<id>)/listcontact_association                               -> the lists it belongs to
//   POST lists(<id>)/listcontact_association/$ref {"@odata.id"}               -> 204 (Associate)
//   DELETE lists(<id>)/listcontact_association(<member id>)/$ref               -> 204 (Disassociate)
//   POST/DELETE listmembers, DELETE lists(<id>) or a member row                -> membercount kept in step
//
// Every change runs in one OrgStore transaction: membership rows and the list's membercount change together
// or not at all. Members are found through the listmember table's (listid, entityid) key index, so adding
// to a large list stays O(1) per member. Rules where FACTS says UNCONFIRMED are listed in README.md.

#include "odataquery.h"
#include "odataresponse.h"
#include "orgstore.h"
#include "recordapi.h"

#include <QList>
#include <QUuid>

#include <optional>

namespace d365::sandbox {

class ListApi
{
public:
    ListApi(OrgStore &store, RecordApi &records);

    // True for the requests answered here rather than by RecordApi (segments[0] names `table`).
    bool handles(const TableDef &table, const QList<PathSegment> &segments, const QByteArray &method) const;
    HttpResponse handle(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                        const QList<PathSegment> &segments);
    // The unbound action POST AddListMembersList.
    HttpResponse addListMembers(const HttpRequest &request, const ServiceContext &context);

private:
    // What the rules need of a list row (copied: the row moves when the store rehashes).
    struct ListRef
    {
        QUuid id;
        QString name;
        bool dynamic = false; // type true
        bool locked = false;  // lockstatus true
        int createdFromCode = 0;
        const TableDef *memberTable = nullptr; // from createdfromcode: account, contact or lead
    };
    enum class Change { Add, Remove };

    std::optional<HttpResponse> findList(const QString &keyText, ListRef *list);
    std::optional<HttpResponse> findList(const QUuid &id, ListRef *list);
    // Dynamic and locked lists refuse member changes.
    std::optional<HttpResponse> checkChangeable(const ListRef &list, Change change) const;
    // The member row must exist in the list's member table (a row of another member table is a type error).
    std::optional<HttpResponse> checkMember(const ListRef &list, const TableDef *memberTable,
                                            const QUuid &entityId) const;
    std::optional<QUuid> membership(const QUuid &listId, const QUuid &entityId) const;
    std::optional<HttpResponse> addMember(const ListRef &list, const QUuid &entityId,
                                          const ServiceContext &context, QUuid *listMemberId);
    std::optional<HttpResponse> removeMember(const ListRef &list, const QUuid &entityId,
                                             const ServiceContext &context);
    void adjustMemberCount(const QUuid &listId, int delta);
    QList<QUuid> members(const QUuid &listId) const;

    HttpResponse addMemberList(const HttpRequest &request, const ServiceContext &context,
                               const ListRef &list);
    HttpResponse removeMemberList(const HttpRequest &request, const ServiceContext &context,
                                  const ListRef &list);
    HttpResponse copyMembersList(const HttpRequest &request, const ServiceContext &context,
                                 const ListRef &list);
    HttpResponse memberNavigation(const HttpRequest &request, const ServiceContext &context,
                                  const ListRef &list, const QList<PathSegment> &segments);
    // GET <member set>(<id>)/list<table>_association: the lists a row is a member of.
    HttpResponse memberLists(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                             const QList<PathSegment> &segments);
    HttpResponse listMemberWrite(const HttpRequest &request, const ServiceContext &context,
                                 const PathSegment &set);
    HttpResponse deleteWithMembers(const HttpRequest &request, const ServiceContext &context,
                                   const TableDef &table, const QList<PathSegment> &segments);
    // Runs `work` in a transaction: committed when it returns nullopt, rolled back otherwise.
    template<typename F> std::optional<HttpResponse> transaction(F &&work);

    OrgStore &m_store;
    RecordApi &m_records;
    const TableDef *m_list = nullptr;
    const TableDef *m_member = nullptr;
    int m_memberKey = -1; // index of the listmember (listid, entityid) key
};

} // namespace d365::sandbox
