#pragma once

// The privilege functions bound to systemuser: what a client asks before a sync ("does this user hold
// prvCreateAccount?") so it can refuse a mapping the user may not write.
//
//   GET systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()            every privilege held
//   GET systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='prv…')
//   GET systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p1)
//       ?@p1=["prvCreateAccount","prvWriteAccount"]                                (also ['…'] and inline)
//   -> 200 {"@odata.context":"<root>$metadata#Microsoft.Dynamics.CRM.<function>Response",
//           "RolePrivileges":[{"Depth":"Global","PrivilegeId","BusinessUnitId","PrivilegeName",
//                              "RecordFilterId":null,"RecordFilterUniqueName":null}, …]}
//
// Only privileges the user holds are listed (an unknown or unheld name is simply absent). The rights are the
// security model's (security.h) for the addressed user's own roles, not the caller's; any authenticated
// caller may ask about any user. Depth is always Global: the sandbox has no depth model. Parameter errors are
// 400, an unknown user 404 0x80040217, any method but GET/HEAD 404 "No HTTP resource…" (FACTS §8).
// Names, parameters and shapes: learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/
// (retrieveuserprivileges, retrieveuserprivilegebyprivilegename, retrieveusersetofprivilegesbynames,
// roleprivilege, privilegedepth); the choices where the docs are silent are in tests/sandbox/README.md.

#include "httprequest.h"
#include "odataquery.h"
#include "odataresponse.h"
#include "orgstore.h"

#include <QList>

namespace d365::sandbox {

class RecordApi;

class PrivilegeApi
{
public:
    PrivilegeApi(const OrgStore &store, RecordApi &records);

    // True for systemusers(<key>)/Microsoft.Dynamics.CRM.<one of the three functions>[(...)][/...].
    bool handles(const TableDef &table, const QList<PathSegment> &segments) const;
    HttpResponse handle(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                        const QList<PathSegment> &segments);

private:
    const OrgStore &m_store;
    RecordApi &m_records;
};

} // namespace d365::sandbox
