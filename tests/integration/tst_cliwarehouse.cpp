// d365sync-cli's warehouse connections, end to end: `warehouse add|list|show|test|remove|set-password`
// against the real keychain (installer/test.sh's gnome-keyring) and the test PostgreSQL server, a postgresql
// mapping validated and run with the password from the keychain, and every warehouse problem — unknown
// connection, unreachable server, refused sign-in, missing database, bad SQL, ODBC driver not installed, a
// CSV file with a bad record — refused by `validate` and `run` with exit code 2, a message that says what to
// fix, and nothing written to the org.

#include "common/cliprocess.h"
#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::CliResult;
using d365::testsupport::runCli;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

int closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const int port = server.serverPort();
    server.close();
    return port;
}

} // namespace

class TestCliWarehouse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void addListShowRemove_roundTripWithoutAnySecret();
    void setPasswordThenTest_connectsWithTheKeychainPassword();
    void test_wrongPassword_exitTwoSaysHowToFixWithoutEchoingIt();
    void test_environmentVariable_winsOverTheKeychain();
    void setPassword_nothingOnStdin_exitTwo();
    void add_invalid_exitTwoNamesTheProblem_data();
    void add_invalid_exitTwoNamesTheProblem();
    void unknownName_exitTwoListsTheKnownOnes();
    void everyWarehouseCommand_help_printsItsOwnHelp_data();
    void everyWarehouseCommand_help_printsItsOwnHelp();
    void validateAndRun_postgresqlMapping_keychainPassword_syncsEveryRow();
    void failed_postgresqlMapping_exportsFailedRowsInTheSourceShape();
    void validateAndRun_warehouseProblem_exitTwoNothingWritten_data();
    void validateAndRun_warehouseProblem_exitTwoNothingWritten();

private:
    CliResult cli(const QStringList &arguments, const QByteArray &stdinData = {},
                  const QProcessEnvironment &environment = {});
    QString writeMapping(const QString &name, const QJsonObject &source);
    int contactCount();

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QSqlDatabase m_admin;
};

CliResult TestCliWarehouse::cli(const QStringList &arguments, const QByteArray &stdinData,
                                const QProcessEnvironment &environment)
{
    return runCli(m_settings, arguments, environment, stdinData, 120000);
}

QString TestCliWarehouse::writeMapping(const QString &name, const QJsonObject &source)
{
    const QJsonObject mapping{
        {u"version"_s, 1},
        {u"source"_s, source},
        {u"target"_s, QJsonObject{{u"profile"_s, u"sandbox"_s},
                                  {u"entitySet"_s, u"contacts"_s},
                                  {u"matchKey"_s, QJsonArray{u"emailaddress1"_s}}}},
        {u"fields"_s, QJsonArray{QJsonObject{{u"source"_s, u"email"_s}, {u"target"_s, u"emailaddress1"_s}},
                                 QJsonObject{{u"source"_s, u"last_name"_s}, {u"target"_s, u"lastname"_s}}}}};
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(QJsonDocument(mapping).toJson());
    return path;
}

int TestCliWarehouse::contactCount()
{
    int count = 0;
    QUrl url = m_sandbox.webApiUrl().resolved(QUrl(u"contacts?$select=contactid"_s));
    while (url.isValid()) {
        const auto r = d365::testsupport::request(
            "GET", url, {{"Authorization", "Bearer test"}, {"Prefer", "odata.maxpagesize=5000"}});
        if (r.status != 200)
            return -1;
        count += int(r.json().object().value("value"_L1).toArray().size());
        const QString next = r.json().object().value("@odata.nextLink"_L1).toString();
        url = next.isEmpty() ? QUrl() : QUrl(next);
    }
    return count;
}

void TestCliWarehouse::initTestCase()
{
    // installer/test.sh (the README's test command, and CI) always starts the PostgreSQL server and
    // sets D365SYNC_TEST_PG_*, so there this never skips; it only spares a developer who runs this
    // binary by hand without one a wall of connection failures.
    if (env("D365SYNC_TEST_PG_PORT").isEmpty())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    QVERIFY(m_dir.isValid());
    m_settings = m_dir.filePath(u"settings.ini"_s);
    QVERIFY(m_sandbox.start());
    const CliResult added = cli(
        {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));

    m_admin = QSqlDatabase::addDatabase(u"QPSQL"_s, u"admin"_s);
    m_admin.setHostName(env("D365SYNC_TEST_PG_SOCKET"));
    m_admin.setPort(env("D365SYNC_TEST_PG_PORT").toInt());
    m_admin.setDatabaseName(env("D365SYNC_TEST_PG_DATABASE"));
    m_admin.setUserName(u"postgres"_s);
    QVERIFY2(m_admin.open(), qPrintable(m_admin.lastError().text()));
    QSqlQuery q(m_admin);
    QVERIFY(q.exec(u"DROP TABLE IF EXISTS tst_cliwarehouse_people"_s));
    QVERIFY(q.exec(
        u"CREATE TABLE tst_cliwarehouse_people (id integer PRIMARY KEY, email text, last_name text)"_s));
    QVERIFY(q.exec(u"INSERT INTO tst_cliwarehouse_people SELECT g, 'pg.person' || g || '@example.com', "
                   "'Müller ' || g FROM generate_series(1, 5) g"_s));
    QVERIFY(q.exec(u"GRANT SELECT ON tst_cliwarehouse_people TO "_s + env("D365SYNC_TEST_PG_USER")));

    // Two connections to the test server: "pg" with the right password in the keychain, "pg-wrong" with a
    // wrong one.
    for (const auto &[name, password] : {std::pair{u"pg"_s, env("D365SYNC_TEST_PG_PASSWORD")},
                                         std::pair{u"pg-wrong"_s, u"not-the-password-42"_s}}) {
        const CliResult connection =
            cli({u"warehouse"_s, u"add"_s, name, u"--kind"_s, u"postgresql"_s, u"--host"_s,
                 env("D365SYNC_TEST_PG_HOST"), u"--port"_s, env("D365SYNC_TEST_PG_PORT"), u"--database"_s,
                 env("D365SYNC_TEST_PG_DATABASE"), u"--user"_s, env("D365SYNC_TEST_PG_USER"),
                 u"--password-stdin"_s},
                password.toUtf8() + '\n');
        QVERIFY2(connection.exitCode == 0, qPrintable(connection.err));
    }
}

void TestCliWarehouse::cleanupTestCase()
{
    if (!m_admin.isValid())
        return;
    {
        QSqlQuery q(m_admin);
        q.exec(u"DROP TABLE IF EXISTS tst_cliwarehouse_people"_s);
    }
    m_admin.close();
    m_admin = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"admin"_s);
}

void TestCliWarehouse::addListShowRemove_roundTripWithoutAnySecret()
{
    const CliResult added = cli({u"warehouse"_s, u"add"_s, u"tmp"_s, u"--kind"_s, u"odbc"_s, u"--driver"_s,
                                 u"PostgreSQL Unicode"_s, u"--host"_s, u"db.example.com"_s, u"--port"_s,
                                 u"5433"_s, u"--database"_s, u"sales"_s, u"--user"_s, u"sync"_s,
                                 u"--options"_s, u"SSLMode=require"_s, u"--password-stdin"_s},
                                "Tr0ub4dor&3 with spaces \n");
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    QVERIFY2(added.err.contains(u"Saved warehouse connection 'tmp' (odbc {PostgreSQL Unicode} "
                                "sync@db.example.com:5433/sales)"_s),
             qPrintable(added.err));
    QVERIFY(added.err.contains(u"Stored the password of warehouse connection 'tmp' in the keychain"_s));

    const CliResult list = cli({u"warehouse"_s, u"list"_s});
    QCOMPARE(list.exitCode, 0);
    QVERIFY2(list.out.contains(u"tmp\todbc\todbc {PostgreSQL Unicode} sync@db.example.com:5433/sales\n"_s),
             qPrintable(list.out));

    const CliResult show = cli({u"warehouse"_s, u"show"_s, u"tmp"_s});
    QCOMPARE(show.exitCode, 0);
    for (const QString &line :
         {u"name: tmp"_s, u"kind: odbc"_s, u"driver: PostgreSQL Unicode"_s, u"host: db.example.com"_s,
          u"port: 5433"_s, u"database: sales"_s, u"user: sync"_s, u"options: SSLMode=require"_s,
          u"password: in the keychain"_s})
        QVERIFY2(show.out.contains(line + u'\n'), qPrintable(show.out));

    QFile settings(m_settings);
    QVERIFY(settings.open(QIODevice::ReadOnly));
    const QByteArray stored = settings.readAll();
    QVERIFY2(!stored.contains("Tr0ub4dor"), stored.constData());
    for (const CliResult &r : {added, list, show})
        QVERIFY(!QString(r.out + r.err).contains(u"Tr0ub4dor"_s));

    const CliResult removed = cli({u"warehouse"_s, u"remove"_s, u"tmp"_s});
    QVERIFY2(removed.exitCode == 0, qPrintable(removed.err));
    QVERIFY(removed.err.contains(u"Removed warehouse connection 'tmp'"_s));
    QVERIFY(!cli({u"warehouse"_s, u"list"_s}).out.contains(u"tmp\t"_s));
    // The password went with it: added again, the connection has none.
    QCOMPARE(cli({u"warehouse"_s, u"add"_s, u"tmp"_s, u"--kind"_s, u"postgresql"_s, u"--host"_s, u"h"_s,
                  u"--database"_s, u"d"_s})
                 .exitCode,
             0);
    QVERIFY(cli({u"warehouse"_s, u"show"_s, u"tmp"_s}).out.contains(u"password: none stored"_s));
    QCOMPARE(cli({u"warehouse"_s, u"remove"_s, u"tmp"_s}).exitCode, 0);
}

void TestCliWarehouse::setPasswordThenTest_connectsWithTheKeychainPassword()
{
    const CliResult added =
        cli({u"warehouse"_s, u"add"_s, u"pg-set"_s, u"--kind"_s, u"postgresql"_s, u"--host"_s,
             env("D365SYNC_TEST_PG_HOST"), u"--port"_s, env("D365SYNC_TEST_PG_PORT"), u"--database"_s,
             env("D365SYNC_TEST_PG_DATABASE"), u"--user"_s, env("D365SYNC_TEST_PG_USER")});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    QVERIFY(added.err.contains(u"warehouse set-password pg-set"_s));
    const CliResult before = cli({u"warehouse"_s, u"test"_s, u"pg-set"_s});
    QCOMPARE(before.exitCode, 2);
    QVERIFY2(before.err.contains(u"asks for a password"_s), qPrintable(before.err));
    const CliResult set = cli({u"warehouse"_s, u"set-password"_s, u"pg-set"_s},
                              env("D365SYNC_TEST_PG_PASSWORD").toUtf8() + '\n');
    QVERIFY2(set.exitCode == 0, qPrintable(set.err));
    const CliResult test = cli({u"warehouse"_s, u"test"_s, u"pg-set"_s});
    QVERIFY2(test.exitCode == 0, qPrintable(test.out + test.err));
    QVERIFY2(test.out.startsWith(u"Connected to PostgreSQL 1"_s), qPrintable(test.out));
    QVERIFY2(test.out.contains(u"password from the keychain"_s), qPrintable(test.out));

    // The same server through the PostgreSQL ODBC driver.
    const CliResult odbc =
        cli({u"warehouse"_s, u"add"_s, u"pg-odbc"_s, u"--kind"_s, u"odbc"_s, u"--driver"_s,
             u"PostgreSQL Unicode"_s, u"--host"_s, env("D365SYNC_TEST_PG_HOST"), u"--port"_s,
             env("D365SYNC_TEST_PG_PORT"), u"--database"_s, env("D365SYNC_TEST_PG_DATABASE"), u"--user"_s,
             env("D365SYNC_TEST_PG_USER"), u"--password-stdin"_s},
            env("D365SYNC_TEST_PG_PASSWORD").toUtf8());
    QVERIFY2(odbc.exitCode == 0, qPrintable(odbc.err));
    const CliResult odbcTest = cli({u"warehouse"_s, u"test"_s, u"pg-odbc"_s});
    QVERIFY2(odbcTest.exitCode == 0, qPrintable(odbcTest.out + odbcTest.err));
    QVERIFY2(odbcTest.out.contains(u"ODBC driver PostgreSQL Unicode"_s), qPrintable(odbcTest.out));
}

void TestCliWarehouse::test_wrongPassword_exitTwoSaysHowToFixWithoutEchoingIt()
{
    const CliResult test = cli({u"warehouse"_s, u"test"_s, u"pg-wrong"_s});
    QCOMPARE(test.exitCode, 2);
    QVERIFY2(test.err.contains(u"refused the sign-in of user '%1'"_s.arg(env("D365SYNC_TEST_PG_USER"))),
             qPrintable(test.err));
    QVERIFY(test.err.contains(u"warehouse set-password pg-wrong"_s));
    QVERIFY(test.err.contains(u"D365SYNC_WAREHOUSE_PASSWORD_PG_WRONG"_s));
    QVERIFY(!QString(test.out + test.err).contains(u"not-the-password-42"_s));
}

void TestCliWarehouse::test_environmentVariable_winsOverTheKeychain()
{
    QProcessEnvironment environment = d365::testsupport::cliEnvironment();
    environment.insert(u"D365SYNC_WAREHOUSE_PASSWORD_PG_WRONG"_s, env("D365SYNC_TEST_PG_PASSWORD"));
    const CliResult test = cli({u"warehouse"_s, u"test"_s, u"pg-wrong"_s}, {}, environment);
    QVERIFY2(test.exitCode == 0, qPrintable(test.err));
    QVERIFY2(test.out.contains(u"password from D365SYNC_WAREHOUSE_PASSWORD_PG_WRONG"_s),
             qPrintable(test.out));
    const CliResult show = cli({u"warehouse"_s, u"show"_s, u"pg-wrong"_s}, {}, environment);
    QVERIFY(show.out.contains(u"password: from D365SYNC_WAREHOUSE_PASSWORD_PG_WRONG"_s));
}

void TestCliWarehouse::setPassword_nothingOnStdin_exitTwo()
{
    const CliResult set = cli({u"warehouse"_s, u"set-password"_s, u"pg-set"_s}, "");
    QCOMPARE(set.exitCode, 2);
    QVERIFY2(set.err.contains(u"no password on stdin"_s), qPrintable(set.err));
    QVERIFY(set.err.contains(u"never taken from the arguments"_s));
}

void TestCliWarehouse::add_invalid_exitTwoNamesTheProblem_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("problem");
    const QStringList base = {u"warehouse"_s, u"add"_s, u"bad"_s};
    QTest::newRow("no kind") << base << u"needs --kind postgresql or --kind odbc"_s;
    QTest::newRow("sqlite is a file") << (base + QStringList{u"--kind"_s, u"sqlite"_s})
                                      << u"--kind must be postgresql or odbc, not 'sqlite'"_s;
    QTest::newRow("password in the options")
        << (base + QStringList{u"--kind"_s, u"postgresql"_s, u"--host"_s, u"h"_s, u"--database"_s, u"d"_s,
                               u"--options"_s, u"sslmode=require;password=x"_s})
        << u"the options contain a password"_s;
    QTest::newRow("odbc without driver or DSN")
        << (base + QStringList{u"--kind"_s, u"odbc"_s, u"--host"_s, u"h"_s})
        << u"needs either an ODBC driver"_s;
    QTest::newRow("port") << (base + QStringList{u"--kind"_s, u"postgresql"_s, u"--host"_s, u"h"_s,
                                                 u"--database"_s, u"d"_s, u"--port"_s, u"99999"_s})
                          << u"--port must be a TCP port"_s;
    QTest::newRow("name") << QStringList{u"warehouse"_s, u"add"_s,        u"a/b"_s,
                                         u"--kind"_s,    u"postgresql"_s, u"--host"_s,
                                         u"h"_s,         u"--database"_s, u"d"_s}
                          << u"not a valid warehouse connection name"_s;
}

void TestCliWarehouse::add_invalid_exitTwoNamesTheProblem()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, problem);
    const CliResult r = cli(arguments);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(problem), qPrintable(r.err));
    QVERIFY(!cli({u"warehouse"_s, u"list"_s}).out.contains(u"bad\t"_s));
}

void TestCliWarehouse::unknownName_exitTwoListsTheKnownOnes()
{
    for (const QString &sub : {u"show"_s, u"test"_s, u"remove"_s, u"set-password"_s}) {
        const CliResult r = cli({u"warehouse"_s, sub, u"nope"_s}, "x\n");
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(u"No warehouse connection named 'nope'. Known warehouse connections: "_s),
                 qPrintable(r.err));
    }
}

void TestCliWarehouse::everyWarehouseCommand_help_printsItsOwnHelp_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("usage");
    QTest::newRow("warehouse --help")
        << QStringList{u"warehouse"_s, u"--help"_s} << u"warehouse add|list|show|test|remove|set-password"_s;
    QTest::newRow("help warehouse") << QStringList{u"help"_s, u"warehouse"_s}
                                    << u"warehouse add|list|show|test|remove|set-password"_s;
    QTest::newRow("add") << QStringList{u"warehouse"_s, u"add"_s, u"--help"_s}
                         << u"warehouse add <name> --kind postgresql|odbc"_s;
    QTest::newRow("list") << QStringList{u"warehouse"_s, u"list"_s, u"-h"_s} << u"warehouse list"_s;
    for (const QString &sub : {u"show"_s, u"test"_s, u"remove"_s, u"set-password"_s}) {
        QTest::addRow("%s", qPrintable(sub))
            << QStringList{u"warehouse"_s, sub, u"--help"_s} << u"warehouse %1 <name>"_s.arg(sub);
        QTest::addRow("help warehouse %s", qPrintable(sub))
            << QStringList{u"help"_s, u"warehouse"_s, sub} << u"warehouse %1 <name>"_s.arg(sub);
    }
}

void TestCliWarehouse::everyWarehouseCommand_help_printsItsOwnHelp()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, usage);
    const CliResult r = cli(arguments);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.startsWith(u"Usage: d365sync-cli "_s + usage), qPrintable(r.out));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
}

void TestCliWarehouse::validateAndRun_postgresqlMapping_keychainPassword_syncsEveryRow()
{
    // "pg" has its password in the keychain (initTestCase). validate opens the source on the main thread
    // (with the password read before the command started), run on its worker thread.
    const QString mapping = writeMapping(
        u"pg.json"_s,
        QJsonObject{{u"type"_s, u"postgresql"_s},
                    {u"connection"_s, u"pg"_s},
                    {u"query"_s, u"SELECT id, email, last_name FROM tst_cliwarehouse_people ORDER BY id"_s},
                    {u"keyColumn"_s, u"id"_s}});
    const CliResult validate = cli({u"validate"_s, mapping});
    QVERIFY2(validate.exitCode == 0, qPrintable(validate.out + validate.err));
    const int before = contactCount();
    const CliResult run = cli({u"run"_s, mapping});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY2(run.out.contains(u"5 upserted, 0 failed"_s), qPrintable(run.out));
    QVERIFY2(run.err.contains(u"from PostgreSQL connection \"pg\" into contacts"_s), qPrintable(run.err));
    QCOMPARE(contactCount(), before + 5);
    const auto r = d365::testsupport::request(
        "GET",
        m_sandbox.webApiUrl().resolved(
            QUrl(u"contacts?$select=lastname&$filter=emailaddress1 eq 'pg.person3@example.com'"_s)),
        {{"Authorization", "Bearer test"}});
    QCOMPARE(r.json().object().value("value"_L1).toArray().first().toObject().value("lastname"_L1).toString(),
             u"Müller 3"_s);
}

void TestCliWarehouse::failed_postgresqlMapping_exportsFailedRowsInTheSourceShape()
{
    // Row 100's last name is longer than the column's 50 characters: it fails, the other five are synced.
    // `failed` reads the warehouse again (on the main thread, with the keychain password read before the
    // command started) to write that row with all its source columns.
    const QString mapping = writeMapping(
        u"pg-failed.json"_s,
        QJsonObject{{u"type"_s, u"postgresql"_s},
                    {u"connection"_s, u"pg"_s},
                    {u"query"_s, u"SELECT id, email, last_name FROM tst_cliwarehouse_people UNION ALL "
                                 "SELECT 100, 'pg.long@example.com', repeat('x', 60) ORDER BY id"_s},
                    {u"keyColumn"_s, u"id"_s}});
    const CliResult run = cli({u"run"_s, mapping});
    QVERIFY2(run.exitCode != 0 && run.out.contains(u"1 failed"_s), qPrintable(run.out + run.err));

    const QString csv = m_dir.filePath(u"pg-failed.csv"_s);
    const CliResult failed = cli({u"failed"_s, mapping, u"--output"_s, csv});
    QVERIFY2(failed.exitCode == 0, qPrintable(failed.out + failed.err));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2); // the header and row 100
    QVERIFY2(lines.at(0).startsWith("id,email,last_name,"), lines.at(0).constData());
    QVERIFY2(lines.at(1).startsWith(QByteArray("100,pg.long@example.com," + QByteArray(60, 'x') + ',')),
             lines.at(1).constData());
    const QString password = env("D365SYNC_TEST_PG_PASSWORD");
    QVERIFY(!password.isEmpty());
    QVERIFY2(!failed.out.contains(password) && !failed.err.contains(password),
             "the warehouse password must not be printed");
}

void TestCliWarehouse::validateAndRun_warehouseProblem_exitTwoNothingWritten_data()
{
    QTest::addColumn<QStringList>("setup"); // a `warehouse add` command line, or empty
    QTest::addColumn<QJsonObject>("source");
    QTest::addColumn<QString>("csv"); // content of bad.csv, when the source reads it
    QTest::addColumn<QStringList>("expected");

    const QString host = env("D365SYNC_TEST_PG_HOST");
    const QString port = env("D365SYNC_TEST_PG_PORT");
    const QString database = env("D365SYNC_TEST_PG_DATABASE");
    const QString user = env("D365SYNC_TEST_PG_USER");
    const QString query = u"SELECT id, email, last_name FROM tst_cliwarehouse_people ORDER BY id"_s;
    const auto pgSource = [&](const QString &connection, const QString &sql) {
        return QJsonObject{{u"type"_s, u"postgresql"_s},
                           {u"connection"_s, connection},
                           {u"query"_s, sql},
                           {u"keyColumn"_s, u"id"_s}};
    };
    const auto pgAdd = [&](const QString &name, const QStringList &changes) {
        QStringList add = {u"warehouse"_s,
                           u"add"_s,
                           name,
                           u"--kind"_s,
                           u"postgresql"_s,
                           u"--host"_s,
                           host,
                           u"--port"_s,
                           port,
                           u"--database"_s,
                           database,
                           u"--user"_s,
                           user,
                           u"--password-stdin"_s};
        for (qsizetype i = 0; i + 1 < changes.size(); i += 2)
            add[add.indexOf(changes.at(i)) + 1] = changes.at(i + 1);
        return add;
    };

    QTest::newRow("unknown connection")
        << QStringList() << pgSource(u"nope"_s, query) << QString()
        << QStringList{u"No warehouse connection named 'nope'"_s, u"d365sync-cli warehouse add nope"_s};
    QTest::newRow("unreachable server")
        << pgAdd(u"pg-closed"_s, {u"--port"_s, QString::number(closedPort())})
        << pgSource(u"pg-closed"_s, query) << QString()
        << QStringList{u"Cannot reach the warehouse server"_s, u"Connection refused"_s};
    QTest::newRow("refused sign-in") << QStringList() << pgSource(u"pg-wrong"_s, query) << QString()
                                     << QStringList{u"refused the sign-in of user"_s,
                                                    u"warehouse set-password pg-wrong"_s};
    QTest::newRow("missing database")
        << pgAdd(u"pg-nodb"_s, {u"--database"_s, u"no_such_db"_s}) << pgSource(u"pg-nodb"_s, query)
        << QString() << QStringList{u"The database 'no_such_db' does not exist"_s};
    QTest::newRow("bad SQL")
        << QStringList() << pgSource(u"pg"_s, u"SELECT id, emial FROM tst_cliwarehouse_people"_s) << QString()
        << QStringList{u"column \"emial\" does not exist (at line 1, column 12 of source.query)"_s,
                       u"Fix source.query"_s};
    QTest::newRow("ODBC driver not installed")
        << QStringList{u"warehouse"_s, u"add"_s,    u"odbc-missing"_s,
                       u"--kind"_s,    u"odbc"_s,   u"--driver"_s,
                       u"Snowflake"_s, u"--host"_s, u"acme.snowflakecomputing.com"_s}
        << QJsonObject{{u"type"_s, u"odbc"_s},
                       {u"connection"_s, u"odbc-missing"_s},
                       {u"query"_s, query},
                       {u"keyColumn"_s, u"id"_s}}
        << QString()
        << QStringList{u"The ODBC driver \"Snowflake\""_s, u"is not installed"_s, u"snowflake-odbc"_s};
    QTest::newRow("connection of another kind")
        << QStringList()
        << QJsonObject{{u"type"_s, u"odbc"_s},
                       {u"connection"_s, u"pg"_s},
                       {u"query"_s, query},
                       {u"keyColumn"_s, u"id"_s}}
        << QString() << QStringList{u"'pg' is a postgresql connection, but source.type is \"odbc\""_s};
    const QJsonObject csvSource{{u"type"_s, u"csv"_s}, {u"path"_s, u"bad.csv"_s}, {u"keyColumn"_s, u"id"_s}};
    QTest::newRow("CSV record with an extra field")
        << QStringList() << csvSource
        << u"id,email,last_name\n1,a@example.com,A\n2,b@example.com,B\n3,\"c@example.com\",C\n4,d@example.com,\"D\",x\n"_s
        << QStringList{u"bad record on line 5"_s, u"4 fields, but the header has 3 columns"_s};
    QTest::newRow("CSV quote never closed")
        << QStringList() << csvSource
        << u"id,email,last_name\n1,a@example.com,A\n2,\"b@example.com,B\n3,c,C\n"_s
        << QStringList{u"bad record on line 3"_s, u"never closed"_s};
    QTest::newRow("CSV file missing")
        << QStringList()
        << QJsonObject{{u"type"_s, u"csv"_s}, {u"path"_s, u"missing.csv"_s}, {u"keyColumn"_s, u"id"_s}}
        << QString() << QStringList{u"missing.csv\" does not exist"_s};
}

void TestCliWarehouse::validateAndRun_warehouseProblem_exitTwoNothingWritten()
{
    QFETCH(QStringList, setup);
    QFETCH(QJsonObject, source);
    QFETCH(QString, csv);
    QFETCH(QStringList, expected);
    if (!setup.isEmpty()) {
        const CliResult added = cli(setup, env("D365SYNC_TEST_PG_PASSWORD").toUtf8() + '\n');
        QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    }
    if (!csv.isEmpty()) {
        QFile file(m_dir.filePath(u"bad.csv"_s));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(csv.toUtf8());
    }
    const QString mapping = writeMapping(u"problem.json"_s, source);
    // The password of "pg" is in the keychain; the others have none (or a wrong one, "pg-wrong").
    const int before = contactCount();
    QVERIFY(before >= 0);
    for (const QString &command : {u"validate"_s, u"run"_s}) {
        const CliResult r = cli({command, mapping});
        QVERIFY2(r.exitCode == 2, qPrintable(command + u": exit %1\n"_s.arg(r.exitCode) + r.out + r.err));
        for (const QString &part : expected)
            QVERIFY2(r.err.contains(part),
                     qPrintable(command + u": missing \""_s + part + u"\" in:\n"_s + r.err));
        QVERIFY(!QString(r.out + r.err).contains(env("D365SYNC_TEST_PG_PASSWORD")));
    }
    QCOMPARE(contactCount(), before);
}

QTEST_GUILESS_MAIN(TestCliWarehouse)
#include "tst_cliwarehouse.moc"
