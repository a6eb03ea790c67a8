// d365sync-sandbox --data FILE (Issue 3 item 5): rows, ETags, alternate keys and counters survive a restart;
// rolled-back change sets and bulk messages never reach the file; a kill -9 keeps what was flushed, and
// (Issue 10 item 14) every write the sandbox acknowledged with a 2xx, even when the kill comes right after
// the response; foreign, corrupt, newer and locked files are refused with exit code 2 and a message naming
// the file.

#include "common/batchbody.h"
#include "common/sandboxprocess.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <functional>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

const Headers Auth{{"Authorization", "Bearer test"}};

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// Runs `sql` on a closed data file from the test process; returns the first column of every row.
QStringList queryFile(const QString &path, const QString &sql, QString *error = nullptr)
{
    QStringList out;
    const QString name = u"tst_sandboxpersistence"_s;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql)) {
                while (q.next())
                    out.append(q.value(0).toString());
            } else if (error) {
                *error = q.lastError().text();
            }
        } else if (error) {
            *error = db.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

// A row's JSON without @odata.context, which names the server's port (new after each restart).
QJsonObject rowJson(const HttpResult &r)
{
    QJsonObject o = r.json().object();
    o.remove(u"@odata.context"_s);
    return o;
}

QByteArray fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

QByteArray batchPart(const QByteArray &method, const QByteArray &url, const QByteArray &body)
{
    return "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" + method + ' ' +
           url + " HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n" + body;
}

} // namespace

class tst_SandboxPersistence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void restart_keepsCreatedUpdatedUpsertedRowsWithSameETags();
    void restart_deletedRowStaysDeleted();
    void restart_alternateKeysWorkAgain();
    void restart_countersContinue();
    void restart_pagingOrderIsKept();
    void withoutData_restartStartsEmpty();
    void seedRows_goOnlyIntoNewFile();
    void rolledBackChangeSet_neverReachesFile();
    void failedBulkMessage_neverReachesFile();
    void killAfterFlush_keepsFlushedRows();
    void killRightAfterAcknowledgedWrites_keepsEveryWrite();
    void newFile_storesSchemaVersion();
    void badFile_exits2WithMessage_data();
    void badFile_exits2WithMessage();
    void foreignSqliteDatabase_isLeftUnchanged();
    void secondSandboxOnSameFile_exits2Locked();
    void unknownTableAndColumn_areSkippedWithWarning();

private:
    bool start(SandboxProcess &sandbox);
    HttpResult api(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                   const QByteArray &body = {}, Headers headers = Auth);
    QString createContact(SandboxProcess &sandbox, const QJsonObject &values);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_file;
};

void tst_SandboxPersistence::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_file = m_dir->filePath(u"org.db"_s);
}

bool tst_SandboxPersistence::start(SandboxProcess &sandbox)
{
    return sandbox.start({u"--data"_s, m_file});
}

HttpResult tst_SandboxPersistence::api(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                                       const QByteArray &body, Headers headers)
{
    return d365::testsupport::request(method, sandbox.webApiUrl().resolved(QUrl(path)), headers, body);
}

QString tst_SandboxPersistence::createContact(SandboxProcess &sandbox, const QJsonObject &values)
{
    QJsonObject body = values;
    const QString id = body.value(u"contactid"_s).toString(newId());
    body.insert(u"contactid"_s, id);
    const HttpResult r = api(sandbox, "POST", u"contacts"_s, json(body));
    if (r.status != 204)
        qWarning() << "create failed" << r.status << r.body;
    return r.status == 204 ? id : QString();
}

void tst_SandboxPersistence::restart_keepsCreatedUpdatedUpsertedRowsWithSameETags()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString a = createContact(sandbox, {{u"firstname"_s, u"Ada"_s}, {u"lastname"_s, u"Lovelace"_s}});
    QVERIFY(!a.isEmpty());
    QCOMPARE(
        api(sandbox, "PATCH", u"contacts(%1)"_s.arg(a),
            json({{u"jobtitle"_s, u"Analyst"_s},
                  {u"annualincome"_s, 1234.5},
                  {u"birthdate"_s, u"1815-12-10"_s},
                  {u"gendercode"_s, 2},
                  {u"address1_latitude"_s, 47.606209512345},
                  {u"description"_s,
                   u"Quote \" backslash \\ tab \t new line \n \u00dcn\u00efc\u00f8d\u00e9 \U0001F600"_s}}))
            .status,
        204);
    // Upsert by alternate key creates a row with a server-side id.
    QCOMPARE(api(sandbox, "PATCH", u"contacts(emailaddress1='grace@example.com')"_s,
                 json({{u"firstname"_s, u"Grace"_s}, {u"lastname"_s, u"Hopper"_s}}))
                 .status,
             204);
    const HttpResult beforeA = api(sandbox, "GET", u"contacts(%1)"_s.arg(a));
    const HttpResult beforeC = api(sandbox, "GET", u"contacts(emailaddress1='grace@example.com')"_s);
    QCOMPARE(beforeA.status, 200);
    QCOMPARE(beforeC.status, 200);

    sandbox.stop(); // SIGTERM: clean shutdown flushes
    QCOMPARE(sandbox.exitCode(), 0);
    QVERIFY(start(sandbox));

    const HttpResult afterA = api(sandbox, "GET", u"contacts(%1)"_s.arg(a));
    const HttpResult afterC = api(sandbox, "GET", u"contacts(emailaddress1='grace@example.com')"_s);
    QCOMPARE(afterA.status, 200);
    QCOMPARE(afterC.status, 200);
    QCOMPARE(afterA.header("ETag"), beforeA.header("ETag"));
    QCOMPARE(afterC.header("ETag"), beforeC.header("ETag"));
    QCOMPARE(rowJson(afterA), rowJson(beforeA));
    QCOMPARE(rowJson(afterC), rowJson(beforeC));
    QCOMPARE(afterA.json()[u"jobtitle"_s].toString(), u"Analyst"_s);
    QCOMPARE(afterA.json()[u"annualincome"_s].toDouble(), 1234.5);
    QCOMPARE(afterA.json()[u"birthdate"_s].toString(), u"1815-12-10"_s);
    QCOMPARE(afterA.json()[u"address1_latitude"_s].toDouble(), 47.606209512345);
    QVERIFY(afterA.json()[u"description"_s].toString().endsWith(u"\U0001F600"_s));
    // The unchanged row answers a conditional GET with 304, as before the restart.
    Headers conditional = Auth;
    conditional.append({"If-None-Match", beforeA.header("ETag")});
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(a), {}, conditional).status, 304);
}

void tst_SandboxPersistence::restart_deletedRowStaysDeleted()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString b = createContact(sandbox, {{u"lastname"_s, u"Gone"_s}});
    QVERIFY(!b.isEmpty());
    // The row is in the file (acknowledged writes are: it survives a kill), so the delete must remove it
    // there.
    sandbox.kill();
    QVERIFY(start(sandbox));
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(b)).status, 200);
    QCOMPARE(api(sandbox, "DELETE", u"contacts(%1)"_s.arg(b)).status, 204);
    sandbox.stop();
    QVERIFY(start(sandbox));
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(b)).status, 404);
    sandbox.stop();
    QCOMPARE(queryFile(m_file, u"SELECT count(*) FROM sandbox_rows WHERE id = '%1'"_s.arg(b)),
             QStringList{u"0"_s});
}

void tst_SandboxPersistence::restart_alternateKeysWorkAgain()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString id =
        createContact(sandbox, {{u"lastname"_s, u"Keyed"_s}, {u"emailaddress1"_s, u"Keyed@Example.com"_s}});
    QVERIFY(!id.isEmpty());
    sandbox.stop();
    QVERIFY(start(sandbox));

    // Lookup by key (case-insensitive like SQL collation), upsert by key updates, duplicate key refused.
    const HttpResult byKey =
        api(sandbox, "GET", u"contacts(emailaddress1='keyed@example.com')?$select=contactid"_s);
    QCOMPARE(byKey.status, 200);
    QCOMPARE(byKey.json()[u"contactid"_s].toString(), id);
    QCOMPARE(api(sandbox, "PATCH", u"contacts(emailaddress1='keyed@example.com')"_s,
                 json({{u"firstname"_s, u"Updated"_s}}))
                 .status,
             204);
    const HttpResult count = api(sandbox, "GET", u"contacts?$select=contactid&$count=true"_s);
    QCOMPARE(count.json()[u"@odata.count"_s].toInt(), 1);
    QCOMPARE(
        api(sandbox, "GET", u"contacts(%1)?$select=firstname"_s.arg(id)).json()[u"firstname"_s].toString(),
        u"Updated"_s);
    const HttpResult duplicate =
        api(sandbox, "POST", u"contacts"_s,
            json({{u"lastname"_s, u"Dup"_s}, {u"emailaddress1"_s, u"keyed@example.com"_s}}));
    QCOMPARE(duplicate.status, 412);
    // A lookup bind by alternate key finds the reloaded row.
    const HttpResult bound =
        api(sandbox, "POST", u"accounts"_s,
            json({{u"name"_s, u"Bound"_s},
                  {u"primarycontactid@odata.bind"_s, u"/contacts(emailaddress1='keyed@example.com')"_s}}));
    QCOMPARE(bound.status, 204);
}

void tst_SandboxPersistence::restart_countersContinue()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString contact = createContact(sandbox, {{u"lastname"_s, u"Customer"_s}});
    QVERIFY(!contact.isEmpty());
    const QJsonObject incident{{u"title"_s, u"Broken"_s},
                               {u"customerid_contact@odata.bind"_s, u"/contacts(%1)"_s.arg(contact)}};
    HttpResult r = api(sandbox, "POST", u"incidents?$select=ticketnumber,versionnumber"_s, json(incident),
                       Auth + Headers{{"Prefer", "return=representation"}});
    QCOMPARE(r.status, 201);
    const QString ticketBefore = r.json()[u"ticketnumber"_s].toString();
    const qint64 versionBefore = qint64(r.json()[u"versionnumber"_s].toDouble());
    sandbox.stop();
    QVERIFY(start(sandbox));
    r = api(sandbox, "POST", u"incidents?$select=ticketnumber,versionnumber"_s, json(incident),
            Auth + Headers{{"Prefer", "return=representation"}});
    QCOMPARE(r.status, 201);
    const QString ticketAfter = r.json()[u"ticketnumber"_s].toString();
    QVERIFY2(ticketAfter > ticketBefore, qPrintable(ticketBefore + u" then "_s + ticketAfter));
    QVERIFY(qint64(r.json()[u"versionnumber"_s].toDouble()) > versionBefore);
}

void tst_SandboxPersistence::restart_pagingOrderIsKept()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    QStringList ids;
    for (int i = 0; i < 5; ++i)
        ids.append(createContact(sandbox, {{u"lastname"_s, u"Row%1"_s.arg(i)}}));
    // Updating the first row must not move it (paging is by insertion order).
    QCOMPARE(api(sandbox, "PATCH", u"contacts(%1)"_s.arg(ids[0]), json({{u"firstname"_s, u"X"_s}})).status,
             204);
    sandbox.stop();
    QVERIFY(start(sandbox));
    const HttpResult r = api(sandbox, "GET", u"contacts?$select=contactid"_s);
    QCOMPARE(r.status, 200);
    QStringList order;
    for (const QJsonValue &v : r.json()[u"value"_s].toArray())
        order.append(v[u"contactid"_s].toString());
    QCOMPARE(order, ids);
}

void tst_SandboxPersistence::withoutData_restartStartsEmpty()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start());
    const QString id = createContact(sandbox, {{u"lastname"_s, u"Volatile"_s}});
    QVERIFY(!id.isEmpty());
    sandbox.stop();
    QVERIFY(sandbox.start());
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(id)).status, 404);
}

void tst_SandboxPersistence::seedRows_goOnlyIntoNewFile()
{
    const QString usd = u"transactioncurrencies(5e28e81e-a8f6-ef11-335b-000d3a4e5af5)"_s;
    const QString team = u"teams(b4f1d2c3-8e7a-4b6d-9c5e-0a1f2e3d4c5b)"_s;
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    QCOMPARE(api(sandbox, "GET", usd).json()[u"currencyname"_s].toString(), u"US Dollar"_s);
    QCOMPARE(api(sandbox, "PATCH", usd, json({{u"currencyname"_s, u"Greenback"_s}})).status, 204);
    QCOMPARE(api(sandbox, "DELETE", team).status, 204);
    sandbox.stop();
    QVERIFY(start(sandbox));
    // The data file's rows replace the seed rows: the change and the delete survive.
    QCOMPARE(api(sandbox, "GET", usd).json()[u"currencyname"_s].toString(), u"Greenback"_s);
    QCOMPARE(api(sandbox, "GET", team).status, 404);
}

void tst_SandboxPersistence::rolledBackChangeSet_neverReachesFile()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString kept = newId();
    const QString rolledBack = newId();
    const QByteArray changeSet =
        "--changeset_1\r\n" +
        batchPart("POST", "/api/data/v9.2/contacts",
                  json({{u"contactid"_s, rolledBack}, {u"lastname"_s, u"RolledBack"_s}})) +
        "\r\n--changeset_1\r\n" +
        batchPart("POST", "/api/data/v9.2/contacts", json({{u"nosuchcolumn"_s, 1}})) +
        "\r\n--changeset_1--\r\n";
    const QByteArray body = "--batch_1\r\n" +
                            batchPart("POST", "/api/data/v9.2/contacts",
                                      json({{u"contactid"_s, kept}, {u"lastname"_s, u"Kept"_s}})) +
                            "\r\n--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n" +
                            changeSet + "\r\n--batch_1--\r\n";
    const HttpResult r = api(sandbox, "POST", u"$batch"_s, body,
                             Auth + Headers{{"Content-Type", "multipart/mixed; boundary=batch_1"}});
    QCOMPARE(r.status, 400); // the change set failed; the independent part before it stays committed
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(rolledBack)).status, 404);
    QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(kept)).status, 200);
    sandbox.stop();
    QCOMPARE(queryFile(m_file, u"SELECT id FROM sandbox_rows WHERE tablename = 'contact' ORDER BY id"_s),
             QStringList{kept});
}

void tst_SandboxPersistence::failedBulkMessage_neverReachesFile()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString first = newId();
    const QJsonArray targets{
        QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                    {u"contactid"_s, first},
                    {u"lastname"_s, u"First"_s}},
        QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s}, {u"nosuchcolumn"_s, 1}}};
    const HttpResult r = api(sandbox, "POST", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
                             json({{u"Targets"_s, targets}}));
    QCOMPARE(r.status, 400);
    // Writes reach the file in the order they were made: once a later acknowledged write is there, anything
    // the refused request might have left would be there too.
    const QString marker = createContact(sandbox, {{u"lastname"_s, u"Marker"_s}});
    QVERIFY(!marker.isEmpty());
    sandbox.kill();
    QCOMPARE(queryFile(m_file, u"SELECT id FROM sandbox_rows WHERE tablename = 'contact'"_s),
             QStringList{marker});
}

void tst_SandboxPersistence::killAfterFlush_keepsFlushedRows()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    QStringList ids;
    for (int i = 0; i < 3; ++i)
        ids.append(createContact(sandbox, {{u"lastname"_s, u"Durable%1"_s.arg(i)}}));
    const QString etag = QString::fromUtf8(api(sandbox, "GET", u"contacts(%1)"_s.arg(ids[2])).header("ETag"));
    // No waiting: each create was in the file before its 2xx left the sandbox.
    sandbox.kill(); // SIGKILL: no shutdown flush
    QVERIFY(start(sandbox));
    for (const QString &id : std::as_const(ids))
        QCOMPARE(api(sandbox, "GET", u"contacts(%1)"_s.arg(id)).status, 200);
    QCOMPARE(QString::fromUtf8(api(sandbox, "GET", u"contacts(%1)"_s.arg(ids[2])).header("ETag")), etag);
}

// Issue 10 item 14: a write answered 2xx must survive a kill -9 that comes the moment the answer arrived.
// Twenty rounds of single writes, a $batch (an independent part and a change set), an UpsertMultiple and a
// CreateMultiple, each round ending with a different kind of write; after each kill the sandbox restarts on
// the same file and every acknowledged write of the round must be there (and the deleted row gone).
void tst_SandboxPersistence::killRightAfterAcknowledgedWrites_keepsEveryWrite()
{
    constexpr int Rounds = 20;
    struct Expectation
    {
        QString path;
        int status = 200;
        QString column; // checked when status is 200
        QJsonValue value;
    };
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    for (int round = 0; round < Rounds; ++round) {
        QList<Expectation> expected;
        int writes = 0;
        // Every write must be acknowledged with a 2xx; a failure stops the test at once.
        const auto write = [&](const QByteArray &method, const QString &path, const QByteArray &body,
                               Headers headers = Auth) {
            const HttpResult r = api(sandbox, method, path, body, headers);
            ++writes;
            if (r.status < 200 || r.status > 299)
                qWarning().noquote() << method << path << "->" << r.status << r.error << r.body.left(300);
            return r.status >= 200 && r.status <= 299;
        };
        const QString tag = u"R%1"_s.arg(round);
        const QString a = newId();
        QVERIFY(write("POST", u"contacts"_s,
                      json({{u"contactid"_s, a}, {u"lastname"_s, QString(tag + u"-A"_s)}})));
        expected.append({u"contacts(%1)"_s.arg(a), 200, u"lastname"_s, QString(tag + u"-A"_s)});

        // The other writes, rotated so that each kind of write is the last one before the kill in some round.
        QList<std::function<bool()>> ops;
        ops.append([&] { // update
            expected.append({u"contacts(%1)"_s.arg(a), 200, u"jobtitle"_s, QString(tag + u"-job"_s)});
            return write("PATCH", u"contacts(%1)"_s.arg(a),
                         json({{u"jobtitle"_s, QString(tag + u"-job"_s)}}));
        });
        ops.append([&] { // upsert that creates
            const QString b = newId();
            expected.append({u"contacts(%1)"_s.arg(b), 200, u"lastname"_s, QString(tag + u"-B"_s)});
            return write("PATCH", u"contacts(%1)"_s.arg(b), json({{u"lastname"_s, QString(tag + u"-B"_s)}}));
        });
        ops.append([&] { // single property
            expected.append({u"contacts(%1)"_s.arg(a), 200, u"firstname"_s, QString(tag + u"-put"_s)});
            return write("PUT", u"contacts(%1)/firstname"_s.arg(a),
                         json({{u"value"_s, QString(tag + u"-put"_s)}}));
        });
        ops.append([&] { // create, then delete: the delete must stick
            const QString c = newId();
            expected.append({u"contacts(%1)"_s.arg(c), 404, {}, {}});
            return write("POST", u"contacts"_s,
                         json({{u"contactid"_s, c}, {u"lastname"_s, QString(tag + u"-C"_s)}})) &&
                   write("DELETE", u"contacts(%1)"_s.arg(c), {});
        });
        ops.append([&] { // $batch: an independent part and a change set of two creates
            const QString d = newId(), e1 = newId(), e2 = newId();
            using d365::testsupport::batchChangeSet;
            using d365::testsupport::batchMultipart;
            const auto part = [](const QString &id, const QString &lastname) {
                return d365::testsupport::batchPart("POST", "/api/data/v9.2/contacts",
                                                    json({{u"contactid"_s, id}, {u"lastname"_s, lastname}}));
            };
            const QByteArray body = batchMultipart(
                "batch_k", {part(d, QString(tag + u"-D"_s)),
                            batchChangeSet("changeset_k", {part(e1, QString(tag + u"-E1"_s)),
                                                           part(e2, QString(tag + u"-E2"_s))})});
            expected.append({u"contacts(%1)"_s.arg(d), 200, u"lastname"_s, QString(tag + u"-D"_s)});
            expected.append({u"contacts(%1)"_s.arg(e1), 200, u"lastname"_s, QString(tag + u"-E1"_s)});
            expected.append({u"contacts(%1)"_s.arg(e2), 200, u"lastname"_s, QString(tag + u"-E2"_s)});
            return write("POST", u"$batch"_s, body,
                         Auth + Headers{{"Content-Type", "multipart/mixed; boundary=batch_k"}});
        });
        ops.append([&] { // UpsertMultiple by alternate key: 50 new rows
            QJsonArray targets;
            for (int i = 0; i < 50; ++i) {
                const QString email = u"r%1x%2@example.com"_s.arg(round).arg(i);
                targets.append(QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                                           {u"@odata.id"_s, u"contacts(emailaddress1='%1')"_s.arg(email)},
                                           {u"lastname"_s, QString(tag + u"-U"_s)}});
                if (i % 10 == 0)
                    expected.append({u"contacts(emailaddress1='%1')"_s.arg(email), 200, u"lastname"_s,
                                     QString(tag + u"-U"_s)});
            }
            expected.append({u"contacts?$filter=lastname eq '%1-U'&$count=true&$select=contactid"_s.arg(tag),
                             200, u"@odata.count"_s, 50});
            return write("POST", u"contacts/Microsoft.Dynamics.CRM.UpsertMultiple"_s,
                         json({{u"Targets"_s, targets}}));
        });
        ops.append([&] { // CreateMultiple
            const QString f = newId();
            const QJsonArray targets{QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                                                 {u"contactid"_s, f},
                                                 {u"lastname"_s, QString(tag + u"-F"_s)}}};
            expected.append({u"contacts(%1)"_s.arg(f), 200, u"lastname"_s, QString(tag + u"-F"_s)});
            return write("POST", u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s,
                         json({{u"Targets"_s, targets}}));
        });
        for (qsizetype i = 0; i < ops.size(); ++i)
            QVERIFY2(ops[(i + round) % ops.size()](), qPrintable(u"round %1: a write failed"_s.arg(round)));
        sandbox.kill(); // right after the last 2xx arrived: no waiting

        QVERIFY(start(sandbox));
        for (const Expectation &e : std::as_const(expected)) {
            const HttpResult r = api(sandbox, "GET", e.path);
            const QString where =
                u"round %1 (%2 acknowledged writes): GET %3"_s.arg(round).arg(writes).arg(e.path);
            QVERIFY2(r.status == e.status,
                     qPrintable(where + u" answered %1, expected %2"_s.arg(r.status).arg(e.status)));
            if (e.status == 200)
                QVERIFY2(r.json()[e.column] == e.value,
                         qPrintable(where + u": "_s + e.column + u" is "_s +
                                    QString::fromUtf8(
                                        QJsonDocument(r.json().object()).toJson(QJsonDocument::Compact))));
        }
    }
}

void tst_SandboxPersistence::newFile_storesSchemaVersion()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    sandbox.stop();
    QCOMPARE(queryFile(m_file, u"SELECT value FROM sandbox_meta WHERE key = 'schema_version'"_s),
             QStringList{u"1"_s});
    QCOMPARE(queryFile(m_file, u"SELECT value FROM sandbox_meta WHERE key = 'application'"_s),
             QStringList{u"d365sync-sandbox"_s});
    QCOMPARE(queryFile(m_file, u"PRAGMA journal_mode"_s), QStringList{u"wal"_s});
}

void tst_SandboxPersistence::badFile_exits2WithMessage_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("text file") << QByteArray("text") << u"is not a d365sync-sandbox data file (SQLite:"_s;
    QTest::newRow("other SQLite database")
        << QByteArray("foreign") << u"is a SQLite database but not a d365sync-sandbox data file"_s;
    QTest::newRow("meta of another application")
        << QByteArray("otherapp") << u"is not a d365sync-sandbox data file (sandbox_meta"_s;
    QTest::newRow("newer schema") << QByteArray("newer") << u"has data schema version 99"_s;
    QTest::newRow("folder") << QByteArray("folder") << u"is a folder"_s;
    QTest::newRow("missing folder") << QByteArray("nofolder") << u"does not exist"_s;
}

void tst_SandboxPersistence::badFile_exits2WithMessage()
{
    QFETCH(QByteArray, kind);
    QFETCH(QString, message);
    if (kind == "text") {
        QFile f(m_file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("name,email\nAda,ada@example.com\n");
    } else if (kind == "foreign" || kind == "otherapp" || kind == "newer") {
        QString error;
        const QString setup = kind == "foreign" ? u"CREATE TABLE customers (id INTEGER)"_s
                                                : u"CREATE TABLE sandbox_meta (key TEXT, value TEXT)"_s;
        queryFile(m_file, setup, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        if (kind == "otherapp")
            queryFile(m_file, u"INSERT INTO sandbox_meta VALUES ('application', 'something-else')"_s, &error);
        if (kind == "newer")
            queryFile(m_file,
                      u"INSERT INTO sandbox_meta VALUES ('application', 'd365sync-sandbox'), "
                      u"('schema_version', '99')"_s,
                      &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    } else if (kind == "folder") {
        QVERIFY(QDir().mkdir(m_file));
    } else if (kind == "nofolder") {
        m_file = m_dir->filePath(u"missing/org.db"_s);
    }
    SandboxProcess sandbox;
    QVERIFY(!start(sandbox));
    QTRY_VERIFY(!sandbox.isRunning());
    QCOMPARE(sandbox.exitCode(), 2);
    const QString stderrText = QString::fromUtf8(sandbox.standardError());
    QVERIFY2(stderrText.contains(message), qPrintable(stderrText));
    QVERIFY2(stderrText.contains(m_file), qPrintable(stderrText));
}

void tst_SandboxPersistence::foreignSqliteDatabase_isLeftUnchanged()
{
    QString error;
    queryFile(m_file, u"CREATE TABLE customers (id INTEGER, name TEXT)"_s, &error);
    queryFile(m_file, u"INSERT INTO customers VALUES (1, 'Ada')"_s, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QByteArray before = fileHash(m_file);
    QVERIFY(!before.isEmpty());
    SandboxProcess sandbox;
    QVERIFY(!start(sandbox));
    QTRY_VERIFY(!sandbox.isRunning());
    QCOMPARE(sandbox.exitCode(), 2);
    QCOMPARE(fileHash(m_file), before);
    QVERIFY(!QFile::exists(m_file + u"-wal"_s));
}

void tst_SandboxPersistence::secondSandboxOnSameFile_exits2Locked()
{
    SandboxProcess first;
    QVERIFY(start(first));
    const QString id = createContact(first, {{u"lastname"_s, u"First"_s}});
    QVERIFY(!id.isEmpty());
    SandboxProcess second;
    QVERIFY(!start(second));
    QTRY_VERIFY(!second.isRunning());
    QCOMPARE(second.exitCode(), 2);
    const QString stderrText = QString::fromUtf8(second.standardError());
    QVERIFY2(stderrText.contains(u"is in use by another d365sync-sandbox"_s), qPrintable(stderrText));
    // The first one keeps serving and writing.
    QCOMPARE(api(first, "GET", u"contacts(%1)"_s.arg(id)).status, 200);
    QVERIFY(!createContact(first, {{u"lastname"_s, u"Second"_s}}).isEmpty());
    first.stop();
    QCOMPARE(queryFile(m_file, u"SELECT count(*) FROM sandbox_rows WHERE tablename = 'contact'"_s),
             QStringList{u"2"_s});
}

void tst_SandboxPersistence::unknownTableAndColumn_areSkippedWithWarning()
{
    SandboxProcess sandbox;
    QVERIFY(start(sandbox));
    const QString id = createContact(sandbox, {{u"lastname"_s, u"Survivor"_s}});
    QVERIFY(!id.isEmpty());
    sandbox.stop();
    // As if the file had been written with another org definition.
    QString error;
    queryFile(
        m_file,
        u"INSERT INTO sandbox_rows VALUES ('new_gadget', '%1', 999, '{\"new_name\":\"x\"}', '{}')"_s.arg(
            newId()),
        &error);
    queryFile(
        m_file,
        u"UPDATE sandbox_rows SET vals = json_set(vals, '$.new_shoesize', 44) WHERE id = '%1'"_s.arg(id),
        &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QVERIFY(start(sandbox));
    const QString stderrText = QString::fromUtf8(sandbox.standardError());
    QVERIFY2(stderrText.contains(u"skipped 1 row(s) of table 'new_gadget'"_s), qPrintable(stderrText));
    QVERIFY2(stderrText.contains(u"column 'contact.new_shoesize' is not in the org definition"_s),
             qPrintable(stderrText));
    const HttpResult r = api(sandbox, "GET", u"contacts(%1)"_s.arg(id));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[u"lastname"_s].toString(), u"Survivor"_s);
    QVERIFY(!r.json().object().contains(u"new_shoesize"_s));
    sandbox.stop();
    // The skipped row stays in the file (starting with the right org definition brings it back).
    QCOMPARE(queryFile(m_file, u"SELECT count(*) FROM sandbox_rows WHERE tablename = 'new_gadget'"_s),
             QStringList{u"1"_s});
}

QTEST_GUILESS_MAIN(tst_SandboxPersistence)
#include "tst_sandboxpersistence.moc"
