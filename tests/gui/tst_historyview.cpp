// The History pane, Preview, Full resync and Retry failed rows, driven through the main window's real
// widgets offscreen against a freshly started d365sync-sandbox and the mapping's real state file: what the
// runs table and the chart say after runs from the window, a run's failed rows and their CSV export, and
// that a preview writes nothing.

#include "common/samplemapping.h"
#include "common/sandboxprocess.h"
#include "models/runhistorymodel.h"
#include "models/runresultsmodel.h"
#include "services/auth/tokenprovider.h"
#include "services/mapping/mappingfile.h"
#include "services/settings/settings.h"
#include "services/sync/runhistory.h"
#include "services/sync/statestore.h"
#include "services/sync/synccontroller.h"
#include "ui/historyview.h"
#include "ui/mainwindow.h"
#include "ui/mappingeditor.h"
#include "ui/messagebanner.h"
#include "ui/outcomecolors.h"
#include "ui/previewdialog.h"
#include "ui/syncpanel.h"

#include <QAction>
#include <QBarSet>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using d365::models::RunHistoryModel;
using d365::models::RunResultsModel;
using d365::services::RowStatus;
using d365::services::StateStore;
using d365::ui::HistoryView;
using d365::ui::MainWindow;
using d365::ui::PreviewDialog;

namespace {

constexpr int SyncTimeoutMs = 120000;
const QString ProfileName = u"history-sandbox"_s;

// Job titles of 120 characters where customer_id is a multiple of 50: the column allows 100.
const QPair<QString, QString> TooLongJobTitles{
    u"job_title"_s,
    u"CASE WHEN customer_id % 50 = 0 THEN printf('%0120d', customer_id) ELSE job_title END"_s};

QList<qreal> values(const QBarSet *set)
{
    QList<qreal> list;
    for (int i = 0; i < set->count(); ++i)
        list.append(set->at(i));
    return list;
}

} // namespace

class TestHistoryView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void syncNow_twice_historyListsBothRunsWithTheirCountsAndChartValues();
    void runWithFailedRows_selected_showsThemAndExportWritesTheCsvInSourceShape();
    void exportFailedRows_unwritableFile_saysWhyInTheBanner();
    void retryFailedRows_confirmed_sendsOnlyTheRowsThatFailed();
    void fullResync_confirmed_sendsEveryRowAgain_cancelledStartsNothing();
    void preview_changedRows_showsCountsReasonsAndBeforeAfter_writesNothing();
    void runsModel_killedRun_saysItDidNotEnd();
    void stateFileNotADatabase_historySaysItCouldNotBeRead();

private:
    QString writeMapping(const QString &fileName, const QString &query);
    template<typename T> T *child(const char *objectName) const;
    void runAndWait(QAction *action);
    void confirm(const char *boxName, bool yes);
    // Waits until the history shows `runs` runs (it is re-read after every run).
    void waitForRuns(int runs);
    const StateStore::RunRecord &newestRun() const;

    QString m_statePath;

    d365::testsupport::SandboxProcess m_sandbox;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<d365::services::Settings> m_settings;
    std::unique_ptr<d365::services::EnvironmentTokenProvider> m_tokenProvider;
    std::unique_ptr<d365::services::SyncController> m_controller;
    std::unique_ptr<MainWindow> m_window;
};

void TestHistoryView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv(d365::services::EnvironmentTokenProvider::EnvironmentVariable);
    QVERIFY2(QFileInfo::exists(QStringLiteral(D365_SAMPLE_DB)),
             "The sample warehouse is missing: build the target sample_warehouse first.");
    QVERIFY2(m_sandbox.start(), "d365sync-sandbox did not start");
}

void TestHistoryView::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<d365::services::Settings>(m_dir->filePath(u"settings.ini"_s));
    d365::services::ConnectionProfile profile;
    profile.name = ProfileName;
    profile.kind = d365::services::ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    QVERIFY(m_settings->saveProfile(profile).ok());

    // Every mapping of these tests reads the same warehouse into the same table with the same key, so they
    // share one state file (the query is not part of its identity): each test starts from none.
    const auto mapping = d365::services::MappingFile::load(writeMapping(u"probe.json"_s, u"SELECT 1"_s));
    QVERIFY2(mapping.ok(), qPrintable(mapping.problemsText()));
    m_statePath = StateStore::defaultPath(m_sandbox.baseUrl().toString(), *mapping.mapping);
    for (const QString &suffix : {u""_s, u"-wal"_s, u"-shm"_s})
        QFile::remove(m_statePath + suffix);

    m_tokenProvider = std::make_unique<d365::services::EnvironmentTokenProvider>();
    m_controller = std::make_unique<d365::services::SyncController>();
    m_window = std::make_unique<MainWindow>(m_controller.get(), m_settings.get(), m_tokenProvider.get());
    m_window->resize(1300, 760);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestHistoryView::cleanup()
{
    m_window.reset();
    m_controller.reset();
    m_tokenProvider.reset();
    m_settings.reset();
    m_dir.reset();
}

QString TestHistoryView::writeMapping(const QString &fileName, const QString &query)
{
    const QJsonObject mapping{
        {u"version"_s, 1},
        {u"name"_s, u"History test contacts"_s},
        {u"source"_s, QJsonObject{{u"type"_s, u"sqlite"_s},
                                  {u"path"_s, QStringLiteral(D365_SAMPLE_DB)},
                                  {u"query"_s, query},
                                  {u"keyColumn"_s, u"customer_id"_s}}},
        {u"target"_s, QJsonObject{{u"profile"_s, ProfileName},
                                  {u"entitySet"_s, u"contacts"_s},
                                  {u"matchKey"_s, QJsonArray{u"emailaddress1"_s}}}},
        {u"mode"_s, u"upsert"_s},
        {u"fields"_s, QJsonArray{QJsonObject{{u"source"_s, u"email"_s}, {u"target"_s, u"emailaddress1"_s}},
                                 QJsonObject{{u"source"_s, u"first_name"_s}, {u"target"_s, u"firstname"_s}},
                                 QJsonObject{{u"source"_s, u"last_name"_s}, {u"target"_s, u"lastname"_s}},
                                 QJsonObject{{u"source"_s, u"job_title"_s}, {u"target"_s, u"jobtitle"_s}}}},
    };
    const QString path = m_dir->filePath(fileName);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(mapping).toJson()) < 0)
        qWarning() << "cannot write" << path;
    return path;
}

template<typename T> T *TestHistoryView::child(const char *objectName) const
{
    T *widget = m_window->findChild<T *>(QString::fromLatin1(objectName));
    if (!widget)
        qWarning() << "no child named" << objectName;
    return widget;
}

void TestHistoryView::runAndWait(QAction *action)
{
    auto *syncNow = child<QPushButton>("syncNowButton");
    QVERIFY(syncNow && action);
    QVERIFY2(action->isEnabled(), qPrintable(syncNow->toolTip()));
    QSignalSpy finished(m_controller.get(), &d365::services::SyncController::finished);
    action->trigger();
    QVERIFY(finished.wait(SyncTimeoutMs));
    QTRY_VERIFY(syncNow->isEnabled());
}

void TestHistoryView::confirm(const char *boxName, bool yes)
{
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = child<QMessageBox>(boxName)) && box->isVisible());
    QAbstractButton *button =
        yes ? static_cast<QAbstractButton *>(box->findChild<QPushButton *>(u"confirmRunButton"_s))
            : box->button(QMessageBox::Cancel);
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

void TestHistoryView::waitForRuns(int runs)
{
    const RunHistoryModel *model = m_window->historyView()->runsModel();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), runs, 10000);
}

const StateStore::RunRecord &TestHistoryView::newestRun() const
{
    return m_window->historyView()->runsModel()->run(0);
}

void TestHistoryView::syncNow_twice_historyListsBothRunsWithTheirCountsAndChartValues()
{
    const QString prefix = u"hist-two-"_s;
    QVERIFY(m_window->loadMapping(
        writeMapping(u"two.json"_s, d365::testsupport::prefixedSampleQuery(prefix, 120))));
    HistoryView *history = m_window->historyView();
    QTRY_VERIFY2(child<QLabel>("historyTitleLabel")->text().startsWith(u"No runs yet"_s),
                 qPrintable(child<QLabel>("historyTitleLabel")->text()));
    waitForRuns(0);

    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);
    QCOMPARE(newestRun().upserted, 120);
    QCOMPARE(newestRun().failed, 0);
    QCOMPARE(newestRun().exitCode, 0);
    QVERIFY(newestRun().ended.isValid());

    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(2);
    const StateStore::RunRecord second = newestRun();
    QCOMPARE(second.unchanged, 120);
    QCOMPARE(second.upserted, 0);

    // The table: newest first, counts grouped, how it ended in words; the mapping file names the run.
    auto *runsView = child<QTableView>("historyRunsView");
    QAbstractItemModel *table = runsView->model();
    QCOMPARE(table->index(0, RunHistoryModel::RunColumn).data().toLongLong(), second.id);
    QCOMPARE(table->index(0, RunHistoryModel::UnchangedColumn).data().toString(), u"120"_s);
    QCOMPARE(table->index(1, RunHistoryModel::UpsertedColumn).data().toString(), u"120"_s);
    QCOMPARE(table->index(0, RunHistoryModel::ResultColumn).data().toString(), u"Ok"_s);
    QVERIFY2(table->index(0, RunHistoryModel::ModeColumn).data().toString().startsWith(u"upsert"_s),
             qPrintable(table->index(0, RunHistoryModel::ModeColumn).data().toString()));
    QVERIFY(second.mapping.endsWith(u"two.json"_s));

    // The chart: one stacked bar per run, oldest first.
    QCOMPARE(history->chartRunIds(), (QList<qint64>{second.id - 1, second.id}));
    QCOMPARE(values(history->barSet(RowStatus::Upserted)), (QList<qreal>{120, 0}));
    QCOMPARE(values(history->barSet(RowStatus::Unchanged)), (QList<qreal>{0, 120}));
    QCOMPARE(values(history->barSet(RowStatus::Failed)), (QList<qreal>{0, 0}));
    QCOMPARE(values(history->barSet(RowStatus::Created)), (QList<qreal>{0, 0}));
    // The same colours as the Sync pane's failed and skipped states.
    QCOMPARE(history->barSet(RowStatus::Failed)->color(), d365::ui::outcomeColor(RowStatus::Failed));

    // Shown the first time, the History pane takes room for its chart, runs and failed rows.
    auto *dock = child<QDockWidget>("historyDockWidget");
    QVERIFY(dock && dock->height() < m_window->height() * 4 / 10);
    m_window->showHistory();
    QTRY_VERIFY(dock->isVisible() && dock->height() >= m_window->height() * 4 / 10);
    QVERIFY(m_window->mappingEditor()->height() > 150);

    // The newest run is selected: no failed rows, nothing to export.
    QCOMPARE(history->selectedRunId(), second.id);
    QTRY_COMPARE(child<QLabel>("historyFailedRowsLabel")->text(), u"Run %1: no failed rows"_s.arg(second.id));
    QVERIFY(!history->exportAction()->isEnabled());
}

void TestHistoryView::runWithFailedRows_selected_showsThemAndExportWritesTheCsvInSourceShape()
{
    const QString prefix = u"hist-fail-"_s;
    QVERIFY(m_window->loadMapping(writeMapping(
        u"fail.json"_s, d365::testsupport::prefixedSampleQuery(prefix, 300, {TooLongJobTitles}))));
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);
    const StateStore::RunRecord failedRun = newestRun();
    QCOMPARE(failedRun.failed, 6);
    QCOMPARE(failedRun.upserted, 294);
    QCOMPARE(failedRun.exitCode, 1);
    HistoryView *history = m_window->historyView();
    QCOMPARE(values(history->barSet(RowStatus::Failed)), (QList<qreal>{6}));
    QCOMPARE(values(history->barSet(RowStatus::Upserted)), (QList<qreal>{294}));
    QCOMPARE(child<QTableView>("historyRunsView")
                 ->model()
                 ->index(0, RunHistoryModel::ResultColumn)
                 .data()
                 .toString(),
             u"Rows failed"_s);

    // A second run (still failing) is selected when it arrives; selecting the first shows its rows.
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(2);
    QSignalSpy shown(history, &HistoryView::failedRowsShown);
    history->selectRun(failedRun.id);
    // (The second run failed the same six rows: wait for the first run's own to be shown.)
    QTRY_VERIFY(!shown.isEmpty() && shown.last().first().toLongLong() == failedRun.id);
    QCOMPARE(history->failedRowsModel()->rowCount(), 6);
    QCOMPARE(child<QLabel>("historyFailedRowsLabel")->text(), u"Run %1: 6 failed rows"_s.arg(failedRun.id));
    const RunResultsModel *rows = history->failedRowsModel();
    QCOMPARE(rows->index(0, RunResultsModel::KeyColumn).data().toString(), u"50"_s);
    QCOMPARE(rows->index(0, RunResultsModel::RowColumn).data().toLongLong(), 50);
    QCOMPARE(rows->index(0, RunResultsModel::ErrorCodeColumn).data().toString(), u"conversion"_s);
    const QString message = rows->index(0, RunResultsModel::MessageColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(message.contains(u"jobtitle"_s) && message.contains(u"120 characters"_s), qPrintable(message));
    QCOMPARE(rows->index(5, RunResultsModel::KeyColumn).data().toString(), u"300"_s);

    // Export: a save dialog, then the CSV written on a worker thread, the count and the path reported.
    QVERIFY(history->exportAction()->isEnabled());
    history->exportAction()->trigger();
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = child<QFileDialog>("exportFailedRowsFileDialog")) && dialog->isVisible());
    QVERIFY2(dialog->selectedFiles().value(0).endsWith(u"fail-run-%1-failed.csv"_s.arg(failedRun.id)),
             qPrintable(dialog->selectedFiles().value(0)));
    const QString csvPath = m_dir->filePath(u"exported.csv"_s);
    dialog->selectFile(csvPath);
    static_cast<QDialog *>(dialog)->accept();       // QFileDialog::accept is protected; QDialog's is a slot
    QVERIFY(!history->exportAction()->isEnabled()); // until the file is written
    const QString expected = u"Exported 6 failed rows of run %1 to %2."_s.arg(failedRun.id).arg(csvPath);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusBar()->currentMessage(), expected, 30000);
    QCOMPARE(child<QLabel>("historyExportLabel")->text(), expected);

    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QCOMPARE(lines.size(), 8); // header, 6 rows, the empty rest after the last line break
    QCOMPARE(lines.first().trimmed(),
             QByteArray("customer_id,email,first_name,last_name,phone,job_title,city,company,lifetime_value,"
                        "lead_source,signup_date,failed_source_row,failed_http_status,failed_code,"
                        "failed_message"));
    QVERIFY2(lines.at(1).startsWith("50,hist-fail-") && lines.at(1).contains(",conversion,") &&
                 lines.at(1).contains(QByteArray(QByteArray(118, '0') + "50")),
             lines.at(1).constData());
    QVERIFY2(lines.at(6).startsWith("300,hist-fail-"), lines.at(6).constData());
}

void TestHistoryView::exportFailedRows_unwritableFile_saysWhyInTheBanner()
{
    QVERIFY(m_window->loadMapping(
        writeMapping(u"unwritable.json"_s,
                     d365::testsupport::prefixedSampleQuery(u"hist-unw-"_s, 100, {TooLongJobTitles}))));
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);
    HistoryView *history = m_window->historyView();
    QTRY_COMPARE(history->failedRowsModel()->rowCount(), 2);
    history->exportAction()->trigger();
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = child<QFileDialog>("exportFailedRowsFileDialog")) && dialog->isVisible());
    // A folder that does not exist: the dialog cannot stop a path typed by hand; the export says why.
    const QString csvPath = m_dir->filePath(u"no-such-folder/failed.csv"_s);
    Q_EMIT dialog->fileSelected(csvPath);
    dialog->reject();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBanner()->isVisible(), 30000);
    const QString text = m_window->messageBanner()->text();
    QVERIFY2(text.startsWith(u"The failed rows of run 1 were not exported: "_s) && text.contains(csvPath) &&
                 text.contains(u"cannot be written"_s),
             qPrintable(text));
    QVERIFY(!QFileInfo::exists(csvPath));
    QTRY_VERIFY(history->exportAction()->isEnabled()); // it can be tried again
}

void TestHistoryView::retryFailedRows_confirmed_sendsOnlyTheRowsThatFailed()
{
    const QString prefix = u"hist-retry-"_s;
    QVERIFY(m_window->loadMapping(writeMapping(
        u"retry.json"_s, d365::testsupport::prefixedSampleQuery(prefix, 300, {TooLongJobTitles}))));
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);
    QCOMPARE(newestRun().failed, 6);

    // The warehouse is fixed (the same source, so the same history); only the six rows go again.
    QVERIFY(m_window->loadMapping(
        writeMapping(u"retry-fixed.json"_s, d365::testsupport::prefixedSampleQuery(prefix, 300))));
    waitForRuns(1);
    auto *retry = child<QAction>("retryFailedAction");
    retry->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = child<QMessageBox>("retryFailedMessageBox")) && box->isVisible());
    QVERIFY2(box->informativeText().contains(u"had 6 failed rows"_s), qPrintable(box->informativeText()));
    QSignalSpy finished(m_controller.get(), &d365::services::SyncController::finished);
    confirm("retryFailedMessageBox", true);
    QVERIFY(finished.wait(SyncTimeoutMs));
    const auto summary = finished.first().first().value<d365::services::SyncSummary>();
    QCOMPARE(summary.retryRows, 6);
    waitForRuns(2);
    QCOMPARE(newestRun().rowsRead, 6);
    QCOMPARE(newestRun().upserted, 6);
    QCOMPARE(newestRun().failed, 0);
    QCOMPARE(newestRun().unchanged, 0);

    // Nothing failed now: a second retry sends nothing and says so.
    retry->trigger();
    confirm("retryFailedMessageBox", true);
    QVERIFY(finished.wait(SyncTimeoutMs));
    QTRY_VERIFY(child<QPushButton>("syncNowButton")->isEnabled());
    QCOMPARE(child<QLabel>("syncStatusLabel")->text(), u"Nothing to retry: no row failed in the last run."_s);
    QCOMPARE(finished.last().first().value<d365::services::SyncSummary>().requests, 0);
}

void TestHistoryView::fullResync_confirmed_sendsEveryRowAgain_cancelledStartsNothing()
{
    QVERIFY(m_window->loadMapping(
        writeMapping(u"full.json"_s, d365::testsupport::prefixedSampleQuery(u"hist-full-"_s, 150))));
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);

    // Declined: no run.
    auto *full = child<QAction>("fullResyncAction");
    full->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = child<QMessageBox>("fullResyncMessageBox")) && box->isVisible());
    QVERIFY2(box->text().contains(u"contacts"_s) && box->informativeText().contains(u"unchanged"_s),
             qPrintable(box->text() + box->informativeText()));
    confirm("fullResyncMessageBox", false);
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(u"fullResyncMessageBox"_s));
    QVERIFY(child<QPushButton>("syncNowButton")->isEnabled());
    QVERIFY(full->isEnabled());

    // Confirmed: every row is sent although the org holds them all.
    full->trigger();
    QSignalSpy finished(m_controller.get(), &d365::services::SyncController::finished);
    confirm("fullResyncMessageBox", true);
    QVERIFY(finished.wait(SyncTimeoutMs));
    waitForRuns(2);
    QCOMPARE(newestRun().upserted, 150);
    QCOMPARE(newestRun().unchanged, 0);
    QVERIFY(newestRun().requests > 0);

    // The state is updated: the next ordinary run sends nothing.
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(3);
    QCOMPARE(newestRun().unchanged, 150);
    QCOMPARE(newestRun().requests, 0);
}

void TestHistoryView::preview_changedRows_showsCountsReasonsAndBeforeAfter_writesNothing()
{
    const QString prefix = u"hist-prev-"_s;
    QVERIFY(m_window->loadMapping(
        writeMapping(u"preview.json"_s, d365::testsupport::prefixedSampleQuery(prefix, 190))));
    runAndWait(child<QAction>("syncNowAction"));
    waitForRuns(1);

    // Ten more rows, job titles changed on rows 40, 80, 120 and 160, and one too long (row 60).
    QVERIFY(m_window->loadMapping(writeMapping(
        u"preview-changed.json"_s,
        d365::testsupport::prefixedSampleQuery(
            prefix, 200,
            {{u"job_title"_s, u"CASE WHEN customer_id % 40 = 0 AND customer_id < 190 THEN 'Previewed' "
                              "WHEN customer_id = 60 THEN printf('%0120d', 60) ELSE job_title END"_s}}))));
    runAndWait(child<QAction>("previewAction"));

    PreviewDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->previewDialog()) && dialog->isVisible());
    QCOMPARE(m_window->findChild<QLabel *>(u"previewCreatedLabel"_s)->text(), u"10"_s);
    QCOMPARE(m_window->findChild<QLabel *>(u"previewUpdatedLabel"_s)->text(), u"4"_s);
    QCOMPARE(m_window->findChild<QLabel *>(u"previewUnchangedLabel"_s)->text(), u"185"_s);
    QCOMPARE(m_window->findChild<QLabel *>(u"previewFailedLabel"_s)->text(), u"1"_s);
    const QString summary = m_window->findChild<QLabel *>(u"previewSummaryLabel"_s)->text();
    QVERIFY2(summary.startsWith(u"Preview (nothing written): 200 rows compared"_s), qPrintable(summary));
    QCOMPARE(child<QLabel>("syncStatusLabel")->text(), summary);

    // Why rows would fail, grouped by code.
    const QStandardItemModel *reasons = dialog->reasonsModel();
    QCOMPARE(reasons->rowCount(), 1);
    QCOMPARE(reasons->item(0, PreviewDialog::ReasonCodeColumn)->text(), u"conversion"_s);
    QCOMPARE(reasons->item(0, PreviewDialog::ReasonRowsColumn)->data(Qt::DisplayRole).toLongLong(), 1);
    QVERIFY(reasons->item(0, PreviewDialog::ReasonMessageColumn)->text().contains(u"jobtitle"_s));

    // Before → after for the updated rows, every column of a new row.
    const QStandardItemModel *sample = dialog->sampleModel();
    int updates = 0;
    int creates = 0;
    QSet<QString> createdKeys;
    for (int row = 0; row < sample->rowCount(); ++row) {
        const QString outcome = sample->item(row, PreviewDialog::SampleOutcomeColumn)->text();
        QVERIFY2(outcome != u"would fail"_s, "failing rows are in the reasons, not the column sample");
        if (outcome == u"would be updated"_s) {
            ++updates;
            QCOMPARE(sample->item(row, PreviewDialog::SampleColumnColumn)->text(), u"jobtitle"_s);
            QCOMPARE(sample->item(row, PreviewDialog::SampleAfterColumn)->text(), u"Previewed"_s);
            const QString before = sample->item(row, PreviewDialog::SampleBeforeColumn)->text();
            QVERIFY(!before.isEmpty() && before != u"Previewed"_s && before != u"(empty)"_s);
        } else if (outcome == u"would be created"_s) {
            ++creates;
            createdKeys.insert(sample->item(row, PreviewDialog::SampleKeyColumn)->text());
            QVERIFY(sample->item(row, PreviewDialog::SampleBeforeColumn)->text().isEmpty());
            QVERIFY(!sample->item(row, PreviewDialog::SampleAfterColumn)->text().isEmpty());
        }
    }
    QCOMPARE(updates, 4);
    // The ten new rows (the sample holds up to ten per outcome), each with the three columns it sends besides
    // the match key (which addresses the record).
    QCOMPARE(createdKeys.size(), 10);
    QVERIFY(createdKeys.contains(u"191"_s) && createdKeys.contains(u"200"_s));
    QCOMPARE(creates, 10 * 3);

    // Nothing was written: no record has the new title, the 191st row does not exist, the history is as it
    // was.
    QVERIFY(d365::testsupport::readRecords(m_sandbox,
                                           u"contacts?$select=contactid&$filter=jobtitle eq 'Previewed'"_s)
                .isEmpty());
    QCOMPARE(
        d365::testsupport::readRecords(
            m_sandbox, u"contacts?$select=contactid&$filter=startswith(emailaddress1,'%1')"_s.arg(prefix))
            .size(),
        190);
    QSignalSpy loaded(m_window->runHistory(), &d365::services::RunHistory::runsLoaded);
    m_window->runHistory()->refresh();
    QVERIFY(loaded.wait(10000));
    QCOMPARE(loaded.last().first().value<QList<StateStore::RunRecord>>().size(), 1);

    // "Sync now" in the preview runs it for real.
    QSignalSpy finished(m_controller.get(), &d365::services::SyncController::finished);
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"previewSyncNowButton"_s), Qt::LeftButton);
    QVERIFY(finished.wait(SyncTimeoutMs));
    waitForRuns(2);
    QCOMPARE(newestRun().upserted, 14);
    QCOMPARE(newestRun().failed, 1);
}

void TestHistoryView::runsModel_killedRun_saysItDidNotEnd()
{
    StateStore::RunRecord killed;
    killed.id = 7;
    killed.started = QDateTime::currentDateTimeUtc();
    killed.mode = u"upsert"_s;
    killed.upserted = 1000;
    StateStore::RunRecord ended = killed;
    ended.id = 6;
    ended.ended = killed.started.addMSecs(12345);
    ended.exitCode = 0;
    RunHistoryModel model;
    model.setRuns({killed, ended});
    QCOMPARE(model.index(0, RunHistoryModel::DurationColumn).data().toString(), u"—"_s);
    QCOMPARE(model.index(0, RunHistoryModel::ResultColumn).data().toString(), u"Did not end"_s);
    QVERIFY(
        model.index(0, RunHistoryModel::ResultColumn).data(Qt::ToolTipRole).toString().contains(u"killed"_s));
    QCOMPARE(model.index(1, RunHistoryModel::DurationColumn).data().toString(), u"12.3 s"_s);
    QCOMPARE(model.index(1, RunHistoryModel::UpsertedColumn).data().toString(), u"1,000"_s);
    QCOMPARE(model.rowOf(6), 1);
    QCOMPARE(model.rowOf(8), -1);
}

void TestHistoryView::stateFileNotADatabase_historySaysItCouldNotBeRead()
{
    QVERIFY(QDir().mkpath(QFileInfo(m_statePath).absolutePath()));
    QFile garbage(m_statePath);
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(4096, 'x'));
    garbage.close();
    QVERIFY(m_window->loadMapping(
        writeMapping(u"garbage.json"_s, d365::testsupport::prefixedSampleQuery(u"hist-garbage-"_s, 10))));
    auto *title = child<QLabel>("historyTitleLabel");
    QTRY_VERIFY2(title->text().startsWith(u"The history could not be read: "_s), qPrintable(title->text()));
    QVERIFY2(title->text().contains(m_statePath), qPrintable(title->text()));
    QCOMPARE(m_window->historyView()->runsModel()->rowCount(), 0);
    QVERIFY(!m_window->historyView()->exportAction()->isEnabled());
}

QTEST_MAIN(TestHistoryView)
#include "tst_historyview.moc"
