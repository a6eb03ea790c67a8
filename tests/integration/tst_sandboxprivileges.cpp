// The privilege functions of d365sync-sandbox over real HTTP (tests/sandbox/privilegeapi.h, README "Security
// roles and privileges"): RetrieveUserSetOfPrivilegesByNames, RetrieveUserPrivilegeByPrivilegeName and
// RetrieveUserPrivileges bound to systemusers(<id>), which the client calls before a sync to refuse a mapping
// whose user lacks a privilege. With the default roles the admin holds everything and alice (Salesperson)
// lacks prvCreateAccount, prvCreateLead, prvDeleteContact and prvActOnBehalfOfAnotherUser; the answer is the
// addressed user's, follows /_sandbox/security/assign, and bad calls get 404 or 400.

#include "common/sandboxprocess.h"
#include "common/sandboxsignin.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

const QString Alice = u"alice@sandbox.onmicrosoft.com"_s;
const QString AdminId = u"f3f5e894-a249-ef11-31aa-000d3abf8453"_s; // the org's UserId
const QString AliceId = u"7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"_s;
const QString ActOnBehalfId = u"6ec8e6a1-7c3e-4b7a-9d43-2a51f0b8c901"_s; // data/security.json
const QByteArray Admin = "test"; // any token: --accept-any-token makes it the org's admin
const QString ByNames = u"Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames"_s;
const QString ByName = u"Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName"_s;
const QString All = u"Microsoft.Dynamics.CRM.RetrieveUserPrivileges"_s;

QStringList names(const HttpResult &r)
{
    QStringList out;
    for (const QJsonValue &v : r.json()[u"RolePrivileges"].toArray())
        out.append(v[u"PrivilegeName"].toString());
    return out;
}

} // namespace

class tst_SandboxPrivileges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void setOfNames_listsOnlyHeldPrivileges_data();
    void setOfNames_listsOnlyHeldPrivileges();
    void rolePrivilege_hasDocumentedShape();
    void byName_answersZeroOrOneEntry_data();
    void byName_answersZeroOrOneEntry();
    void allPrivileges_listsEveryHeldPrivilege();
    void assignRoles_changesTheAnswer();
    void answer_isTheAddressedUsersNotTheCallers();
    void userWithoutRoles_holdsNothing();
    void unknownUser_returns404();
    void otherMethods_return404NoHttpResource_data();
    void otherMethods_return404NoHttpResource();
    void badParameters_return400NamingThem_data();
    void badParameters_return400NamingThem();

private:
    HttpResult call(const QByteArray &method, const QString &path, const QByteArray &token = Admin,
                    Headers headers = {});
    HttpResult assign(const QString &user, const QStringList &roles);

    SandboxProcess m_sandbox;
    QString m_businessUnitId;
};

HttpResult tst_SandboxPrivileges::call(const QByteArray &method, const QString &path, const QByteArray &token,
                                       Headers headers)
{
    headers.append({"Authorization", "Bearer " + token});
    return d365::testsupport::request(
        method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()), headers);
}

HttpResult tst_SandboxPrivileges::assign(const QString &user, const QStringList &roles)
{
    return d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security/assign"_s)),
        {{"Content-Type", "application/json"}},
        QJsonDocument(QJsonObject{{u"user"_s, user}, {u"roles"_s, QJsonArray::fromStringList(roles)}})
            .toJson());
}

void tst_SandboxPrivileges::initTestCase()
{
    QVERIFY(m_sandbox.start());
    const HttpResult whoAmI = call("GET", u"WhoAmI"_s);
    QCOMPARE(whoAmI.status, 200);
    m_businessUnitId = whoAmI.json()[u"BusinessUnitId"].toString();
    QVERIFY(!QUuid::fromString(m_businessUnitId).isNull());
}

void tst_SandboxPrivileges::cleanup()
{
    // The default roles again, whatever a test changed.
    QCOMPARE(assign(Alice, {u"Salesperson"_s}).status, 200);
}

void tst_SandboxPrivileges::setOfNames_listsOnlyHeldPrivileges_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("call"); // after systemusers(<user>)/
    QTest::addColumn<QStringList>("held");
    const QString aliased = ByNames + u"(PrivilegeNames=@p1)?@p1="_s;
    QTest::newRow("admin, @p1 JSON strings")
        << AdminId << aliased + uR"(["prvCreateAccount","prvWriteAccount"])"_s
        << QStringList{u"prvCreateAccount"_s, u"prvWriteAccount"_s};
    QTest::newRow("alice, @p1 JSON strings")
        << AliceId << aliased + uR"(["prvCreateAccount","prvWriteAccount"])"_s
        << QStringList{u"prvWriteAccount"_s};
    QTest::newRow("alice, @p1 single-quoted literals")
        << AliceId << aliased + u"['prvCreateAccount','prvReadAccount']"_s
        << QStringList{u"prvReadAccount"_s};
    QTest::newRow("alice, inline collection, the four she lacks")
        << AliceId
        << ByNames +
               uR"((PrivilegeNames=["prvCreateLead","prvDeleteContact","prvActOnBehalfOfAnotherUser","prvReadContact"]))"_s
        << QStringList{u"prvReadContact"_s};
    QTest::newRow("admin, unknown name is absent")
        << AdminId << aliased + uR"(["prvNoSuchThing","prvReadAccount"])"_s
        << QStringList{u"prvReadAccount"_s};
    QTest::newRow("admin, in the order asked, each once")
        << AdminId << aliased + uR"(["prvWriteLead","prvActOnBehalfOfAnotherUser","prvWriteLead"])"_s
        << QStringList{u"prvWriteLead"_s, u"prvActOnBehalfOfAnotherUser"_s};
    QTest::newRow("admin, empty collection") << AdminId << aliased + u"[]"_s << QStringList();
    QTest::newRow("admin, with ExcludeTeamBasic")
        << AdminId
        << ByNames + u"(PrivilegeNames=@p1,ExcludeTeamBasic=@p2)?@p1=['prvCreateAccount']&@p2=true"_s
        << QStringList{u"prvCreateAccount"_s};
}

void tst_SandboxPrivileges::setOfNames_listsOnlyHeldPrivileges()
{
    QFETCH(QString, user);
    QFETCH(QString, call);
    QFETCH(QStringList, held);
    const HttpResult r = this->call("GET", u"systemusers(%1)/"_s.arg(user) + call);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(names(r), held);
    QVERIFY(r.json()[u"@odata.context"].toString().endsWith(
        u"/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNamesResponse"_s));
}

void tst_SandboxPrivileges::rolePrivilege_hasDocumentedShape()
{
    const HttpResult r = call("GET", u"systemusers(%1)/%2(PrivilegeNames=@p1)?@p1=%3"_s.arg(
                                         AdminId, ByNames, uR"(["prvActOnBehalfOfAnotherUser"])"_s));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json; odata.metadata=minimal"));
    const QJsonArray list = r.json()[u"RolePrivileges"].toArray();
    QCOMPARE(list.size(), 1);
    const QJsonObject p = list.first().toObject();
    const QStringList keys = p.keys();
    QCOMPARE(QSet<QString>(keys.cbegin(), keys.cend()),
             (QSet<QString>{u"Depth"_s, u"PrivilegeId"_s, u"BusinessUnitId"_s, u"PrivilegeName"_s,
                            u"RecordFilterId"_s, u"RecordFilterUniqueName"_s}));
    QCOMPARE(p[u"Depth"].toString(), u"Global"_s); // the sandbox has no depth model
    QCOMPARE(p[u"PrivilegeId"].toString(), ActOnBehalfId);
    QCOMPARE(p[u"BusinessUnitId"].toString(), m_businessUnitId);
    QCOMPARE(p[u"PrivilegeName"].toString(), u"prvActOnBehalfOfAnotherUser"_s);
    QVERIFY(p[u"RecordFilterId"].isNull());
    QVERIFY(p[u"RecordFilterUniqueName"].isNull());
    // The same privilege has the same id in every function.
    const HttpResult one = call(
        "GET", u"systemusers(%1)/%2(PrivilegeName='prvActOnBehalfOfAnotherUser')"_s.arg(AdminId, ByName));
    QCOMPARE(one.json()[u"RolePrivileges"][0][u"PrivilegeId"].toString(), ActOnBehalfId);
}

void tst_SandboxPrivileges::byName_answersZeroOrOneEntry_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("call");
    QTest::addColumn<QStringList>("held");
    QTest::newRow("admin holds prvCreateAccount")
        << AdminId << ByName + u"(PrivilegeName='prvCreateAccount')"_s << QStringList{u"prvCreateAccount"_s};
    QTest::newRow("alice lacks prvCreateAccount")
        << AliceId << ByName + u"(PrivilegeName='prvCreateAccount')"_s << QStringList();
    QTest::newRow("alice holds prvReadAccount, @p1 alias")
        << AliceId << ByName + u"(PrivilegeName=@p1)?@p1='prvReadAccount'"_s
        << QStringList{u"prvReadAccount"_s};
    QTest::newRow("alice lacks prvActOnBehalfOfAnotherUser")
        << AliceId << ByName + u"(PrivilegeName='prvActOnBehalfOfAnotherUser')"_s << QStringList();
    QTest::newRow("unknown name") << AdminId << ByName + u"(PrivilegeName='prvNoSuchThing')"_s
                                  << QStringList();
}

void tst_SandboxPrivileges::byName_answersZeroOrOneEntry()
{
    QFETCH(QString, user);
    QFETCH(QString, call);
    QFETCH(QStringList, held);
    const HttpResult r = this->call("GET", u"systemusers(%1)/"_s.arg(user) + call);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(names(r), held);
    QVERIFY(r.json()[u"@odata.context"].toString().endsWith(
        u"$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeNameResponse"_s));
}

void tst_SandboxPrivileges::allPrivileges_listsEveryHeldPrivilege()
{
    const HttpResult security =
        d365::testsupport::request("GET", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security"_s)));
    QCOMPARE(security.status, 200);
    int everything = -1;
    for (const QJsonValue &role : security.json()[u"roles"].toArray()) {
        if (role[u"name"].toString() == u"System Administrator"_s)
            everything = role[u"privilegeCount"].toInt();
    }
    QVERIFY(everything > 50);

    const HttpResult admin = call("GET", u"systemusers(%1)/%2()"_s.arg(AdminId, All));
    QCOMPARE(admin.status, 200);
    QVERIFY(admin.json()[u"@odata.context"].toString().endsWith(
        u"$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse"_s));
    QCOMPARE(names(admin).size(), everything);

    // Also without the parentheses.
    const HttpResult alice = call("GET", u"systemusers(%1)/%2"_s.arg(AliceId, All));
    QCOMPARE(alice.status, 200);
    const QStringList held = names(alice);
    for (const QString &lacking :
         {u"prvCreateAccount"_s, u"prvCreateLead"_s, u"prvDeleteContact"_s, u"prvActOnBehalfOfAnotherUser"_s})
        QVERIFY2(!held.contains(lacking), qPrintable(lacking));
    for (const QString &holding :
         {u"prvReadAccount"_s, u"prvWriteAccount"_s, u"prvCreateContact"_s, u"prvAppendToContact"_s})
        QVERIFY2(held.contains(holding), qPrintable(holding));
    QVERIFY(held.size() < everything);
}

void tst_SandboxPrivileges::assignRoles_changesTheAnswer()
{
    const QString ask = u"systemusers(%1)/%2(PrivilegeName='prvCreateAccount')"_s.arg(AliceId, ByName);
    QCOMPARE(names(call("GET", ask)), QStringList());
    QCOMPARE(assign(Alice, {u"Salesperson"_s, u"System Administrator"_s}).status, 200);
    QCOMPARE(names(call("GET", ask)), QStringList{u"prvCreateAccount"_s});
    QCOMPARE(assign(Alice, {}).status, 200); // no role: nothing at all
    QCOMPARE(names(call("GET", u"systemusers(%1)/%2()"_s.arg(AliceId, All))), QStringList());
    QCOMPARE(assign(Alice, {u"Salesperson"_s}).status, 200);
    QCOMPARE(names(call("GET", ask)), QStringList());
}

void tst_SandboxPrivileges::answer_isTheAddressedUsersNotTheCallers()
{
    const QString adminHolds = u"systemusers(%1)/%2(PrivilegeName='prvCreateAccount')"_s.arg(AdminId, ByName);
    // alice (who lacks prvCreateAccount) may ask about the admin, and hears the admin's rights.
    const QByteArray aliceToken = d365::testsupport::signInAs(m_sandbox, Alice);
    QVERIFY(!aliceToken.isEmpty());
    QCOMPARE(names(call("GET", adminHolds, aliceToken)), QStringList{u"prvCreateAccount"_s});
    // The admin acting for alice (impersonation) still hears the admin's own rights, not the intersection.
    const HttpResult impersonated = call("GET", adminHolds, Admin, {{"MSCRMCallerID", AliceId.toLatin1()}});
    QCOMPARE(impersonated.status, 200);
    QCOMPARE(names(impersonated), QStringList{u"prvCreateAccount"_s});
}

void tst_SandboxPrivileges::userWithoutRoles_holdsNothing()
{
    // A systemuser row nobody assigned a role to gets DefaultRoles (none in the default security file).
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const HttpResult created = d365::testsupport::request(
        "POST", m_sandbox.webApiUrl().resolved(QUrl(u"systemusers"_s)), {{"Authorization", "Bearer test"}},
        QJsonDocument(QJsonObject{{u"systemuserid"_s, id},
                                  {u"firstname"_s, u"No"_s},
                                  {u"lastname"_s, u"Roles"_s},
                                  {u"domainname"_s, u"noroles@sandbox.onmicrosoft.com"_s}})
            .toJson(QJsonDocument::Compact));
    QVERIFY2(created.status == 204, created.body.constData());
    const HttpResult r = call("GET", u"systemusers(%1)/%2()"_s.arg(id, All));
    QCOMPARE(r.status, 200);
    QCOMPARE(names(r), QStringList());
}

void tst_SandboxPrivileges::unknownUser_returns404()
{
    const QString nobody = u"0e0e0e0e-1111-4222-8333-444455556666"_s;
    const QStringList calls{ByNames + u"(PrivilegeNames=@p1)?@p1=[\"prvReadAccount\"]"_s,
                            ByName + u"(PrivilegeName='prvReadAccount')"_s, All + u"()"_s};
    for (const QString &call : calls) {
        const HttpResult r = this->call("GET", u"systemusers(%1)/"_s.arg(nobody) + call);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80040217"_s);
        QCOMPARE(r.json()[u"error"][u"message"].toString(),
                 u"systemuser With Id = %1 Does Not Exist"_s.arg(nobody));
    }
}

void tst_SandboxPrivileges::otherMethods_return404NoHttpResource_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("call");
    QTest::newRow("POST by names") << QByteArray("POST")
                                   << ByNames + u"(PrivilegeNames=@p1)?@p1=[\"prvReadAccount\"]"_s;
    QTest::newRow("POST by name") << QByteArray("POST") << ByName + u"(PrivilegeName='prvReadAccount')"_s;
    QTest::newRow("POST all") << QByteArray("POST") << All;
    QTest::newRow("PATCH all") << QByteArray("PATCH") << All + u"()"_s;
    QTest::newRow("DELETE all") << QByteArray("DELETE") << All + u"()"_s;
}

void tst_SandboxPrivileges::otherMethods_return404NoHttpResource()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, call);
    const HttpResult r = this->call(method, u"systemusers(%1)/"_s.arg(AdminId) + call);
    QCOMPARE(r.status, 404);
    QVERIFY2(r.json()[u"error"][u"message"].toString().startsWith(
                 u"No HTTP resource was found that matches the request URI"_s),
             r.body.constData());
}

void tst_SandboxPrivileges::badParameters_return400NamingThem_data()
{
    QTest::addColumn<QString>("call");
    QTest::addColumn<QString>("named"); // the message must name it
    QTest::newRow("alias without value") << ByNames + u"(PrivilegeNames=@p1)"_s << u"'@p1'"_s;
    QTest::newRow("not a collection")
        << ByNames + u"(PrivilegeNames=@p1)?@p1=prvCreateAccount"_s << u"'PrivilegeNames'"_s;
    QTest::newRow("unterminated collection")
        << ByNames + u"(PrivilegeNames=@p1)?@p1=[\"prvCreateAccount\""_s << u"'PrivilegeNames'"_s;
    QTest::newRow("collection of numbers")
        << ByNames + u"(PrivilegeNames=@p1)?@p1=[1,2]"_s << u"'PrivilegeNames'"_s;
    QTest::newRow("unquoted item") << ByNames + u"(PrivilegeNames=[prvCreateAccount])"_s
                                   << u"'PrivilegeNames'"_s;
    QTest::newRow("required parameter missing") << ByNames + u"()"_s << u"'PrivilegeNames'"_s;
    QTest::newRow("no parentheses, parameter missing") << ByName << u"'PrivilegeName'"_s;
    QTest::newRow("unknown parameter") << ByNames + u"(PrivilegeNames=@p1,Foo=1)?@p1=[]"_s << u"'Foo'"_s;
    QTest::newRow("parameter twice") << ByName + u"(PrivilegeName='a',PrivilegeName='b')"_s
                                     << u"'PrivilegeName'"_s;
    QTest::newRow("double-quoted string")
        << ByName + u"(PrivilegeName=\"prvCreateAccount\")"_s << u"'PrivilegeName'"_s;
    QTest::newRow("not Name=value") << ByName + u"('prvCreateAccount')"_s << u"'prvCreateAccount'"_s;
    QTest::newRow("ExcludeTeamBasic not a boolean")
        << ByNames + u"(PrivilegeNames=@p1,ExcludeTeamBasic=maybe)?@p1=[]"_s << u"'ExcludeTeamBasic'"_s;
    QTest::newRow("parameter for a function without any")
        << All + u"(PrivilegeName='prvCreateAccount')"_s << u"'PrivilegeName'"_s;
}

void tst_SandboxPrivileges::badParameters_return400NamingThem()
{
    QFETCH(QString, call);
    QFETCH(QString, named);
    const HttpResult r = this->call("GET", u"systemusers(%1)/"_s.arg(AdminId) + call);
    QCOMPARE(r.status, 400);
    const QString message = r.json()[u"error"][u"message"].toString();
    QVERIFY2(message.contains(named), qPrintable(message));
}

QTEST_GUILESS_MAIN(tst_SandboxPrivileges)
#include "tst_sandboxprivileges.moc"
