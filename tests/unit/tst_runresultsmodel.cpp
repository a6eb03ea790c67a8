// RunResultsModel: counts every outcome, keeps only failed rows, one insertion per batch, raw values by role.

#include "models/runresultsmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::models::RunResultsModel;
using d365::services::RowOutcome;
using d365::services::RowStatus;

namespace {

RowOutcome outcome(qint64 row, RowStatus status, const QString &key = {}, int http = 0,
                   const QString &code = {}, const QString &message = {})
{
    RowOutcome o;
    o.sourceRow = row;
    o.key = key.isEmpty() ? u"K%1"_s.arg(row) : key;
    o.status = status;
    o.httpStatus = http;
    o.errorCode = code;
    o.message = message;
    return o;
}

QList<RowOutcome> batchFromStatuses(const QList<RowStatus> &statuses, qint64 firstRow = 0)
{
    QList<RowOutcome> batch;
    for (const RowStatus status : statuses)
        batch.append(outcome(firstRow + batch.size(), status));
    return batch;
}

} // namespace

class TestRunResultsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendOutcomes_mixedBatch_countsEachStatusAndKeepsOnlyFailedRows_data();
    void appendOutcomes_mixedBatch_countsEachStatusAndKeepsOnlyFailedRows();
    void appendOutcomes_batchWithFailures_insertsOnceAndEmitsCountsChangedOnce();
    void appendOutcomes_emptyBatch_emitsNothing();
    void appendOutcomes_severalBatches_appendsFailedRowsInArrivalOrder();
    void data_failedRow_givesDisplayTooltipAndRawValues_data();
    void data_failedRow_givesDisplayTooltipAndRawValues();
    void data_noHttpRequest_showsEmptyHttpCell();
    void headerData_columns_namesEveryColumn();
    void clear_afterRun_resetsRowsAndCounts();
    void appendOutcomes_beyondFailureCap_countsAllButKeepsOnlyCap();
    void rowsAsText_selectedRows_givesHeaderAndOneTabSeparatedLinePerRow();
};

void TestRunResultsModel::appendOutcomes_mixedBatch_countsEachStatusAndKeepsOnlyFailedRows_data()
{
    QTest::addColumn<QList<RowStatus>>("statuses");
    QTest::addColumn<qint64>("created");
    QTest::addColumn<qint64>("updated");
    QTest::addColumn<qint64>("unchanged");
    QTest::addColumn<qint64>("failed");
    QTest::addColumn<qint64>("skipped");

    using S = RowStatus;
    QTest::newRow("all created") << QList<S>{S::Created, S::Created, S::Created} << 3LL << 0LL << 0LL << 0LL
                                 << 0LL;
    QTest::newRow("one of each") << QList<S>{S::Created, S::Updated, S::Unchanged, S::Failed, S::Skipped}
                                 << 1LL << 1LL << 1LL << 1LL << 1LL;
    QTest::newRow("all failed") << QList<S>{S::Failed, S::Failed} << 0LL << 0LL << 0LL << 2LL << 0LL;
    QTest::newRow("cancelled run") << QList<S>{S::Created, S::Failed, S::Skipped, S::Skipped} << 1LL << 0LL
                                   << 0LL << 1LL << 2LL;
}

void TestRunResultsModel::appendOutcomes_mixedBatch_countsEachStatusAndKeepsOnlyFailedRows()
{
    QFETCH(QList<RowStatus>, statuses);
    QFETCH(qint64, created);
    QFETCH(qint64, updated);
    QFETCH(qint64, unchanged);
    QFETCH(qint64, failed);
    QFETCH(qint64, skipped);

    RunResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendOutcomes(batchFromStatuses(statuses));

    QCOMPARE(model.created(), created);
    QCOMPARE(model.updated(), updated);
    QCOMPARE(model.unchanged(), unchanged);
    QCOMPARE(model.failed(), failed);
    QCOMPARE(model.skipped(), skipped);
    QCOMPARE(model.processed(), qint64(statuses.size()));
    QCOMPARE(model.rowCount(), int(failed));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.outcome(row).status, RowStatus::Failed);
}

void TestRunResultsModel::appendOutcomes_batchWithFailures_insertsOnceAndEmitsCountsChangedOnce()
{
    RunResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy counts(&model, &RunResultsModel::countsChanged);

    using S = RowStatus;
    model.appendOutcomes(batchFromStatuses({S::Failed, S::Created, S::Failed, S::Failed, S::Updated}));

    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0); // first
    QCOMPARE(inserted.at(0).at(2).toInt(), 2); // last
    QCOMPARE(counts.size(), 1);

    // A batch without failures changes the counters but not the table.
    model.appendOutcomes(batchFromStatuses({S::Created, S::Created}, 5));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(counts.size(), 2);
    QCOMPARE(model.created(), 3);
}

void TestRunResultsModel::appendOutcomes_emptyBatch_emitsNothing()
{
    RunResultsModel model;
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy counts(&model, &RunResultsModel::countsChanged);
    model.appendOutcomes({});
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(counts.size(), 0);
    QCOMPARE(model.processed(), 0);
}

void TestRunResultsModel::appendOutcomes_severalBatches_appendsFailedRowsInArrivalOrder()
{
    RunResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.appendOutcomes({outcome(7, RowStatus::Failed, u"A"_s), outcome(8, RowStatus::Created)});
    model.appendOutcomes({outcome(2, RowStatus::Failed, u"B"_s), outcome(3, RowStatus::Failed, u"C"_s)});

    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.outcome(0).key, u"A"_s);
    QCOMPARE(model.outcome(1).key, u"B"_s);
    QCOMPARE(model.outcome(2).key, u"C"_s);
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 1);
    QCOMPARE(inserted.at(1).at(2).toInt(), 2);
}

void TestRunResultsModel::data_failedRow_givesDisplayTooltipAndRawValues_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QVariant>("display");
    QTest::addColumn<QVariant>("raw");

    const QString message =
        u"A validation error occurred.\nThe length of the 'lastname' attribute exceeded 50."_s;
    QTest::newRow("row is 1-based, raw 0-based")
        << int(RunResultsModel::RowColumn) << QVariant(qint64(42)) << QVariant(qint64(41));
    QTest::newRow("key") << int(RunResultsModel::KeyColumn) << QVariant(u"CUST-0042"_s)
                         << QVariant(u"CUST-0042"_s);
    QTest::newRow("status") << int(RunResultsModel::StatusColumn) << QVariant(u"Failed"_s)
                            << QVariant(int(RowStatus::Failed));
    QTest::newRow("http") << int(RunResultsModel::HttpColumn) << QVariant(400) << QVariant(400);
    QTest::newRow("error code") << int(RunResultsModel::ErrorCodeColumn) << QVariant(u"0x80044331"_s)
                                << QVariant(u"0x80044331"_s);
    QTest::newRow("message on one line, raw whole")
        << int(RunResultsModel::MessageColumn)
        << QVariant(u"A validation error occurred. The length of the 'lastname' attribute exceeded 50."_s)
        << QVariant(message);
}

void TestRunResultsModel::data_failedRow_givesDisplayTooltipAndRawValues()
{
    QFETCH(int, column);
    QFETCH(QVariant, display);
    QFETCH(QVariant, raw);

    const QString message =
        u"A validation error occurred.\nThe length of the 'lastname' attribute exceeded 50."_s;
    RunResultsModel model;
    model.appendOutcomes({outcome(41, RowStatus::Failed, u"CUST-0042"_s, 400, u"0x80044331"_s, message)});

    const QModelIndex index = model.index(0, column);
    QCOMPARE(index.data(Qt::DisplayRole), display);
    QCOMPARE(index.data(Qt::UserRole), raw);
    QCOMPARE(index.data(Qt::ToolTipRole).toString(), message);
    const auto whole = index.data(RunResultsModel::OutcomeRole).value<RowOutcome>();
    QCOMPARE(whole.key, u"CUST-0042"_s);
    QCOMPARE(whole.httpStatus, 400);
}

void TestRunResultsModel::data_noHttpRequest_showsEmptyHttpCell()
{
    RunResultsModel model;
    model.appendOutcomes({outcome(0, RowStatus::Failed, u"K"_s, 0, u"conversion"_s, u"not a number"_s)});
    QCOMPARE(model.index(0, RunResultsModel::HttpColumn).data().toString(), QString());
    QCOMPARE(model.index(0, RunResultsModel::HttpColumn).data(Qt::UserRole).toInt(), 0);
}

void TestRunResultsModel::headerData_columns_namesEveryColumn()
{
    RunResultsModel model;
    const QStringList expected{u"Row"_s, u"Key"_s, u"Status"_s, u"HTTP"_s, u"Error code"_s, u"Message"_s};
    QCOMPARE(model.columnCount(), expected.size());
    for (int column = 0; column < model.columnCount(); ++column)
        QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected.at(column));
}

void TestRunResultsModel::clear_afterRun_resetsRowsAndCounts()
{
    RunResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendOutcomes(batchFromStatuses({RowStatus::Failed, RowStatus::Created, RowStatus::Failed}));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy counts(&model, &RunResultsModel::countsChanged);

    model.clear();

    QCOMPARE(reset.size(), 1);
    QCOMPARE(counts.size(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.processed(), 0);
    QCOMPARE(model.failed(), 0);
    QCOMPARE(model.created(), 0);
}

void TestRunResultsModel::appendOutcomes_beyondFailureCap_countsAllButKeepsOnlyCap()
{
    RunResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxStoredFailures(3);
    model.appendOutcomes(batchFromStatuses({RowStatus::Failed, RowStatus::Failed}));
    model.appendOutcomes(batchFromStatuses({RowStatus::Failed, RowStatus::Failed, RowStatus::Failed}, 2));

    QCOMPARE(model.failed(), 5);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.droppedFailures(), 2);
    QCOMPARE(model.outcome(2).sourceRow, 2); // the first failures are kept

    model.clear();
    QCOMPARE(model.droppedFailures(), 0);
}

void TestRunResultsModel::rowsAsText_selectedRows_givesHeaderAndOneTabSeparatedLinePerRow()
{
    RunResultsModel model;
    model.appendOutcomes({outcome(0, RowStatus::Failed, u"A"_s, 400, u"0x1"_s, u"first\tline\nsecond line"_s),
                          outcome(1, RowStatus::Failed, u"B"_s, 412, u"0x2"_s, u"precondition"_s)});

    const QString text = model.rowsAsText({1, 0, 99}); // out-of-range rows are ignored
    const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines.at(0), u"Row\tKey\tStatus\tHTTP\tError code\tMessage"_s);
    QCOMPARE(lines.at(1), u"2\tB\tFailed\t412\t0x2\tprecondition"_s);
    QCOMPARE(lines.at(2), u"1\tA\tFailed\t400\t0x1\tfirst line second line"_s);
}

QTEST_GUILESS_MAIN(TestRunResultsModel)
#include "tst_runresultsmodel.moc"
