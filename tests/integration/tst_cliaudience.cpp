// Audiences end to end: d365sync-cli runs mapping files whose target is a marketing list against a real
// sandbox org, in each mode (add, remove, mirror, upsert), and the test reads back the list's members over
// HTTP. Also: the mirror safety gate (too many removals, an empty source, --allow-removals), members that
// cannot be found, the refusals before anything is written (dynamic, locked, other member type, a list name
// that is not unique), the dry run, and that a second run with the same source writes nothing (the sandbox's
// --request-log shows no write, the list's version stays).

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::testsupport;

namespace {

constexpr int Contacts = 120; // sample customers 1..120 exist as contacts with the prefix below
const QString Prefix = u"aud."_s;

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestCliAudience : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void add_newList_createdWithTheSourceMembers_secondRunWritesNothing();
    void remove_membersAndNonMembers_removesOnlyMembers();
    void mirror_changedSource_addsMissingAndRemovesExtras();
    void mirror_tooManyRemovals_refusedWithNumbers_allowRemovalsLetsItRun();
    void mirror_emptySource_refused();
    void add_unknownMember_failsNamingTheKey_othersAdded();
    void add_byPrimaryKey_guidsFromTheWarehouse();
    void refusals_listThatCannotTakeTheMembers_nothingWritten_data();
    void refusals_listThatCannotTakeTheMembers_nothingWritten();
    void upsert_newRecords_upsertedThenAdded();
    void dryRun_mirror_showsCountsAndWritesNothing();
    void validate_audience_namesTheList();
    void sampleNewsletter_afterRecordSync_holdsTheWebCustomers_againWritesNothing();

private:
    QString mapping(const QString &file, const QJsonObject &list, const QString &mode, const QString &where,
                    const QString &prefix = Prefix);
    CliResult run(const QStringList &arguments, QJsonObject *report = nullptr);
    QString stateOf(const QString &mappingPath) const { return mappingPath + u".state.db"_s; }
    // Mirrors the customers `where` into the list (created), forgets the requests so far; the list's id.
    QString seedList(const QString &file, const QJsonObject &list, const QString &where);
    QString createList(const QJsonObject &values);
    QString listId(const QString &name);
    QSet<QString> memberEmails(const QString &listId);
    QSet<QString> expectedEmails(const QString &where, const QString &prefix = Prefix);
    double listVersion(const QString &listId);
    // Write requests the sandbox handled since the last call (POST/PATCH/DELETE; a $batch counts as a write
    // only when `batchesAreWrites`).
    int writesSinceLastLook(int *batches = nullptr);

    SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QString m_requestLog;
    qint64 m_logOffset = 0;
    int m_files = 0;
};

void TestCliAudience::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_requestLog = m_dir.filePath(u"requests.jsonl"_s);
    QVERIFY(m_sandbox.start({u"--request-log"_s, m_requestLog}));
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const CliResult added = runCli(m_settings, {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s,
                                                m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    // The member records: sample customers 1..120 as contacts (e-mail prefixed).
    const QString records = writeSampleMapping(m_dir.filePath(u"records.json"_s), [](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, prefixedSampleQuery(Prefix, Contacts));
        m.insert(u"source"_s, source);
    });
    const CliResult synced = run({u"run"_s, records, u"--state"_s, u"none"_s});
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.err));
    writesSinceLastLook();
}

QString TestCliAudience::mapping(const QString &file, const QJsonObject &list, const QString &mode,
                                 const QString &where, const QString &prefix)
{
    return writeSampleMapping(m_dir.filePath(file), [&](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, u"SELECT customer_id, '%1' || email AS email, first_name, last_name FROM "
                                  "customers WHERE %2 ORDER BY customer_id"_s.arg(prefix, where));
        m.insert(u"source"_s, source);
        QJsonObject target = m.value("target"_L1).toObject();
        target.insert(u"list"_s, list);
        m.insert(u"target"_s, target);
        m.insert(u"mode"_s, mode);
        QJsonArray fields{QJsonObject{{u"source"_s, u"email"_s}, {u"target"_s, u"emailaddress1"_s}}};
        if (mode == "upsert"_L1) {
            fields.append(QJsonObject{{u"source"_s, u"first_name"_s}, {u"target"_s, u"firstname"_s}});
            fields.append(QJsonObject{{u"source"_s, u"last_name"_s}, {u"target"_s, u"lastname"_s}});
        }
        m.insert(u"fields"_s, fields);
    });
}

CliResult TestCliAudience::run(const QStringList &arguments, QJsonObject *report)
{
    QStringList all = arguments;
    // Each mapping keeps its history in the test's folder, not in the user's application data.
    if (all.value(0) == "run"_L1 && !all.contains("--state"_L1))
        all << u"--state"_s << stateOf(all.value(1));
    const QString reportPath = m_dir.filePath(u"report-%1.json"_s.arg(++m_files));
    if (report) {
        all << u"--report"_s << reportPath;
    }
    const CliResult result = runCli(m_settings, all);
    if (report) {
        QFile file(reportPath);
        *report =
            file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object() : QJsonObject();
    }
    return result;
}

QString TestCliAudience::seedList(const QString &file, const QJsonObject &list, const QString &where)
{
    const CliResult seeded = run({u"run"_s, mapping(file, list, u"mirror"_s, where)});
    if (seeded.exitCode != 0) {
        qWarning().noquote() << seeded.err;
        return {};
    }
    writesSinceLastLook();
    return listId(list.value("name"_L1).toString());
}

QString TestCliAudience::createList(const QJsonObject &values)
{
    const HttpResult r = request("POST", m_sandbox.webApiUrl().resolved(QUrl(u"lists"_s)),
                                 {{"Authorization", "Bearer test"},
                                  {"Content-Type", "application/json"},
                                  {"Prefer", "return=representation"}},
                                 compact(values));
    if (r.status != 201) {
        qWarning() << "creating a list answered" << r.status << r.body;
        return {};
    }
    return r.json().object().value("listid"_L1).toString();
}

QString TestCliAudience::listId(const QString &name)
{
    const QString filter = u"listname eq '"_s + name + u"'"_s;
    const auto lists = readRecords(m_sandbox, u"lists?$select=listid&$filter="_s +
                                                  QString::fromLatin1(QUrl::toPercentEncoding(filter)));
    return lists.size() == 1 ? lists.first().value("listid"_L1).toString() : QString();
}

QSet<QString> TestCliAudience::memberEmails(const QString &listId)
{
    QSet<QString> emails;
    for (const QJsonObject &row :
         readRecords(m_sandbox, u"lists(%1)/listcontact_association?$select=emailaddress1"_s.arg(listId))) {
        emails.insert(row.value("emailaddress1"_L1).toString());
    }
    return emails;
}

QSet<QString> TestCliAudience::expectedEmails(const QString &where, const QString &prefix)
{
    QSet<QString> emails;
    {
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"warehouse"_s);
        db.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
        if (db.open()) {
            QSqlQuery query(u"SELECT email FROM customers WHERE "_s + where, db);
            while (query.next()) {
                emails.insert(prefix + query.value(0).toString());
            }
        }
    }
    QSqlDatabase::removeDatabase(u"warehouse"_s);
    return emails;
}

double TestCliAudience::listVersion(const QString &listId)
{
    const HttpResult r = request(
        "GET",
        m_sandbox.webApiUrl().resolved(QUrl(u"lists(%1)?$select=versionnumber,membercount"_s.arg(listId))),
        {{"Authorization", "Bearer test"}});
    return r.json().object().value("versionnumber"_L1).toDouble(-1);
}

int TestCliAudience::writesSinceLastLook(int *batches)
{
    QFile log(m_requestLog);
    int writes = 0;
    if (batches) {
        *batches = 0;
    }
    if (!log.open(QIODevice::ReadOnly) || !log.seek(m_logOffset)) {
        return -1;
    }
    const QByteArray fresh = log.readAll();
    const qsizetype complete = fresh.lastIndexOf('\n') + 1;
    for (const QByteArray &line : fresh.left(complete).split('\n')) {
        const QJsonObject entry = QJsonDocument::fromJson(line).object();
        const QString method = entry.value("method"_L1).toString();
        if (method.isEmpty() || method == "GET"_L1) {
            continue;
        }
        if (entry.value("path"_L1).toString().endsWith("$batch"_L1)) {
            if (batches) {
                ++*batches;
            }
            continue;
        }
        ++writes;
    }
    m_logOffset += complete;
    return writes;
}

void TestCliAudience::add_newList_createdWithTheSourceMembers_secondRunWritesNothing()
{
    const QString where = u"customer_id <= 50"_s;
    const QString file =
        mapping(u"add.json"_s, {{u"name"_s, u"Add test"_s}, {u"createIfMissing"_s, true}}, u"add"_s, where);
    QJsonObject report;
    const CliResult first = run({u"run"_s, file}, &report);
    QVERIFY2(first.exitCode == 0, qPrintable(first.err + first.out));
    QCOMPARE(report.value("rowsRead"_L1).toInt(), 50);
    const QJsonObject audience = report.value("audience"_L1).toObject();
    QCOMPARE(audience.value("added"_L1).toInt(), 50);
    QCOMPARE(audience.value("listCreated"_L1).toBool(), true);
    QCOMPARE(audience.value("membersAfter"_L1).toInt(), 50);
    checkAccounting(report);
    const QString id = listId(u"Add test"_s);
    QVERIFY(!id.isEmpty());
    QCOMPARE(memberEmails(id), expectedEmails(where));
    // One list created, one AddListMembersList for 50 members.
    QCOMPARE(writesSinceLastLook(), 2);

    const double version = listVersion(id);
    int batches = 0;
    const CliResult again = run({u"run"_s, file}, &report);
    QVERIFY2(again.exitCode == 0, qPrintable(again.err + again.out));
    QCOMPARE(report.value("audience"_L1).toObject().value("alreadyMember"_L1).toInt(), 50);
    QCOMPARE(report.value("audience"_L1).toObject().value("added"_L1).toInt(), 0);
    QCOMPARE(report.value("requests"_L1).toInt(), 0);
    QCOMPARE(writesSinceLastLook(&batches), 0);
    QCOMPARE(batches, 1); // the members' lookup by key (GETs inside one $batch)
    QCOMPARE(listVersion(id), version);
    QVERIFY2(again.out.contains("50 already members"_L1), qPrintable(again.out));

    // Both runs are in the mapping's history: 50 memberships written, then 50 unchanged.
    const CliResult history = run({u"history"_s, file, u"--state"_s, stateOf(file), u"--json"_s});
    QVERIFY2(history.exitCode == 0, qPrintable(history.err));
    const QJsonArray runs = QJsonDocument::fromJson(history.out.toUtf8()).array();
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs.at(0).toObject().value("mode"_L1).toString(), u"add"_s);
    QCOMPARE(runs.at(0).toObject().value("alreadyMember"_L1).toInt(), 50);
    QCOMPARE(runs.at(1).toObject().value("added"_L1).toInt(), 50);
    QCOMPARE(runs.at(1).toObject().value("exitCode"_L1).toInt(), 0);
}

void TestCliAudience::remove_membersAndNonMembers_removesOnlyMembers()
{
    const QString listName = u"Remove test"_s;
    const QString add = mapping(u"remove-add.json"_s, {{u"name"_s, listName}, {u"createIfMissing"_s, true}},
                                u"add"_s, u"customer_id <= 30"_s);
    QCOMPARE(run({u"run"_s, add}).exitCode, 0);
    writesSinceLastLook();
    // Rows 21..40: 21..30 are members, 31..40 are not.
    const QString remove =
        mapping(u"remove.json"_s, {{u"name"_s, listName}}, u"remove"_s, u"customer_id BETWEEN 21 AND 40"_s);
    QJsonObject report;
    const CliResult r = run({u"run"_s, remove}, &report);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const QJsonObject audience = report.value("audience"_L1).toObject();
    QCOMPARE(audience.value("removed"_L1).toInt(), 10);
    QCOMPARE(audience.value("notMember"_L1).toInt(), 10);
    QCOMPARE(audience.value("added"_L1).toInt(), 0);
    checkAccounting(report);
    QCOMPARE(memberEmails(listId(listName)), expectedEmails(u"customer_id <= 20"_s));
    int batches = 0;
    QCOMPARE(writesSinceLastLook(&batches), 0);
    QCOMPARE(batches, 2); // the lookup, and one $batch of 10 RemoveMemberList
}

void TestCliAudience::mirror_changedSource_addsMissingAndRemovesExtras()
{
    const QString listName = u"Mirror test"_s;
    const QJsonObject list{{u"name"_s, listName}, {u"createIfMissing"_s, true}};
    QCOMPARE(run({u"run"_s, mapping(u"mirror-1.json"_s, list, u"mirror"_s, u"customer_id <= 50"_s)}).exitCode,
             0);
    writesSinceLastLook();
    // 5 leave (1..5), 5 join (51..55): 10 % of the members go, under the default 20 %.
    QJsonObject report;
    const QString where = u"customer_id BETWEEN 6 AND 55"_s;
    const CliResult r = run({u"run"_s, mapping(u"mirror-2.json"_s, list, u"mirror"_s, where)}, &report);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const QJsonObject audience = report.value("audience"_L1).toObject();
    QCOMPARE(audience.value("added"_L1).toInt(), 5);
    QCOMPARE(audience.value("alreadyMember"_L1).toInt(), 45);
    QCOMPARE(audience.value("removed"_L1).toInt(), 5);
    QCOMPARE(audience.value("membersBefore"_L1).toInt(), 50);
    QCOMPARE(audience.value("membersAfter"_L1).toInt(), 50);
    const QJsonArray extras = audience.value("extraMembers"_L1).toArray();
    QCOMPARE(extras.size(), 5);
    QVERIFY(!extras.first().toObject().value("id"_L1).toString().isEmpty());
    QVERIFY(!extras.first().toObject().value("name"_L1).toString().isEmpty());
    QVERIFY2(r.out.contains("Extra member "_L1), qPrintable(r.out));
    checkAccounting(report);
    QCOMPARE(memberEmails(listId(listName)), expectedEmails(where));
    int batches = 0;
    QCOMPARE(writesSinceLastLook(&batches), 1); // one AddListMembersList
    QCOMPARE(batches, 2);                       // the lookup and one $batch of removals
}

void TestCliAudience::mirror_tooManyRemovals_refusedWithNumbers_allowRemovalsLetsItRun()
{
    const QJsonObject list{{u"name"_s, u"Gate test"_s}, {u"createIfMissing"_s, true}};
    const QString id = seedList(u"gate-1.json"_s, list, u"customer_id <= 50"_s);
    QVERIFY(!id.isEmpty());
    const double version = listVersion(id);
    // 1..30: 20 of 50 members (40 %) would go.
    const QString shrink = mapping(u"gate-2.json"_s, list, u"mirror"_s, u"customer_id <= 30"_s);
    QJsonObject report;
    const CliResult refused = run({u"run"_s, shrink}, &report);
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("remove 20 of the list's 50 members (40 %), more than the 20 % allowed"_L1),
             qPrintable(refused.err));
    QVERIFY2(refused.err.contains("--allow-removals 40%"_L1), qPrintable(refused.err));
    QCOMPARE(report.value("audience"_L1).toObject().value("toRemove"_L1).toInt(), 20);
    checkAccounting(report);
    int batches = 0;
    QCOMPARE(writesSinceLastLook(&batches), 0);
    QCOMPARE(batches, 1);
    QCOMPARE(listVersion(id), version);
    QCOMPARE(memberEmails(id).size(), 50);

    // A share per mapping: 30 % is still too little, per run 40 % lets it through.
    const QString share = writeSampleMapping(m_dir.filePath(u"gate-3.json"_s), [&](QJsonObject &m) {
        m = QJsonDocument::fromJson([&] {
                QFile f(shrink);
                f.open(QIODevice::ReadOnly);
                return f.readAll();
            }())
                .object();
        QJsonObject target = m.value("target"_L1).toObject();
        QJsonObject l = target.value("list"_L1).toObject();
        l.insert(u"maxRemovalPercent"_s, 30);
        target.insert(u"list"_s, l);
        m.insert(u"target"_s, target);
    });
    const CliResult stillRefused = run({u"run"_s, share});
    QCOMPARE(stillRefused.exitCode, 2);
    QVERIFY2(stillRefused.err.contains("more than the 30 % allowed"_L1), qPrintable(stillRefused.err));
    const CliResult allowed = run({u"run"_s, share, u"--allow-removals"_s, u"40%"_s}, &report);
    QVERIFY2(allowed.exitCode == 0, qPrintable(allowed.err + allowed.out));
    QCOMPARE(report.value("audience"_L1).toObject().value("removed"_L1).toInt(), 20);
    QCOMPARE(memberEmails(id), expectedEmails(u"customer_id <= 30"_s));

    const CliResult bad = run({u"run"_s, share, u"--allow-removals"_s, u"lots"_s});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("--allow-removals must be"_L1), qPrintable(bad.err));
}

void TestCliAudience::mirror_emptySource_refused()
{
    const QString listName = u"Empty source test"_s;
    const QJsonObject list{{u"name"_s, listName}, {u"createIfMissing"_s, true}};
    QCOMPARE(run({u"run"_s, mapping(u"empty-1.json"_s, list, u"mirror"_s, u"customer_id <= 5"_s)}).exitCode,
             0);
    writesSinceLastLook();
    const CliResult refused =
        run({u"run"_s, mapping(u"empty-2.json"_s, list, u"mirror"_s, u"customer_id < 0"_s),
             u"--allow-removals"_s, u"100%"_s});
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("the source returned no rows"_L1), qPrintable(refused.err));
    QVERIFY2(refused.err.contains("(5 members)"_L1), qPrintable(refused.err));
    QCOMPARE(writesSinceLastLook(), 0);
    QCOMPARE(memberEmails(listId(listName)).size(), 5);
}

void TestCliAudience::add_unknownMember_failsNamingTheKey_othersAdded()
{
    const QString listName = u"Unknown member test"_s;
    // Customers 118..123: 121..123 have no contact (only 1..120 were synced).
    const QString file = mapping(u"unknown.json"_s, {{u"name"_s, listName}, {u"createIfMissing"_s, true}},
                                 u"add"_s, u"customer_id BETWEEN 118 AND 123"_s);
    QJsonObject report;
    const CliResult r = run({u"run"_s, file}, &report);
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(report.value("audience"_L1).toObject().value("added"_L1).toInt(), 3);
    QCOMPARE(report.value("failed"_L1).toInt(), 3);
    const QJsonArray failed = report.value("failedRows"_L1).toArray();
    QCOMPARE(failed.size(), 3);
    const QJsonObject first = failed.first().toObject();
    QCOMPARE(first.value("code"_L1).toString(), u"member-not-found"_s);
    QVERIFY2(first.value("message"_L1).toString().contains("emailaddress1 = aud."_L1),
             qPrintable(first.value("message"_L1).toString()));
    checkAccounting(report);
    QCOMPARE(memberEmails(listId(listName)), expectedEmails(u"customer_id BETWEEN 118 AND 120"_s));
}

void TestCliAudience::add_byPrimaryKey_guidsFromTheWarehouse()
{
    // A warehouse that knows the contacts' ids: the match key is the primary key.
    const QList<QJsonObject> contacts = readRecords(
        m_sandbox, u"contacts?$select=contactid&$filter="_s +
                       QString::fromLatin1(QUrl::toPercentEncoding(u"startswith(emailaddress1,'aud.')"_s)));
    QVERIFY(contacts.size() >= 5);
    const QString unknown = u"6f1c2a4e-0d3b-4c5a-9e8f-1a2b3c4d5e6f"_s;
    const QString dbPath = m_dir.filePath(u"ids.db"_s);
    {
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"ids"_s);
        db.setDatabaseName(dbPath);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(u"CREATE TABLE members (n INTEGER PRIMARY KEY, id TEXT)"_s));
        for (int i = 0; i < 5; ++i)
            QVERIFY(query.exec(u"INSERT INTO members (id) VALUES ('%1')"_s.arg(
                contacts.at(i).value("contactid"_L1).toString())));
        QVERIFY(query.exec(u"INSERT INTO members (id) VALUES ('%1')"_s.arg(unknown)));
    }
    QSqlDatabase::removeDatabase(u"ids"_s);
    const QJsonObject mapping{
        {u"version"_s, 1},
        {u"source"_s, QJsonObject{{u"type"_s, u"sqlite"_s},
                                  {u"path"_s, dbPath},
                                  {u"query"_s, u"SELECT n, id FROM members ORDER BY n"_s},
                                  {u"keyColumn"_s, u"n"_s}}},
        {u"target"_s,
         QJsonObject{{u"profile"_s, u"sandbox"_s},
                     {u"entitySet"_s, u"contacts"_s},
                     {u"matchKey"_s, QJsonArray{u"contactid"_s}},
                     {u"list"_s, QJsonObject{{u"name"_s, u"By id test"_s}, {u"createIfMissing"_s, true}}}}},
        {u"mode"_s, u"add"_s},
        {u"fields"_s, QJsonArray{QJsonObject{{u"source"_s, u"id"_s}, {u"target"_s, u"contactid"_s}}}}};
    QFile file(m_dir.filePath(u"byid.json"_s));
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(mapping).toJson()) > 0);
    file.close();
    QJsonObject report;
    const CliResult r = run({u"run"_s, file.fileName()}, &report);
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(report.value("added"_L1).toInt(), 5);
    QCOMPARE(report.value("failed"_L1).toInt(), 1);
    const QString message =
        report.value("failedRows"_L1).toArray().first().toObject().value("message"_L1).toString();
    QVERIFY2(message.contains(u"contactid = "_s + unknown), qPrintable(message));
    checkAccounting(report);
    QCOMPARE(memberEmails(listId(u"By id test"_s)).size(), 5);
}

void TestCliAudience::refusals_listThatCannotTakeTheMembers_nothingWritten_data()
{
    QTest::addColumn<QJsonObject>("list");
    QTest::addColumn<int>("lists"); // how many lists of that name to create
    QTest::addColumn<QString>("message");
    QTest::newRow("dynamic") << QJsonObject{{u"listname"_s, u"Dynamic list"_s},
                                            {u"createdfromcode"_s, 2},
                                            {u"type"_s, true}}
                             << 1 << u"is dynamic (type true)"_s;
    QTest::newRow("locked") << QJsonObject{{u"listname"_s, u"Locked list"_s},
                                           {u"createdfromcode"_s, 2},
                                           {u"lockstatus"_s, true}}
                            << 1 << u"is locked (lockstatus true)"_s;
    QTest::newRow("accounts")
        << QJsonObject{{u"listname"_s, u"Account list"_s}, {u"createdfromcode"_s, 1}} << 1
        << u"holds account rows (createdfromcode 1), but the mapping's members are contact"_s;
    QTest::newRow("not unique") << QJsonObject{{u"listname"_s, u"Twin list"_s}, {u"createdfromcode"_s, 2}}
                                << 2 << u"2 marketing lists are named 'Twin list'"_s;
    QTest::newRow("missing") << QJsonObject{{u"listname"_s, u"Nobody made this list"_s}} << 0
                             << u"there is no marketing list named 'Nobody made this list'"_s;
}

void TestCliAudience::refusals_listThatCannotTakeTheMembers_nothingWritten()
{
    QFETCH(QJsonObject, list);
    QFETCH(int, lists);
    QFETCH(QString, message);
    for (int i = 0; i < lists; ++i) {
        QVERIFY(!createList(list).isEmpty());
    }
    writesSinceLastLook();
    const QString name = list.value("listname"_L1).toString();
    const QString file =
        mapping(u"refused-%1.json"_s.arg(QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-')),
                {{u"name"_s, name}}, u"add"_s, u"customer_id <= 10"_s);
    const CliResult validated = run({u"validate"_s, file});
    QCOMPARE(validated.exitCode, 2);
    QVERIFY2(validated.err.contains(message), qPrintable(validated.err));
    const CliResult r = run({u"run"_s, file});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    int batches = 0;
    QCOMPARE(writesSinceLastLook(&batches), 0);
    QCOMPARE(batches, 0);
}

void TestCliAudience::upsert_newRecords_upsertedThenAdded()
{
    const QString listName = u"Upsert test"_s;
    const QString prefix = u"ups."_s;
    const QString where = u"customer_id <= 20"_s;
    const QString file = mapping(u"upsert.json"_s, {{u"name"_s, listName}, {u"createIfMissing"_s, true}},
                                 u"upsert"_s, where, prefix);
    QJsonObject report;
    const CliResult r = run({u"run"_s, file, u"--state"_s, u"none"_s}, &report);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QCOMPARE(report.value("upserted"_L1).toInt(), 20);
    QCOMPARE(report.value("audience"_L1).toObject().value("added"_L1).toInt(), 20);
    checkAccounting(report);
    QCOMPARE(memberEmails(listId(listName)), expectedEmails(where, prefix));
    QVERIFY2(r.out.contains("20 records upserted, 20 added"_L1), qPrintable(r.out));
}

void TestCliAudience::dryRun_mirror_showsCountsAndWritesNothing()
{
    const QJsonObject list{{u"name"_s, u"Dry run test"_s}, {u"createIfMissing"_s, true}};
    const QString id = seedList(u"dry-1.json"_s, list, u"customer_id <= 40"_s);
    QVERIFY(!id.isEmpty());
    const double version = listVersion(id);
    QJsonObject report;
    const CliResult r =
        run({u"run"_s, mapping(u"dry-2.json"_s, list, u"mirror"_s, u"customer_id BETWEEN 3 AND 45"_s),
             u"--dry-run"_s},
            &report);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("Plan for 'Dry run test': 5 to add, 2 to remove (the list has 40 members"_L1),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("Would remove extra member"_L1), qPrintable(r.out));
    QCOMPARE(report.value("dryRun"_L1).toBool(), true);
    QCOMPARE(report.value("requests"_L1).toInt(), 0);
    int batches = 0;
    QCOMPARE(writesSinceLastLook(&batches), 0);
    QCOMPARE(batches, 1);
    QCOMPARE(listVersion(id), version);
    QCOMPARE(memberEmails(id).size(), 40);
}

void TestCliAudience::validate_audience_namesTheList()
{
    const QString file =
        mapping(u"validate.json"_s, {{u"name"_s, u"Validate test"_s}, {u"createIfMissing"_s, true}},
                u"mirror"_s, u"customer_id <= 3"_s);
    const CliResult r = run({u"validate"_s, file});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(
        r.out.contains("is valid: mirror the members of the marketing list 'Validate test' (created by the "
                       "first run)"_L1),
        qPrintable(r.out));
    QCOMPARE(writesSinceLastLook(), 0);
    QVERIFY(listId(u"Validate test"_s).isEmpty());
}

void TestCliAudience::sampleNewsletter_afterRecordSync_holdsTheWebCustomers_againWritesNothing()
{
    // The shipped sample, as shipped: the sample record sync first (all 10,000 customers), then the audience.
    const auto shipped = [&](const QString &name) {
        QFile sample(QStringLiteral(D365_SOURCE_DIR "/resources/sample/") + name);
        if (!sample.open(QIODevice::ReadOnly))
            return QString();
        QJsonObject m = QJsonDocument::fromJson(sample.readAll()).object();
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"path"_s, QStringLiteral(D365_SAMPLE_DB));
        m.insert(u"source"_s, source);
        QFile out(m_dir.filePath(name));
        if (!out.open(QIODevice::WriteOnly) || out.write(QJsonDocument(m).toJson()) < 0)
            return QString();
        return out.fileName();
    };
    const QString records = shipped(u"customers-to-contacts.json"_s);
    const QString newsletter = shipped(u"customers-to-newsletter.json"_s);
    QVERIFY(!records.isEmpty() && !newsletter.isEmpty());
    QCOMPARE(run({u"run"_s, records, u"--state"_s, u"none"_s}).exitCode, 0);
    QJsonObject report;
    const CliResult first = run({u"run"_s, newsletter}, &report);
    QVERIFY2(first.exitCode == 0, qPrintable(first.err + first.out));
    const QSet<QString> web = expectedEmails(u"lead_source = 'Web'"_s, QString());
    QVERIFY(web.size() > 100);
    const QString id = listId(u"Newsletter"_s);
    QCOMPARE(memberEmails(id), web);
    checkAccounting(report);
    writesSinceLastLook();
    const double version = listVersion(id);
    const CliResult again = run({u"run"_s, newsletter}, &report);
    QVERIFY2(again.exitCode == 0, qPrintable(again.err + again.out));
    QCOMPARE(report.value("requests"_L1).toInt(), 0);
    QCOMPARE(writesSinceLastLook(), 0);
    QCOMPARE(listVersion(id), version);
}

QTEST_GUILESS_MAIN(TestCliAudience)
#include "tst_cliaudience.moc"
