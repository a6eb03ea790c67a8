// The Sync pane on its own, offscreen, fed the controller's signals the way MainWindow feeds them: what the
// bar, the status line and its colours say while a run goes on and once it has ended. End-to-end runs against
// the sandbox are in tst_mainwindow.

#include "services/sync/syncresult.h"
#include "ui/syncpanel.h"

#include <QLabel>
#include <QProgressBar>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::SyncSummary;
using d365::ui::SyncPanel;

class TestSyncPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void onProgress_tenThousandRows_barAndStatusUseTheSameDigitGrouping();
    void onFinished_outcome_barStatusAndColoursSayWhatHappened_data();
    void onFinished_outcome_barStatusAndColoursSayWhatHappened();

private:
    template<typename T> T *child(const char *objectName) const;

    std::unique_ptr<SyncPanel> m_panel;
};

void TestSyncPanel::init()
{
    m_panel = std::make_unique<SyncPanel>();
    m_panel->resize(900, 300);
    m_panel->setCanSync(true);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
}

void TestSyncPanel::cleanup()
{
    m_panel.reset();
}

template<typename T> T *TestSyncPanel::child(const char *objectName) const
{
    return m_panel->findChild<T *>(QString::fromLatin1(objectName));
}

void TestSyncPanel::onProgress_tenThousandRows_barAndStatusUseTheSameDigitGrouping()
{
    auto *bar = child<QProgressBar>("syncProgressBar");
    auto *status = child<QLabel>("syncStatusLabel");
    QVERIFY(bar && status);

    m_panel->runStarting();
    m_panel->onStarted(10000);
    m_panel->onProgress(2300, 10000, QString());

    QCOMPARE(bar->value(), 2300);
    QCOMPARE(bar->text(), u"2,300 / 10,000 rows"_s);
    QVERIFY2(status->text().contains(u"2,300 of 10,000 rows"_s), qPrintable(status->text()));
}

void TestSyncPanel::onFinished_outcome_barStatusAndColoursSayWhatHappened_data()
{
    QTest::addColumn<SyncSummary>("summary");
    QTest::addColumn<QString>("statusStart");
    QTest::addColumn<int>("barValue");
    QTest::addColumn<int>("barMaximum");
    QTest::addColumn<QString>("barText");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<bool>("flagged"); // warning or error colour and icon

    SyncSummary synced;
    synced.total = 500;
    synced.created = 480;
    synced.updated = 20;
    synced.rowsRead = 500;
    synced.sourceComplete = true;
    synced.elapsedMs = 1000;
    QTest::newRow("every row synced")
        << synced << u"Synced 500 rows in 1.0 s — 480 created, 20 updated, 0 failed"_s << 500 << 500
        << u"500 / 500 rows synced"_s << u"Synced"_s << false;

    SyncSummary someFailed;
    someFailed.total = 20;
    someFailed.created = 10;
    someFailed.updated = 9;
    someFailed.failed = 1;
    someFailed.rowsRead = 20;
    someFailed.sourceComplete = true;
    someFailed.elapsedMs = 300;
    QTest::newRow("one row failed") << someFailed
                                    << u"Synced 19 of 20 rows in 0.3 s — 10 created, 9 updated, 1 failed"_s
                                    << 19 << 20 << u"19 / 20 rows synced — 1 failed"_s << u"PartlyFailed"_s
                                    << true;

    // An insert run where every row already exists in the org: not a "Synced 20 rows" under a full bar.
    SyncSummary allFailed;
    allFailed.total = 20;
    allFailed.failed = 20;
    allFailed.rowsRead = 20;
    allFailed.sourceComplete = true;
    allFailed.elapsedMs = 300;
    QTest::newRow("every row failed") << allFailed << u"Nothing was synced: 20 of 20 rows failed"_s << 0 << 20
                                      << u"0 / 20 rows synced — 20 failed"_s << u"Failed"_s << true;

    // A cancelled run: rows read but not sent are skipped, the rest was never read, and the bar shows what
    // was done, not 10,000 / 10,000.
    SyncSummary cancelled;
    cancelled.total = 10000;
    cancelled.created = 2000;
    cancelled.updated = 300;
    cancelled.skipped = 200;
    cancelled.rowsRead = 2500;
    cancelled.cancelled = true;
    cancelled.elapsedMs = 3100;
    QTest::newRow("cancelled") << cancelled
                               << u"Cancelled: synced 2,300 of 10,000 rows in 3.1 s — 2,000 created, 300 "
                                  u"updated, 0 failed, 200 skipped, "
                                  "7,500 of 10,000 source rows not read."_s
                               << 2300 << 10000 << u"2,300 / 10,000 rows synced — cancelled"_s
                               << u"Cancelled"_s << true;

    SyncSummary cancelledEarly;
    cancelledEarly.cancelled = true;
    QTest::newRow("cancelled before any row was read")
        << cancelledEarly << u"Cancelled before any row was read: nothing was sent."_s << 0 << 1
        << u"Nothing synced — cancelled"_s << u"Cancelled"_s << true;

    SyncSummary stopped;
    stopped.total = 2000;
    stopped.created = 800;
    stopped.skipped = 100;
    stopped.rowsRead = 900;
    stopped.fatal = d365::Error::make(d365::ErrorCategory::Authentication, u"Reconnect required"_s);
    stopped.elapsedMs = 2000;
    QTest::newRow("stopped by an error")
        << stopped << u"Stopped: synced 800 of 2,000 rows in 2.0 s"_s << 800 << 2000
        << u"800 / 2,000 rows synced — stopped"_s << u"Stopped"_s << true;

    // A mirror into a marketing list: the members' outcomes, not created/updated.
    SyncSummary mirror;
    mirror.total = 100;
    mirror.rowsRead = 100;
    mirror.added = 5;
    mirror.alreadyMember = 95;
    mirror.removed = 3;
    mirror.sourceComplete = true;
    mirror.elapsedMs = 500;
    mirror.audience = d365::services::AudienceSummary{};
    mirror.audience->extras = 3;
    QTest::newRow("audience mirror")
        << mirror
        << u"Synced 100 rows in 0.5 s — 5 added, 95 already members, 3 removed (3 of them extra "
           u"members), 0 failed"_s
        << 100 << 100 << u"100 / 100 rows synced"_s << u"Synced"_s << false;

    SyncSummary empty;
    empty.total = 0;
    empty.sourceComplete = true;
    QTest::newRow("empty source") << empty << u"Synced 0 rows in "_s << 1 << 1 << u"0 rows"_s << u"Synced"_s
                                  << false;
}

void TestSyncPanel::onFinished_outcome_barStatusAndColoursSayWhatHappened()
{
    QFETCH(SyncSummary, summary);
    QFETCH(QString, statusStart);
    QFETCH(int, barValue);
    QFETCH(int, barMaximum);
    QFETCH(QString, barText);
    QFETCH(QString, outcome);
    QFETCH(bool, flagged);

    auto *bar = child<QProgressBar>("syncProgressBar");
    auto *status = child<QLabel>("syncStatusLabel");
    QVERIFY(bar && status);
    const QColor neutralText = m_panel->palette().color(QPalette::WindowText);
    const QColor neutralBar = m_panel->palette().color(QPalette::Highlight);

    m_panel->runStarting();
    m_panel->onStarted(summary.total);
    m_panel->onProgress(summary.done(), summary.total, QString());
    m_panel->onFinished(summary);

    QVERIFY2(status->text().startsWith(statusStart), qPrintable(status->text()));
    QCOMPARE(bar->maximum(), barMaximum);
    QCOMPARE(bar->value(), barValue);
    QCOMPARE(bar->text(), barText);
    QCOMPARE(m_panel->property("outcome").toString(), outcome);

    // Anything but "all synced" stands out: a coloured status line with an icon, and a coloured bar.
    auto *icon = child<QLabel>("syncStatusIconLabel");
    QVERIFY(icon);
    QCOMPARE(icon->isVisible(), flagged);
    QCOMPARE(status->palette().color(QPalette::WindowText) != neutralText, flagged);
    QCOMPARE(bar->palette().color(QPalette::Highlight) != neutralBar, flagged);

    // The next run starts neutral again.
    m_panel->runStarting();
    QVERIFY(!icon->isVisible());
    QCOMPARE(status->palette().color(QPalette::WindowText), neutralText);
}

QTEST_MAIN(TestSyncPanel)
#include "tst_syncpanel.moc"
