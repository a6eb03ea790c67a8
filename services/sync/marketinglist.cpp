#include "services/sync/marketinglist.h"

#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/odata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrl>
#include <QUuid>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMarketingList, "d365.sync.marketinglist")

namespace d365::services {

namespace {

QString encoded(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text, "'(),=$"));
}

} // namespace

MarketingLists::MarketingLists(DataverseClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{}

QList<MappingProblem> MarketingLists::problems(const ListSpec &spec, const MarketingList &list,
                                               const EntityMetadata &memberTable)
{
    QList<MappingProblem> found;
    const QString where = u"$.target.list"_s;
    const QString shown =
        list.id.isEmpty() ? u"'%1'"_s.arg(list.name) : u"'%1' (%2)"_s.arg(list.name, list.id);
    if (!memberTable.logicalName.isEmpty() && MarketingList::memberTypeCode(memberTable.logicalName) == 0) {
        found.append(
            {u"$.target.entitySet"_s,
             tr("a marketing list holds contacts, accounts or leads, not %1 rows: use the entity set "
                "contacts, accounts or leads.")
                 .arg(memberTable.logicalName)});
        return found;
    }
    if (!list.exists) {
        if (!spec.createIfMissing) {
            found.append(
                {where, tr("there is no marketing list named '%1'. Create it in Dynamics 365, fix the "
                           "name, or add \"createIfMissing\": true to create a static %2 list.")
                            .arg(list.name, memberTable.logicalName)});
        }
        return found;
    }
    if (list.dynamic) {
        found.append({where, tr("the marketing list %1 is dynamic (type true): its members come from its "
                                "query and cannot be added or removed. Use a static list.")
                                 .arg(shown)});
    }
    if (list.locked) {
        found.append({where, tr("the marketing list %1 is locked (lockstatus true): its members cannot "
                                "change. Unlock it in Dynamics 365 first.")
                                 .arg(shown)});
    }
    if (list.stateCode != 0) {
        found.append({where, tr("the marketing list %1 is inactive (statecode %2): activate it first.")
                                 .arg(shown)
                                 .arg(list.stateCode)});
    }
    const QString listTable = MarketingList::memberTableName(list.createdFromCode);
    if (!memberTable.logicalName.isEmpty() && listTable != memberTable.logicalName) {
        found.append(
            {u"$.target.entitySet"_s,
             tr("the marketing list %1 holds %2 rows (createdfromcode %3), but the mapping's members are %4 "
                "rows: use the entity set of the list's member type, or another list.")
                 .arg(shown, listTable.isEmpty() ? tr("unknown") : listTable)
                 .arg(list.createdFromCode)
                 .arg(memberTable.logicalName)});
    }
    return found;
}

void MarketingLists::find(const ListSpec &spec, std::function<void(Result<MarketingList>)> done)
{
    const ErrorContext context = m_client->errorContext(u"lists"_s);
    if (!spec.id.isEmpty()) {
        const QString path = u"lists("_s + spec.id + u")?$select="_s + MarketingList::selectColumns();
        m_client->send(DataverseRequest::get(path), this, [done, context, spec](const DataverseResponse &r) {
            if (!r.ok()) {
                Error error = toUserError(*r.error, context);
                if (r.status == 404) {
                    error = Error::make(
                        ErrorCategory::Configuration,
                        tr("There is no marketing list with the id %1 (target.list.id).").arg(spec.id),
                        r.error->message);
                }
                done(error);
                return;
            }
            done(MarketingList::fromJson(r.json()));
        });
        return;
    }
    const QString filter = u"listname eq "_s + odata::literal(spec.name);
    const QString path =
        u"lists?$select="_s + MarketingList::selectColumns() + u"&$filter="_s + encoded(filter);
    m_client->send(DataverseRequest::get(path), this, [done, context, spec](const DataverseResponse &r) {
        if (!r.ok()) {
            done(toUserError(*r.error, context));
            return;
        }
        const QJsonArray rows = r.json().value("value"_L1).toArray();
        if (rows.isEmpty()) {
            MarketingList missing;
            missing.name = spec.name;
            missing.exists = false;
            done(missing);
            return;
        }
        if (rows.size() > 1) {
            QStringList ids;
            for (const QJsonValue &row : rows)
                ids.append(row.toObject().value("listid"_L1).toString());
            done(Error::make(
                ErrorCategory::Configuration,
                tr("%1 marketing lists are named '%2' (%3): name one by its id, \"id\": \"<listid>\" "
                   "in target.list, or rename the others.")
                    .arg(rows.size())
                    .arg(spec.name, ids.join(u", "_s))));
            return;
        }
        done(MarketingList::fromJson(rows.first().toObject()));
    });
}

void MarketingLists::create(const QString &name, const EntityMetadata &memberTable,
                            std::function<void(Result<MarketingList>)> done)
{
    DataverseRequest post;
    post.method = "POST";
    post.path = u"lists?$select="_s + MarketingList::selectColumns();
    post.idempotent = false;
    post.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("return=representation")));
    post.body = QJsonDocument(QJsonObject{{u"listname"_s, name},
                                          {u"createdfromcode"_s,
                                           MarketingList::memberTypeCode(memberTable.logicalName)},
                                          {u"type"_s, false}})
                    .toJson(QJsonDocument::Compact);
    const ErrorContext context = m_client->errorContext(u"lists"_s);
    m_client->send(post, this, [done, context, name](const DataverseResponse &r) {
        if (!r.ok()) {
            done(toUserError(*r.error, context));
            return;
        }
        MarketingList list = MarketingList::fromJson(r.json());
        if (QUuid::fromString(list.id).isNull()) {
            done(Error::make(
                ErrorCategory::Server,
                tr("Dataverse created the marketing list '%1' but did not say its id.").arg(name)));
            return;
        }
        qCInfo(lcMarketingList) << "created the marketing list" << name << list.id;
        done(list);
    });
}

void MarketingLists::readMembers(const MarketingList &list, const EntityMetadata &memberTable,
                                 std::function<void(Members)> done)
{
    const QString idColumn = memberTable.primaryIdAttribute;
    const QString nameColumn = memberTable.primaryNameAttribute;
    QString path =
        u"lists("_s + list.id + u")/list"_s + memberTable.logicalName + u"_association?$select="_s + idColumn;
    if (!nameColumn.isEmpty())
        path += u',' + nameColumn;
    readPage(path, std::make_shared<Members>(), idColumn, nameColumn, std::move(done));
}

void MarketingLists::readPage(const QString &path, std::shared_ptr<Members> members, const QString &idColumn,
                              const QString &nameColumn, std::function<void(Members)> done)
{
    DataverseRequest get = DataverseRequest::get(path);
    get.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("odata.maxpagesize=5000")));
    m_client->send(get, this, [this, members, idColumn, nameColumn, done](const DataverseResponse &r) {
        members->requests += std::max(1, r.attempts);
        if (!r.ok()) {
            members->error = toUserError(*r.error, m_client->errorContext(u"lists"_s));
            done(*members);
            return;
        }
        const QJsonObject page = r.json();
        for (const QJsonValue &value : page.value("value"_L1).toArray()) {
            const QJsonObject row = value.toObject();
            members->names.insert(row.value(idColumn).toString().toLower(),
                                  nameColumn.isEmpty() ? QString() : row.value(nameColumn).toString());
        }
        const QString next = page.value("@odata.nextLink"_L1).toString();
        if (next.isEmpty()) {
            done(*members);
            return;
        }
        // The next link is absolute; requests take paths relative to the Web API base.
        const QString base = m_client->profile().webApiBaseUrl().toString(QUrl::FullyEncoded);
        QString relative = next;
        if (relative.startsWith(base))
            relative = relative.mid(base.size());
        while (relative.startsWith(u'/'))
            relative.remove(0, 1);
        readPage(relative, members, idColumn, nameColumn, done);
    });
}

} // namespace d365::services
