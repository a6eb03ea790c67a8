#include "services/mapping/mapping.h"
#include "services/warehouse/sqlitesource.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;

namespace {

const QString sampleDb = QStringLiteral(D365_SAMPLE_DB);
const QString sampleQuery =
    u"SELECT customer_id, first_name, last_name, email, phone, company, job_title, city, "
    "lifetime_value, lead_source, signup_date FROM customers ORDER BY customer_id"_s;

SourceSpec specFor(const QString &path, const QString &query)
{
    SourceSpec spec;
    spec.type = u"sqlite"_s;
    spec.path = path;
    spec.query = query;
    spec.keyColumn = u"id"_s;
    return spec;
}

QString errorText(const d365::Result<void> &result)
{
    return result.ok() ? QString() : result.error().message;
}

} // namespace

class TestSqliteSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void open_thenNext_streamsRowsInQueryOrderWithNulls();
    void columnTypes_tableColumnsTyped_expressionsUntyped();
    void countRows_matchesQueryIncludingTrailingSemicolon();
    void countRows_withoutOpen_countsEveryShapeOfQuery_data();
    void countRows_withoutOpen_countsEveryShapeOfQuery();
    void open_missingFile_namesPathAndCreatesNothing();
    void open_badQuery_reportsSqliteMessage_data();
    void open_badQuery_reportsSqliteMessage();
    void open_isReadOnly_writeStatementsFail();
    void open_fileIsNoDatabase_saysWhatIsWrongWithTheFile_data();
    void open_fileIsNoDatabase_saysWhatIsWrongWithTheFile();
    void open_lockedByAnotherProgram_saysSoAfterTheBusyTimeout();
    void create_unknownType_isConfigurationErrorListingTheTypes();
    void create_sqlite_returnsWorkingSource();
    void twoSources_onSameFile_haveIndependentConnections();
    void source_onWorkerThread_readsAllRows();
    void sampleWarehouse_has10000RowsWithinDataverseLimits();

private:
    QTemporaryDir m_dir;
    QString m_dbPath;
};

void TestSqliteSource::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_dbPath = m_dir.filePath(u"test.db"_s);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"fixture"_s);
        db.setDatabaseName(m_dbPath);
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL, note TEXT)"_s));
        // Inserted out of order: the ORDER BY of the source query, not the insert order, decides.
        QVERIFY(q.exec(u"INSERT INTO people VALUES (3, 'Chloé', 7.25, NULL), (1, 'O''Brien', NULL, 'vip'), "
                       "(2, NULL, 0, '')"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"fixture"_s);
}

void TestSqliteSource::open_thenNext_streamsRowsInQueryOrderWithNulls()
{
    SqliteSource source(specFor(m_dbPath, u"SELECT id, name, score, note FROM people ORDER BY id"_s));
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(errorText(opened)));
    QCOMPARE(source.columns(), (QStringList{u"id"_s, u"name"_s, u"score"_s, u"note"_s}));

    SourceRow row;
    QVERIFY(source.next(row));
    QCOMPARE(row.index, 0);
    QCOMPARE(row.values.size(), 4);
    QCOMPARE(row.values.at(0).toLongLong(), 1);
    QCOMPARE(row.values.at(1).toString(), u"O'Brien"_s);
    QVERIFY(!row.values.at(2).isValid()); // SQL NULL → null, untyped QVariant
    QCOMPARE(row.values.at(3).toString(), u"vip"_s);

    QVERIFY(source.next(row));
    QCOMPARE(row.index, 1);
    QCOMPARE(row.values.at(0).toLongLong(), 2);
    QVERIFY(!row.values.at(1).isValid());
    QCOMPARE(row.values.at(2).toDouble(), 0.0);
    QVERIFY(row.values.at(2).isValid());
    QVERIFY(row.values.at(3).isValid()); // '' is not NULL
    QCOMPARE(row.values.at(3).toString(), QString());

    QVERIFY(source.next(row));
    QCOMPARE(row.index, 2);
    QCOMPARE(row.values.at(1).toString(), u"Chloé"_s);
    QCOMPARE(row.values.at(2).toDouble(), 7.25);
    QVERIFY(!row.values.at(3).isValid());

    QVERIFY(!source.next(row));
    QVERIFY(!source.lastError().has_value());
    QVERIFY(!source.next(row)); // stays at the end
}

void TestSqliteSource::columnTypes_tableColumnsTyped_expressionsUntyped()
{
    // The expressions' first values are an integer and a text: that says nothing about later rows.
    SqliteSource source(specFor(m_dbPath, u"SELECT id, name, score AS points, note, id * 2 AS twice, "
                                          "upper(name) AS loud FROM people ORDER BY id"_s));
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(errorText(opened)));
    const QHash<QString, QMetaType::Type> types = source.columnTypes();
    QCOMPARE(types.value(u"id"_s), QMetaType::Int);
    QCOMPARE(types.value(u"name"_s), QMetaType::QString);
    QCOMPARE(types.value(u"points"_s), QMetaType::Double); // aliased table column keeps its type
    QCOMPARE(types.value(u"note"_s), QMetaType::QString);
    QVERIFY(!types.contains(u"twice"_s));
    QVERIFY(!types.contains(u"loud"_s));
    QCOMPARE(types.size(), 4);
}

void TestSqliteSource::countRows_matchesQueryIncludingTrailingSemicolon()
{
    SqliteSource source(specFor(m_dbPath, u"SELECT id FROM people WHERE note IS NOT NULL ;  "_s));
    QVERIFY(source.open().ok());
    const auto count = source.countRows();
    QVERIFY2(count.ok(), qPrintable(count.ok() ? QString() : count.error().message));
    QCOMPARE(*count, 2);
    // Counting does not disturb the stream.
    SourceRow row;
    int rows = 0;
    while (source.next(row))
        ++rows;
    QCOMPARE(rows, 2);
    QVERIFY(!source.lastError().has_value());
}

void TestSqliteSource::countRows_withoutOpen_countsEveryShapeOfQuery_data()
{
    // The count drops a final ORDER BY (SQLite would sort just to count) but never one that a LIMIT, an
    // OFFSET or a window depends on, nor text that only looks like one.
    QTest::addColumn<QString>("query");
    QTest::addColumn<qint64>("rows");
    QTest::newRow("order by") << u"SELECT id FROM people ORDER BY id DESC"_s << qint64(3);
    QTest::newRow("order by, then limit") << u"SELECT id FROM people ORDER BY id LIMIT 2"_s << qint64(2);
    QTest::newRow("limit with offset")
        << u"SELECT id FROM people ORDER BY id LIMIT 5 OFFSET 2"_s << qint64(1);
    QTest::newRow("window function") << u"SELECT id, row_number() OVER (ORDER BY id) AS n FROM people"_s
                                     << qint64(3);
    QTest::newRow("words in a string and a comment")
        << u"SELECT id, 'x ORDER BY y' AS t FROM people /* ORDER BY id */ WHERE id > 1 -- order by"_s
        << qint64(2);
    QTest::newRow("column named order_total")
        << u"SELECT id AS order_total FROM people ORDER BY order_total"_s << qint64(3);
}

void TestSqliteSource::countRows_withoutOpen_countsEveryShapeOfQuery()
{
    QFETCH(QString, query);
    QFETCH(qint64, rows);
    SqliteSource source(specFor(m_dbPath, query));
    const auto count = source.countRows(); // the engine counts on a second source it never opens
    QVERIFY2(count.ok(), qPrintable(count.ok() ? QString() : count.error().message));
    QCOMPARE(*count, rows);
}

void TestSqliteSource::open_missingFile_namesPathAndCreatesNothing()
{
    const QString missing = m_dir.filePath(u"does-not-exist.db"_s);
    SqliteSource source(specFor(missing, u"SELECT 1"_s));
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().category, ErrorCategory::Source);
    QVERIFY2(opened.error().message.contains(missing), qPrintable(opened.error().message));
    QVERIFY2(opened.error().message.contains(u"source.path"_s), qPrintable(opened.error().message));
    QVERIFY(!QFile::exists(missing));
    SourceRow row;
    QVERIFY(!source.next(row));
}

void TestSqliteSource::open_badQuery_reportsSqliteMessage_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("sqliteSays");

    QTest::newRow("unknown table") << u"SELECT * FROM nope"_s << u"no such table: nope"_s;
    QTest::newRow("unknown column") << u"SELECT missing_column FROM people"_s
                                    << u"no such column: missing_column"_s;
    QTest::newRow("syntax") << u"SELEC id FROM people"_s << u"syntax error"_s;
}

void TestSqliteSource::open_badQuery_reportsSqliteMessage()
{
    QFETCH(QString, query);
    QFETCH(QString, sqliteSays);

    SqliteSource source(specFor(m_dbPath, query));
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().category, ErrorCategory::Source);
    QVERIFY2(opened.error().message.contains(sqliteSays), qPrintable(opened.error().message));
    QVERIFY2(opened.error().message.contains(u"source.query"_s), qPrintable(opened.error().message));
}

void TestSqliteSource::open_isReadOnly_writeStatementsFail()
{
    // The parser refuses non-SELECT queries; the read-only connection is the second line of defence.
    SqliteSource source(specFor(m_dbPath, u"DELETE FROM people"_s));
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.contains(u"readonly"_s, Qt::CaseInsensitive),
             qPrintable(opened.error().message));

    SqliteSource check(specFor(m_dbPath, u"SELECT COUNT(*) FROM people"_s));
    QVERIFY(check.open().ok());
    SourceRow row;
    QVERIFY(check.next(row));
    QCOMPARE(row.values.at(0).toLongLong(), 3);
}

void TestSqliteSource::open_fileIsNoDatabase_saysWhatIsWrongWithTheFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("says");
    QTest::newRow("empty file") << QByteArray() << u"is an empty file (0 bytes)"_s;
    QTest::newRow("CSV export") << QByteArray("customer_id,email\n1,a@example.com\n")
                                << u"is not a SQLite database (or it is encrypted)"_s;
    QTest::newRow("SQLite header, nothing valid after it")
        << QByteArray("SQLite format 3", 16) + QByteArray(4080, '\x7f')
        << u"is not a SQLite database (or it is encrypted)"_s;
}

void TestSqliteSource::open_fileIsNoDatabase_saysWhatIsWrongWithTheFile()
{
    // These used to read "The warehouse query failed: … Fix source.query", though the query was fine.
    QFETCH(QByteArray, content);
    QFETCH(QString, says);
    const QString path = m_dir.filePath(u"export.db"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
    file.close();
    SqliteSource source(specFor(path, u"SELECT id FROM people"_s));
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().category, ErrorCategory::Source);
    const QString message = opened.error().message;
    QVERIFY2(message.contains(u"\"%1\" %2"_s.arg(path, says)), qPrintable(message));
    QVERIFY2(message.contains(u"Check source.path"_s), qPrintable(message));
    QVERIFY2(!message.contains(u"source.query"_s), qPrintable(message));
    QCOMPARE(QFileInfo(path).size(), content.size()); // read-only: the file is left as it was
}

void TestSqliteSource::open_lockedByAnotherProgram_saysSoAfterTheBusyTimeout()
{
    // Another program in the middle of a write holds an exclusive lock (rollback journal): readers wait for
    // the busy timeout, then get SQLITE_BUSY.
    const QString path = m_dir.filePath(u"locked.db"_s);
    QVERIFY(QFile::copy(m_dbPath, path));
    {
        QSqlDatabase writer = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"writer"_s);
        writer.setDatabaseName(path);
        QVERIFY(writer.open());
        QSqlQuery lock(writer);
        QVERIFY2(lock.exec(u"BEGIN EXCLUSIVE"_s), qPrintable(lock.lastError().text()));
        QVERIFY(lock.exec(u"UPDATE people SET score = 1"_s));

        SqliteSource source(specFor(path, u"SELECT id FROM people"_s));
        const auto opened = source.open();
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().category, ErrorCategory::Source);
        const QString message = opened.error().message;
        QVERIFY2(message.contains(u"\"%1\" is locked by another program"_s.arg(path)), qPrintable(message));
        QVERIFY2(message.contains(u"then run again"_s), qPrintable(message));
        QVERIFY2(!message.contains(u"source.query"_s), qPrintable(message));

        QVERIFY(lock.exec(u"ROLLBACK"_s));
        lock = QSqlQuery();
        writer.close();
    }
    QSqlDatabase::removeDatabase(u"writer"_s);
}

void TestSqliteSource::create_unknownType_isConfigurationErrorListingTheTypes()
{
    SourceSpec spec = specFor(m_dbPath, u"SELECT 1"_s);
    spec.type = u"oracle"_s;
    const auto created = WarehouseSource::create(spec);
    QVERIFY(!created.ok());
    QCOMPARE(created.error().category, ErrorCategory::Configuration);
    QVERIFY(created.error().message.contains(u"\"oracle\""_s));
    QVERIFY2(created.error().message.contains(u"sqlite, postgresql, odbc, csv"_s),
             qPrintable(created.error().message));
}

void TestSqliteSource::create_sqlite_returnsWorkingSource()
{
    auto created = WarehouseSource::create(specFor(m_dbPath, u"SELECT name FROM people WHERE id = 3"_s));
    QVERIFY(created.ok());
    std::unique_ptr<WarehouseSource> source = std::move(created).value();
    QVERIFY(source->open().ok());
    SourceRow row;
    QVERIFY(source->next(row));
    QCOMPARE(row.values.at(0).toString(), u"Chloé"_s);
}

void TestSqliteSource::twoSources_onSameFile_haveIndependentConnections()
{
    QString firstConnection;
    {
        SqliteSource a(specFor(m_dbPath, u"SELECT id FROM people ORDER BY id"_s));
        SqliteSource b(specFor(m_dbPath, u"SELECT id FROM people ORDER BY id DESC"_s));
        QVERIFY(a.connectionName() != b.connectionName());
        QVERIFY(a.open().ok());
        QVERIFY(b.open().ok());
        SourceRow rowA;
        SourceRow rowB;
        QVERIFY(a.next(rowA));
        QVERIFY(b.next(rowB));
        QCOMPARE(rowA.values.at(0).toInt(), 1);
        QCOMPARE(rowB.values.at(0).toInt(), 3);
        firstConnection = a.connectionName();
        QVERIFY(QSqlDatabase::contains(firstConnection));
    }
    QVERIFY(!QSqlDatabase::contains(firstConnection)); // removed in the destructor
}

void TestSqliteSource::source_onWorkerThread_readsAllRows()
{
    qint64 rows = 0;
    qint64 counted = -1;
    QString failure;
    QThread *worker = QThread::create([&] {
        SqliteSource source(specFor(m_dbPath, u"SELECT id, name FROM people"_s));
        const auto opened = source.open();
        if (!opened.ok()) {
            failure = opened.error().message;
            return;
        }
        const auto count = source.countRows();
        counted = count.ok() ? *count : -1;
        SourceRow row;
        while (source.next(row))
            ++rows;
    });
    worker->start();
    QVERIFY(worker->wait(10000));
    delete worker;
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QCOMPARE(counted, 3);
    QCOMPARE(rows, 3);
}

void TestSqliteSource::sampleWarehouse_has10000RowsWithinDataverseLimits()
{
    QVERIFY2(QFile::exists(sampleDb),
             qPrintable(u"missing "_s + sampleDb + u": build the sample_warehouse target"_s));
    SqliteSource source(specFor(sampleDb, sampleQuery));
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(errorText(opened)));
    QCOMPARE(source.columns(), (QStringList{u"customer_id"_s, u"first_name"_s, u"last_name"_s, u"email"_s,
                                            u"phone"_s, u"company"_s, u"job_title"_s, u"city"_s,
                                            u"lifetime_value"_s, u"lead_source"_s, u"signup_date"_s}));
    QCOMPARE(*source.countRows(), 10000);

    const QSet<QString> leadSources = {u"Web"_s,           u"Referral"_s, u"Trade Show"_s, u"Partner"_s,
                                       u"Advertisement"_s, u"Webinar"_s,  u"Other"_s};
    const QRegularExpression emailRe(u"^[a-z0-9.-]+@[a-z0-9.-]+\\.[a-z]+$"_s);
    const QRegularExpression phoneRe(u"^\\+1 \\d{3}-555-01\\d{2}$"_s);
    const QRegularExpression dateRe(u"^\\d{4}-\\d{2}-\\d{2}$"_s);
    // Dataverse column limits of the sample mapping's targets (firstname, lastname, emailaddress1,
    // telephone1, new_companyname, jobtitle, address1_city).
    const QList<std::pair<int, int>> limits = {{1, 50},  {2, 50},  {3, 100}, {4, 50},
                                               {5, 100}, {6, 100}, {7, 80}};

    QSet<QString> emails;
    qint64 expectedId = 1;
    int nullPhones = 0;
    int accented = 0;
    int apostrophes = 0;
    SourceRow row;
    while (source.next(row)) {
        const QVariantList &v = row.values;
        const QString where = u"customer %1: "_s.arg(expectedId);
        QCOMPARE(v.at(0).toLongLong(), expectedId);
        QVERIFY2(!v.at(1).toString().isEmpty() && !v.at(2).toString().isEmpty(), qPrintable(where));
        for (const auto &[column, limit] : limits)
            QVERIFY2(v.at(column).toString().size() <= limit, qPrintable(where + v.at(column).toString()));

        const QString email = v.at(3).toString();
        QVERIFY2(emailRe.match(email).hasMatch(), qPrintable(where + email));
        QVERIFY2(email.section(u'@', 0, 0).endsWith(QString::number(expectedId)), qPrintable(where + email));
        emails.insert(email);

        if (v.at(4).isValid())
            QVERIFY2(phoneRe.match(v.at(4).toString()).hasMatch(), qPrintable(where + v.at(4).toString()));
        else
            ++nullPhones;

        // Stored as REAL (or INTEGER when whole): it must read back as an amount with at most two decimals.
        bool isNumber = false;
        const double amount = v.at(8).toDouble(&isNumber);
        QVERIFY2(isNumber && amount >= 0.0 && amount <= 25000.0, qPrintable(where + v.at(8).toString()));
        const QString twoDecimals = QString::number(amount, 'f', 2);
        QCOMPARE(twoDecimals.toDouble(), amount);

        QVERIFY2(leadSources.contains(v.at(9).toString()), qPrintable(where + v.at(9).toString()));
        const QString date = v.at(10).toString();
        QVERIFY2(dateRe.match(date).hasMatch() && date >= "2015-01-01"_L1 && date <= "2025-12-31"_L1,
                 qPrintable(where + date));
        QVERIFY2(QDate::fromString(date, Qt::ISODate).isValid(), qPrintable(where + date));

        const QString name = v.at(1).toString() + v.at(2).toString();
        accented +=
            std::any_of(name.cbegin(), name.cend(), [](QChar c) { return c.unicode() > 127; }) ? 1 : 0;
        apostrophes += name.contains(u'\'') ? 1 : 0;
        ++expectedId;
    }
    QVERIFY(!source.lastError().has_value());
    QCOMPARE(expectedId - 1, 10000);
    QCOMPARE(emails.size(), 10000);
    // Plausible variety: some missing phones, international names with accents and apostrophes.
    QVERIFY(nullPhones > 100 && nullPhones < 3000);
    QVERIFY(accented > 500);
    QVERIFY(apostrophes > 50);
}

QTEST_GUILESS_MAIN(TestSqliteSource)
#include "tst_sqlitesource.moc"
