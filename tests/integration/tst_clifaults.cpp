// d365sync-cli against a sandbox org that misbehaves on purpose (its --faults, set per case through
// /_sandbox/faults): dropped connections after the service acted, 429 storms, 5xx bursts, tokens that expire
// mid-run, a server that never answers, a user without a privilege. After each run the org is read back: no
// row lost, none duplicated, none reported failed that landed, and every row read has exactly one outcome.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"
#include "common/sandboxsignin.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::testsupport;

namespace {

// What the CLI said, and the report it wrote (every run gets --report).
struct RunResult : CliResult
{
    QJsonObject report;
};

const QString AppSecret = u"faults-app-secret"_s;

} // namespace

class TestCliFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void run_droppedConnections_everyRowLandsOnceAndNoneIsReportedFailed_data();
    void run_droppedConnections_everyRowLandsOnceAndNoneIsReportedFailed();
    void run_throttleStorm_waitsRetryAfterAndCompletes();
    void run_serviceUnavailableBursts_retriedAndComplete();
    void run_tokenExpiresEveryFiveRequests_sixteenInFlight_completes();
    void run_tokenCannotBeRenewed_exitThreeAndEveryRowReadIsAccounted();
    void run_serverNeverAnswers_exitFourNamingHostAndTimeout();
    void validateAndRun_userWithoutCreateAccount_exitTwoBeforeAnyRowIsSent();

private:
    RunResult cli(const QStringList &arguments, const QProcessEnvironment &extra = {});
    QString writeMapping(const QString &prefix, const QString &mode, int rows,
                         const QString &writer = u"auto"_s);
    void setFaults(const QByteArray &json);
    int countContacts(const QString &prefix);

    SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    int m_reports = 0;
};

void TestCliFaults::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sandbox.start({u"--seed"_s, u"5028"_s, u"--client-secret"_s, AppSecret}));
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const RunResult added = cli(
        {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
}

void TestCliFaults::cleanup()
{
    setFaults({});
}

RunResult TestCliFaults::cli(const QStringList &arguments, const QProcessEnvironment &extra)
{
    QProcessEnvironment env = cliEnvironment();
    for (const QString &key : extra.keys()) {
        env.insert(key, extra.value(key));
    }
    QStringList all = arguments;
    const QString report = m_dir.filePath(u"report-%1.json"_s.arg(++m_reports));
    if (arguments.value(0) == "run"_L1) {
        all += {u"--report"_s, report};
    }
    RunResult result;
    static_cast<d365::testsupport::CliResult &>(result) = runCli(m_settings, all, env);
    QFile file(report);
    if (file.open(QIODevice::ReadOnly)) {
        result.report = QJsonDocument::fromJson(file.readAll()).object();
    }
    return result;
}

QString TestCliFaults::writeMapping(const QString &prefix, const QString &mode, int rows,
                                    const QString &writer)
{
    return writeSampleMapping(m_dir.filePath(prefix + u".json"_s), [&](QJsonObject &mapping) {
        QJsonObject source = mapping.value("source"_L1).toObject();
        source.insert(u"query"_s, prefixedSampleQuery(prefix, rows));
        mapping.insert(u"source"_s, source);
        mapping.insert(u"mode"_s, mode);
        mapping.insert(u"writer"_s, writer);
    });
}

void TestCliFaults::setFaults(const QByteArray &json)
{
    const QUrl url = m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/faults"_s));
    const HttpResult r = json.isEmpty() ? request("DELETE", url)
                                        : request("PUT", url, {{"Content-Type", "application/json"}}, json);
    QVERIFY2(r.status >= 200 && r.status < 300, r.body.constData());
}

int TestCliFaults::countContacts(const QString &prefix)
{
    return int(readRecords(m_sandbox,
                           u"contacts?$select=contactid&$filter=startswith(emailaddress1,'%1')"_s.arg(prefix))
                   .size());
}

void TestCliFaults::run_droppedConnections_everyRowLandsOnceAndNoneIsReportedFailed_data()
{
    QTest::addColumn<QString>("writer");
    QTest::addColumn<QString>("mode");
    QTest::newRow("UpsertMultiple") << u"bulk"_s << u"upsert"_s;
    QTest::newRow("CreateMultiple") << u"bulk"_s << u"insert"_s; // answers lost after the create
    QTest::newRow("$batch upsert") << u"batch"_s << u"upsert"_s;
    QTest::newRow("$batch insert") << u"batch"_s << u"insert"_s;
}

void TestCliFaults::run_droppedConnections_everyRowLandsOnceAndNoneIsReportedFailed()
{
    QFETCH(QString, writer);
    QFETCH(QString, mode);
    const QString prefix = u"drop-%1-%2-"_s.arg(writer, mode);
    const QString mapping = writeMapping(prefix, mode, 2000, writer);
    // A fifth of the requests is carried out, then the connection drops halfway through the answer.
    setFaults(R"({"dropRate":0.2})");
    const RunResult run = cli({u"run"_s, mapping, u"--batch-size"_s, u"100"_s, u"--concurrency"_s, u"4"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err.right(3000)));
    QCOMPARE(run.report.value("failed"_L1).toInt(-1), 0);
    const qint64 written = run.report.value("created"_L1).toInteger() +
                           run.report.value("updated"_L1).toInteger() +
                           run.report.value("upserted"_L1).toInteger();
    QCOMPARE(written, 2000);
    if (mode == "insert"_L1) {
        QCOMPARE(run.report.value("created"_L1).toInteger(), 2000); // our lost creates are ours, not "exists"
    }
    checkAccounting(run.report);
    setFaults({});
    QCOMPARE(countContacts(prefix), 2000);
}

void TestCliFaults::run_throttleStorm_waitsRetryAfterAndCompletes()
{
    const QString prefix = u"storm-"_s;
    setFaults(R"({"throttleNext":6,"retryAfter":1})");
    const RunResult run =
        cli({u"run"_s, writeMapping(prefix, u"upsert"_s, 2000), u"--batch-size"_s, u"200"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err.right(3000)));
    QVERIFY(run.report.value("throttled"_L1).toInt() >= 6);
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 2000);
    checkAccounting(run.report);
    setFaults({});
    QCOMPARE(countContacts(prefix), 2000);
}

void TestCliFaults::run_serviceUnavailableBursts_retriedAndComplete()
{
    const QString prefix = u"unavailable-"_s;
    setFaults(R"({"errorRate":0.15,"errorStatuses":[503,502]})");
    const RunResult run =
        cli({u"run"_s, writeMapping(prefix, u"upsert"_s, 2000), u"--batch-size"_s, u"100"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err.right(3000)));
    QCOMPARE(run.report.value("failed"_L1).toInt(-1), 0);
    checkAccounting(run.report);
    setFaults({});
    QCOMPARE(countContacts(prefix), 2000);
}

void TestCliFaults::run_tokenExpiresEveryFiveRequests_sixteenInFlight_completes()
{
    // An application user (client credentials) can renew its token: sixteen requests refused with the same
    // token share one renewal, and the run goes on.
    const QString prefix = u"expire16-"_s;
    setFaults(R"({"expireTokenAfter":5})");
    QProcessEnvironment env;
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, AppSecret);
    const RunResult run = cli({u"run"_s, writeMapping(prefix, u"upsert"_s, 2000), u"--batch-size"_s, u"50"_s,
                               u"--concurrency"_s, u"16"_s},
                              env);
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err.right(3000)));
    QCOMPARE(run.report.value("upserted"_L1).toInt(), 2000);
    checkAccounting(run.report);
    setFaults({});
    QCOMPARE(countContacts(prefix), 2000);
}

void TestCliFaults::run_tokenCannotBeRenewed_exitThreeAndEveryRowReadIsAccounted()
{
    // The sandbox's development token cannot be renewed: after 25 requests the run must stop, and say
    // exactly what happened to each row it had read, and that the rest was never read.
    const QString prefix = u"expire25-"_s;
    setFaults(R"({"expireTokenAfter":25})");
    const RunResult run = cli({u"run"_s, writeMapping(prefix, u"upsert"_s, 2000), u"--batch-size"_s, u"100"_s,
                               u"--concurrency"_s, u"1"_s});
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.err.contains("expired or is invalid"_L1) || run.err.contains("refused"_L1),
             qPrintable(run.err));
    checkAccounting(run.report);
    QVERIFY(!run.report.value("sourceComplete"_L1).toBool());
    QVERIFY(run.report.value("notRead"_L1).toInt() > 0);
    QVERIFY2(run.out.contains("not read"_L1), qPrintable(run.out));
    setFaults({});
    QCOMPARE(countContacts(prefix), run.report.value("upserted"_L1).toInt());
}

void TestCliFaults::run_serverNeverAnswers_exitFourNamingHostAndTimeout()
{
    // A server that accepts connections and never says a word (the kernel completes the handshakes).
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    const QString url = u"http://127.0.0.1:%1"_s.arg(silent.serverPort());
    QVERIFY(cli({u"profile"_s, u"add"_s, u"silent"_s, u"--url"_s, url, u"--sandbox"_s}).exitCode == 0);
    const RunResult run = cli({u"run"_s, writeMapping(u"silent-"_s, u"upsert"_s, 10), u"--profile"_s,
                               u"silent"_s, u"--timeout"_s, u"1"_s});
    QCOMPARE(run.exitCode, 4);
    QVERIFY2(run.err.contains("127.0.0.1"_L1) && run.err.contains("did not answer in time"_L1) &&
                 run.err.contains("1.0 s"_L1),
             qPrintable(run.err));
    QVERIFY2(!run.err.contains("cancelled"_L1), qPrintable(run.err)); // a timeout is not a cancel
    QCOMPARE(run.report.value("rowsRead"_L1).toInt(-1), 0);
}

void TestCliFaults::validateAndRun_userWithoutCreateAccount_exitTwoBeforeAnyRowIsSent()
{
    // alice's Salesperson role lacks prvCreateAccount: an upsert into accounts cannot create.
    const QByteArray token = signInAs(m_sandbox, u"alice@sandbox.onmicrosoft.com"_s);
    QVERIFY(!token.isEmpty());
    QJsonObject mapping{
        {u"version"_s, 1},
        {u"name"_s, u"Companies"_s},
        {u"source"_s, QJsonObject{{u"type"_s, u"sqlite"_s},
                                  {u"path"_s, QStringLiteral(D365_SAMPLE_DB)},
                                  {u"query"_s, u"SELECT DISTINCT company, 'PRIV-' || company AS number FROM "
                                               "customers WHERE company IS NOT NULL LIMIT 20"_s},
                                  {u"keyColumn"_s, u"number"_s}}},
        {u"target"_s, QJsonObject{{u"profile"_s, u"sandbox"_s},
                                  {u"entitySet"_s, u"accounts"_s},
                                  {u"matchKey"_s, QJsonArray{u"accountnumber"_s}}}},
        {u"fields"_s,
         QJsonArray{QJsonObject{{u"source"_s, u"company"_s}, {u"target"_s, u"name"_s}},
                    QJsonObject{{u"source"_s, u"number"_s}, {u"target"_s, u"accountnumber"_s}}}}};
    const QString path = m_dir.filePath(u"accounts.json"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(mapping).toJson());
    file.close();
    QProcessEnvironment env;
    env.insert(u"D365SYNC_ACCESS_TOKEN"_s, QString::fromLatin1(token));

    const RunResult validate = cli({u"validate"_s, path}, env);
    QCOMPARE(validate.exitCode, 2);
    QVERIFY2(validate.err.contains("prvCreateAccount"_L1) && validate.err.contains("account"_L1),
             qPrintable(validate.err));
    const RunResult run = cli({u"run"_s, path}, env);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("prvCreateAccount"_L1), qPrintable(run.err));
    QCOMPARE(run.report.value("requests"_L1).toInt(-1), 0);
    QCOMPARE(run.report.value("rowsRead"_L1).toInt(-1), 0);
    const HttpResult accounts =
        request("GET",
                m_sandbox.webApiUrl().resolved(
                    QUrl(u"accounts?$select=accountid&$filter=startswith(accountnumber,'PRIV-')"_s)),
                {{"Authorization", "Bearer test"}});
    QCOMPARE(accounts.json().object().value("value"_L1).toArray().size(), 0);
}

QTEST_GUILESS_MAIN(TestCliFaults)
#include "tst_clifaults.moc"
