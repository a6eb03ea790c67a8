// The 10,000 sample customers in each of the four warehouse kinds — the SQLite sample, customers.csv, and a
// PostgreSQL table read through QPSQL and through the PostgreSQL ODBC driver — synced by d365sync-cli into a
// fresh sandbox org each: the runs must end identically (exit code, counts, writer, requests) and leave
// identical org contents (every contact, every mapped column).
//
// The PostgreSQL table is typed like a real warehouse (integer, text, numeric(10,2), date), so the kinds
// deliver different Qt types for the same value (SQLite text dates and doubles, CSV hints, QPSQL QDate and
// double, psqlODBC's own); the outcome must not depend on that.

#include "common/cliprocess.h"
#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using d365::testsupport::CliResult;
using d365::testsupport::runCli;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

const QString columns = u"customer_id, first_name, last_name, email, phone, company, job_title, city, "
                        "lifetime_value, lead_source, signup_date"_s;

struct Outcome
{
    int exitCode = -1;
    QJsonObject report;  // the counts of the run's JSON report
    QJsonArray contacts; // every contact's mapped columns, sorted by e-mail
};

} // namespace

class TestWarehouseKinds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void sync_sampleInEveryKind_sameOutcomeAndOrgContentsAsSqlite_data();
    void sync_sampleInEveryKind_sameOutcomeAndOrgContentsAsSqlite();

private:
    bool loadSampleIntoPostgres();
    QString writeMapping(const QString &name, const QJsonObject &source);
    Outcome syncIntoFreshOrg(const QString &mapping);

    QTemporaryDir m_dir;
    QString m_settings;
    QSqlDatabase m_admin;
    QProcessEnvironment m_environment;
    Outcome m_sqlite;
};

bool TestWarehouseKinds::loadSampleIntoPostgres()
{
    QSqlQuery ddl(m_admin);
    if (!ddl.exec(u"DROP TABLE IF EXISTS tst_warehousekinds_customers"_s) ||
        !ddl.exec(
            u"CREATE TABLE tst_warehousekinds_customers (customer_id integer PRIMARY KEY, first_name text "
            u"NOT "
            "NULL, last_name text NOT NULL, email text NOT NULL UNIQUE, phone text, company text, job_title "
            "text, city text, lifetime_value numeric(10,2) NOT NULL, lead_source text NOT NULL, signup_date "
            "date NOT NULL)"_s) ||
        !ddl.exec(u"GRANT SELECT ON tst_warehousekinds_customers TO "_s + env("D365SYNC_TEST_PG_USER"))) {
        qWarning() << ddl.lastError().text();
        return false;
    }
    QSqlDatabase sample = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"sample"_s);
    sample.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
    sample.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
    bool ok = sample.open() && m_admin.transaction();
    int copied = 0;
    {
        QSqlQuery read(sample);
        read.setForwardOnly(true);
        QSqlQuery insert(m_admin);
        ok = ok && read.exec(u"SELECT "_s + columns + u" FROM customers ORDER BY customer_id"_s) &&
             insert.prepare(u"INSERT INTO tst_warehousekinds_customers ("_s + columns +
                            u") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
        while (ok && read.next()) {
            for (int i = 0; i < 11; ++i)
                insert.bindValue(i, read.value(i));
            ok = insert.exec();
            if (!ok)
                qWarning() << insert.lastError().text();
            ++copied;
        }
    }
    ok = ok && m_admin.commit();
    sample.close();
    sample = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"sample"_s);
    return ok && copied == 10000;
}

QString TestWarehouseKinds::writeMapping(const QString &name, const QJsonObject &source)
{
    QFile sample(QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json"));
    if (!sample.open(QIODevice::ReadOnly))
        return {};
    QJsonObject mapping = QJsonDocument::fromJson(sample.readAll()).object();
    mapping.insert(u"source"_s, source);
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(QJsonDocument(mapping).toJson());
    return path;
}

Outcome TestWarehouseKinds::syncIntoFreshOrg(const QString &mapping)
{
    Outcome outcome;
    d365::testsupport::SandboxProcess sandbox;
    if (!sandbox.start())
        return outcome;
    const CliResult profile = runCli(m_settings, {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s,
                                                  sandbox.baseUrl().toString(), u"--sandbox"_s});
    if (profile.exitCode != 0)
        return outcome;
    const QString reportPath = m_dir.filePath(u"report.json"_s);
    QFile::remove(reportPath);
    const CliResult run = runCli(m_settings, {u"run"_s, mapping, u"--report"_s, reportPath}, m_environment);
    outcome.exitCode = run.exitCode;
    if (run.exitCode != 0)
        qWarning().noquote() << run.out << run.err;
    QFile reportFile(reportPath);
    if (reportFile.open(QIODevice::ReadOnly)) {
        const QJsonObject report = QJsonDocument::fromJson(reportFile.readAll()).object();
        for (const char *key : {"total", "rowsRead", "sourceComplete", "notRead", "created", "updated",
                                "upserted", "unchanged", "failed", "skipped", "requests", "writer",
                                "batchSize", "exitCode", "outcomeCheck", "failedRows"})
            outcome.report.insert(QLatin1StringView(key), report.value(QLatin1StringView(key)));
    }
    QList<QJsonObject> contacts;
    QUrl url = sandbox.webApiUrl().resolved(
        QUrl(u"contacts?$select=emailaddress1,firstname,lastname,telephone1,jobtitle,address1_city,"
             "new_companyname,new_lifetimevalue,new_leadsource,new_signupdate"_s));
    while (url.isValid()) {
        const auto page = d365::testsupport::request(
            "GET", url, {{"Authorization", "Bearer test"}, {"Prefer", "odata.maxpagesize=5000"}}, {}, 60000);
        if (page.status != 200)
            return outcome;
        for (const QJsonValue &row : page.json().object().value("value"_L1).toArray()) {
            QJsonObject contact = row.toObject();
            contact.remove(u"contactid"_s);   // a new GUID in every org
            contact.remove(u"@odata.etag"_s); // a new version in every org
            contacts.append(contact);
        }
        const QString next = page.json().object().value("@odata.nextLink"_L1).toString();
        url = next.isEmpty() ? QUrl() : QUrl(next);
    }
    std::sort(contacts.begin(), contacts.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value("emailaddress1"_L1).toString() < b.value("emailaddress1"_L1).toString();
    });
    for (const QJsonObject &contact : std::as_const(contacts))
        outcome.contacts.append(contact);
    return outcome;
}

void TestWarehouseKinds::initTestCase()
{
    if (env("D365SYNC_TEST_PG_PORT").isEmpty())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(QStringLiteral(D365_BUILD_DIR "/sample/customers.csv")),
             "the sample CSV was not built");
    m_settings = m_dir.filePath(u"settings.ini"_s);

    m_admin = QSqlDatabase::addDatabase(u"QPSQL"_s, u"admin"_s);
    m_admin.setHostName(env("D365SYNC_TEST_PG_SOCKET"));
    m_admin.setPort(env("D365SYNC_TEST_PG_PORT").toInt());
    m_admin.setDatabaseName(env("D365SYNC_TEST_PG_DATABASE"));
    m_admin.setUserName(u"postgres"_s);
    QVERIFY2(m_admin.open(), qPrintable(m_admin.lastError().text()));
    QVERIFY(loadSampleIntoPostgres());

    const QStringList server = {
        u"--host"_s,     env("D365SYNC_TEST_PG_HOST"),     u"--port"_s, env("D365SYNC_TEST_PG_PORT"),
        u"--database"_s, env("D365SYNC_TEST_PG_DATABASE"), u"--user"_s, env("D365SYNC_TEST_PG_USER")};
    QCOMPARE(
        runCli(m_settings,
               QStringList{u"warehouse"_s, u"add"_s, u"kinds-pg"_s, u"--kind"_s, u"postgresql"_s} + server)
            .exitCode,
        0);
    QCOMPARE(runCli(m_settings, QStringList{u"warehouse"_s, u"add"_s, u"kinds-odbc"_s, u"--kind"_s, u"odbc"_s,
                                            u"--driver"_s, u"PostgreSQL Unicode"_s} +
                                    server)
                 .exitCode,
             0);
    // Headless: the passwords come from the environment.
    m_environment = d365::testsupport::cliEnvironment();
    m_environment.insert(u"D365SYNC_WAREHOUSE_PASSWORD_KINDS_PG"_s, env("D365SYNC_TEST_PG_PASSWORD"));
    m_environment.insert(u"D365SYNC_WAREHOUSE_PASSWORD_KINDS_ODBC"_s, env("D365SYNC_TEST_PG_PASSWORD"));

    // The reference: the SQLite sample, exactly as the demo syncs it.
    const QString sqlite = writeMapping(
        u"sqlite.json"_s,
        QJsonObject{{u"type"_s, u"sqlite"_s},
                    {u"path"_s, QStringLiteral(D365_SAMPLE_DB)},
                    {u"query"_s, QString(u"SELECT "_s + columns + u" FROM customers ORDER BY customer_id"_s)},
                    {u"keyColumn"_s, u"customer_id"_s}});
    m_sqlite = syncIntoFreshOrg(sqlite);
    QCOMPARE(m_sqlite.exitCode, 0);
    QCOMPARE(m_sqlite.report.value("upserted"_L1).toInt(), 10000);
    QCOMPARE(m_sqlite.report.value("failed"_L1).toInt(), 0);
    QCOMPARE(m_sqlite.contacts.size(), 10000);
    // Every mapped column is compared, so every one must be there (a select that returned nothing would make
    // the comparison vacuous).
    const QJsonObject first = m_sqlite.contacts.first().toObject();
    for (const char *column :
         {"emailaddress1", "firstname", "lastname", "telephone1", "jobtitle", "address1_city",
          "new_companyname", "new_lifetimevalue", "new_leadsource", "new_signupdate"})
        QVERIFY2(first.contains(QLatin1StringView(column)), column);
    QVERIFY(first.value("new_lifetimevalue"_L1).toDouble() > 0);
    QCOMPARE(first.value("new_signupdate"_L1).toString().size(), 10);
}

void TestWarehouseKinds::cleanupTestCase()
{
    if (!m_admin.isValid())
        return;
    {
        QSqlQuery q(m_admin);
        q.exec(u"DROP TABLE IF EXISTS tst_warehousekinds_customers"_s);
    }
    m_admin.close();
    m_admin = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"admin"_s);
}

void TestWarehouseKinds::sync_sampleInEveryKind_sameOutcomeAndOrgContentsAsSqlite_data()
{
    QTest::addColumn<QString>("mapping");
    const QString query =
        u"SELECT "_s + columns + u" FROM tst_warehousekinds_customers ORDER BY customer_id"_s;
    QTest::newRow("postgresql") << writeMapping(u"postgresql.json"_s,
                                                QJsonObject{{u"type"_s, u"postgresql"_s},
                                                            {u"connection"_s, u"kinds-pg"_s},
                                                            {u"query"_s, query},
                                                            {u"keyColumn"_s, u"customer_id"_s}});
    QTest::newRow("odbc") << writeMapping(u"odbc.json"_s, QJsonObject{{u"type"_s, u"odbc"_s},
                                                                      {u"connection"_s, u"kinds-odbc"_s},
                                                                      {u"query"_s, query},
                                                                      {u"keyColumn"_s, u"customer_id"_s}});
    // The shipped CSV sample, unchanged: customers.csv next to it in <build>/sample.
    QTest::newRow("csv") << QStringLiteral(D365_BUILD_DIR "/sample/customers-csv-to-contacts.json");
}

void TestWarehouseKinds::sync_sampleInEveryKind_sameOutcomeAndOrgContentsAsSqlite()
{
    QFETCH(QString, mapping);
    QVERIFY(!mapping.isEmpty());
    const Outcome outcome = syncIntoFreshOrg(mapping);
    QCOMPARE(outcome.exitCode, m_sqlite.exitCode);
    QCOMPARE(outcome.report, m_sqlite.report);
    QCOMPARE(outcome.contacts.size(), m_sqlite.contacts.size());
    for (qsizetype i = 0; i < outcome.contacts.size(); ++i) {
        if (outcome.contacts.at(i) != m_sqlite.contacts.at(i)) {
            QFAIL(qPrintable(u"contact %1 differs:\n  sqlite: %2\n  this:   %3"_s.arg(i).arg(
                QString::fromUtf8(
                    QJsonDocument(m_sqlite.contacts.at(i).toObject()).toJson(QJsonDocument::Compact)),
                QString::fromUtf8(
                    QJsonDocument(outcome.contacts.at(i).toObject()).toJson(QJsonDocument::Compact)))));
        }
    }
}

QTEST_GUILESS_MAIN(TestWarehouseKinds)
#include "tst_warehousekinds.moc"
