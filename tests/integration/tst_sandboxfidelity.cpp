// The sandbox against FACTS.md where the fidelity audit (issue 16) found it answering unlike Dataverse:
// duplicate detection (§1), the alternate-key index lifecycle (§3), $ref on collection-valued navigation
// properties (§4), the LF-only $batch workaround (§6), which tables have the bulk messages (§7), the
// BulkDelete action (§7), token-endpoint error headers and accepted resources (§12), and what Microsoft's
// Python SDK sent: an EntityDefinitions filter on IsPrivate and Microsoft.Dynamics.CRM.In with double-quoted
// values. Every case goes over real HTTP to a sandbox process. (§9, Retry-After under hammering:
// tst_sandboxservice.)

#include "common/batchbody.h"
#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;
using d365::testsupport::batchMultipart;
using d365::testsupport::batchPart;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

class tst_SandboxFidelity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void duplicateDetection_onlyWhenAsked_returns412();
    void duplicateDetection_update_andBlankValues();
    void keyLifecycle_pendingKey_refusedUntilActive();
    void keyLifecycle_activationWithDuplicateRows_fails();
    void keyLifecycle_badAdminRequests_return400();
    void collectionRef_associateListDisassociate();
    void collectionRef_errors();
    void batch_lfOnlyWithTwoExtraNewlines_isAccepted();
    void bulk_tableWithoutBulkMessages_isRefused();
    void bulkDelete_createsJobThatDeletesMatchingRows();
    void bulkDelete_badRequests();
    void metadata_filterOnIsPrivate();
    void filter_inWithDoubleQuotedValuesAndAliases();
    void tokenEndpoint_errorHeadersAndResources_data();
    void tokenEndpoint_errorHeadersAndResources();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   Headers headers = {}, SandboxProcess *sandbox = nullptr);
    HttpResult admin(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                     const QByteArray &body = {});
    QString createContact(const QJsonObject &row, Headers headers = {});
    static QString writeOrg(const QTemporaryDir &dir,
                            const std::function<void(QJsonObject &table)> &editContact);
    // The built-in org with contact's key new_EmailKey still Pending.
    QString pendingEmailKeyOrg() const;

    SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
};

HttpResult tst_SandboxFidelity::api(const QByteArray &method, const QString &path, const QByteArray &body,
                                    Headers headers, SandboxProcess *sandbox)
{
    headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer test")));
    const bool typed = std::any_of(headers.cbegin(), headers.cend(),
                                   [](const auto &h) { return h.first == "Content-Type"; });
    if (!body.isEmpty() && !typed)
        headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    SandboxProcess &target = sandbox ? *sandbox : m_sandbox;
    return d365::testsupport::request(
        method, QUrl::fromEncoded((target.webApiUrl().toString() + path).toUtf8()), headers, body);
}

HttpResult tst_SandboxFidelity::admin(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                                      const QByteArray &body)
{
    return d365::testsupport::request(method, sandbox.baseUrl().resolved(QUrl(path)),
                                      {{"Content-Type", "application/json"}}, body);
}

QString tst_SandboxFidelity::createContact(const QJsonObject &row, Headers headers)
{
    const HttpResult r =
        api("POST", u"contacts"_s, QJsonDocument(row).toJson(QJsonDocument::Compact), headers);
    if (r.status != 204)
        return QString();
    const QString entityId = QString::fromUtf8(r.header("OData-EntityId"));
    return entityId.mid(entityId.lastIndexOf(u'(') + 1).chopped(1);
}

// The built-in org with the contact table edited (a key's status, say), written to a file for --org.
QString tst_SandboxFidelity::writeOrg(const QTemporaryDir &dir,
                                      const std::function<void(QJsonObject &table)> &editContact)
{
    QFile orgFile(QStringLiteral(D365_SOURCE_DIR) + u"/tests/sandbox/data/org.json"_s);
    if (!orgFile.open(QIODevice::ReadOnly))
        return QString();
    QJsonObject org = QJsonDocument::fromJson(orgFile.readAll()).object();
    QJsonArray tables = org[u"Tables"_s].toArray();
    for (qsizetype i = 0; i < tables.size(); ++i) {
        QJsonObject t = tables[i].toObject();
        if (t[u"LogicalName"_s].toString() == u"contact"_s) {
            editContact(t);
            tables[i] = t;
        }
    }
    org[u"Tables"_s] = tables;
    const QString path = dir.filePath(QUuid::createUuid().toString(QUuid::WithoutBraces) + u".json"_s);
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return QString();
    out.write(QJsonDocument(org).toJson());
    return path;
}

QString tst_SandboxFidelity::pendingEmailKeyOrg() const
{
    return writeOrg(m_dir, [](QJsonObject &contact) {
        QJsonArray keys = contact[u"Keys"_s].toArray();
        QJsonObject key = keys[0].toObject();
        key[u"EntityKeyIndexStatus"_s] = u"Pending"_s;
        keys[0] = key;
        contact[u"Keys"_s] = keys;
    });
}

void tst_SandboxFidelity::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sandbox.start());
}

// ---- §1 duplicate detection

void tst_SandboxFidelity::duplicateDetection_onlyWhenAsked_returns412()
{
    // The built-in contact table has the published rule "same first and last name".
    QVERIFY(!createContact({{u"firstname"_s, u"Dora"_s}, {u"lastname"_s, u"Duplicate"_s}}).isEmpty());
    // Off by default on the Web API: the same name again is created.
    QVERIFY(!createContact({{u"firstname"_s, u"Dora"_s}, {u"lastname"_s, u"Duplicate"_s}}).isEmpty());
    // With MSCRM.SuppressDuplicateDetection: false the rule runs (names compare case-insensitively).
    const HttpResult r = api("POST", u"contacts"_s, R"({"firstname":"dora","lastname":"DUPLICATE"})",
                             {{"MSCRM.SuppressDuplicateDetection", "false"}});
    QCOMPARE(r.status, 412);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80040333"_s);
    QCOMPARE(
        r.json()[u"error"][u"message"].toString(),
        u"A record was not created or updated because a duplicate of the current record already exists."_s);
    QCOMPARE(api("GET", u"contacts?$filter=lastname%20eq%20'Duplicate'"_s).json()[u"value"].toArray().size(),
             2);
    // "true" (or any other value) keeps it off.
    QCOMPARE(api("POST", u"contacts"_s, R"({"firstname":"Dora","lastname":"Duplicate"})",
                 {{"MSCRM.SuppressDuplicateDetection", "true"}})
                 .status,
             204);
    // A different name passes the rule.
    QCOMPARE(api("POST", u"contacts"_s, R"({"firstname":"Dana","lastname":"Duplicate"})",
                 {{"MSCRM.SuppressDuplicateDetection", "false"}})
                 .status,
             204);
}

void tst_SandboxFidelity::duplicateDetection_update_andBlankValues()
{
    const QString id = createContact({{u"firstname"_s, u"Ulla"_s}, {u"lastname"_s, u"Update"_s}});
    const QString other = createContact({{u"firstname"_s, u"Uwe"_s}, {u"lastname"_s, u"Update"_s}});
    QVERIFY(!id.isEmpty() && !other.isEmpty());
    // Renaming Uwe to Ulla makes a duplicate: the update is refused and the row keeps its name.
    const HttpResult r = api("PATCH", u"contacts(%1)"_s.arg(other), R"({"firstname":"Ulla"})",
                             {{"MSCRM.SuppressDuplicateDetection", "false"}, {"If-Match", "*"}});
    QCOMPARE(r.status, 412);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80040333"_s);
    QCOMPARE(api("GET", u"contacts(%1)?$select=firstname"_s.arg(other)).json()[u"firstname"].toString(),
             u"Uwe"_s);
    // Updating a row without touching the rule's columns compares it with the others, not with itself.
    QCOMPARE(api("PATCH", u"contacts(%1)"_s.arg(id), R"({"jobtitle":"Tester"})",
                 {{"MSCRM.SuppressDuplicateDetection", "false"}, {"If-Match", "*"}})
                 .status,
             204);
    // Blank values never match: two contacts with only a last name are not duplicates.
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"Blank"})", {{"MSCRM.SuppressDuplicateDetection", "false"}})
            .status,
        204);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"Blank"})", {{"MSCRM.SuppressDuplicateDetection", "false"}})
            .status,
        204);
}

// ---- §3 key index lifecycle

void tst_SandboxFidelity::keyLifecycle_pendingKey_refusedUntilActive()
{
    const QString org = pendingEmailKeyOrg();
    QVERIFY(!org.isEmpty());
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--org"_s, org}));

    // Metadata shows the status.
    const HttpResult keys =
        api("GET", u"EntityDefinitions(LogicalName='contact')/Keys?$select=SchemaName,EntityKeyIndexStatus"_s,
            {}, {}, &sandbox);
    QCOMPARE(keys.status, 200);
    QCOMPARE(keys.json()[u"value"][0][u"EntityKeyIndexStatus"].toString(), u"Pending"_s);

    // Writes through the key are refused with the reason; uniqueness is not enforced without an index.
    const HttpResult upsert = api("PATCH", u"contacts(emailaddress1='pending@example.com')"_s,
                                  R"({"lastname":"Pending"})", {}, &sandbox);
    QCOMPARE(upsert.status, 400);
    const QString message = upsert.json()[u"error"][u"message"].toString();
    QVERIFY2(
        message.startsWith(
            u"The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.contact'."_s) &&
            message.contains(u"'new_EmailKey' of 'contact' has EntityKeyIndexStatus Pending"_s),
        qPrintable(message));
    QCOMPARE(api("GET", u"contacts(emailaddress1='pending@example.com')"_s, {}, {}, &sandbox).status, 400);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"A","emailaddress1":"same@example.com"})", {}, &sandbox)
            .status,
        204);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"B","emailaddress1":"other@example.com"})", {}, &sandbox)
            .status,
        204);
    QCOMPARE(api("POST", u"contacts"_s, R"({"lastname":"C","emailaddress1":"dup@example.com"})", {}, &sandbox)
                 .status,
             204);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"D","emailaddress1":"dup2@example.com"})", {}, &sandbox)
            .status,
        204);

    // The service's index job: Pending → InProgress (still refused) → Active.
    HttpResult moved = admin(sandbox, "POST", u"/_sandbox/keys"_s,
                             R"({"table":"contact","key":"new_EmailKey","status":"InProgress"})");
    QCOMPARE(moved.status, 200);
    QCOMPARE(moved.json()[u"status"].toString(), u"InProgress"_s);
    QCOMPARE(api("GET", u"contacts(emailaddress1='same@example.com')"_s, {}, {}, &sandbox).status, 400);
    moved = admin(sandbox, "POST", u"/_sandbox/keys"_s, R"({"table":"contact","key":"new_EmailKey"})");
    QCOMPARE(moved.json()[u"status"].toString(), u"Active"_s);
    QCOMPARE(api("GET", u"EntityDefinitions(LogicalName='contact')/Keys?$select=EntityKeyIndexStatus"_s, {},
                 {}, &sandbox)
                 .json()[u"value"][0][u"EntityKeyIndexStatus"]
                 .toString(),
             u"Active"_s);
    // Now the key addresses rows (the index was built from the existing rows) and enforces uniqueness.
    const HttpResult row =
        api("GET", u"contacts(emailaddress1='same@example.com')?$select=lastname"_s, {}, {}, &sandbox);
    QCOMPARE(row.status, 200);
    QCOMPARE(row.json()[u"lastname"].toString(), u"A"_s);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"E","emailaddress1":"SAME@example.com"})", {}, &sandbox)
            .status,
        412);
    QCOMPARE(api("PATCH", u"contacts(emailaddress1='pending@example.com')"_s, R"({"lastname":"Pending"})", {},
                 &sandbox)
                 .status,
             204);
    const HttpResult list = admin(sandbox, "GET", u"/_sandbox/keys"_s);
    QVERIFY(list.json()[u"keys"].toArray().contains(
        QJsonObject{{u"table"_s, u"contact"_s}, {u"key"_s, u"new_EmailKey"_s}, {u"status"_s, u"Active"_s}}));
}

void tst_SandboxFidelity::keyLifecycle_activationWithDuplicateRows_fails()
{
    const QString org = pendingEmailKeyOrg();
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--org"_s, org}));
    // Without an index two rows may share the value (case-insensitively, as SQL compares)...
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"A","emailaddress1":"twin@example.com"})", {}, &sandbox)
            .status,
        204);
    QCOMPARE(
        api("POST", u"contacts"_s, R"({"lastname":"B","emailaddress1":"Twin@example.com"})", {}, &sandbox)
            .status,
        204);
    // ...so building the index fails, and the key stays unusable with the reason.
    const HttpResult moved =
        admin(sandbox, "POST", u"/_sandbox/keys"_s, R"({"table":"contact","key":"new_emailkey"})");
    QCOMPARE(moved.status, 200);
    QCOMPARE(moved.json()[u"status"].toString(), u"Failed"_s);
    const HttpResult r = api("GET", u"contacts(emailaddress1='twin@example.com')"_s, {}, {}, &sandbox);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.json()[u"error"][u"message"].toString().contains(u"EntityKeyIndexStatus Failed"_s),
             r.body.constData());
    QCOMPARE(api("GET", u"EntityDefinitions(LogicalName='contact')/Keys?$select=EntityKeyIndexStatus"_s, {},
                 {}, &sandbox)
                 .json()[u"value"][0][u"EntityKeyIndexStatus"]
                 .toString(),
             u"Failed"_s);
    // Fix the rows, then reactivate: Active.
    const QString second = QString::fromUtf8(
        api("GET", u"contacts?$filter=lastname%20eq%20'B'&$select=contactid"_s, {}, {}, &sandbox).body);
    const QString id = QJsonDocument::fromJson(second.toUtf8())[u"value"][0][u"contactid"].toString();
    QCOMPARE(api("PATCH", u"contacts(%1)"_s.arg(id), R"({"emailaddress1":"b@example.com"})",
                 {{"If-Match", "*"}}, &sandbox)
                 .status,
             204);
    QCOMPARE(admin(sandbox, "POST", u"/_sandbox/keys"_s, R"({"table":"contact","key":"new_EmailKey"})")
                 .json()[u"status"]
                 .toString(),
             u"Active"_s);
    QCOMPARE(api("GET", u"contacts(emailaddress1='twin@example.com')"_s, {}, {}, &sandbox).status, 200);
}

void tst_SandboxFidelity::keyLifecycle_badAdminRequests_return400()
{
    QCOMPARE(admin(m_sandbox, "POST", u"/_sandbox/keys"_s, R"({"table":"nope","key":"x"})").status, 400);
    QCOMPARE(admin(m_sandbox, "POST", u"/_sandbox/keys"_s, R"({"table":"contact","key":"x"})").status, 400);
    QCOMPARE(admin(m_sandbox, "POST", u"/_sandbox/keys"_s,
                   R"({"table":"contact","key":"new_EmailKey","status":"Sleeping"})")
                 .status,
             400);
    QCOMPARE(admin(m_sandbox, "DELETE", u"/_sandbox/keys"_s).status, 405);
    // The built-in org's keys are Active.
    const QJsonArray keys = admin(m_sandbox, "GET", u"/_sandbox/keys"_s).json()[u"keys"].toArray();
    QVERIFY(!keys.isEmpty());
    for (const QJsonValue &k : keys)
        QCOMPARE(k[u"status"].toString(), u"Active"_s);
}

// ---- §4 collection-valued navigation properties

void tst_SandboxFidelity::collectionRef_associateListDisassociate()
{
    const HttpResult account = api("POST", u"accounts"_s, R"({"name":"Ref Parent"})");
    QCOMPARE(account.status, 204);
    const QString accountUrl = QString::fromUtf8(account.header("OData-EntityId"));
    const QString accountId = accountUrl.mid(accountUrl.lastIndexOf(u'(') + 1).chopped(1);
    const QString first = createContact({{u"lastname"_s, u"Ref One"_s}});
    const QString second = createContact({{u"lastname"_s, u"Ref Two"_s}});
    const QString nav = u"accounts(%1)/contact_customer_accounts"_s.arg(accountId);

    // Associate by absolute URL and by a service-root-relative one.
    QCOMPARE(api("POST", nav + u"/$ref"_s,
                 QJsonDocument(QJsonObject{{u"@odata.id"_s, QString(m_sandbox.webApiUrl().toString() +
                                                                    u"contacts("_s + first + u')')}})
                     .toJson(QJsonDocument::Compact))
                 .status,
             204);
    QCOMPARE(
        api("POST", nav + u"/$ref"_s, QString(u"{\"@odata.id\":\"contacts("_s + second + u")\"}"_s).toUtf8())
            .status,
        204);
    // The contacts' lookup now points at the account.
    const HttpResult one = api("GET", u"contacts(%1)?$select=_parentcustomerid_value"_s.arg(first));
    QCOMPARE(one.json()[u"_parentcustomerid_value"].toString(), accountId);
    // GET .../$ref lists the references.
    const HttpResult refs = api("GET", nav + u"/$ref"_s);
    QCOMPARE(refs.status, 200);
    QVERIFY(refs.json()[u"@odata.context"].toString().endsWith(u"$metadata#Collection($ref)"_s));
    QCOMPARE(refs.json()[u"value"].toArray().size(), 2);
    QVERIFY(refs.json()[u"value"][0][u"@odata.id"].toString().endsWith(u"contacts("_s + first + u')'));

    // Disassociate by key segment and by $id.
    QCOMPARE(api("DELETE", nav + u"("_s + first + u")/$ref"_s).status, 204);
    QVERIFY(api("GET", u"contacts(%1)?$select=_parentcustomerid_value"_s.arg(first))
                .json()[u"_parentcustomerid_value"]
                .isNull());
    QCOMPARE(api("DELETE", nav + u"/$ref?$id="_s +
                               QString::fromLatin1(QUrl::toPercentEncoding(m_sandbox.webApiUrl().toString() +
                                                                           u"contacts("_s + second + u')')))
                 .status,
             204);
    QCOMPARE(api("GET", nav + u"/$ref"_s).json()[u"value"].toArray().size(), 0);
    // A contact that belongs to another account is left alone by a disassociate through this one.
    const HttpResult other = api("POST", u"accounts"_s, R"({"name":"Ref Other"})");
    const QString otherUrl = QString::fromUtf8(other.header("OData-EntityId"));
    QCOMPARE(api("PATCH", u"contacts(%1)"_s.arg(first),
                 QString(u"{\"parentcustomerid_account@odata.bind\":\"/accounts("_s +
                         otherUrl.mid(otherUrl.lastIndexOf(u'(') + 1).chopped(1) + u")\"}"_s)
                     .toUtf8(),
                 {{"If-Match", "*"}})
                 .status,
             204);
    QCOMPARE(api("DELETE", nav + u"("_s + first + u")/$ref"_s).status, 204);
    QVERIFY(!api("GET", u"contacts(%1)?$select=_parentcustomerid_value"_s.arg(first))
                 .json()[u"_parentcustomerid_value"]
                 .isNull());
}

void tst_SandboxFidelity::collectionRef_errors()
{
    const HttpResult account = api("POST", u"accounts"_s, R"({"name":"Ref Errors"})");
    const QString accountUrl = QString::fromUtf8(account.header("OData-EntityId"));
    const QString nav = u"accounts(%1)/contact_customer_accounts/$ref"_s.arg(
        accountUrl.mid(accountUrl.lastIndexOf(u'(') + 1).chopped(1));
    // A row of the wrong table, no body, a missing row, a method the collection does not take.
    const HttpResult wrongTable =
        api("POST", nav, QString(u"{\"@odata.id\":\""_s + accountUrl + u"\"}"_s).toUtf8());
    QCOMPARE(wrongTable.status, 400);
    QCOMPARE(wrongTable.json()[u"error"][u"code"].toString(), u"0x80048d19"_s);
    QCOMPARE(api("POST", nav, "{}").status, 400);
    const QByteArray missing = R"x({"@odata.id":"contacts(00000000-0000-0000-0000-00000000abcd)"})x";
    QCOMPARE(api("POST", nav, missing).status, 404);
    QCOMPARE(api("PUT", nav, missing).status, 405);
    QCOMPARE(api("DELETE", nav).status, 400); // which row?
    QCOMPARE(
        api("GET", u"accounts(00000000-0000-0000-0000-00000000abcd)/contact_customer_accounts/$ref"_s).status,
        404);
}

// ---- §6 $batch LF-only workaround

void tst_SandboxFidelity::batch_lfOnlyWithTwoExtraNewlines_isAccepted()
{
    QByteArray body = batchMultipart(
        "batch_lf", {batchPart("POST", "/api/data/v9.2/accounts", R"({"name":"LF workaround"})")});
    body.replace("\r\n", "\n");
    const auto batch = [&](const QByteArray &b) {
        return api("POST", u"$batch"_s, b, {{"Content-Type", "multipart/mixed; boundary=batch_lf"}});
    };
    // LF only, ending with the closing line: still 400 (tst_sandboxbatch covers the message).
    const HttpResult plain = batch(body);
    QCOMPARE(plain.status, 400);
    QVERIFY2(plain.body.contains("Stream was not readable"), plain.body.constData());
    // The documented workaround: two extra newlines at the end make the body readable.
    const HttpResult r = batch(body + "\n\n");
    QVERIFY2(r.status == 200, r.body.constData());
    QVERIFY2(r.body.contains("HTTP/1.1 204"), r.body.constData());
    QCOMPARE(
        api("GET", u"accounts?$filter=name%20eq%20'LF%20workaround'"_s).json()[u"value"].toArray().size(), 1);
}

// ---- §7 bulk messages per table, BulkDelete

void tst_SandboxFidelity::bulk_tableWithoutBulkMessages_isRefused()
{
    // systemuser has no bulk messages in the built-in org (BulkMessages: []), contact has both.
    const HttpResult r =
        api("POST", u"systemusers/Microsoft.Dynamics.CRM.CreateMultiple"_s,
            R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","domainname":"x@y"}]})");
    QCOMPARE(r.status, 400);
    QCOMPARE(
        r.json()[u"error"][u"message"].toString(),
        u"The 'CreateMultiple' method does not support entities of type 'systemuser'. MessageProcessorCache "
        u"returned MessageProcessor.Empty."_s);
    QCOMPARE(api("POST", u"systemusers/Microsoft.Dynamics.CRM.UpsertMultiple"_s, R"({"Targets":[]})").status,
             400);
    // sdkmessagefilters says the same (FACTS §7's support query).
    const auto supported = [&](const QString &message, const QString &table) {
        return !api("GET",
                    u"sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name%20eq%20'"_s +
                        message + u"'%20and%20primaryobjecttypecode%20eq%20'"_s + table + u'\'')
                    .json()[u"value"]
                    .toArray()
                    .isEmpty();
    };
    QVERIFY(!supported(u"CreateMultiple"_s, u"systemuser"_s));
    QVERIFY(!supported(u"UpdateMultiple"_s, u"team"_s));
    QVERIFY(supported(u"CreateMultiple"_s, u"contact"_s));
    QVERIFY(supported(u"UpdateMultiple"_s, u"list"_s));
    QVERIFY(!supported(u"CreateMultiple"_s, u"listmember"_s)); // intersect
    QCOMPARE(api("POST", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
                 R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"Bulk ok"}]})")
                 .status,
             200);
}

void tst_SandboxFidelity::bulkDelete_createsJobThatDeletesMatchingRows()
{
    for (int i = 0; i < 3; ++i)
        QVERIFY(!createContact({{u"lastname"_s, u"Doomed"_s}, {u"firstname"_s, u"D%1"_s.arg(i)}}).isEmpty());
    QVERIFY(!createContact({{u"lastname"_s, u"Spared"_s}}).isEmpty());
    const QByteArray body = R"({
        "QuerySet": [{"EntityName": "contact", "ColumnSet": {"AllColumns": false, "Columns": []},
                      "Criteria": {"FilterOperator": "And", "Conditions": [
                          {"AttributeName": "lastname", "Operator": "Equal",
                           "Values": [{"Value": "Doomed", "Type": "System.String"}]}]}}],
        "JobName": "Delete the doomed", "SendEmailNotification": false, "ToRecipients": [], "CCRecipients": [],
        "RecurrencePattern": "", "StartDateTime": "2026-12-05T00:00:00Z"})";
    const HttpResult r = api("POST", u"BulkDelete"_s, body);
    QCOMPARE(r.status, 200);
    QVERIFY(r.json()[u"@odata.context"].toString().endsWith(
        u"$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse"_s));
    const QString jobId = r.json()[u"JobId"].toString();
    QVERIFY(!QUuid::fromString(jobId).isNull());
    // The job is an asyncoperation; poll it until Completed, as a client would.
    const QString jobPath =
        u"asyncoperations(%1)?$select=name,operationtype,statecode,statuscode,message"_s.arg(jobId);
    QTRY_COMPARE_WITH_TIMEOUT(api("GET", jobPath).json()[u"statecode"].toInt(), 3, 10000);
    const QJsonObject job = api("GET", jobPath).json().object();
    QCOMPARE(job[u"name"].toString(), u"Delete the doomed"_s);
    QCOMPARE(job[u"operationtype"].toInt(), 13);
    QCOMPARE(job[u"statuscode"].toInt(), 30);
    QCOMPARE(job[u"message"].toString(), u"3 record(s) deleted."_s);
    QCOMPARE(api("GET", u"contacts?$filter=lastname%20eq%20'Doomed'"_s).json()[u"value"].toArray().size(), 0);
    QCOMPARE(api("GET", u"contacts?$filter=lastname%20eq%20'Spared'"_s).json()[u"value"].toArray().size(), 1);
}

void tst_SandboxFidelity::bulkDelete_badRequests()
{
    QCOMPARE(api("POST", u"BulkDelete"_s, R"({"JobName":"nothing"})").status, 400);
    QCOMPARE(api("POST", u"BulkDelete"_s, R"({"QuerySet":[{"EntityName":"nope"}]})").status, 400);
    const HttpResult badColumn = api(
        "POST", u"BulkDelete"_s,
        R"({"QuerySet":[{"EntityName":"contact","Criteria":{"Conditions":[{"AttributeName":"nope","Operator":"Equal","Values":["x"]}]}}]})");
    QCOMPARE(badColumn.status, 400);
    QVERIFY(
        badColumn.json()[u"error"][u"message"].toString().contains(u"'nope' is not a column of 'contact'"_s));
    QCOMPARE(
        api("POST", u"BulkDelete"_s,
            R"({"QuerySet":[{"EntityName":"contact","Criteria":{"Conditions":[{"AttributeName":"lastname","Operator":"Like","Values":["x%"]}]}}]})")
            .status,
        400);
    QCOMPARE(api("GET", u"BulkDelete"_s).status, 404); // an action answers POST only
}

// ---- what Microsoft's Python SDK sent

void tst_SandboxFidelity::metadata_filterOnIsPrivate()
{
    const HttpResult r = api(
        "GET",
        u"EntityDefinitions?$select=LogicalName,IsPrivate&$filter=IsPrivate%20eq%20false%20and%20LogicalName%20eq%20'contact'"_s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[u"value"].toArray().size(), 1);
    QCOMPARE(r.json()[u"value"][0][u"IsPrivate"].toBool(true), false);
    QCOMPARE(api("GET", u"EntityDefinitions?$select=LogicalName&$filter=IsPrivate%20eq%20true"_s)
                 .json()[u"value"]
                 .toArray()
                 .size(),
             0);
}

void tst_SandboxFidelity::filter_inWithDoubleQuotedValuesAndAliases()
{
    QVERIFY(!createContact({{u"lastname"_s, u"O'Brian"_s}}).isEmpty());
    QVERIFY(!createContact({{u"lastname"_s, u"OBryan"_s}}).isEmpty());
    QVERIFY(!createContact({{u"lastname"_s, u"Other"_s}}).isEmpty());
    const auto count = [&](const QString &query) {
        const HttpResult r = api("GET", u"contacts?$select=lastname&"_s + query);
        return r.status == 200 ? int(r.json()[u"value"].toArray().size()) : -r.status;
    };
    const auto enc = [](const QString &s) { return QString::fromLatin1(QUrl::toPercentEncoding(s)); };
    // The "Filter rows" page's form: parameter aliases, values as a JSON array of double-quoted strings.
    QCOMPARE(count(u"$filter="_s + enc(u"Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)"_s) +
                   u"&@p1="_s + enc(u"'lastname'"_s) + u"&@p2="_s +
                   enc(u"[\"OBrian\",\"OBryan\",\"O'Brian\"]"_s)),
             2);
    // Inline double-quoted values, and the single-quoted OData form, still work.
    QCOMPARE(
        count(
            u"$filter="_s +
            enc(u"Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=[\"O'Brian\",\"Other\"])"_s)),
        2);
    QCOMPARE(count(u"$filter="_s +
                   enc(u"Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=['O''Brian'])"_s)),
             1);
    // Number and id columns take their values as strings in PropertyValues (Collection(Edm.String)).
    QCOMPARE(
        count(
            u"$filter="_s +
            enc(u"lastname eq 'Other' and Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=[\"0\",\"1\"])"_s)),
        1);
    // Broken JSON is a 400 that says so.
    const HttpResult bad = api(
        "GET", u"contacts?$filter="_s +
                   enc(u"Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=[\"a\" \"b\"])"_s));
    QCOMPARE(bad.status, 400);
    QVERIFY2(bad.json()[u"error"][u"message"].toString().startsWith(u"Invalid JSON."_s),
             bad.body.constData());
}

// ---- §12 token endpoint

void tst_SandboxFidelity::tokenEndpoint_errorHeadersAndResources_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("aadsts");
    const QString self = u"%1"_s; // replaced by the sandbox's own origin
    QTest::newRow("own org, .default") << self + u"/.default"_s << 200 << 0;
    QTest::newRow("own org, //.default (resource id with trailing slash)")
        << self + u"//.default"_s << 200 << 0;
    QTest::newRow("api host of a Dynamics org")
        << u"https://contoso.api.crm4.dynamics.com/.default"_s << 200 << 0;
    QTest::newRow("GCC High host") << u"https://contoso.crm.microsoftdynamics.us/.default"_s << 200 << 0;
    QTest::newRow("China host") << u"https://contoso.crm.dynamics.cn/.default"_s << 200 << 0;
    QTest::newRow("not Dataverse") << u"https://graph.example.org/.default"_s << 400 << 500011;
    QTest::newRow("user_impersonation with client credentials")
        << self + u"/user_impersonation"_s << 400 << 1002012;
}

void tst_SandboxFidelity::tokenEndpoint_errorHeadersAndResources()
{
    QFETCH(QString, scope);
    QFETCH(int, status);
    QFETCH(int, aadsts);
    const QString origin = m_sandbox.baseUrl().toString();
    QUrlQuery form;
    form.addQueryItem(u"grant_type"_s, u"client_credentials"_s);
    form.addQueryItem(u"client_id"_s, u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s);
    form.addQueryItem(u"client_secret"_s, u"sandbox-client-secret"_s);
    form.addQueryItem(u"scope"_s,
                      QString::fromLatin1(QUrl::toPercentEncoding(QString(scope).replace(u"%1"_s, origin))));
    const HttpResult r = d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/organizations/oauth2/v2.0/token"_s)),
        {{"Content-Type", "application/x-www-form-urlencoded"}}, form.query(QUrl::FullyEncoded).toUtf8());
    QCOMPARE(r.status, status);
    // Success and error alike: no caching.
    QCOMPARE(r.header("Cache-Control"), QByteArray("no-store, no-cache"));
    QCOMPARE(r.header("Pragma"), QByteArray("no-cache"));
    if (status == 200) {
        QVERIFY(!r.json()[u"access_token"].toString().isEmpty());
        return;
    }
    QCOMPARE(r.json()[u"error_codes"][0].toInt(), aadsts);
    // Entra's request id header carries the trace id of the body.
    QCOMPARE(QString::fromLatin1(r.header("x-ms-request-id")), r.json()[u"trace_id"].toString());
}

QTEST_GUILESS_MAIN(tst_SandboxFidelity)
#include "tst_sandboxfidelity.moc"
