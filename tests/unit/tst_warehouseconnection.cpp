// Warehouse connections without a server: validation, the password variable's name, the settings round trip
// (never a password), the ODBC connection string QODBC gets, and the errors that need no server — a Qt SQL
// driver that is not installed, an ODBC driver or DSN unixODBC does not know (real unixODBC), a connection
// the resolver cannot find or whose kind differs from the mapping's source type.

#include "services/auth/warehousecredentials.h"
#include "services/settings/settings.h"
#include "services/warehouse/connectionresolver.h"
#include "services/warehouse/sqlsource.h"
#include "services/warehouse/warehouseconnection.h"

#include <QCoreApplication>
#include <QFile>
#include <QSqlDatabase>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;

namespace {

WarehouseConnection postgres()
{
    WarehouseConnection c;
    c.name = u"dw"_s;
    c.kind = WarehouseConnection::Kind::PostgreSql;
    c.host = u"db.example.com"_s;
    c.port = 5432;
    c.database = u"sales"_s;
    c.user = u"sync"_s;
    return c;
}

WarehouseConnection odbc()
{
    WarehouseConnection c;
    c.name = u"mssql"_s;
    c.kind = WarehouseConnection::Kind::Odbc;
    c.driver = u"ODBC Driver 18 for SQL Server"_s;
    c.host = u"sql.example.com"_s;
    c.database = u"sales"_s;
    c.user = u"sync"_s;
    return c;
}

SourceSpec specFor(const QString &type, const QString &connection)
{
    SourceSpec spec;
    spec.type = type;
    spec.connection = connection;
    spec.query = u"SELECT 1"_s;
    spec.keyColumn = u"id"_s;
    return spec;
}

} // namespace

class TestWarehouseConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void qtDriverMissing_namesTheDebianPackage();
    void validate_refusesWhatCannotConnect_data();
    void validate_refusesWhatCannotConnect();
    void passwordVariable_upperCasesAndReplacesOtherCharacters_data();
    void passwordVariable_upperCasesAndReplacesOtherCharacters();
    void settings_saveThenRead_roundTripsAndStoresNoPassword();
    void settings_invalidConnection_isRefusedBeforeWriting();
    void odbcConnectionString_isWhatQodbcNeeds_data();
    void odbcConnectionString_isWhatQodbcNeeds();
    void odbcDriverPackage_namesThePackageOfKnownDrivers_data();
    void odbcDriverPackage_namesThePackageOfKnownDrivers();
    void odbcDriverNotInstalled_namesThePackageAndOdbcinst();
    void odbcDsnNotDefined_saysWhereDsnsAreDefined();
    void create_withoutResolver_saysSo();
    void create_namedConnection_resolvesFromSettingsAndEnvironment();
    void create_unknownConnection_saysHowToAddIt();
    void create_kindDiffersFromSourceType_saysWhichToChange();
    void password_environmentVariable_winsAndMayBeEmpty();
    void password_onTheApplicationThreadWithoutPrefetch_isAnErrorNotAWait();

private:
    QTemporaryDir m_dir;
    QString m_settingsFile;
};

void TestWarehouseConnection::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settingsFile = m_dir.filePath(u"settings.ini"_s);
}

void TestWarehouseConnection::cleanup()
{
    setConnectionResolver({});
    WarehouseCredentials::clearMemory();
    qunsetenv("D365SYNC_WAREHOUSE_PASSWORD_DW");
}

void TestWarehouseConnection::qtDriverMissing_namesTheDebianPackage()
{
    // A machine without the driver packages: Qt finds no sqldrivers plugins. This must be the process's first
    // use of Qt SQL (the plugin loader keeps what it once found), so both drivers are checked here, at once.
    const QStringList paths = QCoreApplication::libraryPaths();
    QCoreApplication::setLibraryPaths({m_dir.path()});
    const QList<std::pair<WarehouseConnection, QString>> cases = {{postgres(), u"libqt6sql6-psql"_s},
                                                                  {odbc(), u"libqt6sql6-odbc"_s}};
    QStringList messages;
    for (const auto &[connection, package] : cases) {
        SqlSource source(specFor(WarehouseConnection::kindName(connection.kind), connection.name), connection,
                         u"secret"_s);
        const auto opened = source.open();
        messages << (opened.ok() ? QString() : opened.error().message);
    }
    QCoreApplication::setLibraryPaths(paths);
    for (qsizetype i = 0; i < cases.size(); ++i) {
        const QString &package = cases.at(i).second;
        QVERIFY2(messages.at(i).contains(u"apt install "_s + package), qPrintable(messages.at(i)));
        QVERIFY2(messages.at(i).contains(u"warehouse connection '%1'"_s.arg(cases.at(i).first.name)),
                 qPrintable(messages.at(i)));
        QVERIFY(!messages.at(i).contains(u"secret"_s));
    }
}

void TestWarehouseConnection::validate_refusesWhatCannotConnect_data()
{
    QTest::addColumn<WarehouseConnection>("connection");
    QTest::addColumn<QString>("problem"); // empty: valid

    QTest::newRow("postgresql") << postgres() << QString();
    QTest::newRow("odbc with a driver") << odbc() << QString();
    WarehouseConnection dsn = odbc();
    dsn.driver.clear();
    dsn.host.clear();
    dsn.database.clear();
    dsn.dsn = u"snowflake"_s;
    QTest::newRow("odbc with a DSN") << dsn << QString();
    WarehouseConnection c = postgres();
    c.name = u"dw/prod"_s;
    QTest::newRow("bad name") << c << u"not a valid warehouse connection name"_s;
    c = postgres();
    c.host.clear();
    QTest::newRow("postgresql without host") << c << u"needs a host"_s;
    c = postgres();
    c.database.clear();
    QTest::newRow("postgresql without database") << c << u"needs a database"_s;
    c = postgres();
    c.options = u"sslmode=require;password=hunter2"_s;
    QTest::newRow("password in the options") << c << u"options contain a password"_s;
    c = odbc();
    c.options = u"Encrypt=yes; PWD = x"_s;
    QTest::newRow("PWD in the odbc options") << c << u"options contain a password"_s;
    c = odbc();
    c.driver.clear();
    QTest::newRow("odbc without driver or DSN") << c << u"needs either an ODBC driver"_s;
    c = odbc();
    c.dsn = u"x"_s;
    QTest::newRow("odbc with driver and DSN") << c << u"not both"_s;
    c = dsn;
    c.host = u"h"_s;
    QTest::newRow("DSN with a host") << c << u"leave host, port and database empty"_s;
    c = postgres();
    c.port = 70000;
    QTest::newRow("port out of range") << c << u"not a TCP port"_s;
    c = postgres();
    c.host = u"a;b"_s;
    QTest::newRow("';' in the host") << c << u"contains a ';'"_s;
    c = postgres();
    c.driver = u"PostgreSQL Unicode"_s;
    QTest::newRow("postgresql with an ODBC driver") << c << u"Use kind odbc"_s;
}

void TestWarehouseConnection::validate_refusesWhatCannotConnect()
{
    QFETCH(WarehouseConnection, connection);
    QFETCH(QString, problem);
    const auto valid = connection.validate();
    if (problem.isEmpty()) {
        QVERIFY2(valid.ok(), qPrintable(valid.ok() ? QString() : valid.error().message));
        return;
    }
    QVERIFY(!valid.ok());
    QCOMPARE(valid.error().category, ErrorCategory::Configuration);
    QVERIFY2(valid.error().message.contains(problem), qPrintable(valid.error().message));
    QVERIFY(!valid.error().message.contains(u"hunter2"_s));
}

void TestWarehouseConnection::passwordVariable_upperCasesAndReplacesOtherCharacters_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("variable");
    QTest::newRow("plain") << u"dw"_s << u"D365SYNC_WAREHOUSE_PASSWORD_DW"_s;
    QTest::newRow("dashes and dots") << u"dw-prod.eu"_s << u"D365SYNC_WAREHOUSE_PASSWORD_DW_PROD_EU"_s;
    QTest::newRow("digits") << u"pg15_main"_s << u"D365SYNC_WAREHOUSE_PASSWORD_PG15_MAIN"_s;
}

void TestWarehouseConnection::passwordVariable_upperCasesAndReplacesOtherCharacters()
{
    QFETCH(QString, name);
    QFETCH(QString, variable);
    QCOMPARE(WarehouseConnection::passwordVariable(name), variable);
}

void TestWarehouseConnection::settings_saveThenRead_roundTripsAndStoresNoPassword()
{
    const QString file = m_dir.filePath(u"roundtrip.ini"_s);
    {
        Settings settings(file);
        WarehouseConnection c = postgres();
        c.options = u"sslmode=require;connect_timeout=5"_s;
        QVERIFY(settings.saveWarehouseConnection(c).ok());
        WarehouseConnection dsn = odbc();
        dsn.name = u"snow"_s;
        dsn.driver.clear();
        dsn.host.clear();
        dsn.database.clear();
        dsn.dsn = u"snowflake"_s;
        dsn.options = u"Warehouse=WH;Role=ANALYST"_s;
        QVERIFY(settings.saveWarehouseConnection(dsn).ok());
        QVERIFY(settings.sync().ok());
    }
    Settings settings(file);
    QCOMPARE(settings.warehouseConnectionNames(), (QStringList{u"dw"_s, u"snow"_s}));
    const auto dw = settings.warehouseConnection(u"dw"_s);
    QVERIFY(dw);
    QCOMPARE(dw->kind, WarehouseConnection::Kind::PostgreSql);
    QCOMPARE(dw->host, u"db.example.com"_s);
    QCOMPARE(dw->port, 5432);
    QCOMPARE(dw->database, u"sales"_s);
    QCOMPARE(dw->user, u"sync"_s);
    QCOMPARE(dw->options, u"sslmode=require;connect_timeout=5"_s);
    const auto snow = settings.warehouseConnection(u"snow"_s);
    QVERIFY(snow);
    QCOMPARE(snow->kind, WarehouseConnection::Kind::Odbc);
    QCOMPARE(snow->dsn, u"snowflake"_s);
    QCOMPARE(snow->describe(), u"odbc DSN=snowflake"_s);
    QVERIFY(!settings.warehouseConnection(u"nope"_s));
    QVERIFY(settings.removeWarehouseConnection(u"snow"_s));
    QVERIFY(!settings.removeWarehouseConnection(u"snow"_s));
    QCOMPARE(settings.warehouseConnectionNames(), QStringList{u"dw"_s});
    QVERIFY(settings.sync().ok());
    QFile ini(file);
    QVERIFY(ini.open(QIODevice::ReadOnly));
    const QByteArray text = ini.readAll().toLower();
    QVERIFY2(!text.contains("password") && !text.contains("pwd"), text.constData());
}

void TestWarehouseConnection::settings_invalidConnection_isRefusedBeforeWriting()
{
    Settings settings(m_dir.filePath(u"refused.ini"_s));
    WarehouseConnection c = postgres();
    c.options = u"password=hunter2"_s;
    const auto saved = settings.saveWarehouseConnection(c);
    QVERIFY(!saved.ok());
    QVERIFY(settings.warehouseConnectionNames().isEmpty());
}

void TestWarehouseConnection::odbcConnectionString_isWhatQodbcNeeds_data()
{
    QTest::addColumn<WarehouseConnection>("connection");
    QTest::addColumn<QString>("expected");

    QTest::newRow("SQL Server driver") << odbc()
                                       << u"Driver={ODBC Driver 18 for SQL Server};Server=sql.example.com;"
                                          "Database=sales;"_s;
    WarehouseConnection pg = odbc();
    pg.driver = u"PostgreSQL Unicode"_s;
    pg.port = 5433;
    QTest::newRow("psqlODBC streams through a cursor")
        << pg
        << u"Driver={PostgreSQL Unicode};Server=sql.example.com;Port=5433;Database=sales;UseDeclareFetch=1;"
           "Fetch=2000;"_s;
    pg.options = u"UseDeclareFetch=0;"_s;
    QTest::newRow("unless the options say otherwise")
        << pg
        << u"Driver={PostgreSQL Unicode};Server=sql.example.com;Port=5433;Database=sales;UseDeclareFetch=0;"_s;
    WarehouseConnection dsn = odbc();
    dsn.driver.clear();
    dsn.host.clear();
    dsn.database.clear();
    dsn.dsn = u"snowflake"_s;
    dsn.options = u"Warehouse=WH;Role=ANALYST"_s;
    // QODBC puts "DSN=" in front itself (toolchain.md §7).
    QTest::newRow("DSN with attributes") << dsn << u"snowflake;Warehouse=WH;Role=ANALYST;"_s;
    WarehouseConnection odd = odbc();
    odd.database = u" sales "_s;
    QTest::newRow("braces around a value with spaces at its ends")
        << odd << u"Driver={ODBC Driver 18 for SQL Server};Server=sql.example.com;Database={ sales };"_s;
}

void TestWarehouseConnection::odbcConnectionString_isWhatQodbcNeeds()
{
    QFETCH(WarehouseConnection, connection);
    QFETCH(QString, expected);
    QCOMPARE(SqlSource::odbcConnectionString(connection), expected);
}

void TestWarehouseConnection::odbcDriverPackage_namesThePackageOfKnownDrivers_data()
{
    QTest::addColumn<QString>("driver");
    QTest::addColumn<QString>("package");
    QTest::newRow("psqlODBC") << u"PostgreSQL Unicode"_s << u"odbc-postgresql"_s;
    QTest::newRow("SQL Server") << u"ODBC Driver 18 for SQL Server"_s << u"msodbcsql18"_s;
    QTest::newRow("Snowflake") << u"SnowflakeDSIIDriver"_s << u"snowflake-odbc"_s;
    QTest::newRow("Databricks") << u"Simba Spark ODBC Driver"_s << u"Databricks"_s;
    QTest::newRow("BigQuery") << u"Simba ODBC Driver for Google BigQuery"_s << u"BigQuery"_s;
    QTest::newRow("unknown") << u"Acme ODBC"_s << QString();
}

void TestWarehouseConnection::odbcDriverPackage_namesThePackageOfKnownDrivers()
{
    QFETCH(QString, driver);
    QFETCH(QString, package);
    const QString named = SqlSource::odbcDriverPackage(driver);
    if (package.isEmpty())
        QVERIFY(named.isEmpty());
    else
        QVERIFY2(named.contains(package), qPrintable(named));
}

void TestWarehouseConnection::odbcDriverNotInstalled_namesThePackageAndOdbcinst()
{
    WarehouseConnection c = odbc();
    c.driver = u"PostgreSQL Unicode (not installed)"_s;
    SqlSource source(specFor(u"odbc"_s, c.name), c, u"pw"_s);
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    const QString message = opened.error().message;
    QVERIFY2(
        message.contains(u"The ODBC driver \"PostgreSQL Unicode (not installed)\" of warehouse connection "
                         "'mssql' is not installed"_s),
        qPrintable(message));
    QVERIFY2(message.contains(u"apt install odbc-postgresql"_s), qPrintable(message));
    QVERIFY2(message.contains(u"odbcinst -q -d"_s), qPrintable(message));
}

void TestWarehouseConnection::odbcDsnNotDefined_saysWhereDsnsAreDefined()
{
    WarehouseConnection c = odbc();
    c.driver.clear();
    c.host.clear();
    c.database.clear();
    c.dsn = u"no-such-dsn"_s;
    SqlSource source(specFor(u"odbc"_s, c.name), c, QString());
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.contains(u"The ODBC data source \"no-such-dsn\""_s),
             qPrintable(opened.error().message));
    QVERIFY2(opened.error().message.contains(u"odbcinst -q -s"_s), qPrintable(opened.error().message));
}

void TestWarehouseConnection::create_withoutResolver_saysSo()
{
    const auto created = WarehouseSource::create(specFor(u"postgresql"_s, u"dw"_s));
    QVERIFY(!created.ok());
    QVERIFY(created.error().message.contains(u"'dw'"_s));
}

void TestWarehouseConnection::create_namedConnection_resolvesFromSettingsAndEnvironment()
{
    {
        Settings settings(m_settingsFile);
        QVERIFY(settings.saveWarehouseConnection(postgres()).ok());
        QVERIFY(settings.sync().ok());
    }
    WarehouseCredentials::install(m_settingsFile);
    qputenv("D365SYNC_WAREHOUSE_PASSWORD_DW", "from-env");
    const auto resolved = resolveWarehouseConnection(u"dw"_s);
    QVERIFY2(resolved.ok(), qPrintable(resolved.ok() ? QString() : resolved.error().message));
    QCOMPARE(resolved->connection.host, u"db.example.com"_s);
    QCOMPARE(resolved->password, u"from-env"_s);
    const auto created = WarehouseSource::create(specFor(u"postgresql"_s, u"dw"_s));
    QVERIFY(created.ok());
    QVERIFY(dynamic_cast<SqlSource *>(created.value().get()));
}

void TestWarehouseConnection::create_unknownConnection_saysHowToAddIt()
{
    WarehouseCredentials::install(m_settingsFile);
    const auto created = WarehouseSource::create(specFor(u"postgresql"_s, u"nope"_s));
    QVERIFY(!created.ok());
    QCOMPARE(created.error().category, ErrorCategory::Configuration);
    QVERIFY2(created.error().message.contains(u"No warehouse connection named 'nope'"_s),
             qPrintable(created.error().message));
    QVERIFY(created.error().message.contains(u"d365sync-cli warehouse add nope"_s));
}

void TestWarehouseConnection::create_kindDiffersFromSourceType_saysWhichToChange()
{
    {
        Settings settings(m_settingsFile);
        QVERIFY(settings.saveWarehouseConnection(postgres()).ok());
        QVERIFY(settings.sync().ok());
    }
    WarehouseCredentials::install(m_settingsFile);
    qputenv("D365SYNC_WAREHOUSE_PASSWORD_DW", "");
    const auto created = WarehouseSource::create(specFor(u"odbc"_s, u"dw"_s));
    QVERIFY(!created.ok());
    QVERIFY2(
        created.error().message.contains(u"'dw' is a postgresql connection, but source.type is \"odbc\""_s),
        qPrintable(created.error().message));
}

void TestWarehouseConnection::password_environmentVariable_winsAndMayBeEmpty()
{
    qputenv("D365SYNC_WAREHOUSE_PASSWORD_DW", "s3cret; with {braces}");
    QCOMPARE(WarehouseCredentials::password(postgres()).value(), u"s3cret; with {braces}"_s);
    qputenv("D365SYNC_WAREHOUSE_PASSWORD_DW", "");
    const auto empty = WarehouseCredentials::password(postgres());
    QVERIFY(empty.ok());
    QVERIFY(empty.value().isEmpty());
}

void TestWarehouseConnection::password_onTheApplicationThreadWithoutPrefetch_isAnErrorNotAWait()
{
    // A keychain job needs this thread's event loop: waiting for it here would need a nested loop.
    const auto password = WarehouseCredentials::password(postgres());
    QVERIFY(!password.ok());
    QVERIFY2(password.error().message.contains(u"D365SYNC_WAREHOUSE_PASSWORD_DW"_s),
             qPrintable(password.error().message));
}

QTEST_GUILESS_MAIN(TestWarehouseConnection)
#include "tst_warehouseconnection.moc"
