// CsvSource: RFC 4180 parsing (quotes, doubled quotes, line breaks in fields, CRLF/LF, BOM), the delimiter
// and quote options, type hints, NULL versus empty text, row counts, and a bad record refused at open() with
// its line number and the fix. Also: the sample customers.csv holds exactly the sample warehouse's rows.

#include "services/warehouse/csvsource.h"

#include <QDate>
#include <QDateTime>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;

namespace {

SourceSpec csvSpec(const QString &path)
{
    SourceSpec spec;
    spec.type = u"csv"_s;
    spec.path = path;
    spec.keyColumn = u"id"_s;
    return spec;
}

QList<QVariantList> readAll(CsvSource &source)
{
    QList<QVariantList> rows;
    SourceRow row;
    while (source.next(row))
        rows.append(row.values);
    return rows;
}

} // namespace

class TestCsvSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void open_rfc4180File_streamsFieldsWithQuotesLineBreaksAndNulls();
    void open_byteOrderMarkAndLineEndings_doNotChangeTheValues_data();
    void open_byteOrderMarkAndLineEndings_doNotChangeTheValues();
    void options_tabDelimiterAndSingleQuote_areHonoured();
    void columnTypes_convertValuesAndAreReported();
    void countRows_withoutOpen_countsRecordsNotLines();
    void open_badRecord_isRefusedWithItsLineNumberAndTheFix_data();
    void open_badRecord_isRefusedWithItsLineNumberAndTheFix();
    void open_missingFile_namesThePath();
    void create_csvType_returnsAWorkingSource();
    void largeFile_streamsEveryRecordAndCountsThem();
    void sampleCsv_holdsExactlyTheSampleWarehouseRows();

private:
    QString write(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

QString TestCsvSource::write(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(content);
    return path;
}

void TestCsvSource::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestCsvSource::open_rfc4180File_streamsFieldsWithQuotesLineBreaksAndNulls()
{
    const QString path = write(u"rfc.csv"_s, "id,name,note,city\r\n"
                                             "1,\"O'Brien, Seán\",\"said \"\"hi\"\"\",Kraków\r\n"
                                             "2,,\"\",\"two\r\nlines\"\r\n"
                                             "3,Zoë,\"a,b\",\r\n");
    CsvSource source(csvSpec(path));
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
    QCOMPARE(source.columns(), (QStringList{u"id"_s, u"name"_s, u"note"_s, u"city"_s}));
    QVERIFY(source.columnTypes().isEmpty()); // no hints: every column is text, checked row by row
    const QList<QVariantList> rows = readAll(source);
    QVERIFY(!source.lastError());
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows.at(0), (QVariantList{u"1"_s, u"O'Brien, Seán"_s, u"said \"hi\""_s, u"Kraków"_s}));
    QVERIFY(!rows.at(1).at(1).isValid()); // empty unquoted field: NULL
    QVERIFY(rows.at(1).at(2).isValid());  // "" : empty text
    QCOMPARE(rows.at(1).at(2).toString(), QString());
    QCOMPARE(rows.at(1).at(3).toString(), u"two\r\nlines"_s);
    QCOMPARE(rows.at(2).at(2).toString(), u"a,b"_s);
    QVERIFY(!rows.at(2).at(3).isValid());
    QCOMPARE(source.countRows().value(), 3);
}

void TestCsvSource::open_byteOrderMarkAndLineEndings_doNotChangeTheValues_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("LF") << QByteArray("id,name\n1,Ann\n2,Bo\n");
    QTest::newRow("CRLF") << QByteArray("id,name\r\n1,Ann\r\n2,Bo\r\n");
    QTest::newRow("UTF-8 BOM") << QByteArray("\xEF\xBB\xBFid,name\r\n1,Ann\r\n2,Bo\r\n");
    QTest::newRow("no final line break") << QByteArray("id,name\n1,Ann\n2,Bo");
    QTest::newRow("blank lines") << QByteArray("id,name\n\n1,Ann\n\r\n2,Bo\n\n\n");
    QTest::newRow("quoted header") << QByteArray("\"id\",\"name\"\n\"1\",Ann\n2,\"Bo\"\n");
}

void TestCsvSource::open_byteOrderMarkAndLineEndings_doNotChangeTheValues()
{
    QFETCH(QByteArray, content);
    CsvSource source(csvSpec(write(u"endings.csv"_s, content)));
    QVERIFY(source.open().ok());
    QCOMPARE(source.columns(), (QStringList{u"id"_s, u"name"_s}));
    const QList<QVariantList> rows = readAll(source);
    QCOMPARE(rows, (QList<QVariantList>{{u"1"_s, u"Ann"_s}, {u"2"_s, u"Bo"_s}}));
}

void TestCsvSource::options_tabDelimiterAndSingleQuote_areHonoured()
{
    SourceSpec spec = csvSpec(write(u"tabs.tsv"_s, "id\tname\n1\t'tab\tinside'\n2\t'it''s'\n"));
    spec.delimiter = u"\t"_s;
    spec.quote = u"'"_s;
    CsvSource source(spec);
    QVERIFY(source.open().ok());
    QCOMPARE(readAll(source), (QList<QVariantList>{{u"1"_s, u"tab\tinside"_s}, {u"2"_s, u"it's"_s}}));
}

void TestCsvSource::columnTypes_convertValuesAndAreReported()
{
    SourceSpec spec = csvSpec(write(u"typed.csv"_s, "id,amount,vip,day,at,label\n"
                                                    "7,12382.6,yes,2024-02-29,2024-05-31T14:30:00+02:00,x\n"
                                                    " 8 ,3,0,2015-01-01,2024-05-31 12:00:00Z,\n"
                                                    ",,,,,\"\"\n"));
    spec.columnTypes = {{u"id"_s, CsvColumnType::Integer},  {u"amount"_s, CsvColumnType::Decimal},
                        {u"vip"_s, CsvColumnType::Boolean}, {u"day"_s, CsvColumnType::Date},
                        {u"at"_s, CsvColumnType::DateTime}, {u"label"_s, CsvColumnType::Text}};
    CsvSource source(spec);
    const auto opened = source.open();
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
    const QHash<QString, QMetaType::Type> expectedTypes = {
        {u"id"_s, QMetaType::LongLong}, {u"amount"_s, QMetaType::Double}, {u"vip"_s, QMetaType::Bool},
        {u"day"_s, QMetaType::QDate},   {u"at"_s, QMetaType::QDateTime},  {u"label"_s, QMetaType::QString}};
    QCOMPARE(source.columnTypes(), expectedTypes);
    const QList<QVariantList> rows = readAll(source);
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows.at(0).at(0).typeId(), QMetaType::LongLong);
    QCOMPARE(rows.at(0).at(0).toLongLong(), 7);
    QCOMPARE(rows.at(0).at(1).toDouble(), 12382.6);
    QCOMPARE(rows.at(0).at(2).toBool(), true);
    QCOMPARE(rows.at(0).at(3).toDate(), QDate(2024, 2, 29));
    QCOMPARE(rows.at(0).at(4).toDateTime().toUTC(), QDateTime(QDate(2024, 5, 31), QTime(12, 30), Qt::UTC));
    QCOMPARE(rows.at(1).at(0).toLongLong(), 8); // surrounding spaces are fine for a number
    QCOMPARE(rows.at(1).at(1).toDouble(), 3.0);
    QCOMPARE(rows.at(1).at(2).toBool(), false);
    QCOMPARE(rows.at(1).at(4).toDateTime().toUTC(), QDateTime(QDate(2024, 5, 31), QTime(12, 0), Qt::UTC));
    QVERIFY(!rows.at(1).at(5).isValid());
    for (int i = 0; i < 5; ++i)
        QVERIFY2(!rows.at(2).at(i).isValid(), "an empty typed field is NULL");
    QCOMPARE(rows.at(2).at(5).toString(), QString());
    QVERIFY(rows.at(2).at(5).isValid());
}

void TestCsvSource::countRows_withoutOpen_countsRecordsNotLines()
{
    CsvSource source(csvSpec(write(u"count.csv"_s, "id,text\n1,\"a\nb\nc\"\n\n2,x\n3,\"\"\"\"\n")));
    const auto count = source.countRows();
    QVERIFY(count.ok());
    QCOMPARE(count.value(), 3);
    // A second source counts on its own, as the engine's counting thread does.
    CsvSource reader(csvSpec(m_dir.filePath(u"count.csv"_s)));
    QVERIFY(reader.open().ok());
    QCOMPARE(readAll(reader).size(), 3);
}

void TestCsvSource::open_badRecord_isRefusedWithItsLineNumberAndTheFix_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("typeHints"); // "column=type,…"
    QTest::addColumn<QString>("delimiter");
    QTest::addColumn<QStringList>("expected");

    const QString comma = u","_s;
    QTest::newRow("quote never closed") << QByteArray("id,name\n1,Ann\n2,\"Bo\n3,Cy\n") << QString() << comma
                                        << QStringList{u"line 3"_s, u"never closed"_s};
    QTest::newRow("quote inside an unquoted field")
        << QByteArray("id,name\n1,Ann\n2,Bo \"the\" great\n") << QString() << comma
        << QStringList{u"line 3"_s, u"field 2 holds a quote"_s, u"double the quotes"_s};
    QTest::newRow("text after the closing quote")
        << QByteArray("id,name\n1,\"Ann\"x\n") << QString() << comma
        << QStringList{u"line 2"_s, u"text after its closing quote"_s};
    QTest::newRow("too many fields, after a record over three lines")
        << QByteArray("id,name\n1,\"a\nb\nc\"\n2,Bo,extra\n") << QString() << comma
        << QStringList{u"line 5"_s, u"3 fields, but the header has 2 columns"_s};
    QTest::newRow("too few fields") << QByteArray("id,name,city\n1,Ann,Oslo\n2,Bo\n") << QString() << comma
                                    << QStringList{u"line 3"_s, u"2 fields, but the header has 3 columns"_s};
    QTest::newRow("not UTF-8 (Latin-1)") << QByteArray("id,name\n1,Ann\n2,M\xFCller\n") << QString() << comma
                                         << QStringList{u"line 3"_s, u"not UTF-8 text"_s, u"CSV UTF-8"_s};
    QTest::newRow("NUL byte") << QByteArray("id,name\n1,A\0nn\n", 15) << QString() << comma
                              << QStringList{u"line 2"_s, u"NUL byte"_s};
    QTest::newRow("not a whole number")
        << QByteArray("id,name\n1,Ann\n2x,Bo\n") << u"id=integer"_s << comma
        << QStringList{u"line 3"_s, u"\"2x\" of column \"id\" is not a whole number"_s,
                       u"source.columnTypes says integer"_s};
    QTest::newRow("decimal comma") << QByteArray("id,amount\n1,\"12,50\"\n") << u"amount=decimal"_s << comma
                                   << QStringList{u"line 2"_s, u"'.' as the decimal separator"_s};
    QTest::newRow("not a date") << QByteArray("id,day\n1,31/12/2024\n") << u"day=date"_s << comma
                                << QStringList{u"line 2"_s, u"YYYY-MM-DD"_s};
    QTest::newRow("not a boolean") << QByteArray("id,vip\n1,maybe\n") << u"vip=boolean"_s << comma
                                   << QStringList{u"line 2"_s, u"true/false"_s};
    QTest::newRow("empty file") << QByteArray() << QString() << comma
                                << QStringList{u"is empty (0 bytes)"_s, u"no header row"_s};
    QTest::newRow("UTF-16") << QByteArray("\xFF\xFEi\0d\0\n\0", 8) << QString() << comma
                            << QStringList{u"UTF-16"_s, u"Save it as UTF-8"_s};
    QTest::newRow("duplicate column") << QByteArray("id,name,name\n1,a,b\n") << QString() << comma
                                      << QStringList{u"line 1"_s, u"names the column \"name\" twice"_s};
    QTest::newRow("column without a name")
        << QByteArray("id,,city\n1,a,b\n") << QString() << comma
        << QStringList{u"line 1"_s, u"column 2 of the header row has no name"_s};
    QTest::newRow("semicolon file read with commas")
        << QByteArray("id;name;city\n1;Ann;Oslo\n") << QString() << comma
        << QStringList{u"separated by ';'"_s, u"\"delimiter\": \";\""_s};
    QTest::newRow("hint for a column the file lacks")
        << QByteArray("id,name\n1,Ann\n") << u"amount=decimal"_s << comma
        << QStringList{u"columnTypes names the column \"amount\""_s, u"Its columns: id, name"_s};
    QTest::newRow("a SQLite database")
        << QByteArray("SQLite format 3\0xxxxxxxxxxxxxxxx", 32) << QString() << comma
        << QStringList{u"is a SQLite database"_s, u"\"type\": \"sqlite\""_s};
}

void TestCsvSource::open_badRecord_isRefusedWithItsLineNumberAndTheFix()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, typeHints);
    QFETCH(QString, delimiter);
    QFETCH(QStringList, expected);
    SourceSpec spec = csvSpec(write(u"bad.csv"_s, content));
    spec.delimiter = delimiter;
    for (const QString &hint : typeHints.split(u',', Qt::SkipEmptyParts)) {
        const QStringList parts = hint.split(u'=');
        spec.columnTypes.insert(parts.at(0), *csvColumnTypeFromName(parts.at(1)));
    }
    CsvSource source(spec);
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    const QString message = opened.error().message;
    QVERIFY2(message.contains(spec.path) || message.contains(u"columnTypes"_s), qPrintable(message));
    for (const QString &part : expected)
        QVERIFY2(message.contains(part), qPrintable(u"missing \""_s + part + u"\" in: "_s + message));
    // Nothing is handed out after a refused open().
    SourceRow row;
    QVERIFY(!source.next(row));
}

void TestCsvSource::open_missingFile_namesThePath()
{
    CsvSource source(csvSpec(m_dir.filePath(u"nowhere.csv"_s)));
    const auto opened = source.open();
    QVERIFY(!opened.ok());
    QCOMPARE(opened.error().category, ErrorCategory::Source);
    QVERIFY(opened.error().message.contains(u"nowhere.csv\" does not exist"_s));
    QVERIFY(opened.error().message.contains(u"source.path"_s));
}

void TestCsvSource::create_csvType_returnsAWorkingSource()
{
    auto created = WarehouseSource::create(csvSpec(write(u"create.csv"_s, "id\n1\n")));
    QVERIFY(created.ok());
    QVERIFY(created.value()->open().ok());
    SourceRow row;
    QVERIFY(created.value()->next(row));
    QCOMPARE(row.values.first().toString(), u"1"_s);
}

void TestCsvSource::largeFile_streamsEveryRecordAndCountsThem()
{
    // Bigger than the read buffer many times over, with fields that cross buffer boundaries.
    QByteArray content = "id,text,amount\n";
    const int rows = 100000;
    for (int i = 1; i <= rows; ++i)
        content += QByteArray::number(i) + ",\"row " + QByteArray::number(i) + ", \"\"quoted\"\"\"," +
                   QByteArray::number(i * 0.25, 'f', 2) + "\n";
    SourceSpec spec = csvSpec(write(u"large.csv"_s, content));
    spec.columnTypes = {{u"id"_s, CsvColumnType::Integer}, {u"amount"_s, CsvColumnType::Decimal}};
    CsvSource source(spec);
    QVERIFY(source.open().ok());
    QCOMPARE(source.countRows().value(), rows);
    SourceRow row;
    qint64 seen = 0;
    while (source.next(row)) {
        ++seen;
        if (row.values.at(0).toLongLong() != seen || row.values.at(2).toDouble() != seen * 0.25 ||
            row.values.at(1).toString() != u"row %1, \"quoted\""_s.arg(seen)) {
            QFAIL(qPrintable(u"row %1 differs: "_s.arg(seen) + row.values.at(1).toString()));
        }
    }
    QVERIFY(!source.lastError());
    QCOMPARE(seen, rows);
}

void TestCsvSource::sampleCsv_holdsExactlyTheSampleWarehouseRows()
{
    // The sample ships the 10,000 customers twice: warehouse.db and customers.csv (built from it). Read with
    // the CSV sample mapping's type hints, every value equals the database's.
    const QString csvPath = QStringLiteral(D365_BUILD_DIR "/sample/customers.csv");
    QVERIFY2(QFile::exists(csvPath), "the sample customers.csv was not built");
    SourceSpec spec = csvSpec(csvPath);
    spec.columnTypes = {{u"customer_id"_s, CsvColumnType::Integer},
                        {u"lifetime_value"_s, CsvColumnType::Decimal},
                        {u"signup_date"_s, CsvColumnType::Date}};
    CsvSource csv(spec);
    QVERIFY(csv.open().ok());
    const QStringList columns = csv.columns();
    QCOMPARE(columns.size(), 11);

    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"sample"_s);
    db.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
    db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
    QVERIFY(db.open());
    {
        QSqlQuery query(db);
        QVERIFY(query.exec(u"SELECT "_s + columns.join(u", "_s) + u" FROM customers ORDER BY customer_id"_s));
        SourceRow row;
        int compared = 0;
        while (query.next()) {
            QVERIFY(csv.next(row));
            for (int i = 0; i < columns.size(); ++i) {
                const QVariant expected = query.value(i);
                const QVariant actual = row.values.at(i);
                if (expected.isNull()) {
                    QVERIFY2(!actual.isValid(), qPrintable(columns.at(i)));
                } else if (columns.at(i) == "signup_date"_L1) {
                    QCOMPARE(actual.toDate().toString(Qt::ISODate), expected.toString());
                } else if (columns.at(i) == "lifetime_value"_L1 || columns.at(i) == "customer_id"_L1) {
                    QCOMPARE(actual.toDouble(), expected.toDouble());
                } else {
                    QCOMPARE(actual.toString(), expected.toString());
                }
            }
            ++compared;
        }
        QCOMPARE(compared, 10000);
        QVERIFY(!csv.next(row));
    }
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"sample"_s);
}

QTEST_GUILESS_MAIN(TestCsvSource)
#include "tst_csvsource.moc"
