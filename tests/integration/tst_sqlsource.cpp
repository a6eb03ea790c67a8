// SqlSource against a real PostgreSQL server, through Qt's QPSQL driver and through QODBC with the PostgreSQL
// ODBC driver (psqlODBC over unixODBC): typed rows in query order, column types, counting, a read-only
// session, passwords with awkward characters, an ODBC DSN, a large result streamed, and every connection and
// query error with the message that says what to fix.
//
// installer/test.sh starts a throwaway server (installer/pg-test-server.sh) and exports its connection as
// D365SYNC_TEST_PG_HOST/PORT/SOCKET/DATABASE/USER/PASSWORD; without them the test is skipped.

#include "services/warehouse/sqlsource.h"

#include <QDateTime>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

WarehouseConnection serverConnection(WarehouseConnection::Kind kind)
{
    WarehouseConnection c;
    c.name = kind == WarehouseConnection::Kind::Odbc ? u"pg-odbc"_s : u"pg"_s;
    c.kind = kind;
    c.host = env("D365SYNC_TEST_PG_HOST");
    c.port = env("D365SYNC_TEST_PG_PORT").toInt();
    c.database = env("D365SYNC_TEST_PG_DATABASE");
    c.user = env("D365SYNC_TEST_PG_USER");
    if (kind == WarehouseConnection::Kind::Odbc)
        c.driver = u"PostgreSQL Unicode"_s;
    return c;
}

SourceSpec specFor(const WarehouseConnection &c, const QString &query)
{
    SourceSpec spec;
    spec.type = WarehouseConnection::kindName(c.kind);
    spec.connection = c.name;
    spec.query = query;
    spec.keyColumn = u"id"_s;
    return spec;
}

QString password()
{
    return env("D365SYNC_TEST_PG_PASSWORD");
}

QString messageOf(const d365::Result<void> &result)
{
    return result.ok() ? QString() : result.error().message;
}

// A TCP port on 127.0.0.1 that nothing listens on.
int closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const int port = server.serverPort();
    server.close();
    return port;
}

} // namespace

Q_DECLARE_METATYPE(d365::services::WarehouseConnection::Kind)

class TestSqlSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void open_thenNext_streamsTypedRowsInQueryOrder_data();
    void open_thenNext_streamsTypedRowsInQueryOrder();
    void columnTypes_areTheServersTypes_data();
    void columnTypes_areTheServersTypes();
    void countRows_withoutOpenAndWhileReading_countsEveryRow_data();
    void countRows_withoutOpenAndWhileReading_countsEveryRow();
    void open_writingQuery_isRefusedByTheReadOnlySession_data();
    void open_writingQuery_isRefusedByTheReadOnlySession();
    void largeResult_isStreamedRowByRow_data();
    void largeResult_isStreamedRowByRow();
    void password_withQuotesSemicolonsAndBraces_signsIn_data();
    void password_withQuotesSemicolonsAndBraces_signsIn();
    void odbcDsn_fromOdbcIni_connectsWithAttributes();
    void testConnection_saysWhatAnswered_data();
    void testConnection_saysWhatAnswered();
    void open_failure_saysWhatToFixWithoutThePassword_data();
    void open_failure_saysWhatToFixWithoutThePassword();

private:
    void addKinds();
    bool exec(const QString &sql);
    QSqlDatabase m_admin;
    QTemporaryDir m_dir;
};

void TestSqlSource::addKinds()
{
    QTest::addColumn<WarehouseConnection::Kind>("kind");
    QTest::newRow("postgresql (QPSQL)") << WarehouseConnection::Kind::PostgreSql;
    QTest::newRow("odbc (psqlODBC)") << WarehouseConnection::Kind::Odbc;
}

bool TestSqlSource::exec(const QString &sql)
{
    QSqlQuery query(m_admin);
    if (!query.exec(sql)) {
        qWarning() << sql << query.lastError().text();
        return false;
    }
    return true;
}

void TestSqlSource::initTestCase()
{
    if (env("D365SYNC_TEST_PG_PORT").isEmpty())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    QVERIFY(m_dir.isValid());
    // Set up as the superuser over the server's socket folder (trust authentication).
    m_admin = QSqlDatabase::addDatabase(u"QPSQL"_s, u"admin"_s);
    m_admin.setHostName(env("D365SYNC_TEST_PG_SOCKET"));
    m_admin.setPort(env("D365SYNC_TEST_PG_PORT").toInt());
    m_admin.setDatabaseName(env("D365SYNC_TEST_PG_DATABASE"));
    m_admin.setUserName(u"postgres"_s);
    QVERIFY2(m_admin.open(), qPrintable(m_admin.lastError().text()));
    QVERIFY(exec(u"DROP TABLE IF EXISTS tst_sqlsource_people"_s));
    QVERIFY(
        exec(u"CREATE TABLE tst_sqlsource_people (id integer PRIMARY KEY, name text, score numeric(10,2), "
             "born date, seen timestamptz, vip boolean, note text)"_s));
    QVERIFY(exec(u"INSERT INTO tst_sqlsource_people VALUES "
                 "(3, 'Chloé Dvořák 日本', 7.25, '1990-02-28', '2024-05-31 14:30:00+02', true, NULL), "
                 "(1, 'O''Brien', NULL, NULL, NULL, false, 'vip'), "
                 "(2, NULL, 0, '2000-01-01', '2024-01-01 00:00:00+00', NULL, '')"_s));
    QVERIFY(exec(u"GRANT SELECT ON tst_sqlsource_people TO "_s + env("D365SYNC_TEST_PG_USER")));
    QVERIFY(exec(u"DROP ROLE IF EXISTS tst_sqlsource_odd"_s));
    QVERIFY(exec(u"CREATE ROLE tst_sqlsource_odd LOGIN PASSWORD ' a;b}c{d''e\"f '"_s));
}

void TestSqlSource::cleanupTestCase()
{
    if (!m_admin.isValid())
        return;
    exec(u"DROP TABLE IF EXISTS tst_sqlsource_people"_s);
    exec(u"DROP ROLE IF EXISTS tst_sqlsource_odd"_s);
    m_admin.close();
    m_admin = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"admin"_s);
}

void TestSqlSource::open_thenNext_streamsTypedRowsInQueryOrder_data()
{
    addKinds();
}

void TestSqlSource::open_thenNext_streamsTypedRowsInQueryOrder()
{
    QFETCH(WarehouseConnection::Kind, kind);
    const WarehouseConnection c = serverConnection(kind);
    SqlSource source(specFor(c, u"SELECT id, name, score, born, seen, vip, note FROM tst_sqlsource_people "
                                "ORDER BY id;"_s),
                     c, password());
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(messageOf(opened)));
    QCOMPARE(source.columns(),
             (QStringList{u"id"_s, u"name"_s, u"score"_s, u"born"_s, u"seen"_s, u"vip"_s, u"note"_s}));
    SourceRow row;
    QVERIFY(source.next(row));
    QCOMPARE(row.index, 0);
    QCOMPARE(row.values.at(0).toInt(), 1);
    QCOMPARE(row.values.at(1).toString(), u"O'Brien"_s);
    QVERIFY(!row.values.at(2).isValid()); // NULL → a plain null QVariant
    QVERIFY(!row.values.at(3).isValid());
    QVERIFY(!row.values.at(4).isValid());
    QVERIFY(row.values.at(5).isValid());
    QCOMPARE(row.values.at(5).toBool(), false);
    QCOMPARE(row.values.at(6).toString(), u"vip"_s);
    QVERIFY(source.next(row));
    QVERIFY(!row.values.at(1).isValid());
    QCOMPARE(row.values.at(2).toDouble(), 0.0);
    QVERIFY(!row.values.at(5).isValid());
    QVERIFY(row.values.at(6).isValid()); // '' is not NULL
    QCOMPARE(row.values.at(6).toString(), QString());
    QVERIFY(source.next(row));
    QCOMPARE(row.index, 2);
    QCOMPARE(row.values.at(1).toString(), u"Chloé Dvořák 日本"_s);
    QCOMPARE(row.values.at(2).toDouble(), 7.25);
    QCOMPARE(row.values.at(3).toDate(), QDate(1990, 2, 28));
    QCOMPARE(row.values.at(5).toBool(), true);
    if (kind == WarehouseConnection::Kind::PostgreSql) {
        // timestamptz is an instant: in UTC, whatever this machine's time zone.
        QCOMPARE(row.values.at(4).toDateTime().timeSpec(), Qt::UTC);
        QCOMPARE(row.values.at(4).toDateTime(), QDateTime(QDate(2024, 5, 31), QTime(12, 30), Qt::UTC));
    }
    QVERIFY(!source.next(row));
    QVERIFY(!source.lastError());
}

void TestSqlSource::columnTypes_areTheServersTypes_data()
{
    addKinds();
}

void TestSqlSource::columnTypes_areTheServersTypes()
{
    QFETCH(WarehouseConnection::Kind, kind);
    const WarehouseConnection c = serverConnection(kind);
    SqlSource source(
        specFor(c, u"SELECT id, name, score, born, seen, id * 2 AS doubled FROM tst_sqlsource_people"_s), c,
        password());
    QVERIFY2(source.open().ok(), "open failed");
    const auto types = source.columnTypes();
    QCOMPARE(types.value(u"id"_s), QMetaType::Int);
    QCOMPARE(types.value(u"name"_s), QMetaType::QString);
    QCOMPARE(types.value(u"score"_s), QMetaType::Double);
    QCOMPARE(types.value(u"born"_s), QMetaType::QDate);
    QCOMPARE(types.value(u"seen"_s), QMetaType::QDateTime);
    // Unlike SQLite, the server types expressions too.
    QVERIFY2(types.contains(u"doubled"_s), "an expression column has a type");
}

void TestSqlSource::countRows_withoutOpenAndWhileReading_countsEveryRow_data()
{
    addKinds();
}

void TestSqlSource::countRows_withoutOpenAndWhileReading_countsEveryRow()
{
    QFETCH(WarehouseConnection::Kind, kind);
    const WarehouseConnection c = serverConnection(kind);
    const QString query =
        u"SELECT id, name FROM tst_sqlsource_people WHERE id >= 2 ORDER BY id -- last line\n;"_s;
    SqlSource counter(specFor(c, query), c, password());
    const auto counted = counter.countRows();
    QVERIFY2(counted.ok(), qPrintable(counted.ok() ? QString() : counted.error().message));
    QCOMPARE(counted.value(), 2);

    SqlSource reader(specFor(c, query), c, password());
    QVERIFY(reader.open().ok());
    SourceRow row;
    QVERIFY(reader.next(row));
    // Counting while the result is being read runs on a second connection and leaves the reading alone.
    QCOMPARE(reader.countRows().value(), 2);
    QVERIFY(reader.next(row));
    QCOMPARE(row.values.at(0).toInt(), 3);
    QVERIFY(!reader.next(row));
    QVERIFY(!reader.lastError());
}

void TestSqlSource::open_writingQuery_isRefusedByTheReadOnlySession_data()
{
    addKinds();
}

void TestSqlSource::open_writingQuery_isRefusedByTheReadOnlySession()
{
    QFETCH(WarehouseConnection::Kind, kind);
    const WarehouseConnection c = serverConnection(kind);
    SqlSource source(
        specFor(c, u"WITH gone AS (DELETE FROM tst_sqlsource_people RETURNING id) SELECT id FROM gone"_s), c,
        password());
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    // Refused by the read-only session, or (psqlODBC reads through a cursor) by DECLARE CURSOR itself.
    QVERIFY2(messageOf(opened).contains(u"in a read-only transaction"_s) ||
                 messageOf(opened).contains(u"DECLARE CURSOR must not contain data-modifying statements"_s),
             qPrintable(messageOf(opened)));
    QVERIFY2(!messageOf(opened).contains(u";."_s), qPrintable(messageOf(opened)));
    QSqlQuery count(m_admin);
    QVERIFY(count.exec(u"SELECT COUNT(*) FROM tst_sqlsource_people"_s) && count.next());
    QCOMPARE(count.value(0).toInt(), 3);
}

void TestSqlSource::largeResult_isStreamedRowByRow_data()
{
    addKinds();
}

void TestSqlSource::largeResult_isStreamedRowByRow()
{
    // Read in single-row mode (QPSQL) or through a server-side cursor (psqlODBC's UseDeclareFetch); the
    // benchmark tests/bench/postgres-sync.sh measures the memory on 1,000,000 rows.
    QFETCH(WarehouseConnection::Kind, kind);
    const WarehouseConnection c = serverConnection(kind);
    const int rows = 200000;
    SqlSource source(
        specFor(c, u"SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, %1) g ORDER BY g"_s.arg(
                       rows)),
        c, password());
    QVERIFY(source.open().ok());
    SourceRow row;
    qint64 seen = 0;
    while (source.next(row)) {
        if (row.values.at(0).toLongLong() != ++seen)
            QFAIL(qPrintable(u"row %1 out of order"_s.arg(seen)));
    }
    QVERIFY(!source.lastError());
    QCOMPARE(seen, rows);
}

void TestSqlSource::password_withQuotesSemicolonsAndBraces_signsIn_data()
{
    addKinds();
}

void TestSqlSource::password_withQuotesSemicolonsAndBraces_signsIn()
{
    QFETCH(WarehouseConnection::Kind, kind);
    WarehouseConnection c = serverConnection(kind);
    c.user = u"tst_sqlsource_odd"_s;
    SqlSource source(specFor(c, u"SELECT 1 AS id"_s), c, u" a;b}c{d'e\"f "_s);
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(messageOf(opened)));
}

void TestSqlSource::odbcDsn_fromOdbcIni_connectsWithAttributes()
{
    // A user DSN in $ODBCINI (unixODBC reads it at every connect); the mapping's connection names only the
    // DSN.
    const QString ini = m_dir.filePath(u"odbc.ini"_s);
    QFile file(ini);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        u"[d365test]\nDriver = PostgreSQL Unicode\nServername = %1\nPort = %2\nDatabase = %3\n"_s
            .arg(env("D365SYNC_TEST_PG_HOST"), env("D365SYNC_TEST_PG_PORT"), env("D365SYNC_TEST_PG_DATABASE"))
            .toUtf8());
    file.close();
    const QByteArray previous = qgetenv("ODBCINI");
    qputenv("ODBCINI", ini.toLocal8Bit());
    WarehouseConnection c;
    c.name = u"dsn"_s;
    c.kind = WarehouseConnection::Kind::Odbc;
    c.dsn = u"d365test"_s;
    c.user = env("D365SYNC_TEST_PG_USER");
    c.options = u"UseDeclareFetch=1;Fetch=100"_s;
    SqlSource source(specFor(c, u"SELECT id FROM tst_sqlsource_people ORDER BY id"_s), c, password());
    const auto opened = source.open();
    if (previous.isNull())
        qunsetenv("ODBCINI");
    else
        qputenv("ODBCINI", previous);
    QVERIFY2(opened.ok(), qPrintable(messageOf(opened)));
    SourceRow row;
    QVERIFY(source.next(row));
    QCOMPARE(row.values.at(0).toInt(), 1);
}

void TestSqlSource::testConnection_saysWhatAnswered_data()
{
    addKinds();
}

void TestSqlSource::testConnection_saysWhatAnswered()
{
    QFETCH(WarehouseConnection::Kind, kind);
    const auto answered = SqlSource::testConnection(serverConnection(kind), password());
    QVERIFY2(answered.ok(), qPrintable(answered.ok() ? QString() : answered.error().message));
    if (kind == WarehouseConnection::Kind::PostgreSql)
        QVERIFY2(answered.value().startsWith(u"PostgreSQL 1"_s), qPrintable(answered.value()));
    else
        QVERIFY2(answered.value().contains(u"PostgreSQL Unicode"_s), qPrintable(answered.value()));
}

void TestSqlSource::open_failure_saysWhatToFixWithoutThePassword_data()
{
    QTest::addColumn<WarehouseConnection>("connection");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("expected");

    const QString query = u"SELECT id FROM tst_sqlsource_people"_s;
    const QString user = env("D365SYNC_TEST_PG_USER");
    for (const auto kind : {WarehouseConnection::Kind::PostgreSql, WarehouseConnection::Kind::Odbc}) {
        const WarehouseConnection good = serverConnection(kind);
        const char *k = kind == WarehouseConnection::Kind::Odbc ? "odbc" : "postgresql";
        WarehouseConnection c = good;
        c.port = closedPort();
        QTest::addRow("%s: nothing listens on the port", k)
            << c << password() << query
            << QStringList{u"Cannot reach the warehouse server 127.0.0.1:%1"_s.arg(c.port),
                           u"Connection refused"_s, u"warehouse show %1"_s.arg(c.name)};
        c = good;
        c.host = u"warehouse.invalid"_s;
        QTest::addRow("%s: unknown host", k)
            << c << password() << query
            << QStringList{u"Cannot reach the warehouse server warehouse.invalid"_s,
                           u"could not translate host name"_s};
        QTest::addRow("%s: wrong password", k)
            << good << u"wrong-password-123"_s << query
            << QStringList{u"refused the sign-in of user '%1'"_s.arg(user),
                           u"password authentication failed"_s, u"warehouse set-password %1"_s.arg(good.name),
                           good.passwordVariable()};
        QTest::addRow("%s: no password", k) << good << QString() << query
                                            << QStringList{u"asks for a password for user '%1'"_s.arg(user),
                                                           u"warehouse set-password %1"_s.arg(good.name)};
        c = good;
        c.database = u"no_such_db"_s;
        QTest::addRow("%s: missing database", k)
            << c << password() << query
            << QStringList{u"The database 'no_such_db' does not exist on the warehouse server"_s,
                           u"Check the database name"_s};
        QTest::addRow("%s: unknown column", k)
            << good << password() << u"SELECT id,\n       nme FROM tst_sqlsource_people"_s
            << (kind == WarehouseConnection::Kind::PostgreSql
                    ? QStringList{u"column \"nme\" does not exist (at line 2, column 8 of source.query)"_s,
                                  u"Hint: Perhaps you meant to reference the column"_s,
                                  u"Fix source.query in the mapping file"_s}
                    : QStringList{u"column \"nme\" does not exist"_s,
                                  u"Fix source.query in the mapping file"_s});
        QTest::addRow("%s: unknown table", k)
            << good << password() << u"SELECT id FROM no_such_table"_s
            << QStringList{u"relation \"no_such_table\" does not exist"_s, u"Fix source.query"_s};
    }
}

void TestSqlSource::open_failure_saysWhatToFixWithoutThePassword()
{
    QFETCH(WarehouseConnection, connection);
    QFETCH(QString, password);
    QFETCH(QString, query);
    QFETCH(QStringList, expected);
    SqlSource source(specFor(connection, query), connection, password);
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().category, ErrorCategory::Source);
    const QString message = opened.error().message;
    for (const QString &part : expected)
        QVERIFY2(message.contains(part), qPrintable(u"missing \""_s + part + u"\" in: "_s + message));
    if (!password.isEmpty()) {
        QVERIFY2(!message.contains(password), qPrintable(message));
        QVERIFY2(!opened.error().detail.contains(password), qPrintable(opened.error().detail));
    }
    // countRows() on a fresh source says the same (the engine counts on a second source).
    SqlSource counter(specFor(connection, query), connection, password);
    const auto counted = counter.countRows();
    QVERIFY(!counted.ok());
}

QTEST_GUILESS_MAIN(TestSqlSource)
#include "tst_sqlsource.moc"
