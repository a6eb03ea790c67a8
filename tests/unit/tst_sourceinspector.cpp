// SourceInspector and PreviewModel: the warehouse's tables and a preview of a query (first rows, declared
// types), read on the thread pool and answered by signal; only the newest request answers. The preview as a
// table model (checked with QAbstractItemModelTester).

#include "models/previewmodel.h"
#include "services/editor/sourceinspector.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>

using namespace Qt::StringLiterals;
using d365::services::SourceInspector;
using d365::services::SourcePreview;
using d365::services::SourceSpec;

namespace {

SourceSpec sample(const QString &query = u"SELECT * FROM customers ORDER BY customer_id"_s)
{
    SourceSpec spec;
    spec.type = u"sqlite"_s;
    spec.path = QStringLiteral(D365_SAMPLE_DB);
    spec.query = query;
    spec.keyColumn = u"customer_id"_s;
    return spec;
}

} // namespace

class TestSourceInspector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tables_sampleWarehouse_listsCustomers();
    void tables_missingFile_saysWhy();
    void preview_sampleCustomers_readsTheFirstHundredRowsAndTheTypes();
    void preview_smallResult_readsAllAndSaysSo();
    void preview_badQuery_carriesTheWarehouseError();
    void requestPreview_twoRequests_onlyTheNewestAnswers();
    void requestTables_answersOnTheCallersThread();
    void queryForTable_andBack_data();
    void queryForTable_andBack();
    void previewModel_preview_showsRowsAndTypedHeaders();
};

void TestSourceInspector::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(D365_SAMPLE_DB)), "build the target sample_warehouse first");
}

void TestSourceInspector::tables_sampleWarehouse_listsCustomers()
{
    const auto tables = SourceInspector::tables(sample());
    QVERIFY2(tables.ok(), qPrintable(tables.ok() ? QString() : tables.error().message));
    QCOMPARE(tables.value(), QStringList({u"customers"_s}));
}

void TestSourceInspector::tables_missingFile_saysWhy()
{
    SourceSpec spec = sample();
    spec.path = u"/nonexistent/warehouse.db"_s;
    const auto tables = SourceInspector::tables(spec);
    QVERIFY(!tables.ok());
    QVERIFY2(tables.error().message.contains(u"/nonexistent/warehouse.db"_s),
             qPrintable(tables.error().message));
}

void TestSourceInspector::preview_sampleCustomers_readsTheFirstHundredRowsAndTheTypes()
{
    const SourcePreview preview = SourceInspector::preview(sample());
    QVERIFY2(preview.ok(), qPrintable(preview.ok() ? QString() : preview.error->message));
    QCOMPARE(preview.columns.size(), 11);
    QCOMPARE(preview.columns.first(), u"customer_id"_s);
    QCOMPARE(preview.rows.size(), SourceInspector::PreviewRows);
    QVERIFY(preview.more); // 10,000 customers
    QCOMPARE(preview.rows.first().first().toLongLong(), 1);
    QCOMPARE(SourcePreview::typeName(preview.types.value(u"customer_id"_s)), u"integer"_s);
    QCOMPARE(SourcePreview::typeName(preview.types.value(u"email"_s)), u"text"_s);
    QVERIFY(preview.longestText().value(u"email"_s) > 10);
}

void TestSourceInspector::preview_smallResult_readsAllAndSaysSo()
{
    const SourcePreview preview = SourceInspector::preview(
        sample(u"SELECT customer_id, email FROM customers WHERE customer_id <= 3"_s));
    QVERIFY(preview.ok());
    QCOMPARE(preview.rows.size(), 3);
    QVERIFY(!preview.more);
}

void TestSourceInspector::preview_badQuery_carriesTheWarehouseError()
{
    const SourcePreview preview = SourceInspector::preview(sample(u"SELECT nope FROM customers"_s));
    QVERIFY(!preview.ok());
    QVERIFY2(preview.error->message.contains(u"nope"_s), qPrintable(preview.error->message));
    QVERIFY(preview.rows.isEmpty());
}

void TestSourceInspector::requestPreview_twoRequests_onlyTheNewestAnswers()
{
    SourceInspector inspector;
    QSignalSpy ready(&inspector, &SourceInspector::previewReady);
    inspector.requestPreview(sample(u"SELECT customer_id FROM customers"_s));
    inspector.requestPreview(sample(u"SELECT email FROM customers"_s));
    QTRY_COMPARE(ready.count(), 1);
    const auto preview = ready.first().first().value<SourcePreview>();
    QCOMPARE(preview.columns, QStringList({u"email"_s}));
    // The older answer, finished meanwhile or later, never arrives: once every read has finished and its
    // result has been delivered, there is still one answer.
    QVERIFY(QThreadPool::globalInstance()->waitForDone(30000));
    QCoreApplication::processEvents();
    QCOMPARE(ready.count(), 1);
}

void TestSourceInspector::requestTables_answersOnTheCallersThread()
{
    SourceInspector inspector;
    QSignalSpy ready(&inspector, &SourceInspector::tablesReady);
    inspector.requestTables(sample());
    QTRY_COMPARE(ready.count(), 1);
    QCOMPARE(ready.first().at(0).toString(), QStringLiteral(D365_SAMPLE_DB));
    QCOMPARE(ready.first().at(1).toStringList(), QStringList({u"customers"_s}));
    QVERIFY(ready.first().at(2).toString().isEmpty());
}

void TestSourceInspector::queryForTable_andBack_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("query");
    QTest::newRow("plain") << u"customers"_s << u"SELECT * FROM customers"_s;
    QTest::newRow("space") << u"order lines"_s << u"SELECT * FROM \"order lines\""_s;
    QTest::newRow("quote") << u"a\"b"_s << u"SELECT * FROM \"a\"\"b\""_s;
}

void TestSourceInspector::queryForTable_andBack()
{
    QFETCH(QString, table);
    QFETCH(QString, query);
    QCOMPARE(SourceInspector::queryForTable(table), query);
    QCOMPARE(SourceInspector::tableOfQuery(query), table);
    QCOMPARE(SourceInspector::tableOfQuery(query + u" WHERE 1"_s), QString()); // written by hand: no table
}

void TestSourceInspector::previewModel_preview_showsRowsAndTypedHeaders()
{
    d365::models::PreviewModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setPreview(SourceInspector::preview(sample(u"SELECT customer_id, phone FROM customers LIMIT 2"_s)));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), u"customer_id (integer)"_s);
    QCOMPARE(model.headerData(1, Qt::Horizontal, Qt::UserRole).toString(), u"phone"_s);
    QCOMPARE(model.headerData(0, Qt::Vertical).toInt(), 1);
    QCOMPARE(model.index(0, 0).data().toString(), u"1"_s);
    SourcePreview withNull;
    withNull.columns = {u"x"_s};
    withNull.rows = {{QVariant()}};
    model.setPreview(withNull);
    QCOMPARE(model.index(0, 0).data().toString(), u"NULL"_s);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

QTEST_GUILESS_MAIN(TestSourceInspector)
#include "tst_sourceinspector.moc"
