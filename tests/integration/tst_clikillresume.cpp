// Crash safety of a sync: d365sync-cli is killed (SIGKILL, like `kill -9` or a power cut for the process) at
// random points of a 10,000-row run, 20 times per mode (upsert, insert, update), and started again. Each time
// the org must end exactly equal to the warehouse, no record may exist twice, the re-run may report no row
// failed (in insert mode the rows the killed run created are ours: created or unchanged, never "already
// exists"), and the history must hold the re-run with an outcome for every row and the killed run as not
// ended (a run killed while still starting may not have recorded itself; one killed after its last write may
// have recorded its end).
//
// A kill point is a number of write requests the sandbox has handled (its --request-log), drawn at random
// from 0 (during the checks before writing) to past the last; the sandbox answers every request 10 ms late,
// so many kills land between a write and its answer. The seed is printed; D365_KILL_SEED=<n> repeats a run's
// points.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::testsupport;

namespace {

constexpr int Rows = 10000;
constexpr int BatchSize = 100;
constexpr int KillsPerMode = 20;

struct Expected
{
    QString customerId;
    QString firstName;
    QString lastName;
    QString jobTitle;
};

} // namespace

class TestCliKillResume : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killAtRandomPoints_rerun_orgEqualsWarehouse_data();
    void killAtRandomPoints_rerun_orgEqualsWarehouse();

private:
    void startSandbox(const QString &mode);
    // Write requests (bulk messages and $batch) the sandbox has handled so far.
    int writesHandled();
    // The warehouse's rows by e-mail address (without a prefix), read once.
    void readWarehouse();

    SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QString m_requestLog;
    qint64 m_logOffset = 0;
    int m_writes = 0;
    QRandomGenerator m_random;
    QHash<QString, Expected> m_warehouse;
};

void TestCliKillResume::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settings = m_dir.filePath(u"settings.ini"_s);
    bool seeded = false;
    quint32 seed = qEnvironmentVariable("D365_KILL_SEED").toUInt(&seeded);
    if (!seeded) {
        seed = QRandomGenerator::global()->generate();
    }
    m_random.seed(seed);
    qInfo("kill points from seed %u (D365_KILL_SEED=%u repeats them)", seed, seed);
    readWarehouse();
}

void TestCliKillResume::startSandbox(const QString &mode)
{
    // A fresh org per mode: every round adds 10,000 records, and an org that only grows makes each round
    // slower (most of all under the sanitizers). The profile follows the new port.
    m_sandbox.stop();
    m_requestLog = m_dir.filePath(u"requests-%1.jsonl"_s.arg(mode));
    m_logOffset = 0;
    m_writes = 0;
    QVERIFY(m_sandbox.start(
        {u"--request-log"_s, m_requestLog, u"--faults"_s, u"{\"delayRate\":1.0,\"delayMs\":10}"_s}));
    const CliResult added = runCli(m_settings, {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s,
                                                m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
}

int TestCliKillResume::writesHandled()
{
    // The sandbox appends and flushes a line per request; read what is new since the last look.
    QFile log(m_requestLog);
    if (!log.open(QIODevice::ReadOnly) || !log.seek(m_logOffset)) {
        return m_writes;
    }
    const QByteArray fresh = log.readAll();
    const qsizetype complete = fresh.lastIndexOf('\n') + 1;
    for (const QByteArray &line : fresh.left(complete).split('\n')) {
        if (line.contains("\"method\":\"POST\"") && (line.contains("Multiple") || line.contains("$batch"))) {
            ++m_writes;
        }
    }
    m_logOffset += complete;
    return m_writes;
}

void TestCliKillResume::readWarehouse()
{
    {
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"warehouse"_s);
        db.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
        QVERIFY(db.open());
        QSqlQuery query(u"SELECT customer_id, email, first_name, last_name, job_title FROM customers WHERE "
                        "customer_id <= %1"_s.arg(Rows),
                        db);
        while (query.next()) {
            m_warehouse.insert(query.value(1).toString(),
                               {query.value(0).toString(), query.value(2).toString(),
                                query.value(3).toString(), query.value(4).toString()});
        }
    }
    QSqlDatabase::removeDatabase(u"warehouse"_s);
    QCOMPARE(m_warehouse.size(), Rows);
}

void TestCliKillResume::killAtRandomPoints_rerun_orgEqualsWarehouse_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("upsert") << u"upsert"_s;
    QTest::newRow("insert") << u"insert"_s;
    QTest::newRow("update") << u"update"_s;
}

void TestCliKillResume::killAtRandomPoints_rerun_orgEqualsWarehouse()
{
    QFETCH(QString, mode);
    startSandbox(mode);
    if (QTest::currentTestFailed())
        return;
    const bool update = mode == "update"_L1;
    int killedMidWrite = 0;
    for (int i = 0; i < KillsPerMode; ++i) {
        const QString prefix = u"k%1%2-"_s.arg(mode.left(3)).arg(i); // kups, kins, kupd: a state file each
        const QString writer = i % 2 == 0 ? u"bulk"_s : u"batch"_s;  // both writers, every mode
        const QString state = m_dir.filePath(prefix + u"state.db"_s);
        // Update mode works on one set of records, created once (as the warehouse has them); each round's
        // update run gives every job title a value of its own round, so every row is a change.
        const QString recordPrefix = update ? u"kupd-"_s : prefix;
        const QString jobTitle = u"U%1-"_s.arg(i);
        if (update && i == 0) {
            const QString create =
                writeSampleMapping(m_dir.filePath(prefix + u"create.json"_s), [&](QJsonObject &m) {
                    QJsonObject source = m.value("source"_L1).toObject();
                    source.insert(u"query"_s, prefixedSampleQuery(recordPrefix, Rows));
                    m.insert(u"source"_s, source);
                });
            const CliResult created = runCli(m_settings, {u"run"_s, create, u"--state"_s, u"none"_s});
            QVERIFY2(created.exitCode == 0, qPrintable(created.out + created.err));
        }
        const QString mapping = writeSampleMapping(m_dir.filePath(prefix + u".json"_s), [&](QJsonObject &m) {
            QJsonObject source = m.value("source"_L1).toObject();
            source.insert(u"query"_s,
                          prefixedSampleQuery(
                              recordPrefix, Rows,
                              update
                                  ? QList<QPair<QString, QString>>{{u"job_title"_s,
                                                                    u"'%1' || customer_id"_s.arg(jobTitle)}}
                                  : QList<QPair<QString, QString>>{}));
            m.insert(u"source"_s, source);
            m.insert(u"mode"_s, mode);
            m.insert(u"writer"_s, writer);
        });
        QVERIFY(!mapping.isEmpty());

        // The killed run.
        const int killAfter = int(m_random.bounded(Rows / BatchSize + 5)); // past the last: killed after it
        const int before = writesHandled();
        QProcess run;
        run.setProcessEnvironment(cliEnvironment());
        run.start(QStringLiteral(D365_CLI_EXE),
                  {u"--settings"_s, m_settings, u"run"_s, mapping, u"--state"_s, state, u"--batch-size"_s,
                   QString::number(BatchSize), u"--concurrency"_s, u"4"_s});
        QVERIFY(run.waitForStarted());
        while (run.state() == QProcess::Running && writesHandled() - before < killAfter) {
            run.waitForFinished(5); // the condition is the request log; this only lets the child run
        }
        const bool ranToEnd = run.state() != QProcess::Running;
        run.kill();
        run.waitForFinished();
        const int writesBeforeKill = writesHandled() - before;
        const QString killedErr = QString::fromUtf8(run.readAllStandardError().right(1500));
        if (!ranToEnd && writesBeforeKill > 0) {
            ++killedMidWrite; // the service had taken writes of this run, and more were to come
        }

        // The run again, to its end.
        const QString report = m_dir.filePath(prefix + u"report.json"_s);
        const CliResult again = runCli(m_settings, {u"run"_s, mapping, u"--state"_s, state, u"--batch-size"_s,
                                                    QString::number(BatchSize), u"--report"_s, report});
        const QString context =
            u"%1 #%2 (%3, killed after %4 write requests): "_s.arg(mode).arg(i).arg(writer).arg(
                writesBeforeKill);
        QVERIFY2(again.exitCode == 0, qPrintable(context + again.out + again.err.right(2000)));
        QFile reportFile(report);
        QVERIFY(reportFile.open(QIODevice::ReadOnly));
        const QJsonObject summary = QJsonDocument::fromJson(reportFile.readAll()).object();
        QCOMPARE(summary.value("rowsRead"_L1).toInt(), Rows);
        QVERIFY2(summary.value("failed"_L1).toInt(-1) == 0, qPrintable(context + again.err.right(2000)));
        checkAccounting(summary);
        if (QTest::currentTestFailed()) {
            qWarning("%s", qPrintable(context));
            return;
        }

        // The org holds exactly the warehouse: every row once, with its values.
        const QList<QJsonObject> records = readRecords(
            m_sandbox, u"contacts?$select=emailaddress1,firstname,lastname,jobtitle&$filter=startswith("
                       "emailaddress1,'%1')"_s.arg(recordPrefix));
        QVERIFY2(records.size() == Rows, qPrintable(context + u"%1 records"_s.arg(records.size())));
        QSet<QString> seen;
        for (const QJsonObject &record : records) {
            const QString email = record.value("emailaddress1"_L1).toString();
            QVERIFY2(!seen.contains(email), qPrintable(context + u"twice: "_s + email));
            seen.insert(email);
            const auto want = m_warehouse.constFind(email.mid(recordPrefix.size()));
            QVERIFY2(email.startsWith(recordPrefix) && want != m_warehouse.cend(),
                     qPrintable(context + u"not in the warehouse: "_s + email));
            QCOMPARE(record.value("firstname"_L1).toString(), want->firstName);
            QCOMPARE(record.value("lastname"_L1).toString(), want->lastName);
            QCOMPARE(record.value("jobtitle"_L1).toString(),
                     update ? jobTitle + want->customerId : want->jobTitle);
        }

        // The history: the re-run with every row's outcome, the killed run before it as not ended.
        const CliResult history = runCli(
            m_settings, {u"history"_s, mapping, u"--state"_s, state, u"--json"_s, u"--limit"_s, u"2"_s});
        const QJsonArray runs = QJsonDocument::fromJson(history.out.toUtf8()).array();
        // A run killed while it was still starting (before any write) may not have recorded itself.
        QVERIFY2(runs.size() == 2 || (runs.size() == 1 && writesBeforeKill == 0),
                 qPrintable(context + QString::fromUtf8(QJsonDocument(runs).toJson())));
        const QJsonObject last = runs.at(0).toObject();
        qint64 outcomes = 0;
        for (const char *name : {"created", "updated", "upserted", "unchanged", "failed", "skipped"}) {
            outcomes += last.value(QLatin1StringView(name)).toInteger();
        }
        QCOMPARE(outcomes, qint64(Rows));
        QCOMPARE(last.value("exitCode"_L1).toInt(), 0);
        if (!ranToEnd && runs.size() == 2) {
            // Killed runs have no end recorded — unless the kill came after the last write, when the run may
            // have recorded its end just before it was killed.
            QVERIFY2(runs.at(1).toObject().value("endedAt"_L1).isNull() ||
                         writesBeforeKill >= Rows / BatchSize,
                     qPrintable(context + QString::fromUtf8(QJsonDocument(runs).toJson()) + killedErr));
        }
    }
    qInfo("%s: %d of %d kills landed while rows were being written", qPrintable(mode), killedMidWrite,
          KillsPerMode);
    // The kill points are request counts inside the run; at least some of them must have interrupted writing,
    // or this test would not test what it says.
    QVERIFY(killedMidWrite > 0);
}

QTEST_GUILESS_MAIN(TestCliKillResume)
#include "tst_clikillresume.moc"
