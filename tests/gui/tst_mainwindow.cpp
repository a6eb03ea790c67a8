// MainWindow driven through its real widgets, offscreen, against a freshly started d365sync-sandbox:
// load a mapping, press Sync now, watch the progress bar, the status line, the failed-rows table and the
// banner.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"
#include "models/runresultsmodel.h"
#include "services/auth/connectionsession.h"
#include "services/auth/tokenprovider.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/metadataloader.h"
#include "services/dataverse/metadataservice.h"
#include "services/mapping/mappingfile.h"
#include "services/settings/settings.h"
#include "services/sync/synccontroller.h"
#include "ui/exportdialog.h"
#include "ui/mainwindow.h"
#include "ui/mappingdocument.h"
#include "ui/messagebanner.h"
#include "ui/previewdialog.h"
#include "ui/schemabrowser.h"
#include "ui/syncpanel.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QWindow>

#include <memory>

using namespace Qt::StringLiterals;
using d365::services::ConnectionProfile;
using d365::ui::MainWindow;
using d365::ui::MessageBanner;

namespace {

constexpr int SyncTimeoutMs = 120000;
const QString ProfileName = u"gui-sandbox"_s;

// A 60-character last name: contact.lastname allows at most 50.
const QString TooLongLastName = u"substr(replace(hex(zeroblob(30)), '0', 'L'), 1, 60)"_s;

Q_LOGGING_CATEGORY(lcTest, "d365.test.mainwindow")

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void syncNow_validMapping_fillsProgressBarAndReportsNoFailedRows();
    void syncNow_rowWithTooLongLastName_listsThatRowWithItsReason();
    void loadMapping_brokenFile_bannerNamesTheJsonPathOfEachProblem();
    void loadMapping_unknownProfile_bannerNamesProfileAndCliCommandAndSyncIsDisabled();
    void setProfileOverride_existingProfile_showsItInConnectionStrip();
    void loadMapping_cachedTableDiffersFromOrg_bannerWarnsAboutMappedColumnsOnly();
    void keyF5_mappingLoaded_startsSync();
    void keyEscape_duringSync_cancelsRunAndReportsSkippedRows();
    void close_window_savesGeometryAndStateThroughSettings();

    // Issue 10: the truth under faults and bad input.
    void syncNow_insertRowsThatAlreadyExist_saysNothingWasSyncedInErrorColours();
    void loadMapping_afterARun_clearsThePreviousRunsSummary();
    void show_firstStart_windowFitsTheScreen();
    void loadMapping_longProfileNameAndUrl_connectionStripDoesNotWidenTheWindow();
    void restoreState_schemaDockSavedSqueezed_isWidenedToReadableWidth();
    void keyTab_inFieldTable_movesFocusOutOfTheTable();
    void close_duringSyncDeclined_keepsWindowAndRun();
    void close_duringSyncConfirmed_cancelsRunAndClosesWhenFinished();
    void connectButton_profileOfMappingMissing_opensFormWithItsNameToCreateIt();

    // Issue 11: documents.
    void edit_loadedMapping_titleShowsStarUntilSaved();
    void close_unsavedChanges_cancelKeepsWindowAndChanges();
    void close_unsavedChanges_discardClosesWithoutWriting();
    void close_unsavedChanges_saveWritesTheFileThenCloses();
    void newMapping_unsavedChanges_asksFirstAndCancelKeepsThem();
    void openRecent_savedMapping_listsItAndReopensIt();
    void exportForAutomation_showsTheExactCommandThatRunsTheFile();

    // Issue 13: audiences.
    void syncNow_audienceInEachMode_listMembersFollowTheWarehouse();

private:
    QString writeMapping(const QString &fileName, const QString &query, const QString &profile = ProfileName,
                         const QString &mode = u"upsert"_s);
    QString writeText(const QString &fileName, const QByteArray &text);
    template<typename T> T *child(const char *objectName) const;
    void clickSyncNowAndWaitUntilFinished();
    void renameMapping(const QString &name);
    QMessageBox *closeAndExpectSavePrompt();

    d365::testsupport::SandboxProcess m_sandbox;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<d365::services::Settings> m_settings;
    std::unique_ptr<d365::services::EnvironmentTokenProvider> m_tokenProvider;
    std::unique_ptr<d365::services::SyncController> m_controller;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // The sandbox accepts its development token; a real token from the developer's shell must not leak in.
    qunsetenv(d365::services::EnvironmentTokenProvider::EnvironmentVariable);
    QVERIFY2(QFileInfo::exists(QStringLiteral(D365_SAMPLE_DB)),
             "The sample warehouse is missing: build the target sample_warehouse first.");
    QVERIFY2(m_sandbox.start(), "d365sync-sandbox did not start");
}

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<d365::services::Settings>(m_dir->filePath(u"settings.ini"_s));

    ConnectionProfile profile;
    profile.name = ProfileName;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    const auto saved = m_settings->saveProfile(profile);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message));

    m_tokenProvider = std::make_unique<d365::services::EnvironmentTokenProvider>();
    m_controller = std::make_unique<d365::services::SyncController>();
    m_window = std::make_unique<MainWindow>(m_controller.get(), m_settings.get(), m_tokenProvider.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_controller.reset();
    m_tokenProvider.reset();
    m_settings.reset();
    m_dir.reset();
}

QString TestMainWindow::writeText(const QString &fileName, const QByteArray &text)
{
    const QString path = m_dir->filePath(fileName);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qCWarning(lcTest) << "cannot write" << path;
    return path;
}

QString TestMainWindow::writeMapping(const QString &fileName, const QString &query, const QString &profile,
                                     const QString &mode)
{
    const QJsonObject mapping{
        {u"version"_s, 1},
        {u"name"_s, u"GUI test contacts"_s},
        {u"source"_s, QJsonObject{{u"type"_s, u"sqlite"_s},
                                  {u"path"_s, QStringLiteral(D365_SAMPLE_DB)},
                                  {u"query"_s, query},
                                  {u"keyColumn"_s, u"customer_id"_s}}},
        {u"target"_s, QJsonObject{{u"profile"_s, profile},
                                  {u"entitySet"_s, u"contacts"_s},
                                  {u"matchKey"_s, QJsonArray{u"emailaddress1"_s}}}},
        {u"mode"_s, mode},
        {u"fields"_s, QJsonArray{QJsonObject{{u"source"_s, u"email"_s}, {u"target"_s, u"emailaddress1"_s}},
                                 QJsonObject{{u"source"_s, u"first_name"_s}, {u"target"_s, u"firstname"_s}},
                                 QJsonObject{{u"source"_s, u"last_name"_s}, {u"target"_s, u"lastname"_s}}}},
    };
    return writeText(fileName, QJsonDocument(mapping).toJson());
}

template<typename T> T *TestMainWindow::child(const char *objectName) const
{
    T *widget = m_window->findChild<T *>(QString::fromLatin1(objectName));
    if (!widget)
        qCWarning(lcTest) << "no child named" << objectName;
    return widget;
}

void TestMainWindow::clickSyncNowAndWaitUntilFinished()
{
    auto *syncNow = child<QPushButton>("syncNowButton");
    auto *cancel = child<QPushButton>("cancelButton");
    QVERIFY(syncNow && cancel);
    QVERIFY2(syncNow->isEnabled(), qPrintable(syncNow->toolTip()));
    QVERIFY(!cancel->isEnabled());

    QTest::mouseClick(syncNow, Qt::LeftButton);
    // While the run goes on, Sync now is off and Cancel on; both flip back when finished() arrives.
    QVERIFY(!syncNow->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), SyncTimeoutMs);
    QVERIFY(!cancel->isEnabled());
}

void TestMainWindow::syncNow_validMapping_fillsProgressBarAndReportsNoFailedRows()
{
    const QString query = u"SELECT customer_id, first_name, last_name, email FROM customers "
                          u"ORDER BY customer_id LIMIT 500"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"contacts.json"_s, query)));
    // Qt shows "GUI test contacts — D365 Sync"; [*] becomes "*" while there are unsaved changes.
    QCOMPARE(m_window->windowTitle(), u"GUI test contacts[*]"_s);
    QVERIFY(!m_window->isWindowModified());
    QVERIFY(child<QLabel>("sandboxBadgeLabel")->isVisible());
    QCOMPARE(child<QLabel>("orgUrlLabel")->text(), m_sandbox.baseUrl().toDisplayString());
    QCOMPARE(child<QTableView>("fieldMappingView")->model()->rowCount(), 3);

    clickSyncNowAndWaitUntilFinished();

    auto *progress = child<QProgressBar>("syncProgressBar");
    QCOMPARE(progress->maximum(), 500);
    QCOMPARE(progress->value(), progress->maximum());
    QCOMPARE(progress->text(), u"500 / 500 rows synced"_s);
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"Synced"_s);

    const QString status = child<QLabel>("syncStatusLabel")->text();
    QVERIFY2(status.startsWith(u"Synced 500 rows in "_s), qPrintable(status));
    QVERIFY2(status.contains(u", 0 failed"_s), qPrintable(status));
    QCOMPARE(child<QTableView>("failedRowsView")->model()->rowCount(), 0);
    QVERIFY2(m_window->messageBanner()->isHidden(), qPrintable(m_window->messageBanner()->text()));

    // The Sync pane's (the History pane has one for a past run's failed rows).
    const auto *results = m_window->syncPanel()->runResultsModel();
    QCOMPARE(results->created() + results->updated() + results->upserted(), 500);
}

void TestMainWindow::syncNow_rowWithTooLongLastName_listsThatRowWithItsReason()
{
    const QString query =
        u"SELECT customer_id, first_name, CASE WHEN customer_id = 3 THEN "_s + TooLongLastName +
        u" ELSE last_name END AS last_name, email FROM customers ORDER BY customer_id LIMIT 20"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"one-bad-row.json"_s, query)));

    clickSyncNowAndWaitUntilFinished();

    const QString status = child<QLabel>("syncStatusLabel")->text();
    QVERIFY2(status.startsWith(u"Synced 19 of 20 rows in "_s), qPrintable(status));
    QVERIFY2(status.contains(u", 1 failed"_s), qPrintable(status));
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"PartlyFailed"_s);
    QCOMPARE(child<QProgressBar>("syncProgressBar")->value(), 19);

    auto *view = child<QTableView>("failedRowsView");
    QAbstractItemModel *failed = view->model();
    QCOMPARE(failed->rowCount(), 1);
    using Model = d365::models::RunResultsModel;
    QCOMPARE(failed->index(0, Model::RowColumn).data().toLongLong(), 3); // 1-based: the third row
    QCOMPARE(failed->index(0, Model::KeyColumn).data().toString(), u"3"_s);
    QCOMPARE(failed->index(0, Model::StatusColumn).data().toString(), u"Failed"_s);
    const QString reason = failed->index(0, Model::MessageColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(reason.contains(u"lastname"_s), qPrintable(reason));
    QVERIFY2(reason.contains(u"50"_s), qPrintable(reason));

    // The filter narrows the table through the proxy; the model keeps the row.
    auto *filter = child<QLineEdit>("failedRowsFilterEdit");
    QTest::keyClicks(filter, u"no such text"_s);
    QCOMPARE(failed->rowCount(), 0);
    filter->clear();
    QTest::keyClicks(filter, u"LASTNAME"_s);
    QCOMPARE(failed->rowCount(), 1);

    // Copy puts the selected row on the clipboard as tab-separated text under a header line.
    view->selectRow(0);
    auto *copy = m_window->findChild<QAction *>(u"copyFailedRowsAction"_s);
    QVERIFY(copy);
    QVERIFY(copy->isEnabled());
    copy->trigger();
    const QStringList lines = QGuiApplication::clipboard()->text().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(1).startsWith(u"3\t3\tFailed\t"_s), qPrintable(lines.at(1)));
}

void TestMainWindow::loadMapping_brokenFile_bannerNamesTheJsonPathOfEachProblem()
{
    const QString good = writeMapping(u"good.json"_s, u"SELECT * FROM customers LIMIT 1"_s);
    QVERIFY(m_window->loadMapping(good));

    QJsonObject broken = QJsonDocument::fromJson([&] {
                             QFile file(good);
                             return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
                         }())
                             .object();
    broken.insert(u"mode"_s, u"mirror"_s);
    QJsonObject target = broken.value(u"target"_s).toObject();
    target.insert(u"entitySet"_s, 42);
    broken.insert(u"target"_s, target);
    const QString path = writeText(u"broken.json"_s, QJsonDocument(broken).toJson());

    QVERIFY(!m_window->loadMapping(path));

    MessageBanner *banner = m_window->messageBanner();
    QVERIFY(banner->isVisible());
    QCOMPARE(banner->messageType(), MessageBanner::Type::Error);
    QVERIFY2(banner->text().contains(u"broken.json"_s), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(u"$.mode"_s), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(u"$.target.entitySet"_s), qPrintable(banner->text()));
    // The good mapping stays loaded and usable.
    // Qt shows "GUI test contacts — D365 Sync"; [*] becomes "*" while there are unsaved changes.
    QCOMPARE(m_window->windowTitle(), u"GUI test contacts[*]"_s);
    QVERIFY(!m_window->isWindowModified());
    QVERIFY(child<QPushButton>("syncNowButton")->isEnabled());

    // The banner closes with its close button.
    QTest::mouseClick(child<QWidget>("messageBannerCloseButton"), Qt::LeftButton);
    QVERIFY(banner->isHidden());
}

void TestMainWindow::loadMapping_unknownProfile_bannerNamesProfileAndCliCommandAndSyncIsDisabled()
{
    QVERIFY(
        m_window->loadMapping(writeMapping(u"no-profile.json"_s, u"SELECT * FROM customers"_s, u"prod"_s)));

    MessageBanner *banner = m_window->messageBanner();
    QVERIFY(banner->isVisible());
    QCOMPARE(banner->messageType(), MessageBanner::Type::Warning);
    QVERIFY2(banner->text().contains(u"\"prod\""_s), qPrintable(banner->text()));
    // A GUI user is told the way in this window, not a command line.
    QVERIFY2(!banner->text().contains(u"d365sync-cli"_s), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(u"Connect…"_s), qPrintable(banner->text()));
    QVERIFY(!child<QPushButton>("syncNowButton")->isEnabled());
    QVERIFY(child<QLabel>("sandboxBadgeLabel")->isHidden());
}

void TestMainWindow::loadMapping_cachedTableDiffersFromOrg_bannerWarnsAboutMappedColumnsOnly()
{
    using d365::services::EntityMetadata;
    using d365::services::MetadataService;
    // The metadata cache as an older session left it: the org's contact table with lastname of another
    // type (mapped), jobtitle of another type and a column the org no longer has (neither mapped).
    QTemporaryDir cacheRoot;
    QVERIFY(cacheRoot.isValid());
    const ConnectionProfile profile = *m_settings->profile(ProfileName);
    {
        d365::services::DataverseClient client(profile, m_tokenProvider.get());
        MetadataService service(&client, MetadataService::cacheKeyFor(profile.orgUrl), cacheRoot.path());
        std::optional<d365::Result<EntityMetadata>> fetched;
        service.entity(u"contacts"_s, d365::services::Freshness::Refresh,
                       [&](const d365::Result<EntityMetadata> &r) { fetched = r; });
        QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), 20000);
        QVERIFY2(fetched->ok(), qPrintable(fetched->ok() ? QString() : fetched->error().message));
        EntityMetadata older = fetched->value();
        for (auto &attribute : older.attributes) {
            if (attribute.logicalName == "lastname"_L1 || attribute.logicalName == "jobtitle"_L1)
                attribute.typeName = u"MemoType"_s;
        }
        d365::services::AttributeMetadata gone;
        gone.logicalName = u"new_oldscore"_s;
        gone.typeName = u"IntegerType"_s;
        older.attributes.append(gone);
        QFile file(service.cacheDirectory() + u"/entity-contacts.json"_s);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(QJsonObject{{u"format"_s, 1}, {u"data"_s, older.toJson()}}).toJson());
    }

    d365::services::MetadataLoader loader(m_tokenProvider.get(), cacheRoot.path());
    m_window->setMetadataLoader(&loader);
    QVERIFY(
        m_window->loadMapping(writeMapping(u"changed.json"_s, u"SELECT * FROM customers"_s, ProfileName)));

    // The cached copy answers first; the background refresh finds the difference.
    MessageBanner *banner = m_window->messageBanner();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 20000);
    QCOMPARE(banner->messageType(), MessageBanner::Type::Warning);
    QVERIFY2(banner->text().contains(u"lastname of table contact changed type from MemoType to StringType"_s),
             qPrintable(banner->text()));
    QVERIFY2(!banner->text().contains(u"jobtitle"_s), qPrintable(banner->text()));
    QVERIFY2(!banner->text().contains(u"new_oldscore"_s), qPrintable(banner->text()));
    // Sync now stays available: the column still exists, the run itself reports rows that no longer fit.
    QVERIFY(child<QPushButton>("syncNowButton")->isEnabled());
}

void TestMainWindow::setProfileOverride_existingProfile_showsItInConnectionStrip()
{
    QVERIFY(m_window->loadMapping(writeMapping(u"override.json"_s, u"SELECT * FROM customers"_s, u"prod"_s)));
    QVERIFY(!child<QPushButton>("syncNowButton")->isEnabled());

    m_window->setProfileOverride(ProfileName);

    QVERIFY(m_window->profile().has_value());
    QCOMPARE(m_window->profile()->name, ProfileName);
    QCOMPARE(child<QLabel>("profileNameLabel")->text(), u"Profile: "_s + ProfileName);
    QVERIFY(child<QPushButton>("syncNowButton")->isEnabled());
}

void TestMainWindow::keyF5_mappingLoaded_startsSync()
{
    const QString query = u"SELECT customer_id, first_name, last_name, email FROM customers "
                          u"ORDER BY customer_id LIMIT 5"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"five.json"_s, query)));
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));

    QTest::keyClick(m_window.get(), Qt::Key_F5);

    auto *syncNow = child<QPushButton>("syncNowButton");
    QVERIFY(!syncNow->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), SyncTimeoutMs);
    const QString status = child<QLabel>("syncStatusLabel")->text();
    QVERIFY2(status.startsWith(u"Synced 5 rows in "_s), qPrintable(status));
}

void TestMainWindow::keyEscape_duringSync_cancelsRunAndReportsSkippedRows()
{
    // All 10,000 sample rows: the worker reads metadata and counts rows before writing, so Esc pressed right
    // after the click always lands before the run can finish.
    const QString query =
        u"SELECT customer_id, first_name, last_name, email FROM customers ORDER BY customer_id"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"all.json"_s, query)));
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    auto *syncNow = child<QPushButton>("syncNowButton");
    auto *cancel = child<QPushButton>("cancelButton");

    QTest::mouseClick(syncNow, Qt::LeftButton);
    QVERIFY(cancel->isEnabled());
    QTest::keyClick(m_window.get(), Qt::Key_Escape);

    // Cancelling is acknowledged at once; the run then ends with finished(), which re-enables Sync now.
    QVERIFY(!cancel->isEnabled());
    QVERIFY2(child<QLabel>("syncStatusLabel")->text().startsWith(u"Cancelling"_s),
             qPrintable(child<QLabel>("syncStatusLabel")->text()));
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), SyncTimeoutMs);

    const QString status = child<QLabel>("syncStatusLabel")->text();
    // What the cancel left undone is said: rows read but not sent, source rows never read, or nothing read.
    QVERIFY2(status == u"Cancelled before any row was read: nothing was sent."_s ||
                 (status.startsWith(u"Cancelled: synced "_s) &&
                  (status.contains(u" skipped"_s) || status.contains(u" not read"_s))),
             qPrintable(status));
    QVERIFY(!cancel->isEnabled());
    // The bar shows what was done, not 10,000 / 10,000.
    auto *progress = child<QProgressBar>("syncProgressBar");
    QVERIFY2(progress->value() < 10000, qPrintable(progress->text()));
    QVERIFY2(!progress->text().startsWith(u"10,000 / 10,000"_s), qPrintable(progress->text()));
    QVERIFY2(progress->text().endsWith(u"cancelled"_s), qPrintable(progress->text()));
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"Cancelled"_s);
}

void TestMainWindow::close_window_savesGeometryAndStateThroughSettings()
{
    QVERIFY(m_settings->mainWindowGeometry().isEmpty());
    QVERIFY(m_settings->schemaBrowserState().isEmpty());
    m_window->resize(700, 500);
    auto *search = m_window->schemaBrowser()->findChild<QLineEdit *>(u"schemaSearch"_s);
    QVERIFY(search);
    search->setText(u"loyal"_s);
    QVERIFY(m_window->close());
    QVERIFY(!m_settings->mainWindowGeometry().isEmpty());
    QVERIFY(!m_settings->mainWindowState().isEmpty());
    QVERIFY(!m_settings->schemaBrowserState().isEmpty());

    // A new window comes back with the saved size and the schema browser's search text.
    MainWindow again(m_controller.get(), m_settings.get(), m_tokenProvider.get());
    QCOMPARE(again.size(), QSize(700, 500));
    QCOMPARE(again.schemaBrowser()->findChild<QLineEdit *>(u"schemaSearch"_s)->text(), u"loyal"_s);
}

void TestMainWindow::syncNow_insertRowsThatAlreadyExist_saysNothingWasSyncedInErrorColours()
{
    const QString query = u"SELECT customer_id, first_name, last_name, email FROM customers "
                          u"ORDER BY customer_id LIMIT 20 OFFSET 7000"_s;
    // The rows exist in the org after this upsert; inserting them again fails every row.
    QVERIFY(m_window->loadMapping(writeMapping(u"upsert.json"_s, query)));
    clickSyncNowAndWaitUntilFinished();
    QVERIFY(m_window->loadMapping(writeMapping(u"insert.json"_s, query, ProfileName, u"insert"_s)));

    const QColor neutralText = m_window->syncPanel()->palette().color(QPalette::WindowText);
    clickSyncNowAndWaitUntilFinished();

    auto *statusLabel = child<QLabel>("syncStatusLabel");
    const QString status = statusLabel->text();
    QVERIFY2(status.startsWith(u"Nothing was synced: 20 of 20 rows failed"_s), qPrintable(status));
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"Failed"_s);
    QVERIFY(statusLabel->palette().color(QPalette::WindowText) != neutralText);
    QVERIFY(child<QLabel>("syncStatusIconLabel")->isVisible());
    // Not a full bar: none of the 20 rows was synced.
    auto *progress = child<QProgressBar>("syncProgressBar");
    QCOMPARE(progress->maximum(), 20);
    QCOMPARE(progress->value(), 0);
    QCOMPARE(progress->text(), u"0 / 20 rows synced — 20 failed"_s);
    QCOMPARE(child<QTableView>("failedRowsView")->model()->rowCount(), 20);
}

void TestMainWindow::loadMapping_afterARun_clearsThePreviousRunsSummary()
{
    const QString query =
        u"SELECT customer_id, first_name, CASE WHEN customer_id = 2 THEN "_s + TooLongLastName +
        u" ELSE last_name END AS last_name, email FROM customers ORDER BY customer_id LIMIT 5"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"first.json"_s, query)));
    clickSyncNowAndWaitUntilFinished();
    QVERIFY(child<QLabel>("syncStatusLabel")->text().startsWith(u"Synced 4 of 5 rows"_s));
    QCOMPARE(child<QTableView>("failedRowsView")->model()->rowCount(), 1);

    QVERIFY(m_window->loadMapping(writeMapping(u"second.json"_s, u"SELECT * FROM customers LIMIT 3"_s)));

    // The other mapping has not run: no counts, failed rows or colours of the first one.
    QCOMPARE(child<QLabel>("syncStatusLabel")->text(), u"Ready."_s);
    QCOMPARE(child<QProgressBar>("syncProgressBar")->text(), u"No run yet"_s);
    QCOMPARE(child<QProgressBar>("syncProgressBar")->value(), 0);
    QCOMPARE(child<QTableView>("failedRowsView")->model()->rowCount(), 0);
    QCOMPARE(child<QLabel>("failedRowsLabel")->text(), u"Failed rows: 0"_s);
    QVERIFY(!child<QLabel>("syncStatusIconLabel")->isVisible());
}

void TestMainWindow::show_firstStart_windowFitsTheScreen()
{
    // No saved geometry (init() starts from empty settings): the first-start size must fit the screen the
    // window is on, like a 1,366 × 768 laptop; the offscreen screen is smaller still.
    const QRect available = m_window->screen()->availableGeometry();
    QVERIFY2(available.contains(m_window->frameGeometry()),
             qPrintable(u"window %1×%2 at %3,%4 on a screen of %5×%6"_s.arg(m_window->frameGeometry().width())
                            .arg(m_window->frameGeometry().height())
                            .arg(m_window->frameGeometry().x())
                            .arg(m_window->frameGeometry().y())
                            .arg(available.width())
                            .arg(available.height())));
}

void TestMainWindow::loadMapping_longProfileNameAndUrl_connectionStripDoesNotWidenTheWindow()
{
    const QString longName = u"a-profile-name-that-is-as-long-as-a-profile-name-may-ever-get-64"_s;
    QCOMPARE(longName.size(), 64);
    ConnectionProfile profile;
    profile.name = longName;
    profile.orgUrl = QUrl(u"https://an-environment-with-a-very-long-name-that-a-company-gave-to-it."
                          u"crm4.dynamics.com"_s);
    QVERIFY(m_settings->saveProfile(profile).ok());
    const int widthBefore = m_window->width();

    QVERIFY(m_window->loadMapping(writeMapping(u"long.json"_s, u"SELECT * FROM customers"_s, longName)));

    QCOMPARE(child<QLabel>("profileNameLabel")->text(), u"Profile: "_s + longName);
    QVERIFY(child<QLabel>("orgUrlLabel")->text().startsWith(u"https://an-environment-with"_s));
    // The labels' new texts ask for a new layout; apply it now, then the window must keep its width.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCOMPARE(m_window->width(), widthBefore);
    QVERIFY(m_window->minimumSizeHint().width() <= m_window->screen()->availableGeometry().width());
    QVERIFY(m_window->screen()->availableGeometry().contains(m_window->frameGeometry()));
}

void TestMainWindow::restoreState_schemaDockSavedSqueezed_isWidenedToReadableWidth()
{
    auto *dock = m_window->findChild<QDockWidget *>(u"schemaDockWidget"_s);
    QVERIFY(dock);
    m_window->resize(780, 560);
    // As narrow as it goes (about 210 px), like a state saved before the first-start width was readable.
    m_window->resizeDocks({dock}, {1}, Qt::Horizontal);
    QTRY_VERIFY2(dock->width() < 230, qPrintable(QString::number(dock->width())));
    QVERIFY(m_window->close());

    MainWindow again(m_controller.get(), m_settings.get(), m_tokenProvider.get());
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    auto *restoredDock = again.findChild<QDockWidget *>(u"schemaDockWidget"_s);
    QVERIFY(restoredDock);
    QTRY_VERIFY2(restoredDock->width() >= 250, qPrintable(QString::number(restoredDock->width())));
}

void TestMainWindow::keyTab_inFieldTable_movesFocusOutOfTheTable()
{
    QVERIFY(m_window->loadMapping(writeMapping(u"tab.json"_s, u"SELECT * FROM customers"_s)));
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    auto *view = child<QTableView>("fieldMappingView");
    view->setFocus(Qt::TabFocusReason);
    view->setCurrentIndex(view->model()->index(0, 0));
    QTRY_COMPARE(QApplication::focusWidget(), view);

    QTest::keyClick(view, Qt::Key_Tab);

    // Tab moves on to the next control; the arrow keys move within the table.
    QTRY_VERIFY(QApplication::focusWidget() != view);
}

void TestMainWindow::close_duringSyncDeclined_keepsWindowAndRun()
{
    const QString query =
        u"SELECT customer_id, first_name, last_name, email FROM customers ORDER BY customer_id"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"all.json"_s, query)));
    auto *syncNow = child<QPushButton>("syncNowButton");
    QTest::mouseClick(syncNow, Qt::LeftButton);
    QVERIFY(!syncNow->isEnabled());

    QVERIFY(!m_window->close()); // asks instead
    auto *box = m_window->findChild<QMessageBox *>(u"closeDuringSyncMessageBox"_s);
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QTest::mouseClick(box->findChild<QPushButton *>(u"keepSyncingButton"_s), Qt::LeftButton);

    QVERIFY(m_window->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), SyncTimeoutMs);
    QVERIFY(m_window->isVisible());
    QVERIFY2(child<QLabel>("syncStatusLabel")->text().startsWith(u"Synced 10,000 rows"_s),
             qPrintable(child<QLabel>("syncStatusLabel")->text()));
}

void TestMainWindow::close_duringSyncConfirmed_cancelsRunAndClosesWhenFinished()
{
    const QString query =
        u"SELECT customer_id, first_name, last_name, email FROM customers ORDER BY customer_id"_s;
    QVERIFY(m_window->loadMapping(writeMapping(u"all.json"_s, query)));
    QTest::mouseClick(child<QPushButton>("syncNowButton"), Qt::LeftButton);

    QVERIFY(!m_window->close());
    auto *box = m_window->findChild<QMessageBox *>(u"closeDuringSyncMessageBox"_s);
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(u"cancelSyncAndCloseButton"_s), Qt::LeftButton);

    // Cancelled at once, closed once the run has finished (every row has its outcome by then).
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), SyncTimeoutMs);
    QVERIFY(!m_controller->isRunning());
    const QString status = child<QLabel>("syncStatusLabel")->text();
    QVERIFY2(status.startsWith(u"Cancelled: synced "_s) ||
                 status == u"Cancelled before any row was read: nothing was sent."_s,
             qPrintable(status));
    QVERIFY(!m_settings->mainWindowGeometry().isEmpty()); // a normal close: the window state is saved
}

void TestMainWindow::connectButton_profileOfMappingMissing_opensFormWithItsNameToCreateIt()
{
    // A session makes the strip's Connect… button appear; nothing signs in here (the profile does not exist).
    d365::services::ConnectionSession session;
    m_window->setConnectionSession(&session);
    QVERIFY(m_window->loadMapping(writeMapping(u"prod.json"_s, u"SELECT * FROM customers"_s, u"prod"_s)));
    QVERIFY(!child<QPushButton>("syncNowButton")->isEnabled());

    QTest::mouseClick(child<QPushButton>("connectButton"), Qt::LeftButton);
    auto *dialog = m_window->findChild<QDialog *>(u"connectionDialog"_s);
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(dialog->findChild<QLineEdit *>(u"nameEdit"_s)->text(), u"prod"_s);

    dialog->findChild<QLineEdit *>(u"orgUrlEdit"_s)->setText(m_sandbox.baseUrl().toString());
    dialog->findChild<QCheckBox *>(u"sandboxCheck"_s)->setChecked(true);
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);

    // Created: the banner about the missing profile goes, and the mapping can sync.
    QVERIFY(m_settings->profile(u"prod"_s).has_value());
    QTRY_VERIFY(m_window->messageBanner()->isHidden());
    QVERIFY(child<QPushButton>("syncNowButton")->isEnabled());
    dialog->close();
    m_window.reset(); // before the session it points at
}

void TestMainWindow::renameMapping(const QString &name)
{
    QApplication::setActiveWindow(m_window.get()); // window shortcuts (Ctrl+S, Ctrl+N …) need it active
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    auto *edit = child<QLineEdit>("mappingNameLineEdit");
    QVERIFY(edit);
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, name);
    QTest::keyClick(edit, Qt::Key_Tab); // leaving the field commits the name
    QCOMPARE(m_window->mapping()->name, name);
}

QMessageBox *TestMainWindow::closeAndExpectSavePrompt()
{
    if (m_window->close()) // asks instead of closing
        return nullptr;
    auto *box = m_window->findChild<QMessageBox *>(u"saveChangesMessageBox"_s);
    if (box && !QTest::qWaitFor([box] { return box->isVisible(); }))
        return nullptr;
    return box;
}

void TestMainWindow::edit_loadedMapping_titleShowsStarUntilSaved()
{
    const QString path = writeMapping(u"title.json"_s, u"SELECT * FROM customers"_s);
    QVERIFY(m_window->loadMapping(path));
    QVERIFY(!m_window->isWindowModified());
    renameMapping(u"Renamed contacts"_s);
    QCOMPARE(m_window->windowTitle(), u"Renamed contacts[*]"_s); // shown as "Renamed contacts* — D365 Sync"
    QVERIFY(m_window->isWindowModified());
    QTest::keyClick(m_window.get(), Qt::Key_S, Qt::ControlModifier); // File → Save: its own file, no dialog
    QVERIFY(!m_window->isWindowModified());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("\"name\": \"Renamed contacts\""));
    // Undo back past the save: changed again.
    QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(m_window->isWindowModified());
}

void TestMainWindow::close_unsavedChanges_cancelKeepsWindowAndChanges()
{
    QVERIFY(m_window->loadMapping(writeMapping(u"cancel.json"_s, u"SELECT * FROM customers"_s)));
    renameMapping(u"Unsaved name"_s);
    QMessageBox *box = closeAndExpectSavePrompt();
    QVERIFY(box);
    QVERIFY2(box->text().contains(u"Unsaved name"_s), qPrintable(box->text()));
    QTest::mouseClick(box->findChild<QPushButton *>(u"cancelSaveChangesButton"_s), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(u"saveChangesMessageBox"_s));
    QVERIFY(m_window->isVisible());
    QCOMPARE(m_window->mapping()->name, u"Unsaved name"_s);
    QVERIFY(m_window->isWindowModified());
}

void TestMainWindow::close_unsavedChanges_discardClosesWithoutWriting()
{
    const QString path = writeMapping(u"discard.json"_s, u"SELECT * FROM customers"_s);
    QVERIFY(m_window->loadMapping(path));
    renameMapping(u"Thrown away"_s);
    QMessageBox *box = closeAndExpectSavePrompt();
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(u"discardChangesButton"_s), Qt::LeftButton);
    QTRY_VERIFY(!m_window->isVisible());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("Thrown away"));
}

void TestMainWindow::close_unsavedChanges_saveWritesTheFileThenCloses()
{
    const QString path = writeMapping(u"save.json"_s, u"SELECT * FROM customers"_s);
    QVERIFY(m_window->loadMapping(path));
    renameMapping(u"Kept"_s);
    QMessageBox *box = closeAndExpectSavePrompt();
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(u"saveChangesButton"_s), Qt::LeftButton);
    QTRY_VERIFY(!m_window->isVisible());
    const auto reloaded = d365::services::MappingFile::load(path);
    QVERIFY2(reloaded.ok(), qPrintable(reloaded.problemsText()));
    QCOMPARE(reloaded.mapping->name, u"Kept"_s);
}

void TestMainWindow::newMapping_unsavedChanges_asksFirstAndCancelKeepsThem()
{
    QVERIFY(m_window->loadMapping(writeMapping(u"new.json"_s, u"SELECT * FROM customers"_s)));
    renameMapping(u"Work in progress"_s);
    QTest::keyClick(m_window.get(), Qt::Key_N, Qt::ControlModifier); // File → New
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(u"saveChangesMessageBox"_s)) && box->isVisible());
    QTest::keyClick(box, Qt::Key_Escape); // Cancel
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(u"saveChangesMessageBox"_s));
    QCOMPARE(m_window->mapping()->name, u"Work in progress"_s);

    m_window->windowHandle()->requestActivate(); // a window manager reactivates it when the box closes
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_N, Qt::ControlModifier);
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(u"saveChangesMessageBox"_s)) && box->isVisible());
    QTest::mouseClick(box->findChild<QPushButton *>(u"discardChangesButton"_s), Qt::LeftButton);
    QTRY_COMPARE(m_window->mapping()->name, u"New mapping"_s);
    QCOMPARE(m_window->mapping()->target.profile, ProfileName); // the window's profile
    QVERIFY(!m_window->isWindowModified());
    QVERIFY(m_window->document()->filePath().isEmpty());
}

void TestMainWindow::openRecent_savedMapping_listsItAndReopensIt()
{
    const QString path = writeMapping(u"recent.json"_s, u"SELECT * FROM customers"_s);
    QVERIFY(m_window->loadMapping(path));
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_W, Qt::ControlModifier); // File → Close
    QTRY_VERIFY(!m_window->mapping().has_value());
    QVERIFY(child<QLabel>("noMappingLabel")->isVisible());

    auto *recent = m_window->menuBar()->findChild<QMenu *>(u"openRecentMenu"_s);
    QVERIFY(recent);
    QVERIFY(recent->isEnabled());
    Q_EMIT recent->aboutToShow(); // the menu fills itself when it opens
    QVERIFY(!recent->actions().isEmpty());
    QAction *first = recent->actions().first();
    QCOMPARE(first->data().toString(), QFileInfo(path).absoluteFilePath());
    QVERIFY2(first->text().startsWith(u"&1 "_s), qPrintable(first->text()));
    first->trigger();
    QTRY_VERIFY(m_window->mapping().has_value());
    QCOMPARE(m_window->document()->filePath(), QFileInfo(path).absoluteFilePath());
}

void TestMainWindow::exportForAutomation_showsTheExactCommandThatRunsTheFile()
{
    const QString path =
        writeMapping(u"export.json"_s, u"SELECT customer_id, first_name, last_name, email FROM "
                                       u"customers ORDER BY customer_id LIMIT 50"_s);
    QVERIFY(m_window->loadMapping(path));
    m_window->setCliSettingsFile(m_settings->fileName());
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_E, Qt::ControlModifier | Qt::ShiftModifier);
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(u"exportDialog"_s)) && dialog->isVisible());
    const QString command = dialog->findChild<QLineEdit *>(u"commandLineEdit"_s)->text();
    QCOMPARE(command, u"d365sync-cli --settings "_s + m_settings->fileName() + u" run "_s + path);
    const QString help = dialog->findChild<QTextBrowser *>(u"helpTextBrowser"_s)->toPlainText();
    QVERIFY2(help.contains(u"Application users"_s), qPrintable(help));
    QVERIFY2(help.contains(u"auth set-secret --profile "_s + ProfileName), qPrintable(help));

    // The command as shown, with the CLI this build made.
    m_settings->sync();
    QStringList arguments = QProcess::splitCommand(command);
    QCOMPARE(arguments.takeFirst(), u"d365sync-cli"_s);
    QProcess cli;
    cli.setProcessEnvironment(d365::testsupport::cliEnvironment());
    cli.start(QStringLiteral(D365_CLI_EXE), arguments);
    QVERIFY(cli.waitForFinished(SyncTimeoutMs));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    QVERIFY(cli.readAllStandardOutput().contains("50 upserted, 0 failed"));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Close),
                      Qt::LeftButton);
}

void TestMainWindow::syncNow_audienceInEachMode_listMembersFollowTheWarehouse()
{
    // Customers between `from` and `to`, e-mails prefixed so that no other test's contacts count.
    const auto query = [](int from, int to) {
        return u"SELECT customer_id, first_name, last_name, 'gui.' || email AS email FROM customers WHERE "
               u"customer_id BETWEEN %1 AND %2 ORDER BY customer_id"_s.arg(from)
                   .arg(to);
    };
    const auto audience = [&](const QString &file, const QString &mode, int from, int to) {
        const QString path = writeMapping(file, query(from, to), ProfileName, u"upsert"_s);
        QFile read(path);
        QJsonObject mapping =
            read.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(read.readAll()).object() : QJsonObject();
        read.close();
        QJsonObject target = mapping.value("target"_L1).toObject();
        target.insert(u"list"_s, QJsonObject{{u"name"_s, u"GUI audience"_s}, {u"createIfMissing"_s, true}});
        mapping.insert(u"target"_s, target);
        mapping.insert(u"mode"_s, mode);
        return writeText(file, QJsonDocument(mapping).toJson());
    };
    const auto members = [this] {
        const auto lists = d365::testsupport::readRecords(
            m_sandbox, u"lists?$select=listid,membercount&$filter="_s +
                           QString::fromLatin1(QUrl::toPercentEncoding(u"listname eq 'GUI audience'"_s)));
        if (lists.size() != 1)
            return -1;
        return int(d365::testsupport::readRecords(
                       m_sandbox, u"lists(%1)/listcontact_association?$select=contactid"_s.arg(
                                      lists.first().value("listid"_L1).toString()))
                       .size());
    };
    auto *status = child<QLabel>("syncStatusLabel");
    QVERIFY(status);

    // The member records first: customers 1..60.
    QVERIFY(m_window->loadMapping(writeMapping(u"gui-records.json"_s, query(1, 60))));
    clickSyncNowAndWaitUntilFinished();
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"Synced"_s);

    QVERIFY(m_window->loadMapping(audience(u"gui-add.json"_s, u"add"_s, 1, 40)));
    clickSyncNowAndWaitUntilFinished();
    QVERIFY2(status->text().contains("40 added, 0 already members"_L1), qPrintable(status->text()));
    QCOMPARE(members(), 40);

    QVERIFY(m_window->loadMapping(audience(u"gui-remove.json"_s, u"remove"_s, 31, 45)));
    clickSyncNowAndWaitUntilFinished();
    QVERIFY2(status->text().contains("0 added, 0 already members, 10 removed, 5 not members"_L1),
             qPrintable(status->text()));
    QCOMPARE(members(), 30);

    // 3 of 30 members leave (10 %, under the gate's 20 %), 5 join. Preview shows that plan first, and
    // writes nothing.
    QVERIFY(m_window->loadMapping(audience(u"gui-mirror.json"_s, u"mirror"_s, 4, 35)));
    auto *preview = m_window->findChild<QAction *>(u"previewAction"_s);
    QVERIFY(preview && preview->isEnabled());
    preview->trigger();
    d365::ui::PreviewDialog *plan = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((plan = m_window->previewDialog()) && plan->isVisible(), SyncTimeoutMs);
    QCOMPARE(plan->findChild<QLabel *>(u"previewAddedLabel"_s)->text(), u"5"_s);
    QCOMPARE(plan->findChild<QLabel *>(u"previewRemovedLabel"_s)->text(), u"3"_s);
    QVERIFY2(status->text().contains("5 would be added, 3 would be removed"_L1), qPrintable(status->text()));
    QCOMPARE(members(), 30);
    plan->close();
    QTRY_VERIFY(child<QPushButton>("syncNowButton")->isEnabled());
    clickSyncNowAndWaitUntilFinished();
    QVERIFY2(status->text().contains("5 added, 27 already members, 3 removed (3 of them extra members)"_L1),
             qPrintable(status->text()));
    QCOMPARE(members(), 32);

    // New contacts (61..65) are upserted, then added.
    QVERIFY(m_window->loadMapping(audience(u"gui-upsert.json"_s, u"upsert"_s, 61, 65)));
    clickSyncNowAndWaitUntilFinished();
    QVERIFY2(status->text().contains("5 records upserted, 5 added"_L1), qPrintable(status->text()));
    QCOMPARE(members(), 37);
    QCOMPARE(m_window->syncPanel()->property("outcome").toString(), u"Synced"_s);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
