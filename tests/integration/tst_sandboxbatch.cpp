// Scenario tests of the sandbox's $batch and bulk messages beyond the vectors (FACTS §6, §7): change-set
// rollback, continue-on-error, strict CRLF, the 1,000-request cap, inner URL forms, change-set rules, bulk
// all-or-nothing, UpsertMultiple duplicates, UpdateMultiple rules and the sdkmessagefilters support query.

#include "common/batchbody.h"
#include "common/sandboxprocess.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::batchChangeSet;
using d365::testsupport::batchMultipart;
using d365::testsupport::batchPart;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

// Status codes of the response parts in order ("HTTP/1.1 204 ..." lines).
QList<int> partStatuses(const QByteArray &body)
{
    QList<int> statuses;
    static const QRegularExpression re(u"\r\nHTTP/1\\.1 (\\d{3}) "_s);
    auto it = re.globalMatch(QString::fromUtf8(body));
    while (it.hasNext())
        statuses.append(it.next().captured(1).toInt());
    return statuses;
}

const QByteArray Api = "/api/data/v9.2/";

} // namespace

class tst_SandboxBatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void batch_failingChangeSet_rollsBackItsEarlierParts();
    void batch_continueOnError_runsEveryPartAndAnswers200();
    void batch_withoutContinueOnError_stopsAtFirstFailure();
    void batch_lfOnlyLineEndings_returns400StreamNotReadable();
    void batch_requestCount_isCappedAt1000_data();
    void batch_requestCount_isCappedAt1000();
    void batch_innerUrlForms_areAccepted_data();
    void batch_innerUrlForms_areAccepted();
    void batch_invalidStructure_returns400_data();
    void batch_invalidStructure_returns400();
    void batch_contentIdInUrl_patchesCreatedRow();
    void bulk_invalidTargets_return400AndWriteNothing_data();
    void bulk_invalidTargets_return400AndWriteNothing();
    void updateMultiple_missingRow_returns404AndRollsBack();
    void upsertMultiple_byPrimaryKeyAndWithoutKey_createsAndUpdates();
    void bulk_getInsteadOfPost_returns404();
    void sdkMessageFilters_tellWhichTablesSupportBulk_data();
    void sdkMessageFilters_tellWhichTablesSupportBulk();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   Headers headers = {});
    HttpResult batch(const QByteArray &body, const QByteArray &boundary = "batch_t", Headers headers = {});
    int count(const QString &entitySet, const QString &filter);

    SandboxProcess m_sandbox;
};

HttpResult tst_SandboxBatch::api(const QByteArray &method, const QString &path, const QByteArray &body,
                                 Headers headers)
{
    headers.append(qMakePair(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer test")));
    return d365::testsupport::request(
        method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()), headers, body);
}

HttpResult tst_SandboxBatch::batch(const QByteArray &body, const QByteArray &boundary, Headers headers)
{
    headers.append({"Content-Type", "multipart/mixed; boundary=" + boundary});
    return api("POST", u"$batch"_s, body, headers);
}

int tst_SandboxBatch::count(const QString &entitySet, const QString &filter)
{
    const HttpResult r =
        api("GET", entitySet + u"?$filter="_s + QString::fromUtf8(QUrl::toPercentEncoding(filter)));
    if (r.status != 200)
        return -1;
    return int(r.json()[u"value"].toArray().size());
}

void tst_SandboxBatch::initTestCase()
{
    QVERIFY(m_sandbox.start());
}

void tst_SandboxBatch::batch_failingChangeSet_rollsBackItsEarlierParts()
{
    const QByteArray cs = batchChangeSet(
        "changeset_rb",
        {batchPart("POST", Api + "contacts", R"({"lastname":"RollbackOne"})", "1"),
         batchPart("POST", Api + "contacts", R"({"lastname":"RollbackTwo"})", "2"),
         batchPart("POST", Api + "contacts", R"({"lastname":")" + QByteArray(60, 'x') + "\"}", "3")});
    const HttpResult r = batch(batchMultipart("batch_t", {cs}));
    QCOMPARE(r.status, 400);
    QCOMPARE(partStatuses(r.body), QList<int>{400});
    QVERIFY(!r.body.contains("changesetresponse_")); // a failed change set answers with its one error
    QVERIFY(r.body.contains("0x80044331"));
    QCOMPARE(count(u"contacts"_s, u"startswith(lastname,'Rollback')"_s), 0);
}

void tst_SandboxBatch::batch_continueOnError_runsEveryPartAndAnswers200()
{
    const QByteArray body = batchMultipart(
        "batch_t", {batchPart("POST", Api + "accounts", R"({"name":"CoE first"})"),
                    batchPart("POST", Api + "accounts", R"({"name":"CoE bad","nosuchcolumn":1})"),
                    batchPart("POST", Api + "accounts", R"({"name":"CoE third"})")});
    const HttpResult r = batch(body, "batch_t", {{"Prefer", "odata.continue-on-error"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(partStatuses(r.body), (QList<int>{204, 400, 204}));
    QCOMPARE(count(u"accounts"_s, u"startswith(name,'CoE ')"_s), 2);
}

void tst_SandboxBatch::batch_withoutContinueOnError_stopsAtFirstFailure()
{
    const QByteArray body = batchMultipart(
        "batch_t", {batchPart("POST", Api + "accounts", R"({"name":"Stop first"})"),
                    batchPart("POST", Api + "accounts", R"({"name":"Stop bad","nosuchcolumn":1})"),
                    batchPart("POST", Api + "accounts", R"({"name":"Stop third"})")});
    const HttpResult r = batch(body);
    QCOMPARE(r.status, 400);
    QCOMPARE(partStatuses(r.body), QList<int>{400});
    // The part before the failure ran and stays committed; the one after never ran.
    QCOMPARE(count(u"accounts"_s, u"name eq 'Stop first'"_s), 1);
    QCOMPARE(count(u"accounts"_s, u"name eq 'Stop third'"_s), 0);
}

void tst_SandboxBatch::batch_lfOnlyLineEndings_returns400StreamNotReadable()
{
    QByteArray body =
        batchMultipart("batch_t", {batchPart("POST", Api + "accounts", R"({"name":"LF only"})")});
    body.replace("\r\n", "\n");
    const HttpResult r = batch(body);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80048d19"_s);
    const QString message = r.json()[u"error"][u"message"].toString();
    QVERIFY2(message.contains(u"Entity :'accounts'"_s) &&
                 message.contains(u"System.ArgumentException: Stream was not readable."_s),
             qPrintable(message));
    QCOMPARE(count(u"accounts"_s, u"name eq 'LF only'"_s), 0);
}

void tst_SandboxBatch::batch_requestCount_isCappedAt1000_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("status");
    QTest::newRow("1000 requests run") << 1000 << 200;
    QTest::newRow("1001 requests refused") << 1001 << 400;
}

void tst_SandboxBatch::batch_requestCount_isCappedAt1000()
{
    QFETCH(int, requests);
    QFETCH(int, status);
    QByteArrayList parts;
    for (int i = 0; i < requests; ++i)
        parts.append(batchPart("GET", Api + "WhoAmI"));
    const HttpResult r = batch(batchMultipart("batch_t", parts));
    QCOMPARE(r.status, status);
    if (status == 200)
        QCOMPARE(partStatuses(r.body).size(), requests);
    else
        QVERIFY(r.json()[u"error"][u"message"].toString().contains(u"1000"_s));
}

void tst_SandboxBatch::batch_innerUrlForms_areAccepted_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("absolute") << u"{origin}/api/data/v9.2/WhoAmI"_s;
    QTest::newRow("server-relative") << u"/api/data/v9.2/WhoAmI"_s;
    QTest::newRow("service-root-relative (tolerated)") << u"WhoAmI"_s;
}

void tst_SandboxBatch::batch_innerUrlForms_areAccepted()
{
    QFETCH(QString, url);
    url.replace(u"{origin}"_s, m_sandbox.baseUrl().toString());
    const HttpResult r = batch(batchMultipart("batch_t", {batchPart("GET", url.toUtf8())}));
    QCOMPARE(r.status, 200);
    QCOMPARE(partStatuses(r.body), QList<int>{200});
    QVERIFY(r.body.contains("\"UserId\""));
}

void tst_SandboxBatch::batch_invalidStructure_returns400_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("messagePart");
    const QByteArray mp = "multipart/mixed; boundary=batch_t";
    QTest::newRow("GET inside a change set")
        << batchMultipart("batch_t", {batchChangeSet("changeset_g", {batchPart("GET", Api + "WhoAmI")})})
        << mp << u"only data-changing requests"_s;
    QTest::newRow("reference to another change set")
        << batchMultipart(
               "batch_t",
               {batchChangeSet("changeset_a",
                               {batchPart("POST", Api + "accounts", R"({"name":"Ref A"})", "1")}),
                batchChangeSet("changeset_b", {batchPart("PATCH", "$1", R"({"name":"Ref B"})", "2")})})
        << mp << u"Content-ID Reference: '$1' does not exist in the batch context."_s;
    QTest::newRow("no boundary") << batchMultipart("batch_t", {batchPart("GET", Api + "WhoAmI")})
                                 << QByteArray("multipart/mixed") << u"boundary=batch_<id>"_s;
    QTest::newRow("JSON batch") << QByteArray(R"({"requests":[]})") << QByteArray("application/json")
                                << u"JSON batches are not supported"_s;
    QTest::newRow("missing closing boundary")
        << QByteArray("--batch_t\r\n" + batchPart("GET", Api + "WhoAmI") + "\r\n") << mp
        << u"closing boundary"_s;
    QTest::newRow("nested batch") << batchMultipart("batch_t", {batchPart("POST", Api + "$batch")}) << mp
                                  << u"cannot contain another $batch"_s;
}

void tst_SandboxBatch::batch_invalidStructure_returns400()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, messagePart);
    const HttpResult r = api("POST", u"$batch"_s, body, {{"Content-Type", contentType}});
    QVERIFY2(r.status == 400 || partStatuses(r.body) == QList<int>{400},
             qPrintable(QString::number(r.status) + QString::fromUtf8(r.body)));
    QVERIFY2(QString::fromUtf8(r.body).contains(messagePart), qPrintable(QString::fromUtf8(r.body)));
    QCOMPARE(count(u"accounts"_s, u"name eq 'Ref A'"_s), 0);
}

void tst_SandboxBatch::batch_contentIdInUrl_patchesCreatedRow()
{
    const QByteArray cs = batchChangeSet(
        "changeset_p",
        {batchPart("POST", Api + "contacts", R"({"firstname":"Dollar","lastname":"One"})", "1"),
         batchPart("PATCH", "$1", R"({"jobtitle":"Patched through $1"})", "2")});
    const HttpResult r = batch(batchMultipart("batch_t", {cs}));
    QCOMPARE(r.status, 200);
    QCOMPARE(partStatuses(r.body), (QList<int>{204, 204}));
    const HttpResult check =
        api("GET", u"contacts?$select=jobtitle&$filter=lastname eq 'One'"_s.replace(u' ', u"%20"_s));
    QCOMPARE(check.json()[u"value"][0][u"jobtitle"].toString(), u"Patched through $1"_s);
}

void tst_SandboxBatch::bulk_invalidTargets_return400AndWriteNothing_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("messagePart");
    const QByteArray type = R"("@odata.type":"Microsoft.Dynamics.CRM.cr5a1_warehouserow")";
    QTest::newRow("CreateMultiple target without @odata.type")
        << u"CreateMultiple"_s
        << QByteArray(R"({"Targets":[{)" + type +
                      R"(,"cr5a1_sourcesystem":"BULK","cr5a1_sourceid":1,"cr5a1_name":"Bulk"},)"
                      R"({"cr5a1_sourcesystem":"BULK","cr5a1_sourceid":2,"cr5a1_name":"Bulk"}]})")
        << u"Targets[1] has no '@odata.type'"_s;
    QTest::newRow("CreateMultiple target of another table")
        << u"CreateMultiple"_s
        << QByteArray(R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"x"}]})")
        << u"takes only"_s;
    QTest::newRow("CreateMultiple without Targets")
        << u"CreateMultiple"_s << QByteArray(R"({"Rows":[]})") << u"{\"Targets\":[...]}"_s;
    QTest::newRow("CreateMultiple second target violates the key")
        << u"CreateMultiple"_s
        << QByteArray(R"({"Targets":[{)" + type +
                      R"(,"cr5a1_sourcesystem":"BULK","cr5a1_sourceid":3,"cr5a1_name":"Bulk"},{)" + type +
                      R"(,"cr5a1_sourcesystem":"bulk","cr5a1_sourceid":3,"cr5a1_name":"Bulk"}]})")
        << u"0x80060892"_s;
    QTest::newRow("UpsertMultiple duplicate keys (case-insensitive)")
        << u"UpsertMultiple"_s
        << QByteArray(
               R"j({"Targets":[{)j" + type +
               R"j(,"@odata.id":"cr5a1_warehouserows(cr5a1_sourcesystem='BULK',cr5a1_sourceid=4)","cr5a1_name":"Bulk"},{)j" +
               type +
               R"j(,"@odata.id":"cr5a1_warehouserows(cr5a1_sourceid=4,cr5a1_sourcesystem='bulk')","cr5a1_name":"Bulk"}]})j")
        << u"Targets[0] and Targets[1] both identify"_s;
    QTest::newRow("UpsertMultiple @odata.id of another set")
        << u"UpsertMultiple"_s
        << QByteArray(R"j({"Targets":[{)j" + type +
                      R"j(,"@odata.id":"contacts(00000000-0000-0000-0000-000000000001)"}]})j")
        << u"must name a row of this table"_s;
    QTest::newRow("UpdateMultiple without primary key")
        << u"UpdateMultiple"_s
        << QByteArray(R"({"Targets":[{)" + type +
                      R"(,"cr5a1_sourcesystem":"BULK","cr5a1_sourceid":5,"cr5a1_name":"Bulk"}]})")
        << u"must carry its primary key"_s;
}

void tst_SandboxBatch::bulk_invalidTargets_return400AndWriteNothing()
{
    QFETCH(QString, message);
    QFETCH(QByteArray, body);
    QFETCH(QString, messagePart);
    const HttpResult r = api("POST", u"cr5a1_warehouserows/Microsoft.Dynamics.CRM."_s + message, body);
    QVERIFY2(r.status == 400 || r.status == 412, qPrintable(QString::number(r.status)));
    QVERIFY2(r.json()[u"error"][u"message"].toString().contains(messagePart) ||
                 r.json()[u"error"][u"code"].toString() == messagePart,
             qPrintable(QString::fromUtf8(r.body)));
    QCOMPARE(count(u"cr5a1_warehouserows"_s, u"cr5a1_sourcesystem eq 'BULK'"_s), 0);
}

void tst_SandboxBatch::updateMultiple_missingRow_returns404AndRollsBack()
{
    const HttpResult created =
        api("POST", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
            R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"UpdMulti"}]})");
    QCOMPARE(created.status, 200);
    const QString id = created.json()[u"Ids"][0].toString();
    const QByteArray body =
        R"({"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","contactid":")" + id.toUtf8() +
        R"(","jobtitle":"Changed"},{"@odata.type":"Microsoft.Dynamics.CRM.contact","contactid":"00000000-0000-0000-0000-0000000000aa","jobtitle":"Changed"}]})";
    const HttpResult r = api("POST", u"contacts/Microsoft.Dynamics.CRM.UpdateMultiple"_s, body);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json()[u"error"][u"message"].toString(),
             u"contact With Ids = 00000000-0000-0000-0000-0000000000aa Do Not Exist"_s);
    const HttpResult row = api("GET", u"contacts(%1)?$select=jobtitle"_s.arg(id));
    QVERIFY(row.json()[u"jobtitle"].isNull()); // the first target's update was rolled back
}

void tst_SandboxBatch::upsertMultiple_byPrimaryKeyAndWithoutKey_createsAndUpdates()
{
    const QString id = u"5b0c1d2e-0000-4000-8000-00000000b001"_s;
    const QByteArray body = R"({"Targets":[)"
                            R"({"@odata.type":"Microsoft.Dynamics.CRM.account","accountid":")" +
                            id.toUtf8() +
                            R"(","name":"Upsert by id"},)"
                            R"({"@odata.type":"Microsoft.Dynamics.CRM.account","name":"Upsert no key"}]})";
    QCOMPARE(api("POST", u"accounts/Microsoft.Dynamics.CRM.UpsertMultiple"_s, body).status, 204);
    QByteArray again = body;
    again.replace("Upsert by id", "Upsert by id, updated");
    QCOMPARE(api("POST", u"accounts/Microsoft.Dynamics.CRM.UpsertMultiple"_s, again).status, 204);
    QCOMPARE(api("GET", u"accounts(%1)?$select=name"_s.arg(id)).json()[u"name"].toString(),
             u"Upsert by id, updated"_s);
    QCOMPARE(count(u"accounts"_s, u"name eq 'Upsert no key'"_s), 2); // no key: created each time
}

void tst_SandboxBatch::bulk_getInsteadOfPost_returns404()
{
    QCOMPARE(api("GET", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s).status, 404);
}

void tst_SandboxBatch::sdkMessageFilters_tellWhichTablesSupportBulk_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("table");
    QTest::addColumn<int>("rows");
    QTest::newRow("CreateMultiple on contact") << u"CreateMultiple"_s << u"contact"_s << 1;
    QTest::newRow("UpdateMultiple on custom table") << u"UpdateMultiple"_s << u"cr5a1_warehouserow"_s << 1;
    QTest::newRow("UpsertMultiple is never listed") << u"UpsertMultiple"_s << u"contact"_s << 0;
    QTest::newRow("intersect table") << u"CreateMultiple"_s << u"cr5a1_contact_warehouserow"_s << 0;
    QTest::newRow("unknown table") << u"CreateMultiple"_s << u"nosuchtable"_s << 0;
}

void tst_SandboxBatch::sdkMessageFilters_tellWhichTablesSupportBulk()
{
    QFETCH(QString, message);
    QFETCH(QString, table);
    QFETCH(int, rows);
    const HttpResult r =
        api("GET", u"sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name%20eq%20'"_s +
                       message + u"'%20and%20primaryobjecttypecode%20eq%20'"_s + table + u"'"_s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[u"value"].toArray().size(), rows);
}

QTEST_GUILESS_MAIN(tst_SandboxBatch)
#include "tst_sandboxbatch.moc"
