#include "security.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcSecurity, "d365.sandbox.security")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

const QStringList ActionNames = {u"Create"_s, u"Read"_s, u"Write"_s, u"Delete"_s, u"Append"_s, u"AppendTo"_s};

QString idText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

// A header that is present names a user to impersonate; anything but a non-nil GUID is InvalidCallerId.
std::optional<QUuid> guidHeader(const QByteArray &value)
{
    const QUuid id = QUuid::fromString(QString::fromLatin1(value.trimmed()));
    if (id.isNull())
        return std::nullopt;
    return id;
}

} // namespace

// ---- model
// ------------------------------------------------------------------------------------------------------

std::shared_ptr<SecurityModel> SecurityModel::fromFile(const QString &path,
                                                       std::shared_ptr<const OrgDefinition> org,
                                                       const QList<IdentityProvider::User> &users,
                                                       QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"cannot read security definition '%1': %2"_s.arg(path, f.errorString());
        return nullptr;
    }
    QString why;
    auto model = fromJson(f.readAll(), std::move(org), users, &why);
    if (!model)
        *error = u"security definition '%1': %2"_s.arg(path, why);
    return model;
}

std::shared_ptr<SecurityModel> SecurityModel::fromJson(const QByteArray &json,
                                                       std::shared_ptr<const OrgDefinition> org,
                                                       const QList<IdentityProvider::User> &users,
                                                       QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        *error = u"not a JSON object (%1)"_s.arg(parseError.errorString());
        return nullptr;
    }
    const QJsonObject root = doc.object();
    auto model = std::make_shared<SecurityModel>();
    model->m_org = org;
    model->m_users = users;

    // Table privileges first, in table order: privilegeIndex() computes their index without a lookup.
    for (const TableDef &table : org->tables()) {
        for (const QString &action : ActionNames) {
            const QString name = u"prv"_s + action + table.schemaName;
            model->m_privilegeByName.insert(name, int(model->m_privileges.size()));
            model->m_privileges.push_back({name, OrgDefinition::stableId(u"privilege/"_s + name),
                                           table.objectTypeCode, table.logicalName});
        }
    }
    const QJsonArray specials = root.value(u"Privileges"_s).toArray();
    for (qsizetype i = 0; i < specials.size(); ++i) {
        const QJsonObject p = specials[i].toObject();
        const QString name = specials[i].isString() ? specials[i].toString() : p.value(u"Name"_s).toString();
        if (!name.startsWith(u"prv"_s) || name.size() < 4) {
            *error = u"Privileges[%1]: a privilege needs a name starting with 'prv'"_s.arg(i);
            return nullptr;
        }
        if (model->m_privilegeByName.contains(name)) {
            *error =
                u"Privileges[%1]: '%2' is defined twice (table privileges are derived from the org)"_s.arg(i)
                    .arg(name);
            return nullptr;
        }
        QUuid id = QUuid::fromString(p.value(u"Id"_s).toString());
        if (id.isNull())
            id = OrgDefinition::stableId(u"privilege/"_s + name);
        model->m_privilegeByName.insert(name, int(model->m_privileges.size()));
        model->m_privileges.push_back({name, id, 0, QString()});
    }

    // Impersonation always has its privilege, listed or not.
    if (!model->m_privilegeByName.contains(QString::fromLatin1(ActOnBehalf))) {
        const QString name = QString::fromLatin1(ActOnBehalf);
        model->m_privilegeByName.insert(name, int(model->m_privileges.size()));
        model->m_privileges.push_back({name, OrgDefinition::stableId(u"privilege/"_s + name), 0, QString()});
    }

    const QJsonArray roles = root.value(u"Roles"_s).toArray();
    if (roles.isEmpty()) {
        *error = u"Roles: at least one role is needed"_s;
        return nullptr;
    }
    for (qsizetype r = 0; r < roles.size(); ++r) {
        const QJsonObject o = roles[r].toObject();
        Role role;
        role.name = o.value(u"Name"_s).toString();
        role.id = QUuid::fromString(o.value(u"RoleId"_s).toString());
        const QString at = u"Roles[%1]"_s.arg(r);
        if (role.name.isEmpty() || role.id.isNull()) {
            *error = at + u": a role needs \"Name\" and a GUID \"RoleId\""_s;
            return nullptr;
        }
        if (model->m_roleByName.contains(role.name)) {
            *error = at + u": role '%1' is defined twice"_s.arg(role.name);
            return nullptr;
        }
        role.privileges.assign(model->m_privileges.size(), false);
        // "prvRead*" grants every privilege with that prefix, "*" all; a name must exist exactly.
        const auto apply = [&](const QString &key, bool grant) -> bool {
            const QJsonArray names = o.value(key).toArray();
            for (qsizetype i = 0; i < names.size(); ++i) {
                const QString name = names[i].toString();
                const QString where = at + u'.' + key + u'[' + QString::number(i) + u']';
                if (name.endsWith(u'*')) {
                    const QString prefix = name.chopped(1);
                    int matched = 0;
                    for (size_t p = 0; p < model->m_privileges.size(); ++p) {
                        if (model->m_privileges[p].name.startsWith(prefix)) {
                            role.privileges[p] = grant;
                            ++matched;
                        }
                    }
                    if (matched == 0) {
                        *error = where + u": the pattern '%1' matches no privilege"_s.arg(name);
                        return false;
                    }
                    continue;
                }
                const int p = model->m_privilegeByName.value(name, -1);
                if (p < 0) {
                    *error =
                        where +
                        u": unknown privilege '%1'. Table privileges are prv<Create|Read|Write|Delete|"
                        u"Append|AppendTo><table SchemaName> (e.g. prvCreateAccount); others must be listed "
                        u"under \"Privileges\""_s.arg(name);
                    return false;
                }
                role.privileges[size_t(p)] = grant;
            }
            return true;
        };
        if (!apply(u"Privileges"_s, true) || !apply(u"Except"_s, false))
            return nullptr;
        role.privilegeCount = int(std::count(role.privileges.begin(), role.privileges.end(), true));
        model->m_roleByName.insert(role.name, int(model->m_roles.size()));
        model->m_roles.push_back(std::move(role));
    }

    const auto roleList = [&](const QJsonArray &names, const QString &at, QList<int> *out) {
        for (qsizetype i = 0; i < names.size(); ++i) {
            const int index = model->m_roleByName.value(names[i].toString(), -1);
            if (index < 0) {
                *error = u"%1[%2]: unknown role '%3'"_s.arg(at).arg(i).arg(names[i].toString());
                return false;
            }
            out->append(index);
        }
        return true;
    };
    if (!roleList(root.value(u"DefaultRoles"_s).toArray(), u"DefaultRoles"_s, &model->m_defaultRoles))
        return nullptr;
    const QJsonArray assignments = root.value(u"Users"_s).toArray();
    for (qsizetype i = 0; i < assignments.size(); ++i) {
        const QJsonObject o = assignments[i].toObject();
        const QString at = u"Users[%1]"_s.arg(i);
        const QString who = o.contains(u"SystemUserId"_s) ? o.value(u"SystemUserId"_s).toString()
                                                          : o.value(u"User"_s).toString();
        const auto id = model->userIdOf(who);
        if (!id) {
            *error = at + u": '%1' is neither a systemuserid nor a test user's UPN"_s.arg(who);
            return nullptr;
        }
        QList<int> list;
        if (!roleList(o.value(u"Roles"_s).toArray(), at + u".Roles"_s, &list))
            return nullptr;
        model->m_assignments.insert(*id, list);
    }
    return model;
}

int SecurityModel::privilegeIndex(const TableDef &table, Access access) const
{
    const auto &tables = m_org->tables();
    if (tables.empty() || &table < tables.data() || &table >= tables.data() + tables.size())
        return -1;
    return int(&table - tables.data()) * ActionCount + int(access);
}

std::optional<QUuid> SecurityModel::userIdOf(const QString &user) const
{
    const QUuid id = QUuid::fromString(user);
    if (!id.isNull())
        return id;
    for (const IdentityProvider::User &u : m_users) {
        if (u.upn.compare(user, Qt::CaseInsensitive) == 0)
            return u.systemUserId;
    }
    return std::nullopt;
}

QStringList SecurityModel::rolesOf(const QUuid &user) const
{
    QStringList names;
    for (int index : m_assignments.value(user, m_defaultRoles))
        names.append(m_roles[size_t(index)].name);
    return names;
}

std::shared_ptr<const UserRights> SecurityModel::rightsOf(const QUuid &user)
{
    if (auto it = m_rights.constFind(user); it != m_rights.constEnd())
        return *it;
    auto rights = std::make_shared<UserRights>();
    rights->userId = user;
    rights->granted = privilegesOf(user);
    rights->roleCount = int(m_assignments.value(user, m_defaultRoles).size());
    rights->privilegeCount = int(std::count(rights->granted.begin(), rights->granted.end(), true));
    m_rights.insert(user, rights);
    return rights;
}

std::vector<bool> SecurityModel::privilegesOf(const QUuid &user) const
{
    std::vector<bool> granted(m_privileges.size(), false);
    for (int r : m_assignments.value(user, m_defaultRoles)) {
        const Role &role = m_roles[size_t(r)];
        for (size_t p = 0; p < role.privileges.size(); ++p) {
            if (role.privileges[p])
                granted[p] = true;
        }
    }
    return granted;
}

std::shared_ptr<const AccessRights> SecurityModel::accessFor(const QUuid &caller, const QUuid &impersonated)
{
    const QPair<QUuid, QUuid> key{caller, impersonated};
    if (auto it = m_access.constFind(key); it != m_access.constEnd())
        return *it;
    auto access = std::make_shared<AccessRights>();
    access->model = this;
    if (impersonated.isNull()) {
        access->user = rightsOf(caller);
    } else {
        access->user = rightsOf(impersonated);
        access->realCaller = rightsOf(caller);
    }
    m_access.insert(key, access);
    return access;
}

bool SecurityModel::assign(const QString &user, const QStringList &roles, QUuid *userId, QString *error)
{
    const auto id = userIdOf(user);
    if (!id) {
        *error = u"'%1' is neither a systemuserid nor a test user's UPN (see the users table in "
                 u"tests/sandbox/README.md)."_s.arg(user);
        return false;
    }
    QList<int> list;
    for (const QString &name : roles) {
        const int index = m_roleByName.value(name, -1);
        if (index < 0) {
            QStringList known;
            for (const Role &r : m_roles)
                known.append(u'\'' + r.name + u'\'');
            *error = u"Unknown role '%1'; the roles are %2."_s.arg(name, known.join(u", "_s));
            return false;
        }
        list.append(index);
    }
    m_assignments.insert(*id, list);
    // Rights are derived data: drop every cached copy (requests in flight keep the one they hold).
    m_rights.clear();
    m_access.clear();
    *userId = *id;
    qCInfo(lcSecurity) << "user" << *id << "now has roles" << roles;
    return true;
}

HttpResponse SecurityModel::admin(const HttpRequest &request)
{
    const QString action = request.path.mid(QStringLiteral("/_sandbox/security").size());
    if (action.isEmpty() || action == u"/"_s) {
        if (request.method != "GET")
            return methodNotAllowed(request.method, "GET");
        QJsonArray roles;
        for (const Role &r : m_roles) {
            QJsonArray privileges;
            for (size_t p = 0; p < r.privileges.size(); ++p) {
                if (r.privileges[p])
                    privileges.append(m_privileges[p].name);
            }
            roles.append(QJsonObject{{u"name"_s, r.name},
                                     {u"roleid"_s, idText(r.id)},
                                     {u"privilegeCount"_s, r.privilegeCount},
                                     {u"privileges"_s, privileges}});
        }
        QJsonArray users;
        for (auto it = m_assignments.constBegin(); it != m_assignments.constEnd(); ++it)
            users.append(QJsonObject{{u"systemuserid"_s, idText(it.key())},
                                     {u"roles"_s, QJsonArray::fromStringList(rolesOf(it.key()))}});
        QStringList defaults;
        for (int index : std::as_const(m_defaultRoles))
            defaults.append(m_roles[size_t(index)].name);
        return jsonResponse(200, QJsonObject{{u"roles"_s, roles},
                                             {u"users"_s, users},
                                             {u"defaultRoles"_s, QJsonArray::fromStringList(defaults)}});
    }
    if (action != u"/assign"_s)
        return errorResponse(404, QString(),
                             u"Unknown security admin path '%1'; use /_sandbox/security or "
                             u"/_sandbox/security/assign."_s.arg(request.path));
    if (request.method != "POST")
        return methodNotAllowed(request.method, "POST");
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    const QJsonValue roles = body.value(u"roles"_s);
    if (!body.value(u"user"_s).isString() || !roles.isArray())
        return errorResponse(
            400, QString(),
            u"Send {\"user\":\"<upn or systemuserid>\",\"roles\":[\"<role name>\",...]} (an empty list "
            u"takes every role away)."_s);
    QStringList names;
    for (const QJsonValue &v : roles.toArray())
        names.append(v.toString());
    QUuid id;
    QString error;
    if (!assign(body.value(u"user"_s).toString(), names, &id, &error))
        return errorResponse(400, QString(), error);
    const auto rights = rightsOf(id);
    return jsonResponse(200, QJsonObject{{u"user"_s, idText(id)},
                                         {u"roles"_s, QJsonArray::fromStringList(names)},
                                         {u"privilegeCount"_s, rights->privilegeCount}});
}

// ---- checks
// -----------------------------------------------------------------------------------------------------

QUuid effectiveUserId(const ServiceContext &context)
{
    return context.impersonatedUserId.isNull() ? context.callerId : context.impersonatedUserId;
}

std::optional<HttpResponse> checkAccess(const ServiceContext &context, const TableDef &table, Access access)
{
    const AccessRights *rights = context.access.get();
    if (!rights)
        return std::nullopt;
    const int index = rights->model->privilegeIndex(table, access);
    if (index < 0)
        return std::nullopt;
    // Intersection (FACTS §10): the impersonated user and the real caller must both hold it.
    const UserRights *missing = nullptr;
    if (!rights->user->granted[size_t(index)])
        missing = rights->user.get();
    else if (rights->realCaller && !rights->realCaller->granted[size_t(index)])
        missing = rights->realCaller.get();
    if (!missing)
        return std::nullopt;
    const SecurityModel::Privilege &p = rights->model->privilege(index);
    qCInfo(lcSecurity) << "user" << missing->userId << "lacks" << p.name;
    // FACTS §8: the support article's wire pattern (exact full text UNCONFIRMED).
    return errorResponse(
        403, u"0x80040220"_s,
        u"Principal user (Id=%1, type=8, roleCount=%2, privilegeCount=%3, accessMode=0), is missing %4 "
        u"privilege (Id=%5) on OTC=%6 for entity '%7'. context.Caller=%8"_s.arg(idText(missing->userId))
            .arg(missing->roleCount)
            .arg(missing->privilegeCount)
            .arg(p.name, idText(p.id))
            .arg(p.otc)
            .arg(table.logicalName, idText(effectiveUserId(context))));
}

void stampUsers(const ServiceContext &context, const TableDef &table, Row &row, bool created, bool ownerGiven)
{
    if (context.callerId.isNull())
        return;
    const QString user = idText(effectiveUserId(context));
    const QJsonValue onBehalf = context.impersonatedUserId.isNull() ? QJsonValue(QJsonValue::Null)
                                                                    : QJsonValue(idText(context.callerId));
    const auto set = [&](const QString &column, const QJsonValue &value) {
        if (!table.attribute(column))
            return;
        row.values.insert(column, value);
        if (value.isNull())
            row.lookupTargets.remove(column);
        else
            row.lookupTargets.insert(column, u"systemuser"_s);
    };
    if (created) {
        set(u"createdby"_s, user);
        set(u"createdonbehalfby"_s, onBehalf);
        // A hash probe, not a scan of the columns: this runs for every row a bulk create writes.
        if (const AttributeDef *owner = table.attribute(u"ownerid");
            owner && !ownerGiven && owner->typeName == u"OwnerType"_s)
            set(owner->logicalName, user);
    }
    set(u"modifiedby"_s, user);
    set(u"modifiedonbehalfby"_s, onBehalf);
}

// ---- stage
// ------------------------------------------------------------------------------------------------------

SecurityStage::SecurityStage(const OrgStore &store, const IdentityProvider &identity)
    : m_store(store)
    , m_identity(identity)
{}

std::optional<QUuid> SecurityStage::userByObjectId(const QUuid &objectId) const
{
    // The org's systemuser rows carry the Entra object id (azureactivedirectoryobjectid, an alternate key in
    // the built-in org, so the lookup is a hash probe). Only an org without that column falls back to the
    // built-in test users, whose id_token names oid = systemuserid.
    const TableDef *users = m_store.definition().tableByLogicalName(u"systemuser");
    const AttributeDef *column = users ? users->attribute(u"azureactivedirectoryobjectid") : nullptr;
    if (column) {
        const QString wanted = idText(objectId);
        for (int k = 0; k < users->keys.size(); ++k) {
            if (users->keys[k].keyAttributes == QStringList{column->logicalName})
                return m_store.findByKey(*users, k, {OrgStore::canonicalKeyValue(*column, wanted)});
        }
        std::optional<QUuid> found;
        m_store.forEach(*users, 0, [&](const Row &row) {
            if (row.values.value(column->logicalName).toString().compare(wanted, Qt::CaseInsensitive) == 0) {
                found = row.id;
                return false;
            }
            return true;
        });
        return found;
    }
    for (const IdentityProvider::User &u : m_identity.users()) {
        if (u.systemUserId == objectId)
            return u.systemUserId;
    }
    return std::nullopt;
}

bool SecurityStage::userExists(const QUuid &systemUserId) const
{
    for (const IdentityProvider::User &u : m_identity.users()) {
        if (u.systemUserId == systemUserId)
            return true;
    }
    if (const TableDef *users = m_store.definition().tableByLogicalName(u"systemuser"))
        return m_store.find(*users, systemUserId) != nullptr;
    return false;
}

std::optional<HttpResponse> SecurityStage::process(const HttpRequest &request, ServiceContext &context)
{
    if (!m_model)
        return std::nullopt;
    const bool byObjectId = request.hasHeader("CallerObjectId");
    if (!byObjectId && !request.hasHeader("MSCRMCallerID")) {
        context.access = m_model->accessFor(context.callerId, QUuid());
        return std::nullopt;
    }
    // CallerObjectId (preferred) wins over the legacy MSCRMCallerID when both are sent.
    const char *headerName = byObjectId ? "CallerObjectId" : "MSCRMCallerID";
    const QByteArray value = request.header(headerName);
    const auto id = guidHeader(value);
    if (!id)
        return errorResponse(
            400, u"0x80048d1A"_s,
            u"CallerId provided for impersonation is invalid: the %1 header must hold the %2 (a GUID) of the "
            u"user to act for, got '%3'."_s.arg(QString::fromLatin1(headerName),
                                                byObjectId ? u"user's Microsoft Entra object id"_s
                                                           : u"user's systemuserid"_s,
                                                QString::fromLatin1(value.left(64))));
    const auto caller = m_model->rightsOf(context.callerId);
    const int act = m_model->privilegeIndex(QString::fromLatin1(SecurityModel::ActOnBehalf));
    if (!caller->granted[size_t(act)]) {
        qCInfo(lcSecurity) << "user" << context.callerId << "may not impersonate";
        return errorResponse(
            403, u"0x8004A110"_s,
            u"User does not have the privilege to act on behalf another user. The caller (Id=%1) needs the "
            u"prvActOnBehalfOfAnotherUser privilege (Id=%2), e.g. through the Delegate role."_s.arg(
                idText(context.callerId), idText(m_model->privilege(act).id)));
    }
    std::optional<QUuid> target;
    if (byObjectId)
        target = userByObjectId(*id);
    else if (userExists(*id))
        target = *id;
    if (!target)
        return errorResponse(404, u"0x80040217"_s,
                             byObjectId ? u"No systemuser has azureactivedirectoryobjectid = %1; "
                                          u"CallerObjectId must be the Microsoft "
                                          u"Entra object id of a user of this org."_s.arg(idText(*id))
                                        : u"systemuser With Id = %1 Does Not Exist"_s.arg(idText(*id)));
    context.impersonatedUserId = *target;
    context.access = m_model->accessFor(context.callerId, *target);
    qCDebug(lcSecurity) << "caller" << context.callerId << "acts for" << *target;
    return std::nullopt;
}

} // namespace d365::sandbox
