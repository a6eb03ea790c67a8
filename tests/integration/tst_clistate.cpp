// The sync state through d365sync-cli against a real sandbox org: an unchanged re-run sends nothing, a re-run
// with some rows changed sends exactly those, --full sends everything, a changed mapping resets the state;
// the run history (`history`), the failed rows as CSV in the source's shape (`failed`) and `run
// --retry-failed`; and the answers to wrong calls of those commands.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::testsupport;

namespace {

struct RunResult : CliResult
{
    QJsonObject report;
};

} // namespace

class TestCliState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void run_again_sendsOnlyChangedRows_fullSendsAll();
    void run_mappingChanged_everyRowIsSentAgain();
    void run_updateMode_sendsOnlyTheChangedColumns();
    void failedRows_inHistoryExportedAsCsvAndRetriedAlone();
    void history_json_showsAKilledRunAsNotEnded();
    void wrongCalls_exitTwoNamingTheFix_data();
    void wrongCalls_exitTwoNamingTheFix();
    void failed_warehouseGone_namesKeysOnly_andKeysOnlyStillWorks();
    void dryRun_showsWhatWouldChange_writesNothing();
    void dryRun_insertAndUpdateModes_nameTheRowsThatWouldFail();

private:
    RunResult cli(const QStringList &arguments);
    QString mapping(const QString &name, const QString &query,
                    const std::function<void(QJsonObject &)> &edit = {});
    QString state(const QString &name) const { return m_dir.filePath(name + u".db"_s); }
    // The e-mail address of a customer of the sample warehouse.
    static QString sampleEmail(int customerId);

    SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    int m_reports = 0;
};

void TestCliState::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sandbox.start());
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const RunResult added = cli(
        {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
}

QString TestCliState::sampleEmail(int customerId)
{
    QString email;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"sample"_s);
        db.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
        QSqlQuery query(db);
        if (db.open() && query.prepare(u"SELECT email FROM customers WHERE customer_id = ?"_s)) {
            query.addBindValue(customerId);
            if (query.exec() && query.next())
                email = query.value(0).toString();
        }
    }
    QSqlDatabase::removeDatabase(u"sample"_s);
    return email;
}

RunResult TestCliState::cli(const QStringList &arguments)
{
    QStringList all = arguments;
    const QString report = m_dir.filePath(u"report-%1.json"_s.arg(++m_reports));
    if (arguments.value(0) == "run"_L1) {
        all += {u"--report"_s, report};
    }
    RunResult result;
    static_cast<CliResult &>(result) = runCli(m_settings, all);
    QFile file(report);
    if (file.open(QIODevice::ReadOnly)) {
        result.report = QJsonDocument::fromJson(file.readAll()).object();
    }
    return result;
}

QString TestCliState::mapping(const QString &name, const QString &query,
                              const std::function<void(QJsonObject &)> &edit)
{
    return writeSampleMapping(m_dir.filePath(name + u".json"_s), [&](QJsonObject &mapping) {
        QJsonObject source = mapping.value("source"_L1).toObject();
        source.insert(u"query"_s, query);
        mapping.insert(u"source"_s, source);
        if (edit) {
            edit(mapping);
        }
    });
}

void TestCliState::run_again_sendsOnlyChangedRows_fullSendsAll()
{
    const QString prefix = u"again-"_s;
    const QString first = mapping(u"again"_s, prefixedSampleQuery(prefix, 2000));
    const QStringList stateArgs{u"--state"_s, state(u"again"_s)};

    RunResult run = cli(QStringList{u"run"_s, first} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 2000);

    run = cli(QStringList{u"run"_s, first} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 2000);
    QCOMPARE(run.report.value("requests"_L1).toInt(-1), 0);
    QVERIFY2(run.out.contains("2,000 unchanged"_L1), qPrintable(run.out));
    checkAccounting(run.report);
    QVERIFY(!QTest::currentTestFailed());

    // 1 % of the rows change in the warehouse: exactly those are written, in one request.
    const QString changed =
        mapping(u"again"_s, prefixedSampleQuery(prefix, 2000,
                                                {{u"job_title"_s, u"CASE WHEN customer_id % 100 = 0 THEN "
                                                                  "'Changed' ELSE job_title END"_s}}));
    run = cli(QStringList{u"run"_s, changed} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 20);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 1980);
    QCOMPARE(run.report.value("requests"_L1).toInt(), 1);
    const QList<QJsonObject> records = readRecords(
        m_sandbox, u"contacts?$select=emailaddress1&$filter=startswith(emailaddress1,'%1') and jobtitle eq "
                   "'Changed'"_s.arg(prefix));
    QCOMPARE(records.size(), 20);

    // --full: every row once more, whatever the state says.
    run = cli(QStringList{u"run"_s, changed, u"--full"_s} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 2000);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(-1), 0);

    // --state none: no state read or written.
    run = cli({u"run"_s, changed, u"--state"_s, u"none"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 2000);
    QCOMPARE(run.report.value("state"_L1).toString(), QString());
}

void TestCliState::run_updateMode_sendsOnlyTheChangedColumns()
{
    const QString prefix = u"cols-"_s;
    const QString created = mapping(u"cols-create"_s, prefixedSampleQuery(prefix, 100));
    RunResult run = cli({u"run"_s, created, u"--state"_s, state(u"cols-create"_s)});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 100);

    const auto updateMapping = [this, &prefix](const QList<QPair<QString, QString>> &replaced) {
        return mapping(u"cols"_s, prefixedSampleQuery(prefix, 100, replaced),
                       [](QJsonObject &m) { m.insert(u"mode"_s, u"update"_s); });
    };
    const QStringList stateArgs{u"--state"_s, state(u"cols"_s)};
    run = cli(QStringList{u"run"_s, updateMapping({})} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("updated"_L1).toInt(), 100);

    // Someone edits the first names of two contacts in the org; the warehouse changes the job titles of ten.
    const QString filter = u"contacts?$select=contactid,emailaddress1,firstname,jobtitle&$filter=startswith("
                           "emailaddress1,'%1')"_s.arg(prefix);
    const QList<QJsonObject> before = readRecords(m_sandbox, filter);
    QCOMPARE(before.size(), 100);
    // Customer 10's row changes below (its id is a multiple of ten), customer 15's does not.
    const QString email10 = prefix + sampleEmail(10);
    const QString email15 = prefix + sampleEmail(15);
    QVERIFY(email10 != prefix && email15 != prefix);
    QStringList edited;
    for (const QJsonObject &record : before) {
        const QString email = record.value("emailaddress1"_L1).toString();
        if (email == email10 || email == email15) {
            const HttpResult patched =
                request("PATCH",
                        m_sandbox.webApiUrl().resolved(
                            QUrl(u"contacts(%1)"_s.arg(record.value("contactid"_L1).toString()))),
                        {{"Authorization", "Bearer test"}, {"If-Match", "*"}},
                        QJsonDocument(QJsonObject{{u"firstname"_s, u"EditedInTheOrg"_s}}).toJson());
            QCOMPARE(patched.status, 204);
            edited.append(email);
        }
    }
    QCOMPARE(edited.size(), 2);
    run = cli(QStringList{u"run"_s,
                          updateMapping({{u"job_title"_s, u"CASE WHEN customer_id % 10 = 0 THEN 'Promoted' "
                                                          "ELSE job_title END"_s}})} +
              stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("updated"_L1).toInt(), 10);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 90);
    checkAccounting(run.report);
    QVERIFY(!QTest::currentTestFailed());
    // Only job titles were sent: customer 10's new title landed and its first name edited in the org stayed,
    // as did customer 15's (whose row did not change at all).
    for (const QJsonObject &record : readRecords(m_sandbox, filter)) {
        const QString email = record.value("emailaddress1"_L1).toString();
        if (edited.contains(email)) {
            QCOMPARE(record.value("firstname"_L1).toString(), u"EditedInTheOrg"_s);
        }
        if (email == email10) {
            QCOMPARE(record.value("jobtitle"_L1).toString(), u"Promoted"_s);
        }
    }

    // --full sends every column again: the org's edits are overwritten by the warehouse.
    run = cli(QStringList{u"run"_s, updateMapping({}), u"--full"_s} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("updated"_L1).toInt(), 100);
    for (const QJsonObject &record : readRecords(m_sandbox, filter)) {
        QVERIFY(record.value("firstname"_L1).toString() != u"EditedInTheOrg"_s);
    }
}

void TestCliState::run_mappingChanged_everyRowIsSentAgain()
{
    const QString prefix = u"remap-"_s;
    const QStringList stateArgs{u"--state"_s, state(u"remap"_s)};
    const QString before = mapping(u"remap"_s, prefixedSampleQuery(prefix, 500));
    RunResult run = cli(QStringList{u"run"_s, before} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 500);

    // The city is no longer mapped: what the org holds per row is no longer what the state says.
    const QString after = mapping(u"remap"_s, prefixedSampleQuery(prefix, 500), [](QJsonObject &m) {
        QJsonArray fields;
        for (const auto &field : m.value("fields"_L1).toArray()) {
            if (field.toObject().value("source"_L1).toString() != "city"_L1) {
                fields.append(field);
            }
        }
        m.insert(u"fields"_s, fields);
    });
    run = cli(QStringList{u"run"_s, after} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 500);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(-1), 0);
    run = cli(QStringList{u"run"_s, after} + stateArgs);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 500);
}

void TestCliState::failedRows_inHistoryExportedAsCsvAndRetriedAlone()
{
    const QString prefix = u"fail-"_s;
    const QStringList stateArgs{u"--state"_s, state(u"fail"_s)};
    // Eight of 2,000 job titles are longer than the column allows.
    const QString broken =
        mapping(u"fail"_s, prefixedSampleQuery(prefix, 2000,
                                               {{u"job_title"_s, u"CASE WHEN customer_id % 250 = 0 THEN "
                                                                 "printf('%0120d', customer_id) ELSE "
                                                                 "job_title END"_s}}));
    RunResult run = cli(QStringList{u"run"_s, broken} + stateArgs);
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.report.value("failed"_L1).toInt(), 8);
    const qint64 failedRun = run.report.value("run"_L1).toInteger();
    QVERIFY(failedRun > 0);

    const RunResult history = cli(QStringList{u"history"_s, broken, u"--json"_s} + stateArgs);
    QCOMPARE(history.exitCode, 0);
    const QJsonArray runs = QJsonDocument::fromJson(history.out.toUtf8()).array();
    QCOMPARE(runs.size(), 1);
    const QJsonObject last = runs.first().toObject();
    QCOMPARE(last.value("run"_L1).toInteger(), failedRun);
    QCOMPARE(last.value("failed"_L1).toInt(), 8);
    QCOMPARE(last.value("upserted"_L1).toInt(), 1992);
    QCOMPARE(last.value("exitCode"_L1).toInt(), 1);
    QCOMPARE(last.value("mode"_L1).toString(), u"upsert"_s);
    QCOMPARE(last.value("writer"_L1).toString(), u"UpsertMultiple"_s);
    QVERIFY(!last.value("endedAt"_L1).toString().isEmpty());

    // The table for people.
    const RunResult table = cli(QStringList{u"history"_s, broken} + stateArgs);
    QCOMPARE(table.exitCode, 0);
    QVERIFY2(table.out.contains("rows failed"_L1) && table.out.contains("1,992"_L1), qPrintable(table.out));

    // The failed rows as CSV: the source's columns, then the error.
    const QString csvPath = m_dir.filePath(u"failed.csv"_s);
    const RunResult exported = cli(QStringList{u"failed"_s, broken, u"--output"_s, csvPath} + stateArgs);
    QVERIFY2(exported.exitCode == 0, qPrintable(exported.err));
    QVERIFY2(exported.err.contains("8 failed rows"_L1) && exported.err.contains("--retry-failed"_L1),
             qPrintable(exported.err));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QCOMPARE(lines.size(), 10); // header, 8 rows, the empty rest after the last line break
    QCOMPARE(lines.first().trimmed(),
             QByteArray("customer_id,email,first_name,last_name,phone,job_title,city,company,lifetime_value,"
                        "lead_source,signup_date,failed_source_row,failed_http_status,failed_code,"
                        "failed_message"));
    QVERIFY2(lines.at(1).startsWith("250,fail-") && lines.at(1).contains(",conversion,") &&
                 lines.at(1).contains("120 characters") && lines.at(1).contains("000250"),
             lines.at(1).constData());
    QVERIFY(lines.at(8).startsWith("2000,fail-"));

    // The warehouse is fixed; only the eight rows go again, in one request.
    const QString fixed = mapping(u"fail"_s, prefixedSampleQuery(prefix, 2000));
    run = cli(QStringList{u"run"_s, fixed, u"--retry-failed"_s} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.report.value("rowsRead"_L1).toInt(), 8);
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 8);
    QCOMPARE(run.report.value("requests"_L1).toInt(), 1);
    QVERIFY2(run.out.contains("the 8 rows that failed last time"_L1), qPrintable(run.out));
    checkAccounting(run.report);
    QVERIFY(!QTest::currentTestFailed());

    // Nothing to retry: said, and not a run of the history.
    const auto runsInHistory = [&] {
        const RunResult listed = cli(QStringList{u"history"_s, fixed, u"--json"_s} + stateArgs);
        return QJsonDocument::fromJson(listed.out.toUtf8()).array().size();
    };
    const qsizetype runsBefore = runsInHistory();
    QCOMPARE(runsBefore, 2); // the run with failed rows and the retry
    run = cli(QStringList{u"run"_s, fixed, u"--retry-failed"_s} + stateArgs);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("Nothing to retry"_L1), qPrintable(run.out));
    QCOMPARE(runsInHistory(), runsBefore);

    run = cli(QStringList{u"run"_s, fixed} + stateArgs);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 2000);
    QCOMPARE(run.report.value("requests"_L1).toInt(-1), 0);

    // The failed rows of an older run stay readable by number.
    const RunResult older =
        cli(QStringList{u"failed"_s, fixed, u"--run"_s, QString::number(failedRun), u"--keys-only"_s} +
            stateArgs);
    QCOMPARE(older.exitCode, 0);
    QVERIFY2(older.out.startsWith("customer_id,failed_source_row,failed_http_status,failed_code,"
                                  "failed_message"_L1) &&
                 older.out.count(u'\n') == 9,
             qPrintable(older.out));
}

void TestCliState::history_json_showsAKilledRunAsNotEnded()
{
    // A run killed before it could record its end: the history says it did not end, and the next run is
    // recorded after it.
    const QString prefix = u"killed-"_s;
    const QString path = mapping(u"killed"_s, prefixedSampleQuery(prefix, 3000));
    QProcess run;
    run.setProcessEnvironment(cliEnvironment());
    // Each answer 50 ms late: the run is still writing when the history shows its start.
    const HttpResult slow =
        request("PUT", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/faults"_s)),
                {{"Content-Type", "application/json"}}, R"({"delayRate":1.0,"delayMs":50})");
    QVERIFY2(slow.status >= 200 && slow.status < 300, slow.body.constData());
    run.start(QStringLiteral(D365_CLI_EXE),
              {u"--settings"_s, m_settings, u"run"_s, path, u"--state"_s, state(u"killed"_s),
               u"--batch-size"_s, u"100"_s, u"--concurrency"_s, u"1"_s});
    QVERIFY(run.waitForStarted());
    // Killed once the service has seen some of its rows.
    QVERIFY(QTest::qWaitFor(
        [&] {
            return !readRecords(m_sandbox, u"contacts?$select=contactid&$top=1&$filter=startswith("
                                           "emailaddress1,'%1')"_s.arg(prefix))
                        .isEmpty();
        },
        60000));
    run.kill();
    run.waitForFinished();
    request("DELETE", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/faults"_s)));

    const RunResult again = cli({u"run"_s, path, u"--state"_s, state(u"killed"_s)});
    QVERIFY2(again.exitCode == 0, qPrintable(again.out + again.err));
    const RunResult history = cli({u"history"_s, path, u"--json"_s, u"--state"_s, state(u"killed"_s)});
    const QJsonArray runs = QJsonDocument::fromJson(history.out.toUtf8()).array();
    QCOMPARE(runs.size(), 2);
    QVERIFY(runs.at(1).toObject().value("endedAt"_L1).isNull());
    QCOMPARE(runs.at(1).toObject().value("result"_L1).toString(), u"did not end (running, or killed)"_s);
    QCOMPARE(runs.at(0).toObject().value("exitCode"_L1).toInt(), 0);
    QCOMPARE(runs.at(0).toObject().value("rowsRead"_L1).toInt(), 3000);
}

void TestCliState::wrongCalls_exitTwoNamingTheFix_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString path = m_dir.filePath(u"wrong.json"_s);
    QTest::newRow("full and retry") << QStringList{u"run"_s, path, u"--full"_s, u"--retry-failed"_s}
                                    << u"exclude each other"_s;
    QTest::newRow("retry without state")
        << QStringList{u"run"_s, path, u"--retry-failed"_s, u"--state"_s, u"none"_s}
        << u"drop --state none"_s;
    QTest::newRow("history limit") << QStringList{u"history"_s, path, u"--limit"_s, u"0"_s}
                                   << u"--limit must be a whole number"_s;
    QTest::newRow("no such run") << QStringList{u"failed"_s, path,         u"--run"_s,
                                                u"99"_s,     u"--state"_s, m_dir.filePath(u"wrong.db"_s)}
                                 << u"There is no run 99"_s;
    QTest::newRow("never ran") << QStringList{u"failed"_s, path, u"--state"_s, m_dir.filePath(u"wrong.db"_s)}
                               << u"has not run yet"_s;
    QTest::newRow("run word") << QStringList{u"failed"_s, path, u"--run"_s, u"last"_s}
                              << u"--run must be a run number"_s;
    QTest::newRow("unwritable output")
        << QStringList{u"failed"_s, path, u"--output"_s, u"/proc/no/such/dir/f.csv"_s}
        << u"cannot be written"_s;
}

void TestCliState::wrongCalls_exitTwoNamingTheFix()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QVERIFY(!mapping(u"wrong"_s, prefixedSampleQuery(u"wrong-"_s, 10)).isEmpty());
    const RunResult result = cli(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(message), qPrintable(result.err));
}

void TestCliState::failed_warehouseGone_namesKeysOnly_andKeysOnlyStillWorks()
{
    const QString prefix = u"gone-"_s;
    const QStringList stateArgs{u"--state"_s, state(u"gone"_s)};
    const QString broken =
        mapping(u"gone"_s, prefixedSampleQuery(prefix, 100,
                                               {{u"first_name"_s, u"CASE WHEN customer_id = 7 THEN "
                                                                  "printf('%0300d', 7) ELSE first_name "
                                                                  "END"_s}}));
    const RunResult run = cli(QStringList{u"run"_s, broken} + stateArgs);
    QCOMPARE(run.report.value("failed"_L1).toInt(), 1);

    // The warehouse file moved away: the export says so and how to get the rows without it.
    const QString moved = mapping(u"gone"_s, prefixedSampleQuery(prefix, 100), [this](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"path"_s, m_dir.filePath(u"no-such-warehouse.db"_s));
        m.insert(u"source"_s, source);
    });
    // The state file of a mapping follows its identity (the warehouse file is part of it): --state keeps it.
    const RunResult refused = cli(QStringList{u"failed"_s, moved} + stateArgs);
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("no-such-warehouse.db"_L1) && refused.err.contains("--keys-only"_L1),
             qPrintable(refused.err));
    const RunResult keys = cli(QStringList{u"failed"_s, moved, u"--keys-only"_s} + stateArgs);
    QCOMPARE(keys.exitCode, 0);
    QVERIFY2(keys.out.contains("\n7,7,,conversion,"_L1), qPrintable(keys.out));
}

void TestCliState::dryRun_showsWhatWouldChange_writesNothing()
{
    const QString prefix = u"dry-"_s;
    const QStringList stateArgs{u"--state"_s, state(u"dry"_s)};
    RunResult run =
        cli(QStringList{u"run"_s, mapping(u"dry"_s, prefixedSampleQuery(prefix, 990))} + stateArgs);
    QCOMPARE(run.exitCode, 0);

    // Ten more rows, and five job titles changed in the warehouse.
    const QString changed =
        mapping(u"dry"_s, prefixedSampleQuery(prefix, 1000,
                                              {{u"job_title"_s, u"CASE WHEN customer_id % 200 = 0 THEN "
                                                                "'Previewed' ELSE job_title END"_s}}));
    run = cli(QStringList{u"run"_s, changed, u"--dry-run"_s} + stateArgs);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY(run.report.value("dryRun"_L1).toBool());
    QCOMPARE(run.report.value("created"_L1).toInt(), 10);
    QCOMPARE(run.report.value("updated"_L1).toInt(), 4); // rows 200…800; row 1000 is one of the new ones
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 986);
    QCOMPARE(run.report.value("requests"_L1).toInt(-1), 0);
    QVERIFY(run.report.value("readRequests"_L1).toInt() >= 1);
    QVERIFY2(run.out.contains("Preview (nothing written)"_L1) && run.out.contains("4 would be updated"_L1),
             qPrintable(run.out));
    QVERIFY2(run.out.contains("Would update row 200 (key 200):"_L1) && run.out.contains("\"Previewed\""_L1) &&
                 run.out.contains(u" → "_s),
             qPrintable(run.out));
    const QJsonArray preview = run.report.value("preview"_L1).toArray();
    QCOMPARE(preview.size(), 14);
    const QJsonObject first = preview.first().toObject();
    QCOMPARE(first.value("outcome"_L1).toString(), u"updated"_s);
    const QJsonObject column = first.value("columns"_L1).toArray().first().toObject();
    QCOMPARE(column.value("column"_L1).toString(), u"jobtitle"_s);
    QCOMPARE(column.value("after"_L1).toString(), u"Previewed"_s);
    QVERIFY(!column.value("before"_L1).toString().isEmpty());

    // Nothing was written, and neither the state nor the history moved: the run still sends all 14.
    QVERIFY(
        readRecords(m_sandbox, u"contacts?$select=contactid&$filter=jobtitle eq 'Previewed'"_s).isEmpty());
    const RunResult history = cli(QStringList{u"history"_s, changed, u"--json"_s} + stateArgs);
    QCOMPARE(QJsonDocument::fromJson(history.out.toUtf8()).array().size(), 1);
    run = cli(QStringList{u"run"_s, changed} + stateArgs);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 14);
    QCOMPARE(run.report.value("unchanged"_L1).toInt(), 986);
}

void TestCliState::dryRun_insertAndUpdateModes_nameTheRowsThatWouldFail()
{
    const QString prefix = u"drym-"_s;
    QCOMPARE(cli({u"run"_s, mapping(u"drym"_s, prefixedSampleQuery(prefix, 50)), u"--state"_s, u"none"_s})
                 .exitCode,
             0);
    const QString more = prefixedSampleQuery(prefix, 60);
    RunResult insert = cli(
        {u"run"_s, mapping(u"drym-insert"_s, more, [](QJsonObject &m) { m.insert(u"mode"_s, u"insert"_s); }),
         u"--dry-run"_s, u"--state"_s, u"none"_s});
    QCOMPARE(insert.exitCode, 1); // a run would fail rows
    QCOMPARE(insert.report.value("created"_L1).toInt(), 10);
    QCOMPARE(insert.report.value("failed"_L1).toInt(), 50);
    QVERIFY2(insert.err.contains("already exists"_L1), qPrintable(insert.err));
    RunResult update = cli(
        {u"run"_s, mapping(u"drym-update"_s, more, [](QJsonObject &m) { m.insert(u"mode"_s, u"update"_s); }),
         u"--dry-run"_s, u"--state"_s, u"none"_s});
    QCOMPARE(update.exitCode, 1);
    QCOMPARE(update.report.value("unchanged"_L1).toInt(), 50);
    QCOMPARE(update.report.value("failed"_L1).toInt(), 10);
    QVERIFY2(update.err.contains("Update mode does not create records"_L1), qPrintable(update.err));
    QCOMPARE(readRecords(m_sandbox,
                         u"contacts?$select=contactid&$filter=startswith(emailaddress1,'%1')"_s.arg(prefix))
                 .size(),
             50);
}

QTEST_GUILESS_MAIN(TestCliState)
#include "tst_clistate.moc"
