// SyncController in process against a real sandbox over HTTP: the worker-thread contract
// (started → progress* → rowOutcomes* → finished), cancel, and a fatal error stopping the run —
// with every source row accounted for exactly once.

#include "common/sandboxprocess.h"
#include "services/auth/tokenprovider.h"
#include "services/mapping/mappingfile.h"
#include "services/sync/synccontroller.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using namespace d365::services;

class TestSyncController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void start_emitsContractInOrderAndCountsEveryRow();
    void start_whileRunning_isRefused();
    void cancel_midRun_stopsAndSkipsTheRest();
    void start_unknownEntity_emitsErrorThenFinished();
    void destructor_whileRunning_stopsCleanly();

private:
    Mapping sampleMapping(const QString &query = {}) const;

    d365::testsupport::SandboxProcess m_sandbox;
    ConnectionProfile m_profile;
    EnvironmentTokenProvider m_tokens;
};

Mapping TestSyncController::sampleMapping(const QString &query) const
{
    const auto loaded =
        MappingFile::load(QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json"));
    if (!loaded.ok()) {
        qWarning().noquote() << loaded.problemsText();
        return {};
    }
    Mapping mapping = *loaded.mapping;
    mapping.source.path = QStringLiteral(D365_SAMPLE_DB);
    if (!query.isEmpty()) {
        mapping.source.query = query;
    }
    return mapping;
}

void TestSyncController::initTestCase()
{
    qRegisterMetaType<SyncSummary>();
    QVERIFY(m_sandbox.start());
    m_profile.name = u"sandbox"_s;
    m_profile.kind = ConnectionProfile::Kind::Sandbox;
    m_profile.orgUrl = m_sandbox.baseUrl();
    QVERIFY(!sampleMapping().fields.isEmpty());
}

void TestSyncController::start_emitsContractInOrderAndCountsEveryRow()
{
    SyncController controller;
    QStringList order;
    qint64 outcomesSeen = 0;
    qint64 lastDone = -1;
    bool progressMonotonic = true;
    connect(&controller, &SyncController::started, this,
            [&](qint64 total) { order.append(u"started:%1"_s.arg(total)); });
    connect(&controller, &SyncController::progress, this, [&](qint64 done, qint64, const QString &) {
        if (order.isEmpty() || order.last() != "progress"_L1) {
            order.append(u"progress"_s);
        }
        progressMonotonic = progressMonotonic && done >= lastDone;
        lastDone = done;
    });
    connect(&controller, &SyncController::rowOutcomes, this, [&](const QList<RowOutcome> &batch) {
        outcomesSeen += batch.size();
        QCOMPARE(QThread::currentThread(), thread()); // delivered on the controller's thread
    });
    QSignalSpy finished(&controller, &SyncController::finished);
    QSignalSpy errors(&controller, &SyncController::error);

    QVERIFY(controller.start(
        sampleMapping(u"SELECT * FROM customers WHERE customer_id <= 300 ORDER BY customer_id"_s), m_profile,
        &m_tokens));
    QVERIFY(controller.isRunning());
    QVERIFY(finished.wait(120000));
    QVERIFY(!controller.isRunning());
    QCOMPARE(errors.count(), 0);
    const auto summary = finished.first().first().value<SyncSummary>();
    QCOMPARE(summary.total, 300);
    QVERIFY(summary.sourceComplete);
    QCOMPARE(summary.rowsRead, 300);
    QCOMPARE(summary.written(), 300);
    QCOMPARE(summary.failed, 0);
    QCOMPARE(outcomesSeen, 300);
    QVERIFY(progressMonotonic);
    QCOMPARE(lastDone, 300);
    // started() carries the count when it is already known, else -1 (the rows are counted alongside).
    QVERIFY2(order.size() >= 2 && order.first() == "progress"_L1 &&
                 (order.at(1) == "started:300"_L1 || order.at(1) == "started:-1"_L1),
             qPrintable(order.join(u' ')));
    // The ledger saw every row exactly once.
    QCOMPARE(controller.ledger().outcomes(), 300);
    QCOMPARE(controller.ledger().duplicateOutcomes(), 0);
    QCOMPARE(controller.ledger().rowsWithoutOutcome(300), 0);
}

void TestSyncController::start_whileRunning_isRefused()
{
    SyncController controller;
    QSignalSpy finished(&controller, &SyncController::finished);
    QVERIFY(controller.start(sampleMapping(u"SELECT * FROM customers WHERE customer_id <= 20"_s), m_profile,
                             &m_tokens));
    QVERIFY(!controller.start(sampleMapping(), m_profile, &m_tokens));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.count(), 1);
}

void TestSyncController::cancel_midRun_stopsAndSkipsTheRest()
{
    SyncController controller;
    // Small requests, two in flight: the cancel lands long before the 10,000 rows are read.
    SyncOptions options;
    options.batchSize = 100;
    options.maxConcurrentRequests = 2;
    QSignalSpy finished(&controller, &SyncController::finished);
    qint64 outcomes = 0;
    connect(&controller, &SyncController::rowOutcomes, this,
            [&](const QList<RowOutcome> &batch) { outcomes += batch.size(); });
    connect(&controller, &SyncController::progress, this, [&](qint64 done, qint64, const QString &) {
        if (done >= 50) {
            controller.cancel();
        }
    });
    QVERIFY(controller.start(sampleMapping(), m_profile, &m_tokens, options));
    QVERIFY(finished.wait(120000));
    const auto summary = finished.first().first().value<SyncSummary>();
    QVERIFY(summary.cancelled);
    QVERIFY(!summary.sourceComplete);
    QVERIFY2(summary.rowsRead < 10000, "cancel came too late to stop reading");
    // Every row read has exactly one outcome (written, failed or skipped); the rest were never read.
    QCOMPARE(summary.done(), summary.rowsRead);
    QCOMPARE(outcomes, summary.rowsRead);
    QCOMPARE(controller.ledger().rowsWithoutOutcome(summary.rowsRead), 0);
    QCOMPARE(controller.ledger().duplicateOutcomes(), 0);
    if (summary.total >= 0) { // counted alongside: known unless the cancel beat the count
        QCOMPARE(summary.total, 10000);
        QCOMPARE(summary.notRead(), 10000 - summary.rowsRead);
    }
    QCOMPARE(summary.failed, 0);
}

void TestSyncController::start_unknownEntity_emitsErrorThenFinished()
{
    Mapping mapping = sampleMapping();
    mapping.target.entitySet = u"contactz"_s;
    SyncController controller;
    QStringList order;
    connect(&controller, &SyncController::error, this,
            [&](d365::ErrorCategory, const QString &message) { order.append(u"error: "_s + message); });
    connect(&controller, &SyncController::finished, this,
            [&](const SyncSummary &) { order.append(u"finished"_s); });
    QSignalSpy finished(&controller, &SyncController::finished);
    QVERIFY(controller.start(mapping, m_profile, &m_tokens));
    QVERIFY(finished.wait(60000));
    QCOMPARE(order.size(), 2);
    QVERIFY2(order.at(0).contains("Entity not found"_L1) && order.at(0).contains("contacts"_L1),
             qPrintable(order.at(0)));
    QCOMPARE(order.at(1), u"finished"_s);
    const auto summary = finished.first().first().value<SyncSummary>();
    QVERIFY(summary.fatal.has_value());
    QCOMPARE(summary.fatal->category, d365::ErrorCategory::Configuration);
}

void TestSyncController::destructor_whileRunning_stopsCleanly()
{
    auto controller = std::make_unique<SyncController>();
    QSignalSpy progress(controller.get(), &SyncController::progress);
    QVERIFY(controller->start(sampleMapping(), m_profile, &m_tokens));
    QVERIFY(progress.wait(60000));
    controller.reset(); // cancels, quits and joins the worker thread; must neither hang nor crash

    // The org and the process are still usable afterwards: a new run completes.
    SyncController next;
    QSignalSpy finished(&next, &SyncController::finished);
    QVERIFY(next.start(sampleMapping(u"SELECT * FROM customers WHERE customer_id <= 10"_s), m_profile,
                       &m_tokens));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().value<SyncSummary>().total, 10);
}

QTEST_GUILESS_MAIN(TestSyncController)
#include "tst_synccontroller.moc"
