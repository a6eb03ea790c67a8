#include "listapi.h"

#include "security.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QUrl>

Q_LOGGING_CATEGORY(lcListApi, "d365.sandbox.listapi")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

const QString ActionPrefix = u"Microsoft.Dynamics.CRM."_s;

// createdfromcode (global choice list_createdfromcode) -> member table, FACTS §11.
QString memberTableName(int createdFromCode)
{
    switch (createdFromCode) {
    case 1:
        return u"account"_s;
    case 2:
        return u"contact"_s;
    case 4:
        return u"lead"_s;
    default:
        return {};
    }
}

// Collection-valued navigation properties of list (the N:N relationships through listmember).
QString navigationTarget(QStringView navigation)
{
    if (navigation == u"listaccount_association")
        return u"account"_s;
    if (navigation == u"listcontact_association")
        return u"contact"_s;
    if (navigation == u"listlead_association")
        return u"lead"_s;
    return {};
}

QString guidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

HttpResponse invalidArgument(const QString &message)
{
    return errorResponse(400, u"0x80040203"_s, message);
}

HttpResponse notGuid(const QString &parameter, const QJsonValue &value)
{
    const QString text =
        value.isString() ? value.toString()
                         : QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
                               .mid(1)
                               .chopped(1);
    return badRequest(u"Microsoft.OData.ODataException: Cannot convert the literal '%1' of parameter '%2' to "
                      u"the expected type 'Edm.Guid'."_s.arg(text, parameter),
                      u"0x80048d19"_s);
}

// The action's body as a JSON object whose parameters are all known to the action.
std::optional<HttpResponse> parameters(const HttpRequest &request, const QString &action,
                                       const QStringList &known, QJsonObject *out)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
    if (!doc.isObject())
        return badRequest(u"The body of %1 must be a JSON object with its parameters (%2)."_s.arg(
                              action, known.join(u", "_s)),
                          u"0x80048d19"_s);
    *out = doc.object();
    for (auto it = out->constBegin(); it != out->constEnd(); ++it) {
        if (!known.contains(it.key()) && !it.key().startsWith(u'@'))
            return badRequest(
                u"The parameter '%1' in the request payload is not a valid parameter for the operation "
                u"'%2'."_s.arg(it.key(), action),
                u"0x80048d19"_s);
    }
    return std::nullopt;
}

// The EntityId parameter of AddMemberList / RemoveMemberList: the member's GUID. `missing` is the message
// when it is absent or null.
std::optional<HttpResponse> entityIdParameter(const HttpRequest &request, const QString &action,
                                              const QString &missing, QUuid *out)
{
    QJsonObject body;
    if (auto err = parameters(request, action, {u"EntityId"_s}, &body))
        return err;
    const QJsonValue entity = body.value(u"EntityId"_s);
    if (entity.isUndefined() || entity.isNull())
        return invalidArgument(missing);
    *out = QUuid::fromString(entity.toString());
    if (!entity.isString() || out->isNull())
        return notGuid(u"EntityId"_s, entity);
    return std::nullopt;
}

// "<entityset>(<guid>)" out of an absolute, server-relative or service-root-relative URL.
std::optional<std::pair<QString, QUuid>> entityReference(const QString &url)
{
    static const QRegularExpression apiPrefix(
        u"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+)?/?api/data/v\\d+\\.\\d+/"_s);
    QString ref = QUrl::fromPercentEncoding(url.toUtf8());
    ref.remove(apiPrefix);
    if (ref.startsWith(u'/'))
        ref.remove(0, 1);
    const auto segments = parseResourcePath(ref);
    if (!segments || segments->size() != 1 || !segments->first().hasKey)
        return std::nullopt;
    const QUuid id = QUuid::fromString(segments->first().keyText);
    if (id.isNull())
        return std::nullopt;
    return std::make_pair(segments->first().name, id);
}

} // namespace

ListApi::ListApi(OrgStore &store, RecordApi &records)
    : m_store(store)
    , m_records(records)
    , m_list(store.definition().tableByLogicalName(u"list"))
    , m_member(store.definition().tableByLogicalName(u"listmember"))
{
    if (!m_member)
        return;
    for (int k = 0; k < m_member->keys.size(); ++k) {
        QStringList columns = m_member->keys[k].keyAttributes;
        columns.sort();
        if (columns == QStringList{u"entityid"_s, u"listid"_s})
            m_memberKey = k;
    }
}

bool ListApi::handles(const TableDef &table, const QList<PathSegment> &segments,
                      const QByteArray &method) const
{
    if (!m_list || !m_member)
        return false;
    const PathSegment &set = segments.first();
    if (&table == m_member)
        return segments.size() == 1 && ((!set.hasKey && method == "POST") ||
                                        (set.hasKey && (method == "DELETE" || method == "PATCH")));
    if (!set.hasKey)
        return false;
    // Deleting a list or a member row (account, contact, lead) deletes listmember rows too.
    if (segments.size() == 1)
        return method == "DELETE" &&
               (&table == m_list ||
                !navigationTarget(QString(u"list"_s + table.logicalName + u"_association"_s)).isEmpty());
    if (&table != m_list) // the member side: <set>(<id>)/list<table>_association, the lists it belongs to
        return segments.size() == 2 && !segments.at(1).hasKey &&
               navigationTarget(segments.at(1).name) == table.logicalName;
    const QString &name = segments.at(1).name;
    return name == ActionPrefix + u"AddMemberList"_s || name == ActionPrefix + u"RemoveMemberList"_s ||
           name == ActionPrefix + u"CopyMembersList"_s || !navigationTarget(name).isEmpty();
}

HttpResponse ListApi::handle(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                             const QList<PathSegment> &segments)
{
    if (segments.size() == 1 && &table != m_member)
        return deleteWithMembers(request, context, table, segments); // RecordApi counts the operation
    if (context.stats)
        ++context.stats->recordOperations;
    if (&table == m_member)
        return listMemberWrite(request, context, segments.first());
    if (&table != m_list)
        return memberLists(request, context, table, segments);
    const QString &name = segments.at(1).name;
    const bool action = name.startsWith(ActionPrefix);
    if (action && (request.method != "POST" || segments.size() != 2 || segments.at(1).hasKey))
        return noHttpResource(context); // actions answer only POST
    ListRef list;
    if (auto err = findList(segments.first().keyText, &list))
        return *err;
    if (name == ActionPrefix + u"AddMemberList"_s)
        return addMemberList(request, context, list);
    if (name == ActionPrefix + u"RemoveMemberList"_s)
        return removeMemberList(request, context, list);
    if (name == ActionPrefix + u"CopyMembersList"_s)
        return copyMembersList(request, context, list);
    return memberNavigation(request, context, list, segments);
}

// ---- lookups
// -------------------------------------------------------------------------------------------------------

std::optional<HttpResponse> ListApi::findList(const QString &keyText, ListRef *list)
{
    RecordApi::ResolvedKey key;
    if (auto err = m_records.resolveKey(*m_list, keyText, &key))
        return err;
    if (!key.found)
        return m_records.notFound(*m_list, key);
    return findList(key.id, list);
}

std::optional<HttpResponse> ListApi::findList(const QUuid &id, ListRef *list)
{
    const Row *row = m_store.find(*m_list, id);
    if (!row)
        return errorResponse(404, u"0x80040217"_s, u"list With Id = %1 Does Not Exist"_s.arg(guidText(id)));
    list->id = id;
    list->name = row->values.value(u"listname"_s).toString();
    list->dynamic = row->values.value(u"type"_s).toBool();
    list->locked = row->values.value(u"lockstatus"_s).toBool();
    list->createdFromCode = row->values.value(u"createdfromcode"_s).toInt();
    list->memberTable = m_store.definition().tableByLogicalName(memberTableName(list->createdFromCode));
    if (!list->memberTable)
        return invalidArgument(u"The marketing list '%1' has no member type: set createdfromcode to 1 "
                               u"(account), 2 (contact) or 4 "
                               u"(lead) when creating it."_s.arg(list->name));
    return std::nullopt;
}

std::optional<HttpResponse> ListApi::checkChangeable(const ListRef &list, Change change) const
{
    const QString verb = change == Change::Add ? u"added to"_s : u"removed from"_s;
    if (list.dynamic)
        return invalidArgument(
            u"Members cannot be %1 the marketing list '%2' (%3): it is a dynamic list (type true) whose "
            u"members come from its query. Use a static list (type false)."_s.arg(verb, list.name,
                                                                                  guidText(list.id)));
    if (list.locked)
        return invalidArgument(
            u"Members cannot be %1 the marketing list '%2' (%3): the list is locked (lockstatus true). "
            u"Unlock it first."_s.arg(verb, list.name, guidText(list.id)));
    return std::nullopt;
}

std::optional<HttpResponse> ListApi::checkMember(const ListRef &list, const TableDef *memberTable,
                                                 const QUuid &entityId) const
{
    const auto wrongType = [&](const QString &actual) {
        return invalidArgument(u"The marketing list '%1' (%2) holds %3 rows (createdfromcode %4), but %5 is "
                               u"a row of %6. Add only %3 "
                               u"rows to this list, or use a list targeted at %6."_s
                                   .arg(list.name, guidText(list.id), list.memberTable->logicalName)
                                   .arg(list.createdFromCode)
                                   .arg(guidText(entityId), actual));
    };
    if (memberTable && memberTable != list.memberTable)
        return wrongType(memberTable->logicalName);
    if (m_store.find(*list.memberTable, entityId))
        return std::nullopt;
    // Only the id is known (AddMemberList): a row of another member table is a type mistake, not a missing
    // row.
    for (const QString &other : {u"account"_s, u"contact"_s, u"lead"_s}) {
        const TableDef *t = m_store.definition().tableByLogicalName(other);
        if (t && t != list.memberTable && !memberTable && m_store.find(*t, entityId))
            return wrongType(other);
    }
    return errorResponse(
        404, u"0x80040217"_s,
        u"%1 With Id = %2 Does Not Exist"_s.arg(list.memberTable->logicalName, guidText(entityId)));
}

std::optional<QUuid> ListApi::membership(const QUuid &listId, const QUuid &entityId) const
{
    if (m_memberKey >= 0) {
        QStringList parts;
        for (const QString &column : m_member->keys[m_memberKey].keyAttributes)
            parts.append(column == u"listid"_s ? guidText(listId) : guidText(entityId));
        return m_store.findByKey(*m_member, m_memberKey, parts);
    }
    std::optional<QUuid> found;
    m_store.forEach(*m_member, 0, [&](const Row &row) {
        if (QUuid::fromString(row.values.value(u"listid"_s).toString()) == listId &&
            QUuid::fromString(row.values.value(u"entityid"_s).toString()) == entityId)
            found = row.id;
        return !found;
    });
    return found;
}

QList<QUuid> ListApi::members(const QUuid &listId) const
{
    QList<QUuid> ids;
    m_store.forEach(*m_member, 0, [&](const Row &row) {
        if (QUuid::fromString(row.values.value(u"listid"_s).toString()) == listId)
            ids.append(QUuid::fromString(row.values.value(u"entityid"_s).toString()));
        return true;
    });
    return ids;
}

// ---- changes
// -------------------------------------------------------------------------------------------------------

template<typename F> std::optional<HttpResponse> ListApi::transaction(F &&work)
{
    const qsizetype savepoint = m_store.begin();
    std::optional<HttpResponse> result = work();
    if (result)
        m_store.rollback(savepoint);
    else
        m_store.commit(savepoint);
    return result;
}

void ListApi::adjustMemberCount(const QUuid &listId, int delta)
{
    const Row *current = m_store.find(*m_list, listId);
    if (!current)
        return;
    Row row = *current;
    const int count = qMax(0, row.values.value(u"membercount"_s).toInt() + delta);
    row.values.insert(u"membercount"_s, count);
    row.values.insert(u"modifiedon"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    row.values.insert(u"versionnumber"_s, double(m_store.nextVersion()));
    m_store.replace(*m_list, std::move(row));
}

std::optional<HttpResponse> ListApi::addMember(const ListRef &list, const QUuid &entityId,
                                               const ServiceContext &context, QUuid *listMemberId)
{
    // Adding a member changes the list (membercount); the listmember row itself is checked by createRow.
    if (auto denied = checkAccess(context, *m_list, Access::Write))
        return denied;
    // Sandbox rule (README): adding a member twice keeps the one listmember row and answers its id.
    if (const auto existing = membership(list.id, entityId)) {
        *listMemberId = *existing;
        return std::nullopt;
    }
    QString navigation;
    for (const RelationshipDef &rel : m_member->manyToOne) {
        if (rel.referencingAttribute == u"entityid"_s &&
            rel.referencedEntity == list.memberTable->logicalName)
            navigation = rel.navigationProperty;
    }
    const QJsonObject body{
        {u"listid@odata.bind"_s, QString(u"/"_s + m_list->entitySetName + u'(' + guidText(list.id) + u')')},
        {navigation + u"@odata.bind"_s,
         QString(u"/"_s + list.memberTable->entitySetName + u'(' + guidText(entityId) + u')')}};
    if (auto err = m_records.createRow(*m_member, body, context, listMemberId))
        return err;
    adjustMemberCount(list.id, +1);
    return std::nullopt;
}

std::optional<HttpResponse> ListApi::removeMember(const ListRef &list, const QUuid &entityId,
                                                  const ServiceContext &context)
{
    // Taking a member out deletes its listmember row and changes the list (membercount).
    if (auto denied = checkAccess(context, *m_member, Access::Delete))
        return denied;
    if (auto denied = checkAccess(context, *m_list, Access::Write))
        return denied;
    const auto id = membership(list.id, entityId);
    // Sandbox rule (README, UNCONFIRMED): removing a row that is not a member is an error, not a no-op.
    if (!id)
        return errorResponse(
            404, u"0x80040217"_s,
            u"The %1 with Id = %2 is not a member of the marketing list '%3' (%4)."_s.arg(
                list.memberTable->logicalName, guidText(entityId), list.name, guidText(list.id)));
    m_store.remove(*m_member, *id);
    adjustMemberCount(list.id, -1);
    return std::nullopt;
}

// ---- actions
// -------------------------------------------------------------------------------------------------------

HttpResponse ListApi::addMemberList(const HttpRequest &request, const ServiceContext &context,
                                    const ListRef &list)
{
    QUuid entityId;
    if (auto err = entityIdParameter(
            request, u"AddMemberList"_s,
            u"AddMemberList needs the parameter EntityId: the id of the account, contact or lead to add, "
            u"e.g. {\"EntityId\":\"<guid>\"}."_s,
            &entityId))
        return *err;
    QUuid listMemberId;
    const auto err = transaction([&]() -> std::optional<HttpResponse> {
        if (auto e = checkChangeable(list, Change::Add))
            return e;
        if (auto e = checkMember(list, nullptr, entityId))
            return e;
        return addMember(list, entityId, context, &listMemberId);
    });
    if (err)
        return *err;
    qCDebug(lcListApi) << "AddMemberList" << list.id << entityId;
    return jsonResponse(
        200, QJsonObject{
                 {u"@odata.context"_s,
                  QString(context.serviceRoot + u"$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse"_s)},
                 {u"Id"_s, guidText(listMemberId)}});
}

HttpResponse ListApi::removeMemberList(const HttpRequest &request, const ServiceContext &context,
                                       const ListRef &list)
{
    QUuid entityId;
    if (auto err = entityIdParameter(
            request, u"RemoveMemberList"_s,
            u"RemoveMemberList needs the parameter EntityId: the id of the member (account, contact or lead) "
            u"to remove, not the listmember id."_s,
            &entityId))
        return *err;
    const auto err = transaction([&]() -> std::optional<HttpResponse> {
        if (auto e = checkChangeable(list, Change::Remove))
            return e;
        return removeMember(list, entityId, context);
    });
    if (err)
        return *err;
    qCDebug(lcListApi) << "RemoveMemberList" << list.id << entityId;
    return emptyResponse(204);
}

HttpResponse ListApi::copyMembersList(const HttpRequest &request, const ServiceContext &context,
                                      const ListRef &list)
{
    QJsonObject body;
    if (auto err = parameters(request, u"CopyMembersList"_s, {u"TargetList"_s}, &body))
        return *err;
    const QJsonObject target = body.value(u"TargetList"_s).toObject();
    if (target.isEmpty())
        return invalidArgument(u"CopyMembersList needs the parameter TargetList: "
                               u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.list\",\"listid\":\"<guid>\"}."_s);
    const QUuid targetId = QUuid::fromString(target.value(u"listid"_s).toString());
    if (targetId.isNull())
        return notGuid(u"TargetList.listid"_s, target.value(u"listid"_s));
    ListRef to;
    if (auto err = findList(targetId, &to))
        return *err;
    if (to.memberTable != list.memberTable)
        return invalidArgument(
            u"CopyMembersList copies only between lists of the same member type: '%1' holds %2 rows, '%3' "
            u"holds %4 rows."_s.arg(list.name, list.memberTable->logicalName, to.name,
                                    to.memberTable->logicalName));
    const QList<QUuid> ids = members(list.id);
    const auto err = transaction([&]() -> std::optional<HttpResponse> {
        if (auto e = checkChangeable(to, Change::Add))
            return e;
        for (const QUuid &id : ids) {
            QUuid ignored;
            if (auto e = addMember(to, id, context, &ignored))
                return e;
        }
        return std::nullopt;
    });
    if (err)
        return *err;
    return emptyResponse(204);
}

HttpResponse ListApi::addListMembers(const HttpRequest &request, const ServiceContext &context)
{
    if (request.method != "POST")
        return noHttpResource(context);
    if (!m_list || !m_member)
        return resourceNotFound(u"AddListMembersList"_s);
    QJsonObject body;
    if (auto err = parameters(request, u"AddListMembersList"_s, {u"List"_s, u"Members"_s}, &body))
        return *err;
    const QJsonObject listParam = body.value(u"List"_s).toObject();
    if (listParam.isEmpty())
        return invalidArgument(u"AddListMembersList needs the parameter List: "
                               u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.list\",\"listid\":\"<guid>\"}."_s);
    const QUuid listId = QUuid::fromString(listParam.value(u"listid"_s).toString());
    if (listId.isNull())
        return notGuid(u"List.listid"_s, listParam.value(u"listid"_s));
    if (!body.value(u"Members"_s).isArray())
        return invalidArgument(
            u"AddListMembersList needs the parameter Members: an array of "
            u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.<account|contact|lead>\",\"<primary key>\":\"<guid>\"}."_s);
    const QJsonArray membersParam = body.value(u"Members"_s).toArray();
    ListRef list;
    if (auto err = findList(listId, &list))
        return *err;
    if (context.stats)
        context.stats->recordOperations += int(membersParam.size());

    // Parse every member first: a bad one fails the call before anything is written.
    QList<std::pair<const TableDef *, QUuid>> wanted;
    for (qsizetype i = 0; i < membersParam.size(); ++i) {
        const QJsonObject m = membersParam.at(i).toObject();
        QString type = m.value(u"@odata.type"_s).toString();
        if (type.startsWith(u'#'))
            type.remove(0, 1);
        const TableDef *table = type.startsWith(ActionPrefix)
                                    ? m_store.definition().tableByLogicalName(type.mid(ActionPrefix.size()))
                                    : nullptr;
        if (!table || navigationTarget(QString(u"list"_s + table->logicalName + u"_association"_s)).isEmpty())
            return badRequest(
                u"Members[%1]: '@odata.type' must be Microsoft.Dynamics.CRM.account, .contact or .lead (got "
                u"'%2')."_s.arg(i)
                    .arg(type),
                u"0x80048d19"_s);
        const QUuid id = QUuid::fromString(m.value(table->primaryIdAttribute).toString());
        if (id.isNull())
            return notGuid(u"Members[%1].%2"_s.arg(i).arg(table->primaryIdAttribute),
                           m.value(table->primaryIdAttribute));
        wanted.append({table, id});
    }
    const auto err = transaction([&]() -> std::optional<HttpResponse> {
        if (auto e = checkChangeable(list, Change::Add))
            return e;
        for (const auto &[table, id] : std::as_const(wanted)) {
            if (auto e = checkMember(list, table, id))
                return e;
            QUuid ignored;
            if (auto e = addMember(list, id, context, &ignored))
                return e;
        }
        return std::nullopt;
    });
    if (err)
        return *err;
    qCDebug(lcListApi) << "AddListMembersList" << list.id << wanted.size();
    return emptyResponse(204);
}

// ---- navigation and listmember rows
// ----------------------------------------------------------------------------

HttpResponse ListApi::memberNavigation(const HttpRequest &request, const ServiceContext &context,
                                       const ListRef &list, const QList<PathSegment> &segments)
{
    const PathSegment &nav = segments.at(1);
    const TableDef *target = m_store.definition().tableByLogicalName(navigationTarget(nav.name));
    const bool ref = segments.size() == 3 && segments.at(2).name == u"$ref"_s && !segments.at(2).hasKey;
    if (!target || segments.size() > 3 || (segments.size() == 3 && !ref))
        return resourceNotFound(segments.last().name);

    if (!ref) {
        if (nav.hasKey)
            return errorResponse(
                501, u"0x0"_s,
                u"The sandbox does not read a single member through '%1(<id>)'; use $filter on "
                u"the collection."_s.arg(nav.name));
        if (request.method != "GET" && request.method != "HEAD")
            return methodNotAllowed(request.method, "GET");
        // The list's members of this navigation's table (none when the list holds another table).
        RecordApi::RowScope scope;
        scope.path = m_list->entitySetName + u'(' + guidText(list.id) + u")/"_s + nav.name;
        if (target == list.memberTable) {
            const QList<QUuid> ids = members(list.id);
            scope.ids = QSet<QUuid>(ids.begin(), ids.end());
        }
        return m_records.list(request, context, *target, &scope);
    }

    // Associate: POST <nav>/$ref {"@odata.id": ".../contacts(<id>)"}; Disassociate: DELETE <nav>(<id>)/$ref
    // or DELETE <nav>/$ref?$id=<url>.
    QUuid entityId;
    if (request.method == "POST" && !nav.hasKey) {
        QJsonObject body;
        if (auto err = parameters(request, u"Associate"_s, {}, &body))
            return *err;
        const auto reference = entityReference(body.value(u"@odata.id"_s).toString());
        if (!reference || reference->first != target->entitySetName)
            return badRequest(
                u"The body of POST %1/$ref must be {\"@odata.id\":\"%2(<id>)\"} (a %3 row)."_s.arg(
                    nav.name, target->entitySetName, target->logicalName),
                u"0x80048d19"_s);
        entityId = reference->second;
        ListRef wanted = list;
        const auto err = transaction([&]() -> std::optional<HttpResponse> {
            if (auto e = checkChangeable(wanted, Change::Add))
                return e;
            if (auto e = checkMember(wanted, target, entityId))
                return e;
            QUuid ignored;
            return addMember(wanted, entityId, context, &ignored);
        });
        return err ? *err : emptyResponse(204);
    }
    if (request.method == "DELETE") {
        if (nav.hasKey) {
            entityId = QUuid::fromString(nav.keyText);
        } else {
            const auto reference = entityReference(request.queryValue(u"$id"));
            if (reference && reference->first == target->entitySetName)
                entityId = reference->second;
        }
        if (entityId.isNull())
            return badRequest(
                u"DELETE %1/$ref needs the member: %1(<id>)/$ref or %1/$ref?$id=<url of the %2>."_s.arg(
                    nav.name, target->logicalName));
        if (target != list.memberTable)
            return checkMember(list, target, entityId).value_or(emptyResponse(204));
        const auto err = transaction([&]() -> std::optional<HttpResponse> {
            if (auto e = checkChangeable(list, Change::Remove))
                return e;
            return removeMember(list, entityId, context);
        });
        return err ? *err : emptyResponse(204);
    }
    return methodNotAllowed(request.method, nav.hasKey ? "DELETE" : "POST");
}

HttpResponse ListApi::memberLists(const HttpRequest &request, const ServiceContext &context,
                                  const TableDef &table, const QList<PathSegment> &segments)
{
    RecordApi::ResolvedKey key;
    if (auto err = m_records.resolveKey(table, segments.first().keyText, &key))
        return *err;
    if (!key.found)
        return m_records.notFound(table, key);
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed(request.method, "GET");
    RecordApi::RowScope scope;
    scope.path = table.entitySetName + u'(' + guidText(key.id) + u")/"_s + segments.at(1).name;
    m_store.forEach(*m_member, 0, [&](const Row &row) {
        if (QUuid::fromString(row.values.value(u"entityid"_s).toString()) == key.id)
            scope.ids.insert(QUuid::fromString(row.values.value(u"listid"_s).toString()));
        return true;
    });
    return m_records.list(request, context, *m_list, &scope);
}

HttpResponse ListApi::listMemberWrite(const HttpRequest &request, const ServiceContext &context,
                                      const PathSegment &set)
{
    if (request.method == "PATCH")
        return methodNotAllowed(request.method,
                                "GET, DELETE"); // listmember has no Update message (FACTS §11)
    if (request.method == "DELETE") {
        RecordApi::ResolvedKey key;
        if (auto err = m_records.resolveKey(*m_member, set.keyText, &key))
            return *err;
        if (!key.found)
            return m_records.notFound(*m_member, key);
        const Row *row = m_store.find(*m_member, key.id);
        ListRef list;
        if (auto err = findList(QUuid::fromString(row->values.value(u"listid"_s).toString()), &list))
            return *err;
        const QUuid entityId = QUuid::fromString(row->values.value(u"entityid"_s).toString());
        const auto err = transaction([&]() -> std::optional<HttpResponse> {
            if (auto e = checkChangeable(list, Change::Remove))
                return e;
            return removeMember(list, entityId, context);
        });
        return err ? *err : emptyResponse(204);
    }

    // POST listmembers: the create validation, then the list's rules, then one transaction.
    QJsonObject body;
    if (auto err = m_records.parseBody(request, *m_member, &body))
        return *err;
    RecordApi::PreparedWrite write;
    if (auto err = m_records.prepare(*m_member, body, RecordApi::Mode::Create, context, &write))
        return *err;
    const QUuid listId = QUuid::fromString(write.values.value(u"listid"_s).toString());
    const QUuid entityId = QUuid::fromString(write.values.value(u"entityid"_s).toString());
    QUuid id;
    const auto err = transaction([&]() -> std::optional<HttpResponse> {
        if (!listId.isNull() && !entityId.isNull()) {
            ListRef list;
            if (auto e = findList(listId, &list))
                return e;
            if (auto e = checkChangeable(list, Change::Add))
                return e;
            if (auto e = checkMember(
                    list, m_store.definition().tableByLogicalName(write.lookupTargets.value(u"entityid"_s)),
                    entityId))
                return e;
        }
        if (auto e = m_records.createRow(*m_member, body, context, &id))
            return e; // also: listid/entityid missing (SystemRequired), member already in the list (key)
        adjustMemberCount(listId, +1);
        return std::nullopt;
    });
    if (err)
        return *err;
    const Preferences prefs = parsePrefer(request.header("Prefer"));
    if (prefs.returnRepresentation)
        return m_records.representation(201, context, *m_member, *m_store.find(*m_member, id),
                                        request.queryValue(u"$select"), prefs);
    HttpResponse r = emptyResponse(204);
    r.headers.append(
        {QByteArrayLiteral("OData-EntityId"),
         QString(context.serviceRoot + m_member->entitySetName + u'(' + guidText(id) + u')').toUtf8()});
    return r;
}

HttpResponse ListApi::deleteWithMembers(const HttpRequest &request, const ServiceContext &context,
                                        const TableDef &table, const QList<PathSegment> &segments)
{
    // Deleting a list deletes its listmember rows; deleting a member row takes it out of every list (cascade,
    // membercount kept), in the same transaction as the delete itself.
    RecordApi::ResolvedKey key;
    if (auto err = m_records.resolveKey(table, segments.first().keyText, &key))
        return *err;
    std::optional<HttpResponse> answer;
    const qsizetype savepoint = m_store.begin();
    if (key.found) {
        const bool isList = &table == m_list;
        QList<std::pair<QUuid, QUuid>> rows; // listmember id, list id
        m_store.forEach(*m_member, 0, [&](const Row &row) {
            const QUuid listId = QUuid::fromString(row.values.value(u"listid"_s).toString());
            if ((isList ? listId : QUuid::fromString(row.values.value(u"entityid"_s).toString())) == key.id)
                rows.append({row.id, listId});
            return true;
        });
        for (const auto &[id, listId] : std::as_const(rows)) {
            m_store.remove(*m_member, id);
            if (!isList)
                adjustMemberCount(listId, -1);
        }
    }
    answer = m_records.handle(request, context, table, segments);
    if (answer->status >= 300)
        m_store.rollback(savepoint);
    else
        m_store.commit(savepoint);
    return *answer;
}

} // namespace d365::sandbox
