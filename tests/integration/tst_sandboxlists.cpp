// Scenario tests of the sandbox org's system tables and marketing lists (FACTS §11): the seed rows every
// org starts with (test users, default team, base currency), money columns and their currency, owner
// lookups to users and teams, the custom table new_loyaltycard, and the list actions AddMemberList,
// AddListMembersList, RemoveMemberList, CopyMembersList, member reads through the N:N navigation properties,
// Associate/Disassociate ($ref) and direct listmember writes. Real HTTP against a sandbox process.

#include "common/sandboxprocess.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

const QString AdminId = u"f3f5e894-a249-ef11-31aa-000d3abf8453"_s;
const QString AliceId = u"7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"_s;
const QString AppUserId = u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s;
const QString DefaultTeamId = u"b4f1d2c3-8e7a-4b6d-9c5e-0a1f2e3d4c5b"_s;
const QString UsDollarId = u"5e28e81e-a8f6-ef11-335b-000d3a4e5af5"_s;
const QByteArray Annotations = R"(odata.include-annotations="*")";

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Replaces %1, %2, … one by one (QString::arg with several arguments would give the first argument to the
// lowest placeholder present, whatever its number).
QString fill(QString text, const QStringList &values)
{
    for (qsizetype i = 0; i < values.size(); ++i)
        text.replace(u'%' + QString::number(i + 1), values[i]);
    return text;
}

QString idFrom(const HttpResult &r)
{
    const QByteArray entity = r.header("OData-EntityId");
    const qsizetype open = entity.lastIndexOf('(');
    return QString::fromUtf8(entity.mid(open + 1, entity.size() - open - 2));
}

} // namespace

class tst_SandboxLists : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void seedRows_atStart_holdTestUsersTeamAndBaseCurrency();
    void seedRows_badRowInOrgFile_refusesToStart_data();
    void seedRows_badRowInOrgFile_refusesToStart();
    void money_withoutCurrency_getsBaseCurrencyWithFormattedValues();
    void ownerBind_toUserOrTeam_setsPolymorphicOwner();
    void loyaltyCard_mixedCaseNavigationAndKey_behaveLikeDataverse();
    void addMembers_addsEachOnceAndKeepsMemberCount();
    void memberNavigation_pagesThroughMembersOfThatTableOnly();
    void memberChange_withBadInput_isRejectedAndChangesNothing_data();
    void memberChange_withBadInput_isRejectedAndChangesNothing();
    void removeMemberList_removesMemberAndDecrementsCount();
    void refAssociateAndDisassociate_changeMembership();
    void listMembers_directCreateAndDelete_keepMemberCount();
    void copyMembersList_copiesWithoutDuplicates();
    void deleteList_deletesItsMembers();
    void deleteMemberRow_removesItFromEveryList();
    void batchChangeSet_failingPart_rollsBackMemberChanges();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   Headers headers = {});
    QString create(const QString &set, const QJsonObject &row);
    QString createList(const QString &name, int createdFromCode, bool dynamic = false, bool locked = false);
    int memberCount(const QString &listId);
    QSet<QString> memberIds(const QString &listId, const QString &navigation);
    HttpResult addMember(const QString &listId, const QString &entityId);

    SandboxProcess m_sandbox;
    QStringList m_contacts; // five contacts, created once
    QString m_account;
    QString m_lead;
};

HttpResult tst_SandboxLists::api(const QByteArray &method, const QString &path, const QByteArray &body,
                                 Headers headers)
{
    headers.append(qMakePair(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer test")));
    if (!body.isEmpty())
        headers.append(qMakePair(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")));
    return d365::testsupport::request(
        method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()), headers, body);
}

QString tst_SandboxLists::create(const QString &set, const QJsonObject &row)
{
    const HttpResult r = api("POST", set, json(row));
    if (r.status != 204)
        qWarning("create %s failed: %d %s", qPrintable(set), r.status, r.body.constData());
    return r.status == 204 ? idFrom(r) : QString();
}

QString tst_SandboxLists::createList(const QString &name, int createdFromCode, bool dynamic, bool locked)
{
    return create(u"lists"_s, {{u"listname"_s, name},
                               {u"createdfromcode"_s, createdFromCode},
                               {u"type"_s, dynamic},
                               {u"lockstatus"_s, locked}});
}

int tst_SandboxLists::memberCount(const QString &listId)
{
    return api("GET", u"lists(%1)?$select=membercount"_s.arg(listId)).json()[u"membercount"].toInt(-1);
}

QSet<QString> tst_SandboxLists::memberIds(const QString &listId, const QString &navigation)
{
    QSet<QString> ids;
    const HttpResult r =
        api("GET",
            u"lists(%1)/%2?$select=%3"_s.arg(
                listId, navigation, navigation == u"listcontact_association"_s ? u"fullname"_s : u"name"_s));
    for (const QJsonValue &v : r.json()[u"value"].toArray())
        ids.insert(v[navigation == u"listcontact_association"_s ? u"contactid" : u"accountid"].toString());
    return ids;
}

HttpResult tst_SandboxLists::addMember(const QString &listId, const QString &entityId)
{
    return api("POST", u"lists(%1)/Microsoft.Dynamics.CRM.AddMemberList"_s.arg(listId),
               json({{u"EntityId"_s, entityId}}));
}

void tst_SandboxLists::initTestCase()
{
    QVERIFY(m_sandbox.start());
    for (int i = 0; i < 5; ++i) {
        m_contacts.append(create(u"contacts"_s, {{u"firstname"_s, u"Member"_s},
                                                 {u"lastname"_s, QString::number(i)},
                                                 {u"emailaddress1"_s, u"member%1@example.com"_s.arg(i)}}));
        QVERIFY(!m_contacts.last().isEmpty());
    }
    m_account = create(u"accounts"_s, {{u"name"_s, u"Member Account"_s}});
    m_lead = create(u"leads"_s, {{u"subject"_s, u"Interested"_s}, {u"lastname"_s, u"Lead"_s}});
    QVERIFY(!m_account.isEmpty() && !m_lead.isEmpty());
}

void tst_SandboxLists::seedRows_atStart_holdTestUsersTeamAndBaseCurrency()
{
    // The connection strip's query.
    const HttpResult admin = api("GET", u"systemusers(%1)?$select=fullname,domainname"_s.arg(AdminId));
    QCOMPARE(admin.status, 200);
    QCOMPARE(admin.json()[u"fullname"].toString(), u"Sandbox Admin"_s);
    QCOMPARE(admin.json()[u"domainname"].toString(), u"admin@sandbox.onmicrosoft.com"_s);

    const HttpResult users =
        api("GET", u"systemusers?$select=domainname,applicationid,azureactivedirectoryobjectid,isdisabled"_s);
    QCOMPARE(users.status, 200);
    QHash<QString, QJsonObject> byId;
    QSet<QString> objectIds;
    for (const QJsonValue &v : users.json()[u"value"].toArray()) {
        byId.insert(v[u"systemuserid"].toString(), v.toObject());
        objectIds.insert(v[u"azureactivedirectoryobjectid"].toString());
        QCOMPARE(v[u"isdisabled"].toBool(true), false);
    }
    QCOMPARE(byId.size(), 3);
    QCOMPARE(objectIds.size(), 3); // distinct Entra object ids
    QCOMPARE(byId.value(AliceId)[u"domainname"].toString(), u"alice@sandbox.onmicrosoft.com"_s);
    QCOMPARE(byId.value(AppUserId)[u"applicationid"].toString(), u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s);
    QVERIFY(byId.value(AliceId)[u"applicationid"].isNull());

    const HttpResult team =
        api("GET", u"teams(%1)?$select=name,isdefault,teamtype,_administratorid_value"_s.arg(DefaultTeamId));
    QCOMPARE(team.status, 200);
    QCOMPARE(team.json()[u"isdefault"].toBool(), true);
    QCOMPARE(team.json()[u"_administratorid_value"].toString(), AdminId);

    const HttpResult usd = api("GET", u"transactioncurrencies(isocurrencycode='USD')"_s);
    QCOMPARE(usd.status, 200);
    QCOMPARE(usd.json()[u"transactioncurrencyid"].toString(), UsDollarId);
    QCOMPARE(usd.json()[u"currencysymbol"].toString(), u"$"_s);

    // Seed rows are ordinary rows: a new user can be created next to them, a duplicate id cannot.
    QVERIFY(!create(u"systemusers"_s,
                    {{u"lastname"_s, u"New"_s}, {u"domainname"_s, u"new@sandbox.onmicrosoft.com"_s}})
                 .isEmpty());
    QCOMPARE(api("POST", u"systemusers"_s,
                 json({{u"systemuserid"_s, AliceId}, {u"lastname"_s, u"Dup"_s}, {u"domainname"_s, u"d@x"_s}}))
                 .status,
             412);
}

void tst_SandboxLists::seedRows_badRowInOrgFile_refusesToStart_data()
{
    QTest::addColumn<QString>("rows");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not an array") << u"{\"name\":\"x\"}"_s << u"Tables[0].Rows: must be an array"_s;
    QTest::newRow("unknown column") << u"[{\"name\":\"ok\"},{\"nmae\":\"typo\"}]"_s
                                    << u"Invalid seed row Tables(thing).Rows[1]: "_s;
    QTest::newRow("missing required")
        << u"[{\"code\":\"A\"}]"_s << u"required column 'name' of record type 'thing' is missing"_s;
    QTest::newRow("too long") << u"[{\"name\":\"abcdefghijk\"}]"_s << u"maximum allowed length of '10'"_s;
}

void tst_SandboxLists::seedRows_badRowInOrgFile_refusesToStart()
{
    QFETCH(QString, rows);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QFile org(dir.filePath(u"org.json"_s));
    QVERIFY(org.open(QIODevice::WriteOnly));
    org.write(
        QString(uR"({"Tables":[{"LogicalName":"thing","EntitySetName":"things","PrimaryIdAttribute":"thingid",
"PrimaryNameAttribute":"name","Attributes":[
{"LogicalName":"thingid","AttributeTypeName":"UniqueidentifierType"},
{"LogicalName":"name","AttributeTypeName":"StringType","MaxLength":10,"RequiredLevel":"SystemRequired"},
{"LogicalName":"code","AttributeTypeName":"StringType","MaxLength":10}],
"Rows":)"_s + rows +
                u"}]}"_s)
            .toUtf8());
    org.close();
    SandboxProcess sandbox;
    QVERIFY(!sandbox.start({u"--org"_s, org.fileName()}));
    QCOMPARE(sandbox.exitCode(), 2);
    const QString log = QString::fromUtf8(sandbox.standardError());
    QVERIFY2(log.contains(expected), qPrintable(log));
}

void tst_SandboxLists::money_withoutCurrency_getsBaseCurrencyWithFormattedValues()
{
    const QString withMoney = create(u"accounts"_s, {{u"name"_s, u"Money"_s}, {u"creditlimit"_s, 1234.5}});
    const QString without = create(u"accounts"_s, {{u"name"_s, u"No Money"_s}});
    const HttpResult r =
        api("GET", u"accounts(%1)?$select=name,creditlimit"_s.arg(withMoney), {}, {{"Prefer", Annotations}});
    QCOMPARE(r.status, 200);
    const QJsonObject row = r.json().object();
    // FACTS §0: a money column comes with _transactioncurrencyid_value even when not selected.
    QCOMPARE(row[u"_transactioncurrencyid_value"].toString(), UsDollarId);
    QCOMPARE(row[u"_transactioncurrencyid_value@OData.Community.Display.V1.FormattedValue"].toString(),
             u"US Dollar"_s);
    QCOMPARE(row[u"_transactioncurrencyid_value@Microsoft.Dynamics.CRM.lookuplogicalname"].toString(),
             u"transactioncurrency"_s);
    QCOMPARE(row[u"creditlimit@OData.Community.Display.V1.FormattedValue"].toString(), u"$1,234.50"_s);
    QVERIFY(!row.contains(u"_ownerid_value"_s));

    const HttpResult plain = api("GET", u"accounts(%1)?$select=name,creditlimit"_s.arg(without));
    QVERIFY(plain.json()[u"_transactioncurrencyid_value"].isNull());
    // A money value written later brings the currency too.
    QCOMPARE(
        api("PATCH", u"accounts(%1)"_s.arg(without), json({{u"revenue"_s, 10}}), {{"If-Match", "*"}}).status,
        204);
    QCOMPARE(api("GET", u"accounts(%1)?$select=revenue"_s.arg(without))
                 .json()[u"_transactioncurrencyid_value"]
                 .toString(),
             UsDollarId);
    // An explicit currency binding is kept.
    QCOMPARE(
        api("POST", u"accounts"_s,
            json({{u"name"_s, u"Bound"_s},
                  {u"transactioncurrencyid@odata.bind"_s, u"/transactioncurrencies(%1)"_s.arg(UsDollarId)}}))
            .status,
        204);
}

void tst_SandboxLists::ownerBind_toUserOrTeam_setsPolymorphicOwner()
{
    const QString byTeam =
        create(u"contacts"_s, {{u"lastname"_s, u"TeamOwned"_s},
                               {u"ownerid@odata.bind"_s, u"/teams(%1)"_s.arg(DefaultTeamId)}});
    QVERIFY(!byTeam.isEmpty());
    const QJsonObject team =
        api("GET", u"contacts(%1)?$select=_ownerid_value"_s.arg(byTeam), {}, {{"Prefer", Annotations}})
            .json()
            .object();
    QCOMPARE(team[u"_ownerid_value"].toString(), DefaultTeamId);
    QCOMPARE(team[u"_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"].toString(), u"team"_s);
    QCOMPARE(team[u"_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"].toString(),
             u"ownerid"_s);
    QCOMPARE(team[u"_ownerid_value@OData.Community.Display.V1.FormattedValue"].toString(), u"sandbox"_s);

    QCOMPARE(api("PATCH", u"contacts(%1)"_s.arg(byTeam),
                 json({{u"ownerid@odata.bind"_s, u"/systemusers(%1)"_s.arg(AliceId)}}), {{"If-Match", "*"}})
                 .status,
             204);
    const QJsonObject user =
        api("GET", u"contacts(%1)?$select=_ownerid_value"_s.arg(byTeam), {}, {{"Prefer", Annotations}})
            .json()
            .object();
    QCOMPARE(user[u"_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"].toString(), u"systemuser"_s);
    QCOMPARE(user[u"_ownerid_value@OData.Community.Display.V1.FormattedValue"].toString(),
             u"Alice Example"_s);

    // Neither a user nor a team: the entity set does not match the navigation property.
    const HttpResult wrong =
        api("POST", u"contacts"_s,
            json({{u"lastname"_s, u"X"_s}, {u"ownerid@odata.bind"_s, u"/accounts(%1)"_s.arg(m_account)}}));
    QCOMPARE(wrong.status, 400);
    QCOMPARE(wrong.json()[u"error"][u"code"].toString(), u"0x80048d19"_s);
}

void tst_SandboxLists::loyaltyCard_mixedCaseNavigationAndKey_behaveLikeDataverse()
{
    const QString contact = m_contacts.first();
    const HttpResult created = api("PATCH", u"new_loyaltycards(new_cardnumber='LC-0001')"_s,
                                   json({{u"new_name"_s, u"Gold card"_s},
                                         {u"new_ContactId@odata.bind"_s, u"/contacts(%1)"_s.arg(contact)},
                                         {u"new_tier"_s, 100000002},
                                         {u"new_benefits"_s, u"100000000,100000002"_s},
                                         {u"new_balance"_s, 25.456},
                                         {u"new_expireson"_s, u"2027-12-31"_s},
                                         {u"new_issuedon"_s, u"2026-01-02T03:04:05Z"_s}}));
    QCOMPARE(created.status, 204);
    const HttpResult read =
        api("GET",
            u"new_loyaltycards(new_cardnumber='LC-0001')?$select=new_name,_new_contactid_value,"
            u"new_benefits,new_balance,new_expireson,new_issuedon"_s,
            {}, {{"Prefer", Annotations}});
    QCOMPARE(read.status, 200);
    const QJsonObject card = read.json().object();
    QCOMPARE(card[u"_new_contactid_value"].toString(), contact);
    QCOMPARE(card[u"_new_contactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"].toString(),
             u"new_ContactId"_s);
    QCOMPARE(card[u"new_benefits@OData.Community.Display.V1.FormattedValue"].toString(),
             u"Free Shipping; Birthday Gift"_s);
    QCOMPARE(card[u"new_balance"].toDouble(), 25.46);
    QCOMPARE(card[u"_transactioncurrencyid_value"].toString(), UsDollarId);
    QCOMPARE(card[u"new_expireson"].toString(), u"2027-12-31"_s);
    QCOMPARE(card[u"new_issuedon"].toString(), u"2026-01-02T03:04:05Z"_s);

    // new_issuedon is not valid for update: silently ignored (FACTS §0).
    QCOMPARE(api("PATCH", u"new_loyaltycards(new_cardnumber='LC-0001')"_s,
                 json({{u"new_issuedon"_s, u"2030-01-01T00:00:00Z"_s}, {u"new_points"_s, 10}}))
                 .status,
             204);
    QCOMPARE(api("GET", u"new_loyaltycards(new_cardnumber='LC-0001')?$select=new_issuedon"_s)
                 .json()[u"new_issuedon"]
                 .toString(),
             u"2026-01-02T03:04:05Z"_s);

    // Navigation property names are case-sensitive; the card number key is unique; the card number is
    // SystemRequired while the ApplicationRequired name is not enforced.
    const HttpResult lowerCase =
        api("POST", u"new_loyaltycards"_s,
            json({{u"new_cardnumber"_s, u"LC-0002"_s},
                  {u"new_contactid@odata.bind"_s, u"/contacts(%1)"_s.arg(contact)}}));
    QCOMPARE(lowerCase.status, 400);
    QVERIFY(lowerCase.json()[u"error"][u"message"].toString().contains(u"new_contactid"_s));
    QCOMPARE(api("POST", u"new_loyaltycards"_s, json({{u"new_cardnumber"_s, u"lc-0001"_s}})).status, 412);
    QCOMPARE(api("POST", u"new_loyaltycards"_s, json({{u"new_name"_s, u"No number"_s}})).status, 400);
    QCOMPARE(api("POST", u"new_loyaltycards"_s, json({{u"new_cardnumber"_s, u"LC-0003"_s}})).status, 204);
}

void tst_SandboxLists::addMembers_addsEachOnceAndKeepsMemberCount()
{
    const QString list = createList(u"Add"_s, 2);
    QCOMPARE(memberCount(list), 0);

    const HttpResult first = addMember(list, m_contacts[0]);
    QCOMPARE(first.status, 200);
    QVERIFY(first.json()[u"@odata.context"].toString().endsWith(
        u"$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse"_s));
    const QString listMemberId = first.json()[u"Id"].toString();
    QVERIFY(!QUuid::fromString(listMemberId).isNull());
    // Adding the same member again keeps one row and answers its id.
    const HttpResult again = addMember(list, m_contacts[0]);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json()[u"Id"].toString(), listMemberId);
    QCOMPARE(memberCount(list), 1);

    const QJsonObject body{
        {u"List"_s, QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.list"_s}, {u"listid"_s, list}}},
        {u"Members"_s, QJsonArray{QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                                              {u"contactid"_s, m_contacts[1]}},
                                  QJsonObject{{u"@odata.type"_s, u"#Microsoft.Dynamics.CRM.contact"_s},
                                              {u"contactid"_s, m_contacts[2]}},
                                  QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                                              {u"contactid"_s, m_contacts[0]}}}}};
    const HttpResult bulk = api("POST", u"AddListMembersList"_s, json(body));
    QCOMPARE(bulk.status, 204);
    QVERIFY(bulk.body.isEmpty());
    QCOMPARE(memberCount(list), 3);
    QCOMPARE(memberIds(list, u"listcontact_association"_s),
             (QSet<QString>{m_contacts[0], m_contacts[1], m_contacts[2]}));

    // listmember rows: _listid_value / _entityid_value with the member's table.
    const HttpResult rows =
        api("GET", u"listmembers?$filter=_listid_value%20eq%20"_s + list + u"&$select=_entityid_value"_s, {},
            {{"Prefer", Annotations}});
    QCOMPARE(rows.status, 200);
    const QJsonArray value = rows.json()[u"value"].toArray();
    QCOMPARE(value.size(), 3);
    for (const QJsonValue &v : value)
        QCOMPARE(v[u"_entityid_value@Microsoft.Dynamics.CRM.lookuplogicalname"].toString(), u"contact"_s);
}

void tst_SandboxLists::memberNavigation_pagesThroughMembersOfThatTableOnly()
{
    const QString list = createList(u"Paging"_s, 2);
    for (const QString &c : std::as_const(m_contacts))
        QCOMPARE(addMember(list, c).status, 200);
    QStringList seen;
    QString next =
        m_sandbox.webApiUrl().toString() + u"lists(%1)/listcontact_association?$select=fullname"_s.arg(list);
    int pages = 0;
    while (!next.isEmpty() && pages < 10) {
        const HttpResult page =
            d365::testsupport::request("GET", QUrl::fromEncoded(next.toUtf8()),
                                       {{"Authorization", "Bearer test"}, {"Prefer", "odata.maxpagesize=2"}});
        QCOMPARE(page.status, 200);
        if (pages == 0)
            QVERIFY(page.json()[u"@odata.context"].toString().endsWith(u"$metadata#contacts(fullname)"_s));
        for (const QJsonValue &v : page.json()[u"value"].toArray())
            seen.append(v[u"contactid"].toString());
        next = page.json()[u"@odata.nextLink"].toString();
        if (!next.isEmpty())
            QVERIFY2(next.contains(u"/lists(%1)/listcontact_association?"_s.arg(list)), qPrintable(next));
        ++pages;
    }
    QCOMPARE(pages, 3);
    QCOMPARE(seen.size(), 5);
    QCOMPARE(QSet<QString>(seen.begin(), seen.end()), QSet<QString>(m_contacts.begin(), m_contacts.end()));
    // $filter applies within the members; another table's navigation is empty; unknown navigation is 404.
    const HttpResult filtered = api(
        "GET", u"lists(%1)/listcontact_association?$select=fullname&$filter=lastname%20eq%20'3'"_s.arg(list));
    QCOMPARE(filtered.json()[u"value"].toArray().size(), 1);
    QCOMPARE(api("GET", u"lists(%1)/listaccount_association"_s.arg(list)).json()[u"value"].toArray().size(),
             0);
    QCOMPARE(api("GET", u"lists(%1)/listfoo_association"_s.arg(list)).status, 404);
    // The member side: the lists a contact belongs to.
    const QString other = createList(u"Paging 2"_s, 2);
    QCOMPARE(addMember(other, m_contacts[3]).status, 200);
    const HttpResult lists =
        api("GET", u"contacts(%1)/listcontact_association?$select=listname"_s.arg(m_contacts[3]));
    QCOMPARE(lists.status, 200);
    QSet<QString> listIds;
    for (const QJsonValue &v : lists.json()[u"value"].toArray())
        listIds.insert(v[u"listid"].toString());
    QVERIFY(listIds.contains(list) && listIds.contains(other));
    QCOMPARE(api("GET", u"accounts(%1)/listcontact_association"_s.arg(m_account)).status, 404);
    QCOMPARE(
        api("POST", u"lists(%1)/listcontact_association"_s.arg(list), json({{u"lastname"_s, u"x"_s}})).status,
        405);
}

void tst_SandboxLists::memberChange_withBadInput_isRejectedAndChangesNothing_data()
{
    QTest::addColumn<QString>("listKind"); // static, dynamic, locked, missing, account
    QTest::addColumn<QString>("path");     // %1 = list id
    QTest::addColumn<QString>("body");     // %2 = first contact, %3 = an account, %4 = a lead
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    const QString add = u"lists(%1)/Microsoft.Dynamics.CRM.AddMemberList"_s;
    const QString remove = u"lists(%1)/Microsoft.Dynamics.CRM.RemoveMemberList"_s;
    const QString entity = u"{\"EntityId\":\"%2\"}"_s;
    QTest::newRow("missing list") << u"missing"_s << add << entity << 404 << u"0x80040217"_s
                                  << u"list With Id = "_s;
    QTest::newRow("account on a contact list")
        << u"static"_s << add << u"{\"EntityId\":\"%3\"}"_s << 400 << u"0x80040203"_s
        << u"holds contact rows (createdfromcode 2)"_s;
    QTest::newRow("contact on an account list")
        << u"account"_s << add << entity << 400 << u"0x80040203"_s << u"is a row of contact"_s;
    QTest::newRow("missing member row")
        << u"static"_s << add << u"{\"EntityId\":\"00000000-0000-0000-0000-00000000abcd\"}"_s << 404
        << u"0x80040217"_s << u"contact With Id = 00000000-0000-0000-0000-00000000abcd Does Not Exist"_s;
    QTest::newRow("dynamic list") << u"dynamic"_s << add << entity << 400 << u"0x80040203"_s
                                  << u"it is a dynamic list (type true)"_s;
    QTest::newRow("locked list") << u"locked"_s << add << entity << 400 << u"0x80040203"_s
                                 << u"the list is locked (lockstatus true)"_s;
    QTest::newRow("remove from dynamic list")
        << u"dynamic"_s << remove << entity << 400 << u"0x80040203"_s << u"cannot be removed from"_s;
    QTest::newRow("remove a non-member") << u"static"_s << remove << entity << 404 << u"0x80040217"_s
                                         << u"is not a member of the marketing list"_s;
    QTest::newRow("EntityId missing")
        << u"static"_s << add << u"{}"_s << 400 << u"0x80040203"_s << u"needs the parameter EntityId"_s;
    QTest::newRow("EntityId not a GUID") << u"static"_s << add << u"{\"EntityId\":\"abc\"}"_s << 400
                                         << u"0x80048d19"_s << u"Cannot convert the literal 'abc'"_s;
    QTest::newRow("unknown parameter")
        << u"static"_s << add << u"{\"EntityId\":\"%2\",\"ListId\":\"%1\"}"_s << 400 << u"0x80048d19"_s
        << u"The parameter 'ListId' in the request payload is not a valid parameter for the operation 'AddMemberList'."_s;
    QTest::newRow("GET on an action")
        << u"static"_s << u"GET "_s + add << QString() << 404 << QString() << u"No HTTP resource was found"_s;
    const QString many =
        u"{\"List\":{\"listid\":\"%1\"},\"Members\":[{\"@odata.type\":\"Microsoft.Dynamics.CRM.contact\","
        u"\"contactid\":\"%2\"},%5]}"_s;
    QTest::newRow("bulk: a lead among contacts")
        << u"static"_s << u"AddListMembersList"_s
        << QString(many).replace(u"%5"_s,
                                 u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.lead\",\"leadid\":\"%4\"}"_s)
        << 400 << u"0x80040203"_s << u"is a row of lead"_s;
    QTest::newRow("bulk: member without @odata.type")
        << u"static"_s << u"AddListMembersList"_s
        << QString(many).replace(u"%5"_s, u"{\"contactid\":\"%2\"}"_s) << 400 << u"0x80048d19"_s
        << u"Members[1]: '@odata.type'"_s;
    QTest::newRow("bulk: missing member row")
        << u"static"_s << u"AddListMembersList"_s
        << QString(many).replace(
               u"%5"_s,
               u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.contact\",\"contactid\":\"00000000-0000-0000-0000-00000000abcd\"}"_s)
        << 404 << u"0x80040217"_s << u"Does Not Exist"_s;
    QTest::newRow("bulk: Members missing")
        << u"static"_s << u"AddListMembersList"_s << u"{\"List\":{\"listid\":\"%1\"}}"_s << 400
        << u"0x80040203"_s << u"needs the parameter Members"_s;
    QTest::newRow("bulk: missing list")
        << u"missing"_s << u"AddListMembersList"_s
        << QString(many).replace(
               u"%5"_s, u"{\"@odata.type\":\"Microsoft.Dynamics.CRM.contact\",\"contactid\":\"%2\"}"_s)
        << 404 << u"0x80040217"_s << u"list With Id = "_s;
}

void tst_SandboxLists::memberChange_withBadInput_isRejectedAndChangesNothing()
{
    QFETCH(QString, listKind);
    QFETCH(QString, path);
    QFETCH(QString, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QString list;
    if (listKind == u"missing"_s)
        list = u"11111111-2222-3333-4444-555555555555"_s;
    else
        list = createList(u"Bad input "_s + listKind, listKind == u"account"_s ? 1 : 2,
                          listKind == u"dynamic"_s, listKind == u"locked"_s);
    QVERIFY(!list.isEmpty());
    QByteArray method = "POST";
    if (path.startsWith(u"GET "_s)) {
        method = "GET";
        path = path.mid(4);
    }
    const HttpResult r =
        api(method, path.arg(list),
            body.isEmpty() ? QByteArray() : fill(body, {list, m_contacts[0], m_account, m_lead}).toUtf8());
    const QString context = u"\n  response: %1 %2"_s.arg(r.status).arg(QString::fromUtf8(r.body));
    QVERIFY2(r.status == status, qPrintable(u"status"_s + context));
    QVERIFY2(r.json()[u"error"][u"code"].toString() == code, qPrintable(u"code"_s + context));
    QVERIFY2(r.json()[u"error"][u"message"].toString().contains(message), qPrintable(u"message"_s + context));
    if (listKind != u"missing"_s) {
        QCOMPARE(memberCount(list), 0);
        QCOMPARE(api("GET", u"listmembers?$filter=_listid_value%20eq%20"_s + list)
                     .json()[u"value"]
                     .toArray()
                     .size(),
                 0);
    }
}

void tst_SandboxLists::removeMemberList_removesMemberAndDecrementsCount()
{
    const QString list = createList(u"Remove"_s, 2);
    QCOMPARE(addMember(list, m_contacts[0]).status, 200);
    QCOMPARE(addMember(list, m_contacts[1]).status, 200);
    const HttpResult r = api("POST", u"lists(%1)/Microsoft.Dynamics.CRM.RemoveMemberList"_s.arg(list),
                             json({{u"EntityId"_s, m_contacts[0]}}));
    QCOMPARE(r.status, 204);
    QCOMPARE(memberCount(list), 1);
    QCOMPARE(memberIds(list, u"listcontact_association"_s), QSet<QString>{m_contacts[1]});
    // The member row itself is untouched.
    QCOMPARE(api("GET", u"contacts(%1)?$select=fullname"_s.arg(m_contacts[0])).status, 200);
}

void tst_SandboxLists::refAssociateAndDisassociate_changeMembership()
{
    const QString list = createList(u"Ref"_s, 1);
    const QString url = m_sandbox.webApiUrl().toString() + u"accounts(%1)"_s.arg(m_account);
    QCOMPARE(api("POST", u"lists(%1)/listaccount_association/$ref"_s.arg(list), json({{u"@odata.id"_s, url}}))
                 .status,
             204);
    QCOMPARE(memberCount(list), 1);
    QCOMPARE(memberIds(list, u"listaccount_association"_s), QSet<QString>{m_account});
    // A contact through the contact navigation of an account list is a type error.
    const HttpResult wrong = api("POST", u"lists(%1)/listcontact_association/$ref"_s.arg(list),
                                 json({{u"@odata.id"_s, u"contacts(%1)"_s.arg(m_contacts[0])}}));
    QCOMPARE(wrong.status, 400);
    QCOMPARE(api("DELETE", u"lists(%1)/listaccount_association(%2)/$ref"_s.arg(list, m_account)).status, 204);
    QCOMPARE(memberCount(list), 0);
    QCOMPARE(api("DELETE", u"lists(%1)/listaccount_association(%2)/$ref"_s.arg(list, m_account)).status, 404);
    // The $id form.
    QCOMPARE(api("POST", u"lists(%1)/listaccount_association/$ref"_s.arg(list), json({{u"@odata.id"_s, url}}))
                 .status,
             204);
    QCOMPARE(api("DELETE", u"lists(%1)/listaccount_association/$ref?$id=%2"_s.arg(list, url)).status, 204);
    QCOMPARE(memberCount(list), 0);
}

void tst_SandboxLists::listMembers_directCreateAndDelete_keepMemberCount()
{
    const QString list = createList(u"Direct"_s, 4);
    const QJsonObject row{{u"listid@odata.bind"_s, u"/lists(%1)"_s.arg(list)},
                          {u"entityid_lead@odata.bind"_s, u"/leads(%1)"_s.arg(m_lead)}};
    const HttpResult created = api("POST", u"listmembers"_s, json(row));
    QCOMPARE(created.status, 204);
    QCOMPARE(memberCount(list), 1);
    QCOMPARE(api("POST", u"listmembers"_s, json(row)).status, 412); // already a member
    QCOMPARE(
        api("POST", u"listmembers"_s, json({{u"listid@odata.bind"_s, u"/lists(%1)"_s.arg(list)}})).status,
        400); // entityid is SystemRequired
    const HttpResult contactOnLeadList =
        api("POST", u"listmembers"_s,
            json({{u"listid@odata.bind"_s, u"/lists(%1)"_s.arg(list)},
                  {u"entityid_contact@odata.bind"_s, u"/contacts(%1)"_s.arg(m_contacts[0])}}));
    QCOMPARE(contactOnLeadList.status, 400);
    QCOMPARE(memberCount(list), 1);
    const QString id = idFrom(created);
    QCOMPARE(api("PATCH", u"listmembers(%1)"_s.arg(id), json({{u"entitytype"_s, u"lead"_s}})).status, 405);
    QCOMPARE(api("DELETE", u"listmembers(%1)"_s.arg(id)).status, 204);
    QCOMPARE(memberCount(list), 0);
    QCOMPARE(api("DELETE", u"listmembers(%1)"_s.arg(id)).status, 404);
}

void tst_SandboxLists::copyMembersList_copiesWithoutDuplicates()
{
    const QString source = createList(u"Copy source"_s, 2);
    const QString target = createList(u"Copy target"_s, 2);
    const QString accounts = createList(u"Copy accounts"_s, 1);
    QCOMPARE(addMember(source, m_contacts[0]).status, 200);
    QCOMPARE(addMember(source, m_contacts[1]).status, 200);
    QCOMPARE(addMember(target, m_contacts[1]).status, 200);
    const auto copy = [&](const QString &from, const QString &to) {
        return api("POST", u"lists(%1)/Microsoft.Dynamics.CRM.CopyMembersList"_s.arg(from),
                   json({{u"TargetList"_s, QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.list"_s},
                                                       {u"listid"_s, to}}}}));
    };
    QCOMPARE(copy(source, target).status, 204);
    QCOMPARE(memberCount(target), 2);
    QCOMPARE(memberIds(target, u"listcontact_association"_s), (QSet<QString>{m_contacts[0], m_contacts[1]}));
    QCOMPARE(memberCount(source), 2);
    const HttpResult mismatch = copy(source, accounts);
    QCOMPARE(mismatch.status, 400);
    QVERIFY(mismatch.json()[u"error"][u"message"].toString().contains(u"same member type"_s));
    QCOMPARE(memberCount(accounts), 0);
}

void tst_SandboxLists::deleteList_deletesItsMembers()
{
    const QString list = createList(u"Delete"_s, 2);
    const QString other = createList(u"Keep"_s, 2);
    QCOMPARE(addMember(list, m_contacts[0]).status, 200);
    QCOMPARE(addMember(other, m_contacts[0]).status, 200);
    QCOMPARE(api("DELETE", u"lists(%1)"_s.arg(list)).status, 204);
    QCOMPARE(api("GET", u"lists(%1)"_s.arg(list)).status, 404);
    QCOMPARE(
        api("GET", u"listmembers?$filter=_listid_value%20eq%20"_s + list).json()[u"value"].toArray().size(),
        0);
    QCOMPARE(memberCount(other), 1);
    QCOMPARE(api("DELETE", u"lists(%1)"_s.arg(list)).status, 404);
}

void tst_SandboxLists::deleteMemberRow_removesItFromEveryList()
{
    const QString contact = create(u"contacts"_s, {{u"lastname"_s, u"Leaving"_s}});
    const QString first = createList(u"Cascade 1"_s, 2);
    const QString second = createList(u"Cascade 2"_s, 2);
    QCOMPARE(addMember(first, contact).status, 200);
    QCOMPARE(addMember(first, m_contacts[4]).status, 200);
    QCOMPARE(addMember(second, contact).status, 200);
    QCOMPARE(api("DELETE", u"contacts(%1)"_s.arg(contact)).status, 204);
    QCOMPARE(memberCount(first), 1);
    QCOMPARE(memberCount(second), 0);
    QCOMPARE(memberIds(first, u"listcontact_association"_s), QSet<QString>{m_contacts[4]});
    QCOMPARE(api("GET", u"listmembers?$filter=_entityid_value%20eq%20"_s + contact)
                 .json()[u"value"]
                 .toArray()
                 .size(),
             0);
    QCOMPARE(api("DELETE", u"contacts(%1)"_s.arg(contact)).status, 404);
}

void tst_SandboxLists::batchChangeSet_failingPart_rollsBackMemberChanges()
{
    const QString list = createList(u"Batch"_s, 2);
    const auto part = [](const QByteArray &method, const QByteArray &url,
                         const QByteArray &body) -> QByteArray {
        return "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" + method + ' ' +
               url + " HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n" + body;
    };
    const QByteArray add = "/api/data/v9.2/lists(" + list.toUtf8() + ")/Microsoft.Dynamics.CRM.AddMemberList";
    const QByteArray changeSet =
        "--changeset_l\r\n" + part("POST", add, "{\"EntityId\":\"" + m_contacts[0].toUtf8() + "\"}") +
        "\r\n--changeset_l\r\n" +
        part("POST", add, "{\"EntityId\":\"00000000-0000-0000-0000-00000000abcd\"}") + "\r\n--changeset_l--";
    const QByteArray body = "--batch_l\r\nContent-Type: multipart/mixed; boundary=changeset_l\r\n\r\n" +
                            changeSet + "\r\n--batch_l--\r\n";
    const HttpResult batch = d365::testsupport::request(
        "POST", QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + u"$batch"_s).toUtf8()),
        {{"Authorization", "Bearer test"}, {"Content-Type", "multipart/mixed; boundary=batch_l"}}, body);
    QCOMPARE(batch.status, 400);
    QVERIFY2(batch.body.contains("HTTP/1.1 404"), batch.body.constData());
    // The first part's member is rolled back with the change set.
    QCOMPARE(memberCount(list), 0);
    QCOMPARE(memberIds(list, u"listcontact_association"_s), QSet<QString>{});

    // The same change set without the bad part commits.
    const QByteArray good = "--batch_l\r\nContent-Type: multipart/mixed; boundary=changeset_l\r\n\r\n"
                            "--changeset_l\r\n" +
                            part("POST", add, "{\"EntityId\":\"" + m_contacts[0].toUtf8() + "\"}") +
                            "\r\n--changeset_l--\r\n--batch_l--\r\n";
    const HttpResult ok = d365::testsupport::request(
        "POST", QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + u"$batch"_s).toUtf8()),
        {{"Authorization", "Bearer test"}, {"Content-Type", "multipart/mixed; boundary=batch_l"}}, good);
    QCOMPARE(ok.status, 200);
    QCOMPARE(memberCount(list), 1);
}

QTEST_GUILESS_MAIN(tst_SandboxLists)
#include "tst_sandboxlists.moc"
