// Security roles, privileges and impersonation of d365sync-sandbox over real HTTP (tests/sandbox/README.md,
// "Security roles and privileges"; FACTS.md §8 privilege row, §10 impersonation row): the default roles
// (alice's Salesperson role lacks prvCreateAccount, prvCreateLead, prvDeleteContact), checks on single
// requests, $batch parts, bulk messages, @odata.bind and deep insert, the 403 wording, the admin endpoint,
// CallerObjectId / MSCRMCallerID with the intersection of rights and createdby/createdonbehalfby, and bad
// security files refused at startup.
//
// Two sandboxes: the default one (built-in org and roles; "Bearer test" is admin through
// --accept-any-token, alice signs in through the identity provider) and a custom one (roles written by this
// test to split Append from AppendTo, and an org whose contact table has the createdby/...onbehalfby
// columns).

#include "common/batchbody.h"
#include "common/sandboxprocess.h"
#include "common/sandboxsignin.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;
using d365::testsupport::batchMultipart;
using d365::testsupport::batchPart;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

const QString Alice = u"alice@sandbox.onmicrosoft.com"_s;
const QString AdminId = u"f3f5e894-a249-ef11-31aa-000d3abf8453"_s;       // the org's UserId
const QString AliceId = u"7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11"_s;       // systemuserid
const QString AliceObjectId = u"3c1e8f52-7a9d-4b6e-8f21-5d0c9a7e4b13"_s; // Entra object id (org.json)
const QString AppId = u"9e2d6b70-4c3a-4f18-8d5e-6a7b8c9d0e21"_s;
const QString AppObjectId = u"6d5e4f3a-2b1c-4d0e-9f8a-7b6c5d4e3f21"_s;
const QString AdminObjectId = u"0b7c4d2e-1f3a-4b5c-8d6e-7f8091a2b3c4"_s;
const QString AccountA1 = u"5a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a21"_s;
const QString AccountA2 = u"5a0c1d2e-3f40-4a51-8b62-7c8d9e0f1a22"_s;
const QString ContactC1 = u"6b1d2e3f-4051-4b62-9c73-8d9e0f1a2b31"_s;
const QString ListL1 = u"7c2e3f40-5162-4c73-8d84-9e0f1a2b3c41"_s; // static contact list (custom sandbox)
const QByteArray Admin = "test"; // any token: --accept-any-token makes it the org's admin

QList<int> partStatuses(const QByteArray &body)
{
    QList<int> statuses;
    static const QRegularExpression re(u"\r\nHTTP/1\\.1 (\\d{3}) "_s);
    auto it = re.globalMatch(QString::fromUtf8(body));
    while (it.hasNext())
        statuses.append(it.next().captured(1).toInt());
    return statuses;
}

// The FACTS §8 pattern, with the user, privilege, OTC and table filled in.
QRegularExpression deniedPattern(const QString &principal, const QString &privilege, int otc,
                                 const QString &table, const QString &caller)
{
    return QRegularExpression(
        u"^Principal user \\(Id=%1, type=8, roleCount=\\d+, privilegeCount=\\d+, accessMode=0\\), is missing "
        u"%2 "
        u"privilege \\(Id=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\) on OTC=%3 for "
        u"entity "
        u"'%4'\\. context\\.Caller=%5$"_s.arg(principal, privilege)
            .arg(otc)
            .arg(table, caller));
}

QString errorCode(const HttpResult &r)
{
    return r.json()[u"error"][u"code"].toString();
}

QString errorMessage(const HttpResult &r)
{
    return r.json()[u"error"][u"message"].toString();
}

} // namespace

class tst_SandboxSecurity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void salesperson_operation_isAllowedOrDeniedNamingThePrivilege_data();
    void salesperson_operation_isAllowedOrDeniedNamingThePrivilege();
    void admin_createAccount_isAllowed();
    void deniedCreate_writesNothing();
    void batch_changeSetWithDeniedPart_rollsBackTheChangeSet();
    void batch_independentParts_areCheckedOneByOne();
    void bulk_createMultipleWithoutCreatePrivilege_failsWhole();
    void bulk_upsertMultipleCreatingWithoutPrivilege_rollsBackEarlierTargets();
    void bind_needsAppendOnRowAndAppendToOnTarget_data();
    void bind_needsAppendOnRowAndAppendToOnTarget();
    void propertyAndReferenceRequests_checkPrivileges_data();
    void propertyAndReferenceRequests_checkPrivileges();
    void admin_assignRoles_changesRightsImmediately();
    void admin_badAssignment_isRejected_data();
    void admin_badAssignment_isRejected();
    void admin_listing_namesRolesAndUsers();
    void impersonation_header_actsAsThatUser_data();
    void impersonation_header_actsAsThatUser();
    void impersonation_rightsAreTheIntersection();
    void impersonation_callerWithoutDelegatePrivilege_gets403();
    void impersonation_invalidCallerId_isRejected_data();
    void impersonation_invalidCallerId_isRejected();
    void impersonation_emptyHeader_isInvalidCallerId();
    void impersonation_stampsCreatedByAndOnBehalfBy();
    void startup_badSecurityFile_exits2WithMessage_data();
    void startup_badSecurityFile_exits2WithMessage();

private:
    HttpResult call(SandboxProcess &sandbox, const QByteArray &token, const QByteArray &method,
                    const QString &path, const QByteArray &body = {}, Headers headers = {});
    HttpResult call(const QByteArray &token, const QByteArray &method, const QString &path,
                    const QByteArray &body = {}, Headers headers = {})
    {
        return call(m_sandbox, token, method, path, body, std::move(headers));
    }
    HttpResult assign(SandboxProcess &sandbox, const QString &user, const QStringList &roles);
    int count(const QString &entitySet, const QString &filter);

    SandboxProcess m_sandbox;
    SandboxProcess m_custom;
    QTemporaryDir m_dir;
    QByteArray m_alice;       // alice's access token on m_sandbox
    QByteArray m_customAlice; // ... on m_custom
};

HttpResult tst_SandboxSecurity::call(SandboxProcess &sandbox, const QByteArray &token,
                                     const QByteArray &method, const QString &path, const QByteArray &body,
                                     Headers headers)
{
    headers.append({"Authorization", "Bearer " + token});
    return d365::testsupport::request(
        method, QUrl::fromEncoded((sandbox.webApiUrl().toString() + path).toUtf8()), headers, body);
}

HttpResult tst_SandboxSecurity::assign(SandboxProcess &sandbox, const QString &user, const QStringList &roles)
{
    return d365::testsupport::request(
        "POST", sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security/assign"_s)),
        {{"Content-Type", "application/json"}},
        QJsonDocument(QJsonObject{{u"user"_s, user}, {u"roles"_s, QJsonArray::fromStringList(roles)}})
            .toJson());
}

int tst_SandboxSecurity::count(const QString &entitySet, const QString &filter)
{
    const HttpResult r =
        call(Admin, "GET", entitySet + u"?$filter="_s + QString::fromUtf8(QUrl::toPercentEncoding(filter)));
    return r.status == 200 ? int(r.json()[u"value"].toArray().size()) : -1;
}

void tst_SandboxSecurity::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sandbox.start());
    m_alice = d365::testsupport::signInAs(m_sandbox, Alice);
    QVERIFY(!m_alice.isEmpty());
    for (const auto &[set, body] : QList<QPair<QString, QJsonObject>>{
             {u"accounts"_s, {{u"accountid"_s, AccountA1}, {u"name"_s, u"Security A1"_s}}},
             {u"accounts"_s, {{u"accountid"_s, AccountA2}, {u"name"_s, u"Security A2"_s}}},
             {u"contacts"_s, {{u"contactid"_s, ContactC1}, {u"lastname"_s, u"Security C1"_s}}}}) {
        const HttpResult r = call(Admin, "POST", set, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QVERIFY2(r.status == 204, r.body.constData());
    }

    // Custom sandbox: contact gets the user-stamp columns; alice starts with a role that can bind nothing.
    QFile orgFile(QStringLiteral(D365_SOURCE_DIR) + u"/tests/sandbox/data/org.json"_s);
    QVERIFY(orgFile.open(QIODevice::ReadOnly));
    QJsonObject org = QJsonDocument::fromJson(orgFile.readAll()).object();
    QJsonArray tables = org[u"Tables"_s].toArray();
    for (qsizetype i = 0; i < tables.size(); ++i) {
        QJsonObject t = tables[i].toObject();
        if (t[u"LogicalName"_s].toString() != u"contact"_s)
            continue;
        QJsonArray attributes = t[u"Attributes"_s].toArray();
        for (const QString &column :
             {u"createdby"_s, u"createdonbehalfby"_s, u"modifiedby"_s, u"modifiedonbehalfby"_s})
            attributes.append(QJsonObject{{u"LogicalName"_s, column},
                                          {u"SchemaName"_s, column},
                                          {u"AttributeTypeName"_s, u"LookupType"_s},
                                          {u"Targets"_s, QJsonArray{u"systemuser"_s}},
                                          {u"IsValidForCreate"_s, false},
                                          {u"IsValidForUpdate"_s, false}});
        t[u"Attributes"_s] = attributes;
        tables[i] = t;
    }
    org[u"Tables"_s] = tables;
    QFile customOrg(m_dir.filePath(u"org.json"_s));
    QVERIFY(customOrg.open(QIODevice::WriteOnly));
    customOrg.write(QJsonDocument(org).toJson());
    customOrg.close();
    QFile security(m_dir.filePath(u"security.json"_s));
    QVERIFY(security.open(QIODevice::WriteOnly));
    security.write(R"json({
      "Roles": [
        {"Name": "System Administrator", "RoleId": "11111111-2222-4333-8444-555555555501", "Privileges": ["*"]},
        {"Name": "Contacts", "RoleId": "11111111-2222-4333-8444-555555555502",
         "Privileges": ["prvCreateContact", "prvReadContact", "prvWriteContact", "prvReadAccount"]},
        {"Name": "Append contacts", "RoleId": "11111111-2222-4333-8444-555555555503",
         "Privileges": ["prvAppendContact"]},
        {"Name": "AppendTo accounts", "RoleId": "11111111-2222-4333-8444-555555555504",
         "Privileges": ["prvAppendToAccount"]}
      ],
      "Users": [{"User": "admin@sandbox.onmicrosoft.com", "Roles": ["System Administrator"]},
                {"SystemUserId": "7a1f3c55-0b8e-4d2a-9c61-2f4e8b9d0a11", "Roles": ["Contacts"]}]
    })json");
    security.close();
    QVERIFY(m_custom.start({u"--org"_s, customOrg.fileName(), u"--security"_s, security.fileName()}));
    m_customAlice = d365::testsupport::signInAs(m_custom, Alice);
    QVERIFY(!m_customAlice.isEmpty());
    for (const auto &[set, body] : QList<QPair<QString, QJsonObject>>{
             {u"accounts"_s, {{u"accountid"_s, AccountA1}, {u"name"_s, u"Bind target"_s}}},
             {u"contacts"_s, {{u"contactid"_s, ContactC1}, {u"lastname"_s, u"Bind source"_s}}},
             {u"lists"_s,
              {{u"listid"_s, ListL1}, {u"listname"_s, u"Security list"_s}, {u"createdfromcode"_s, 2}}}}) {
        const HttpResult r =
            call(m_custom, Admin, "POST", set, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QVERIFY2(r.status == 204, r.body.constData());
    }
}

void tst_SandboxSecurity::salesperson_operation_isAllowedOrDeniedNamingThePrivilege_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("privilege"); // missing privilege for a 403
    QTest::addColumn<int>("otc");
    QTest::addColumn<QString>("table");

    QTest::newRow("create account -> prvCreateAccount")
        << QByteArray("POST") << u"accounts"_s << QByteArray(R"({"name":"Denied Co"})") << 403
        << u"prvCreateAccount"_s << 1 << u"account"_s;
    QTest::newRow("create lead -> prvCreateLead")
        << QByteArray("POST") << u"leads"_s << QByteArray(R"({"lastname":"Denied"})") << 403
        << u"prvCreateLead"_s << 4 << u"lead"_s;
    QTest::newRow("delete contact -> prvDeleteContact")
        << QByteArray("DELETE") << u"contacts(%1)"_s.arg(ContactC1) << QByteArray() << 403
        << u"prvDeleteContact"_s << 2 << u"contact"_s;
    QTest::newRow("upsert creating an account -> prvCreateAccount")
        << QByteArray("PATCH") << u"accounts(%1)"_s.arg(QUuid::createUuid().toString(QUuid::WithoutBraces))
        << QByteArray(R"({"name":"Upserted"})") << 403 << u"prvCreateAccount"_s << 1 << u"account"_s;
    QTest::newRow("deep insert of an account -> prvCreateAccount")
        << QByteArray("POST") << u"contacts"_s
        << QByteArray(R"({"lastname":"Deep","parentcustomerid_account":{"name":"Deep Co"}})") << 403
        << u"prvCreateAccount"_s << 1 << u"account"_s;
    QTest::newRow("create contact") << QByteArray("POST") << u"contacts"_s
                                    << QByteArray(R"({"lastname":"By Alice"})") << 204 << QString() << 0
                                    << QString();
    QTest::newRow("create contact bound to account")
        << QByteArray("POST") << u"contacts"_s
        << QByteArray(R"({"lastname":"Bound","parentcustomerid_account@odata.bind":"/accounts()") +
               AccountA1.toUtf8() + ")\"}"
        << 204 << QString() << 0 << QString();
    QTest::newRow("read contacts") << QByteArray("GET") << u"contacts?$top=1"_s << QByteArray() << 200
                                   << QString() << 0 << QString();
    QTest::newRow("read account") << QByteArray("GET") << u"accounts(%1)"_s.arg(AccountA1) << QByteArray()
                                  << 200 << QString() << 0 << QString();
    QTest::newRow("update existing account")
        << QByteArray("PATCH") << u"accounts(%1)"_s.arg(AccountA1)
        << QByteArray(R"({"telephone1":"555-0100"})") << 204 << QString() << 0 << QString();
    QTest::newRow("delete account") << QByteArray("DELETE") << u"accounts(%1)"_s.arg(AccountA2)
                                    << QByteArray() << 204 << QString() << 0 << QString();
    QTest::newRow("metadata stays open")
        << QByteArray("GET") << u"EntityDefinitions(LogicalName='account')?$select=LogicalName"_s
        << QByteArray() << 200 << QString() << 0 << QString();
}

void tst_SandboxSecurity::salesperson_operation_isAllowedOrDeniedNamingThePrivilege()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, privilege);
    QFETCH(int, otc);
    QFETCH(QString, table);

    const HttpResult r = call(m_alice, method, path, body);
    QVERIFY2(r.status == status, qPrintable(u"%1 %2"_s.arg(r.status).arg(QString::fromUtf8(r.body))));
    if (status != 403)
        return;
    QCOMPARE(errorCode(r), u"0x80040220"_s);
    const QString message = errorMessage(r);
    QVERIFY2(deniedPattern(AliceId, privilege, otc, table, AliceId).match(message).hasMatch(),
             qPrintable(message));
    QVERIFY2(message.contains(u"roleCount=1,"_s), qPrintable(message)); // alice holds Salesperson only
}

void tst_SandboxSecurity::admin_createAccount_isAllowed()
{
    const HttpResult r = call(Admin, "POST", u"accounts"_s, R"({"name":"Admin Co"})");
    QCOMPARE(r.status, 204);
    QCOMPARE(count(u"accounts"_s, u"name eq 'Admin Co'"_s), 1);
}

void tst_SandboxSecurity::deniedCreate_writesNothing()
{
    const HttpResult r = call(m_alice, "POST", u"accounts"_s, R"({"name":"Never Written"})");
    QCOMPARE(r.status, 403);
    QCOMPARE(count(u"accounts"_s, u"name eq 'Never Written'"_s), 0);
}

void tst_SandboxSecurity::batch_changeSetWithDeniedPart_rollsBackTheChangeSet()
{
    const QByteArray changeSet =
        "Content-Type: multipart/mixed; boundary=changeset_s\r\n\r\n" +
        batchMultipart("changeset_s",
                       {batchPart("POST", "/api/data/v9.2/contacts", R"({"lastname":"ChangeSetFirst"})"),
                        batchPart("POST", "/api/data/v9.2/accounts", R"({"name":"ChangeSetSecond"})")})
            .chopped(2);
    const HttpResult r = call(m_alice, "POST", u"$batch"_s, batchMultipart("batch_s", {changeSet}),
                              {{"Content-Type", "multipart/mixed; boundary=batch_s"}});
    QCOMPARE(r.status, 400);
    QCOMPARE(partStatuses(r.body), QList<int>{403});
    QVERIFY2(r.body.contains("is missing prvCreateAccount privilege"), r.body.constData());
    QCOMPARE(count(u"contacts"_s, u"lastname eq 'ChangeSetFirst'"_s), 0);
}

void tst_SandboxSecurity::batch_independentParts_areCheckedOneByOne()
{
    const QByteArray body = batchMultipart(
        "batch_s", {batchPart("POST", "/api/data/v9.2/contacts", R"({"lastname":"IndependentOk"})"),
                    batchPart("POST", "/api/data/v9.2/leads", R"({"lastname":"IndependentDenied"})"),
                    batchPart("GET", "/api/data/v9.2/accounts?$top=1")});
    const HttpResult r =
        call(m_alice, "POST", u"$batch"_s, body,
             {{"Content-Type", "multipart/mixed; boundary=batch_s"}, {"Prefer", "odata.continue-on-error"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(partStatuses(r.body), (QList<int>{204, 403, 200}));
    QVERIFY2(r.body.contains("is missing prvCreateLead privilege"), r.body.constData());
    QCOMPARE(count(u"contacts"_s, u"lastname eq 'IndependentOk'"_s), 1);
    QCOMPARE(count(u"leads"_s, u"lastname eq 'IndependentDenied'"_s), 0);
}

void tst_SandboxSecurity::bulk_createMultipleWithoutCreatePrivilege_failsWhole()
{
    const HttpResult r =
        call(m_alice, "POST", u"accounts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
             R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.account","name":"Bulk One"},
                       {"@odata.type":"Microsoft.Dynamics.CRM.account","name":"Bulk Two"}]})");
    QCOMPARE(r.status, 403);
    QVERIFY(deniedPattern(AliceId, u"prvCreateAccount"_s, 1, u"account"_s, AliceId)
                .match(errorMessage(r))
                .hasMatch());
    QCOMPARE(count(u"accounts"_s, u"startswith(name,'Bulk ')"_s), 0);

    const HttpResult allowed =
        call(m_alice, "POST", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
             R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"BulkContact"}]})");
    QCOMPARE(allowed.status, 200);
}

void tst_SandboxSecurity::bulk_upsertMultipleCreatingWithoutPrivilege_rollsBackEarlierTargets()
{
    // Target 0 updates A1 (alice may write accounts), target 1 would create one (she may not).
    const HttpResult r = call(
        m_alice, "POST", u"accounts/Microsoft.Dynamics.CRM.UpsertMultiple"_s,
        QByteArray(R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.account","@odata.id":"accounts()") +
            AccountA1.toUtf8() +
            R"x()","name":"Renamed By Bulk"},
                 {"@odata.type":"Microsoft.Dynamics.CRM.account","name":"Created By Bulk"}]})x");
    QCOMPARE(r.status, 403);
    QVERIFY2(errorMessage(r).contains(u"is missing prvCreateAccount privilege"_s), r.body.constData());
    QCOMPARE(count(u"accounts"_s, u"name eq 'Renamed By Bulk'"_s), 0);
    QCOMPARE(count(u"accounts"_s, u"name eq 'Security A1'"_s), 1);
}

void tst_SandboxSecurity::bind_needsAppendOnRowAndAppendToOnTarget_data()
{
    QTest::addColumn<QStringList>("roles");
    QTest::addColumn<QString>("missing"); // empty: allowed
    QTest::addColumn<int>("otc");
    QTest::addColumn<QString>("table");
    QTest::newRow("neither") << QStringList{u"Contacts"_s} << u"prvAppendContact"_s << 2 << u"contact"_s;
    QTest::newRow("append only") << QStringList{u"Contacts"_s, u"Append contacts"_s}
                                 << u"prvAppendToAccount"_s << 1 << u"account"_s;
    QTest::newRow("appendto only") << QStringList{u"Contacts"_s, u"AppendTo accounts"_s}
                                   << u"prvAppendContact"_s << 2 << u"contact"_s;
    QTest::newRow("both") << QStringList{u"Contacts"_s, u"Append contacts"_s, u"AppendTo accounts"_s}
                          << QString() << 0 << QString();
}

void tst_SandboxSecurity::bind_needsAppendOnRowAndAppendToOnTarget()
{
    QFETCH(QStringList, roles);
    QFETCH(QString, missing);
    QFETCH(int, otc);
    QFETCH(QString, table);
    QCOMPARE(assign(m_custom, Alice, roles).status, 200);
    const QByteArray bind =
        R"("parentcustomerid_account@odata.bind":"/accounts()" + AccountA1.toUtf8() + ")\"";
    const HttpResult create =
        call(m_custom, m_customAlice, "POST", u"contacts"_s, R"({"lastname":"Binder",)" + bind + '}');
    const HttpResult update =
        call(m_custom, m_customAlice, "PATCH", u"contacts(%1)"_s.arg(ContactC1), '{' + bind + '}');
    if (missing.isEmpty()) {
        QVERIFY2(create.status == 204, create.body.constData());
        return;
    }
    for (const HttpResult &r : {create, update}) {
        QCOMPARE(r.status, 403);
        QVERIFY2(deniedPattern(AliceId, missing, otc, table, AliceId).match(errorMessage(r)).hasMatch(),
                 r.body.constData());
    }
}

void tst_SandboxSecurity::propertyAndReferenceRequests_checkPrivileges_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("privilege");
    QTest::addColumn<int>("otc");
    QTest::addColumn<QString>("table");
    // alice holds only "Contacts": create/read/write contact, read account.
    QTest::newRow("read a property") << QByteArray("GET") << u"accounts(%1)/name"_s.arg(AccountA1)
                                     << QByteArray() << 200 << QString() << 0 << QString();
    QTest::newRow("put a property without Write")
        << QByteArray("PUT") << u"accounts(%1)/name"_s.arg(AccountA1) << QByteArray(R"({"value":"Renamed"})")
        << 403 << u"prvWriteAccount"_s << 1 << u"account"_s;
    QTest::newRow("put a property with Write")
        << QByteArray("PUT") << u"contacts(%1)/firstname"_s.arg(ContactC1) << QByteArray(R"({"value":"Put"})")
        << 204 << QString() << 0 << QString();
    QTest::newRow("read a table without Read")
        << QByteArray("GET") << u"leads"_s << QByteArray() << 403 << u"prvReadLead"_s << 4 << u"lead"_s;
    QTest::newRow("read a property without Read")
        << QByteArray("GET")
        << u"leads(%1)/lastname"_s.arg(QUuid::createUuid().toString(QUuid::WithoutBraces)) << QByteArray()
        << 403 << u"prvReadLead"_s << 4 << u"lead"_s;
    QTest::newRow("expand to a table with Read")
        << QByteArray("GET")
        << u"contacts(%1)?$expand=parentcustomerid_account($select=name)"_s.arg(ContactC1) << QByteArray()
        << 200 << QString() << 0 << QString();
    QTest::newRow("expand to a table without Read")
        << QByteArray("GET") << u"contacts(%1)?$expand=lead_parent_contact($select=lastname)"_s.arg(ContactC1)
        << QByteArray() << 403 << u"prvReadLead"_s << 4 << u"lead"_s;
    QTest::newRow("expand in a collection query to a table without Read")
        << QByteArray("GET") << u"contacts?$select=lastname&$expand=lead_parent_contact($select=lastname)"_s
        << QByteArray() << 403 << u"prvReadLead"_s << 4 << u"lead"_s;
    QTest::newRow("navigation read of a table without Read")
        << QByteArray("GET") << u"contacts(%1)/lead_parent_contact"_s.arg(ContactC1) << QByteArray() << 403
        << u"prvReadLead"_s << 4 << u"lead"_s;
    // Changing a list's members changes the list (membercount): Write on list, whatever the member.
    QTest::newRow("add a list member without Write on list")
        << QByteArray("POST") << u"lists(%1)/Microsoft.Dynamics.CRM.AddMemberList"_s.arg(ListL1)
        << u"{\"EntityId\":\"%1\"}"_s.arg(ContactC1).toUtf8() << 403 << u"prvWriteList"_s << 4300
        << u"list"_s;
    QTest::newRow("remove a list member without Write on list")
        << QByteArray("POST") << u"lists(%1)/Microsoft.Dynamics.CRM.RemoveMemberList"_s.arg(ListL1)
        << u"{\"EntityId\":\"%1\"}"_s.arg(ContactC1).toUtf8() << 403 << u"prvDeleteListMember"_s << 4301
        << u"listmember"_s;
    QTest::newRow("set a reference without Append")
        << QByteArray("PUT") << u"contacts(%1)/parentcustomerid_account/$ref"_s.arg(ContactC1)
        << u"{\"@odata.id\":\"accounts(%1)\"}"_s.arg(AccountA1).toUtf8() << 403 << u"prvAppendContact"_s << 2
        << u"contact"_s;
}

void tst_SandboxSecurity::propertyAndReferenceRequests_checkPrivileges()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, privilege);
    QFETCH(int, otc);
    QFETCH(QString, table);
    QCOMPARE(assign(m_custom, Alice, {u"Contacts"_s}).status, 200);
    const HttpResult r = call(m_custom, m_customAlice, method, path, body);
    QVERIFY2(r.status == status, qPrintable(u"%1 %2"_s.arg(r.status).arg(QString::fromUtf8(r.body))));
    if (status == 403)
        QVERIFY2(deniedPattern(AliceId, privilege, otc, table, AliceId).match(errorMessage(r)).hasMatch(),
                 r.body.constData());
}

void tst_SandboxSecurity::admin_assignRoles_changesRightsImmediately()
{
    QCOMPARE(call(m_alice, "POST", u"accounts"_s, R"({"name":"Assign Test"})").status, 403);
    const HttpResult up = assign(m_sandbox, Alice, {u"Salesperson"_s, u"System Administrator"_s});
    QCOMPARE(up.status, 200);
    QCOMPARE(up.json()[u"user"].toString(), AliceId);
    QCOMPARE(call(m_alice, "POST", u"accounts"_s, R"({"name":"Assign Test"})").status, 204);
    QCOMPARE(assign(m_sandbox, AliceId, {u"Salesperson"_s}).status, 200); // by systemuserid this time
    QCOMPARE(call(m_alice, "POST", u"accounts"_s, R"({"name":"Assign Test 2"})").status, 403);
}

void tst_SandboxSecurity::admin_badAssignment_isRejected_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown role") << QByteArray(
                                         R"({"user":"alice@sandbox.onmicrosoft.com","roles":["Salesman"]})")
                                  << u"Unknown role 'Salesman'"_s;
    QTest::newRow("unknown upn") << QByteArray(R"({"user":"bob@sandbox.onmicrosoft.com","roles":[]})")
                                 << u"'bob@sandbox.onmicrosoft.com' is neither"_s;
    QTest::newRow("roles missing") << QByteArray(R"({"user":"alice@sandbox.onmicrosoft.com"})")
                                   << u"\"roles\""_s;
    QTest::newRow("not json") << QByteArray("user=alice") << u"Send {"_s;
}

void tst_SandboxSecurity::admin_badAssignment_isRejected()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    const HttpResult r =
        d365::testsupport::request("POST", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security/assign"_s)),
                                   {{"Content-Type", "application/json"}}, body);
    QCOMPARE(r.status, 400);
    QVERIFY2(errorMessage(r).contains(message), r.body.constData());
    // Nothing changed: alice is still a Salesperson.
    QCOMPARE(call(m_alice, "POST", u"leads"_s, R"({"lastname":"Still denied"})").status, 403);
}

void tst_SandboxSecurity::admin_listing_namesRolesAndUsers()
{
    const HttpResult r =
        d365::testsupport::request("GET", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security"_s)));
    QCOMPARE(r.status, 200);
    QStringList roles;
    for (const QJsonValue &role : r.json()[u"roles"].toArray())
        roles.append(role[u"name"].toString());
    QCOMPARE(roles, (QStringList{u"System Administrator"_s, u"Salesperson"_s, u"Delegate"_s}));
    const QJsonArray salesperson = r.json()[u"roles"][1][u"privileges"].toArray();
    QVERIFY(salesperson.contains(u"prvCreateContact"_s));
    QVERIFY(!salesperson.contains(u"prvCreateAccount"_s));
    QVERIFY(!salesperson.contains(u"prvActOnBehalfOfAnotherUser"_s));
    bool aliceListed = false;
    for (const QJsonValue &user : r.json()[u"users"].toArray())
        aliceListed |= user[u"systemuserid"].toString() == AliceId &&
                       user[u"roles"].toArray() == QJsonArray{u"Salesperson"_s};
    QVERIFY(aliceListed);
    QCOMPARE(d365::testsupport::request("DELETE", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/security"_s)))
                 .status,
             405);
}

void tst_SandboxSecurity::impersonation_header_actsAsThatUser_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expectedUser");
    QTest::newRow("CallerObjectId = alice's Entra object id")
        << QByteArray("CallerObjectId") << AliceObjectId << AliceId;
    QTest::newRow("MSCRMCallerID = alice's systemuserid")
        << QByteArray("MSCRMCallerID") << AliceId << AliceId;
    QTest::newRow("CallerObjectId = the app user's object id")
        << QByteArray("CallerObjectId") << AppObjectId << AppId;
}

void tst_SandboxSecurity::impersonation_header_actsAsThatUser()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, value);
    QFETCH(QString, expectedUser);
    const HttpResult who = call(Admin, "GET", u"WhoAmI"_s, {}, {{header, value.toLatin1()}});
    QCOMPARE(who.status, 200);
    QCOMPARE(who.json()[u"UserId"].toString(), expectedUser);

    const HttpResult created = call(Admin, "POST", u"contacts"_s, R"({"lastname":"Impersonated"})",
                                    {{header, value.toLatin1()}, {"Prefer", "return=representation"}});
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json()[u"_ownerid_value"].toString(),
             expectedUser); // the owner defaults to the acting user
}

void tst_SandboxSecurity::impersonation_rightsAreTheIntersection()
{
    // Admin (all privileges) acting for alice: alice's missing privilege decides.
    const HttpResult forAlice = call(Admin, "POST", u"accounts"_s, R"({"name":"Via Alice"})",
                                     {{"CallerObjectId", AliceObjectId.toLatin1()}});
    QCOMPARE(forAlice.status, 403);
    QVERIFY2(deniedPattern(AliceId, u"prvCreateAccount"_s, 1, u"account"_s, AliceId)
                 .match(errorMessage(forAlice))
                 .hasMatch(),
             forAlice.body.constData());

    // A Salesperson + Delegate caller acting for the app user (System Administrator): the caller's missing
    // privilege decides, and the message names the caller as the principal.
    QCOMPARE(assign(m_sandbox, AdminId, {u"Salesperson"_s, u"Delegate"_s}).status, 200);
    const HttpResult forApp = call(Admin, "POST", u"leads"_s, R"({"lastname":"Via App"})",
                                   {{"CallerObjectId", AppObjectId.toLatin1()}});
    QCOMPARE(assign(m_sandbox, AdminId, {u"System Administrator"_s}).status, 200);
    QCOMPARE(forApp.status, 403);
    QVERIFY2(deniedPattern(AdminId, u"prvCreateLead"_s, 4, u"lead"_s, AppId)
                 .match(errorMessage(forApp))
                 .hasMatch(),
             forApp.body.constData());
    QVERIFY2(errorMessage(forApp).contains(u"roleCount=2,"_s), forApp.body.constData());
    QCOMPARE(count(u"leads"_s, u"lastname eq 'Via App'"_s), 0);
}

void tst_SandboxSecurity::impersonation_callerWithoutDelegatePrivilege_gets403()
{
    const HttpResult r =
        call(m_alice, "GET", u"WhoAmI"_s, {}, {{"CallerObjectId", AdminObjectId.toLatin1()}});
    QCOMPARE(r.status, 403);
    QCOMPARE(errorCode(r), u"0x8004A110"_s);
    QVERIFY2(errorMessage(r).startsWith(u"User does not have the privilege to act on behalf another user."_s),
             r.body.constData());
    QVERIFY2(errorMessage(r).contains(AliceId), r.body.constData());
}

void tst_SandboxSecurity::impersonation_invalidCallerId_isRejected_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("CallerObjectId null")
        << QByteArray("CallerObjectId") << QByteArray("null") << 400 << u"0x80048d1A"_s;
    QTest::newRow("CallerObjectId nil guid")
        << QByteArray("CallerObjectId") << QByteArray("00000000-0000-0000-0000-000000000000") << 400
        << u"0x80048d1A"_s;
    QTest::newRow("MSCRMCallerID not a guid")
        << QByteArray("MSCRMCallerID") << QByteArray("alice") << 400 << u"0x80048d1A"_s;
    QTest::newRow("CallerObjectId unknown")
        << QByteArray("CallerObjectId") << QByteArray("0f0f0f0f-1111-4222-8333-444444444444") << 404
        << u"0x80040217"_s;
    // A systemuserid is not an object id: the seeded systemuser rows carry their own object ids.
    QTest::newRow("CallerObjectId given a systemuserid")
        << QByteArray("CallerObjectId") << AliceId.toLatin1() << 404 << u"0x80040217"_s;
    QTest::newRow("MSCRMCallerID unknown")
        << QByteArray("MSCRMCallerID") << QByteArray("0f0f0f0f-1111-4222-8333-444444444444") << 404
        << u"0x80040217"_s;
}

void tst_SandboxSecurity::impersonation_invalidCallerId_isRejected()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, value);
    QFETCH(int, status);
    QFETCH(QString, code);
    const HttpResult r =
        call(Admin, "POST", u"contacts"_s, R"({"lastname":"Bad Caller"})", {{header, value}});
    QCOMPARE(r.status, status);
    QCOMPARE(errorCode(r), code);
    QCOMPARE(count(u"contacts"_s, u"lastname eq 'Bad Caller'"_s), 0);
}

void tst_SandboxSecurity::impersonation_emptyHeader_isInvalidCallerId()
{
    // QNetworkRequest drops a header with an empty value, so this one goes over a raw socket.
    QTcpSocket socket;
    socket.connectToHost(m_sandbox.baseUrl().host(), quint16(m_sandbox.baseUrl().port()));
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: " + m_sandbox.baseUrl().authority().toUtf8() +
                 "\r\nAuthorization: Bearer test\r\nCallerObjectId: \r\nConnection: close\r\n\r\n");
    QByteArray response;
    while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(5000))
        response += socket.readAll();
    response += socket.readAll();
    QVERIFY2(response.startsWith("HTTP/1.1 400 "), response.constData());
    QVERIFY2(response.contains("\"code\":\"0x80048d1A\""), response.constData());
}

void tst_SandboxSecurity::impersonation_stampsCreatedByAndOnBehalfBy()
{
    QCOMPARE(assign(m_custom, Alice, {u"Contacts"_s}).status, 200);
    const HttpResult created =
        call(m_custom, Admin, "POST", u"contacts"_s, R"({"lastname":"Stamped"})",
             {{"CallerObjectId", AliceObjectId.toLatin1()}, {"Prefer", "return=representation"}});
    QCOMPARE(created.status, 201);
    const QJsonObject row = created.json().object();
    QCOMPARE(row[u"_createdby_value"].toString(), AliceId);
    QCOMPARE(row[u"_modifiedby_value"].toString(), AliceId);
    QCOMPARE(row[u"_createdonbehalfby_value"].toString(), AdminId);
    QCOMPARE(row[u"_modifiedonbehalfby_value"].toString(), AdminId);
    QCOMPARE(row[u"_ownerid_value"].toString(), AliceId);

    // The admin's own update: modifiedby is the admin, nobody acted on anyone's behalf; created* stay.
    const HttpResult updated =
        call(m_custom, Admin, "PATCH", u"contacts(%1)"_s.arg(row[u"contactid"].toString()),
             R"({"firstname":"Now"})", {{"If-Match", "*"}, {"Prefer", "return=representation"}});
    QCOMPARE(updated.status, 200);
    const QJsonObject after = updated.json().object();
    QCOMPARE(after[u"_modifiedby_value"].toString(), AdminId);
    QVERIFY(after[u"_modifiedonbehalfby_value"].isNull());
    QCOMPARE(after[u"_createdby_value"].toString(), AliceId);
    QCOMPARE(after[u"_createdonbehalfby_value"].toString(), AdminId);
}

void tst_SandboxSecurity::startup_badSecurityFile_exits2WithMessage_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    const QByteArray roleHead = R"({"Roles":[{"Name":"R","RoleId":"11111111-2222-4333-8444-555555555501",)";
    QTest::newRow("unknown privilege") << roleHead + R"("Privileges":["prvCreateAcount"]}]})"
                                       << u"Roles[0].Privileges[0]: unknown privilege 'prvCreateAcount'"_s;
    QTest::newRow("pattern matching nothing")
        << roleHead + R"("Privileges":["prvFly*"]}]})"
        << u"Roles[0].Privileges[0]: the pattern 'prvFly*' matches no privilege"_s;
    QTest::newRow("unknown except") << roleHead + R"("Privileges":["*"],"Except":["prvDeleteUnicorn"]}]})"
                                    << u"Roles[0].Except[0]: unknown privilege 'prvDeleteUnicorn'"_s;
    QTest::newRow("unknown role for a user")
        << roleHead +
               R"("Privileges":["*"]}],"Users":[{"User":"alice@sandbox.onmicrosoft.com","Roles":["Boss"]}]})"
        << u"Users[0].Roles[0]: unknown role 'Boss'"_s;
    QTest::newRow("unknown user") << roleHead +
                                         R"("Privileges":["*"]}],"Users":[{"User":"bob","Roles":["R"]}]})"
                                  << u"Users[0]: 'bob' is neither"_s;
    QTest::newRow("role without id") << QByteArray(R"({"Roles":[{"Name":"R","Privileges":["*"]}]})")
                                     << u"Roles[0]: a role needs \"Name\" and a GUID \"RoleId\""_s;
    QTest::newRow("not json") << QByteArray("Roles: []") << u"not a JSON object"_s;
}

void tst_SandboxSecurity::startup_badSecurityFile_exits2WithMessage()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    QFile file(m_dir.filePath(u"bad-security.json"_s));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(json);
    file.close();
    QProcess sandbox;
    sandbox.start(QStringLiteral(D365_BUILD_DIR) + u"/bin/d365sync-sandbox"_s,
                  {u"--port"_s, u"0"_s, u"--security"_s, file.fileName()});
    QVERIFY(sandbox.waitForFinished(10000));
    QCOMPARE(sandbox.exitStatus(), QProcess::NormalExit);
    QCOMPARE(sandbox.exitCode(), 2);
    const QString err = QString::fromUtf8(sandbox.readAllStandardError());
    QVERIFY2(err.contains(u"--security: security definition '"_s + file.fileName() + u"': "_s + message),
             qPrintable(err));
    QVERIFY(sandbox.readAllStandardOutput().isEmpty()); // never got as far as listening
}

QTEST_GUILESS_MAIN(tst_SandboxSecurity)
#include "tst_sandboxsecurity.moc"
