#pragma once

// Security roles, privileges and impersonation of the sandbox org (FACTS.md §8 privilege row, §10
// impersonation row).
//
//   startup:  SecurityModel::fromFile(data/security.json or --security FILE, org, test users)
//               -> privilege names derived from the tables: prv<Create|Read|Write|Delete|Append|AppendTo>
//                  <SchemaName>, plus the file's special privileges (prvActOnBehalfOfAnotherUser, ...)
//               -> roles (wildcards such as "prvRead*", minus "Except"), user -> role assignments
//   request:  SecurityStage (right after the bearer-token stage)
//               -> CallerObjectId / MSCRMCallerID: real caller needs prvActOnBehalfOfAnotherUser, the target
//                  user must exist -> ServiceContext::impersonatedUserId
//               -> ServiceContext::access = the effective rights (precomputed per caller, cached)
//   handlers: checkAccess(context, table, Access::Create) -> 403 0x80040220 naming the missing privilege
//             stampUsers(context, table, row, created)    -> createdby/modifiedby/...onbehalfby, owner
//   admin:    POST /_sandbox/security/assign {"user":"<upn or systemuserid>","roles":[...]}, GET
//             /_sandbox/security (loopback only)
//   asking:   systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges() and friends (privilegeapi.h)
//             -> privilegesOf(user)
//
// A user's rights are a bit per privilege, computed once per user (and once per impersonation pair) and
// replaced when an assignment changes, so a check is an index into a vector.

#include "httprequest.h"
#include "identityprovider.h"
#include "odataresponse.h"
#include "orgdefinition.h"
#include "orgstore.h"
#include "sandboxserver.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUuid>

#include <memory>
#include <optional>
#include <vector>

namespace d365::sandbox {

enum class Access { Create, Read, Write, Delete, Append, AppendTo };

class SecurityModel;

// The privileges one user holds (the union of their roles).
struct UserRights
{
    QUuid userId;
    int roleCount = 0;
    int privilegeCount = 0;
    std::vector<bool> granted; // by privilege index (SecurityModel::privilegeIndex)
};

// What a request may do: the effective user's rights and, when impersonating, the real caller's (effective
// rights are the intersection, FACTS §10).
struct AccessRights
{
    const SecurityModel *model = nullptr;
    std::shared_ptr<const UserRights> user;
    std::shared_ptr<const UserRights> realCaller; // null unless impersonating
};

class SecurityModel
{
public:
    struct Privilege
    {
        QString name; // "prvCreateAccount"
        QUuid id;
        int otc = 0;   // ObjectTypeCode of the table; 0 for special privileges
        QString table; // logical name; empty for special privileges
    };
    struct Role
    {
        QString name;
        QUuid id;
        std::vector<bool> privileges;
        int privilegeCount = 0;
    };

    static constexpr int ActionCount = 6;
    static constexpr const char *ActOnBehalf = "prvActOnBehalfOfAnotherUser";

    // Parses a security definition (format in tests/sandbox/README.md); nullptr plus *error naming the JSON
    // path on a bad file (unknown privilege, role or user).
    static std::shared_ptr<SecurityModel> fromJson(const QByteArray &json,
                                                   std::shared_ptr<const OrgDefinition> org,
                                                   const QList<IdentityProvider::User> &users,
                                                   QString *error);
    static std::shared_ptr<SecurityModel> fromFile(const QString &path,
                                                   std::shared_ptr<const OrgDefinition> org,
                                                   const QList<IdentityProvider::User> &users,
                                                   QString *error);

    // Index of prv<Action><SchemaName> for the table; -1 for a table of another definition.
    int privilegeIndex(const TableDef &table, Access access) const;
    int privilegeIndex(const QString &name) const { return m_privilegeByName.value(name, -1); }
    const Privilege &privilege(int index) const { return m_privileges[size_t(index)]; }

    // The rights of one user (users without an assignment get DefaultRoles); computed once, then cached.
    std::shared_ptr<const UserRights> rightsOf(const QUuid &user);
    // The same rights, computed afresh: by privilege index, true where one of the user's roles grants it
    // (the privilege functions of privilegeapi.h).
    std::vector<bool> privilegesOf(const QUuid &user) const;
    // Effective rights of a request: the user's own, or the impersonation pair's.
    std::shared_ptr<const AccessRights> accessFor(const QUuid &caller, const QUuid &impersonated);

    // Replaces a user's roles. `user` is a test user's UPN or a systemuserid; false plus *error for an
    // unknown role or UPN.
    bool assign(const QString &user, const QStringList &roles, QUuid *userId, QString *error);
    std::optional<QUuid> userIdOf(const QString &user) const;
    QStringList rolesOf(const QUuid &user) const;
    const std::vector<Role> &roles() const { return m_roles; }
    const std::vector<Privilege> &privileges() const { return m_privileges; }

    // Admin endpoint: GET /_sandbox/security, POST /_sandbox/security/assign.
    HttpResponse admin(const HttpRequest &request);

private:
    std::shared_ptr<const OrgDefinition> m_org;
    QList<IdentityProvider::User> m_users;
    std::vector<Privilege> m_privileges;
    QHash<QString, int> m_privilegeByName;
    std::vector<Role> m_roles;
    QHash<QString, int> m_roleByName;
    QHash<QUuid, QList<int>> m_assignments; // systemuserid -> role indexes
    QList<int> m_defaultRoles;
    QHash<QUuid, std::shared_ptr<const UserRights>> m_rights;
    QHash<QPair<QUuid, QUuid>, std::shared_ptr<const AccessRights>> m_access;
};

// The user a request acts as: the impersonated user, else the authenticated caller.
QUuid effectiveUserId(const ServiceContext &context);

// nullopt when the request's effective rights include the privilege (or no security model is active);
// else 403 0x80040220 "Principal user (Id=..., type=8, roleCount=..., privilegeCount=..., accessMode=0), is
// missing prv... privilege (Id=...) on OTC=... for entity '...'. context.Caller=...".
std::optional<HttpResponse> checkAccess(const ServiceContext &context, const TableDef &table, Access access);

// Sets createdby/createdonbehalfby (new rows), modifiedby/modifiedonbehalfby and, on a new row whose owner
// the body did not set, ownerid to the effective user; each only when the table defines the column.
void stampUsers(const ServiceContext &context, const TableDef &table, Row &row, bool created,
                bool ownerGiven = false);

// Impersonation headers and the effective rights of each /api/data request. Inert until a model is set.
class SecurityStage : public RequestStage
{
public:
    SecurityStage(const OrgStore &store, const IdentityProvider &identity);
    void setModel(std::shared_ptr<SecurityModel> model) { m_model = std::move(model); }
    SecurityModel *model() const { return m_model.get(); }
    std::optional<HttpResponse> process(const HttpRequest &request, ServiceContext &context) override;

private:
    std::optional<QUuid> userByObjectId(const QUuid &objectId) const;
    bool userExists(const QUuid &systemUserId) const;

    const OrgStore &m_store;
    const IdentityProvider &m_identity;
    std::shared_ptr<SecurityModel> m_model;
};

} // namespace d365::sandbox
