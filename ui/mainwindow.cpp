#include "ui/mainwindow.h"

#include "models/runhistorymodel.h"
#include "models/runresultsmodel.h"
#include "services/auth/connectionsession.h"
#include "services/dataverse/metadataloader.h"
#include "services/dataverse/metadataservice.h"
#include "services/editor/mappingorgcheck.h"
#include "services/mapping/mappingfile.h"
#include "services/mapping/mappingvalidator.h"
#include "services/settings/settings.h"
#include "services/sync/runhistory.h"
#include "services/sync/statestore.h"
#include "services/sync/synccontroller.h"
#include "ui/connectiondialog.h"
#include "ui/elidinglabel.h"
#include "ui/exportdialog.h"
#include "ui/historyview.h"
#include "ui/mappingdocument.h"
#include "ui/mappingeditor.h"
#include "ui/messagebanner.h"
#include "ui/previewdialog.h"
#include "ui/schemabrowser.h"
#include "ui/sourceeditor.h"
#include "ui/syncpanel.h"
#include "ui/targeteditor.h"
#include "ui/version.h"
#include "ui/warehouseconnectiondialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLoggingCategory>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QShowEvent>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMainWindow, "d365.ui.mainwindow")

namespace d365::ui {

namespace {
// The first-start size, and the schema dock width at which its table names are readable.
constexpr QSize DefaultWindowSize(1260, 780);
constexpr int ReadableSchemaDockWidth = 320;
// The Sync pane's first-start height: room for the status and a few failed rows, the rest for the editor.
constexpr int FirstStartSyncPaneHeight = 230;
// Of the screen's free area, what the first-start window may take (room for a title bar and a panel).
constexpr double MaxScreenShare = 0.9;
constexpr int StatusMessageMs = 6000;

bool sameProfile(const std::optional<services::ConnectionProfile> &a,
                 const std::optional<services::ConnectionProfile> &b)
{
    if (a.has_value() != b.has_value())
        return false;
    if (!a)
        return true;
    return a->name == b->name && a->orgUrl == b->orgUrl && a->kind == b->kind &&
           a->apiVersion == b->apiVersion && a->tenant == b->tenant && a->clientId == b->clientId &&
           a->authorityHost == b->authorityHost && a->caCertificateFile == b->caCertificateFile;
}

// "Customers to contacts" → "customers-to-contacts.d365map.json" (the extension the installed desktop file
// opens with D365 Sync)
QString fileNameFor(const QString &name)
{
    QString slug;
    for (const QChar c : name.toLower()) {
        if (c.isLetterOrNumber())
            slug += c;
        else if (!slug.isEmpty() && !slug.endsWith(u'-'))
            slug += u'-';
    }
    while (slug.endsWith(u'-'))
        slug.chop(1);
    return (slug.isEmpty() ? u"mapping"_s : slug) + u".d365map.json"_s;
}
} // namespace

using services::ConnectionProfile;
using services::MappingFile;
using services::SyncController;
using services::SyncSummary;

MainWindow::MainWindow(SyncController *controller, services::Settings *settings,
                       services::TokenProvider *tokenProvider, QWidget *parent)
    : QMainWindow(parent)
    , m_controller(controller)
    , m_settings(settings)
    , m_tokenProvider(tokenProvider)
{
    Q_ASSERT(controller && settings && tokenProvider);
    setObjectName(u"mainWindow"_s);

    m_banner = new MessageBanner(this);
    m_document = new MappingDocument(this);
    m_editor = new MappingEditor(m_document, this);

    auto *central = new QWidget(this);
    central->setObjectName(u"centralWidget"_s);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->addWidget(createConnectionStrip());
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_editor, 1);
    setCentralWidget(central);

    m_syncPanel = new SyncPanel(this);
    m_syncDock = new QDockWidget(tr("Sync"), this);
    m_syncDock->setObjectName(u"syncDockWidget"_s); // saveState() needs a stable name
    m_syncDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    m_syncDock->setAllowedAreas(Qt::BottomDockWidgetArea | Qt::TopDockWidgetArea);
    m_syncDock->setWidget(m_syncPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_syncDock);

    // The History pane shares the bottom area with the Sync pane, as a tab beside it: both are about runs,
    // and the mapping editor keeps the height it needs.
    m_runHistory = new services::RunHistory(this);
    m_historyView = new HistoryView(m_runHistory, this);
    m_historyDock = new QDockWidget(tr("History"), this);
    m_historyDock->setObjectName(u"historyDockWidget"_s);
    m_historyDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    m_historyDock->setAllowedAreas(Qt::BottomDockWidgetArea | Qt::TopDockWidgetArea);
    m_historyDock->setWidget(m_historyView);
    addDockWidget(Qt::BottomDockWidgetArea, m_historyDock);
    tabifyDockWidget(m_syncDock, m_historyDock);
    m_syncDock->raise();
    // The first time the History tab is shown, the bottom area grows to half the window's height: the chart,
    // the runs and a run's failed rows do not fit in the Sync pane's 230 px. The user's own sizing wins
    // after.
    connect(m_historyDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible || m_historyShownOnce || m_historyDock->isFloating())
            return;
        m_historyShownOnce = true;
        const int wanted = height() / 2;
        if (m_historyDock->height() < wanted)
            resizeDocks({m_historyDock}, {wanted}, Qt::Vertical);
    });

    m_schemaBrowser = new SchemaBrowser(this);
    m_schemaDock = new QDockWidget(tr("Schema"), this);
    m_schemaDock->setObjectName(u"schemaDockWidget"_s);
    m_schemaDock->setWidget(m_schemaBrowser);
    addDockWidget(Qt::LeftDockWidgetArea, m_schemaDock);
    // The schema browser takes the whole height on the left: under a 300 px Sync pane its table list showed
    // two rows on a 768 px screen.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);

    createActions();

    // The mapping document: the title follows its name and modified state, the profile its target.
    connect(m_document, &MappingDocument::changed, this, &MainWindow::updateTitle);
    connect(m_document, &MappingDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &MappingDocument::filePathChanged, this, &MainWindow::updateTitle);
    connect(m_document, &MappingDocument::openChanged, this, [this] {
        updateTitle();
        updateSyncEnabled();
        updateHistoryPath();
    });
    // The state file follows the mapping's identity (source, key column, target, match key): a changed
    // query is a new history, as the next run will see it.
    connect(m_document, &MappingDocument::changed, this, &MainWindow::updateHistoryPath);
    connect(m_document, &MappingDocument::targetChanged, this, &MainWindow::onDocumentTargetChanged);
    connect(m_editor, &MappingEditor::validateRequested, this, &MainWindow::validateMapping);
    connect(m_editor, &MappingEditor::newRequested, this, &MainWindow::newMapping);
    connect(m_editor, &MappingEditor::openRequested, this, &MainWindow::openMappingDialog);
    connect(m_editor, &MappingEditor::reportReady, this, [this](const QString &text) {
        showBanner(BannerTopic::Editor, MessageBanner::Type::Information, text);
    });
    connect(m_editor->targetEditor(), &TargetEditor::connectRequested, this,
            &MainWindow::openConnectionDialog);
    m_editor->targetEditor()->setProfiles(m_settings->profileNames());
    refreshWarehouseConnections();
    connect(m_editor->sourceEditor(), &SourceEditor::manageConnectionsRequested, this,
            &MainWindow::openWarehouseConnectionDialog);
    connect(m_schemaBrowser, &SchemaBrowser::useAsTargetRequested, this, &MainWindow::useAsTarget);
    connect(m_schemaBrowser, &SchemaBrowser::addToMappingRequested, this, &MainWindow::addColumnFromSchema);

    connect(m_syncPanel, &SyncPanel::syncRequested, this, &MainWindow::startSync);
    connect(m_syncPanel, &SyncPanel::cancelRequested, this, &MainWindow::cancelSync);
    connect(m_historyView, &HistoryView::exportRequested, this, &MainWindow::exportFailedRows);
    connect(m_runHistory, &services::RunHistory::exportFinished, this,
            [this](qint64 runId, const QString &path, const services::FailedRowsExport &result) {
                QLocale locale;
                locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
                QString text = (result.written == 1 ? tr("Exported 1 failed row of run %2 to %3")
                                                    : tr("Exported %1 failed rows of run %2 to %3"))
                                   .arg(locale.toString(result.written))
                                   .arg(runId)
                                   .arg(QDir::toNativeSeparators(path));
                if (!result.sourceColumns)
                    text += tr(" (keys and errors only: the warehouse could not be read)");
                else if (result.notInSource > 0)
                    text += tr(" (%1 of them no longer in the source: key and error only)")
                                .arg(locale.toString(result.notInSource));
                text += u'.';
                statusBar()->showMessage(text);
                m_historyView->showExportMessage(text, false);
                hideBanner(BannerTopic::History);
            });
    connect(m_runHistory, &services::RunHistory::exportFailed, this,
            [this](qint64 runId, const QString &message) {
                const QString text =
                    tr("The failed rows of run %1 were not exported: %2").arg(runId).arg(message);
                m_historyView->showExportMessage(text, true);
                showBanner(BannerTopic::History, MessageBanner::Type::Error, text);
            });

    // The controller relays its worker's signals queued, on this thread; the controller throttles progress,
    // so every handler just sets values.
    connect(m_controller, &SyncController::started, this, [this](qint64 total) {
        if (m_running)
            m_syncPanel->onStarted(total);
    });
    connect(m_controller, &SyncController::progress, this,
            [this](qint64 done, qint64 total, const QString &stage) {
                if (m_running)
                    m_syncPanel->onProgress(done, total, stage);
            });
    connect(m_controller, &SyncController::rowOutcomes, m_syncPanel->runResultsModel(),
            &models::RunResultsModel::appendOutcomes);
    connect(m_controller, &SyncController::error, this,
            [this](ErrorCategory category, const QString &message) { onSyncError(category, message); });
    connect(m_controller, &SyncController::finished, this, &MainWindow::onSyncFinished);

    connect(m_banner, &MessageBanner::closed, this, [this] { m_bannerTopic = BannerTopic::None; });

    resize(DefaultWindowSize);
    fitToScreen();
    // restoreGeometry() moves and shrinks a saved geometry onto the screens there are now.
    if (const QByteArray geometry = m_settings->mainWindowGeometry(); !geometry.isEmpty())
        restoreGeometry(geometry);
    if (const QByteArray state = m_settings->mainWindowState(); !state.isEmpty())
        restoreState(state); // widenSqueezedSchemaDock() corrects it once the window is shown
    else {
        // First start: room for the mapping and the results, and a schema browser wide enough to read names.
        resizeDocks({m_syncDock}, {FirstStartSyncPaneHeight}, Qt::Vertical);
        resizeDocks({m_schemaDock}, {ReadableSchemaDockWidth}, Qt::Horizontal);
    }
    if (const QByteArray browserState = m_settings->schemaBrowserState(); !browserState.isEmpty())
        m_schemaBrowser->restoreState(browserState); // applied once the table list arrives

    updateConnectionStrip();
    updateSyncEnabled();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    m_newAction = fileMenu->addAction(tr("&New mapping"), this, &MainWindow::newMapping);
    m_newAction->setObjectName(u"newMappingAction"_s);
    m_newAction->setShortcut(QKeySequence::New);
    m_openAction = fileMenu->addAction(tr("&Open mapping…"), this, &MainWindow::openMappingDialog);
    m_openAction->setObjectName(u"openMappingAction"_s);
    m_openAction->setShortcut(QKeySequence::Open);
    m_recentMenu = fileMenu->addMenu(tr("Open &recent"));
    m_recentMenu->setObjectName(u"openRecentMenu"_s);
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();
    fileMenu->addSeparator();
    m_saveAction = fileMenu->addAction(tr("&Save"), this, [this] { saveMapping(); });
    m_saveAction->setObjectName(u"saveMappingAction"_s);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAsAction = fileMenu->addAction(tr("Save &as…"), this, &MainWindow::saveMappingAs);
    m_saveAsAction->setObjectName(u"saveMappingAsAction"_s);
    m_saveAsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)); // QKeySequence::SaveAs is
                                                                                 // empty on plain X11
    m_exportAction =
        fileMenu->addAction(tr("&Export for automation…"), this, &MainWindow::exportForAutomation);
    m_exportAction->setObjectName(u"exportForAutomationAction"_s);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    m_exportAction->setToolTip(
        tr("Save the mapping file and show the d365sync-cli command a scheduler runs"));
    m_closeAction = fileMenu->addAction(tr("&Close mapping"), this, &MainWindow::closeMapping);
    m_closeAction->setObjectName(u"closeMappingAction"_s);
    // QKeySequence::Close is Ctrl+F4 only in the Windows key scheme (offscreen, some desktops): Ctrl+W too.
    QList<QKeySequence> closeKeys = QKeySequence::keyBindings(QKeySequence::Close);
    if (!closeKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_W)))
        closeKeys.append(QKeySequence(Qt::CTRL | Qt::Key_W));
    m_closeAction->setShortcuts(closeKeys);
    fileMenu->addSeparator();
    m_connectionProfilesAction =
        fileMenu->addAction(tr("Connection &profiles…"), this, &MainWindow::openConnectionDialog);
    m_connectionProfilesAction->setObjectName(u"connectionProfilesAction"_s);
    m_connectionProfilesAction->setVisible(false); // needs the connection session (setConnectionSession)
    QAction *warehouseAction =
        fileMenu->addAction(tr("&Warehouse connections…"), this, &MainWindow::openWarehouseConnectionDialog);
    warehouseAction->setObjectName(u"warehouseConnectionsAction"_s);
    fileMenu->addSeparator();
    QAction *quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setObjectName(u"quitAction"_s);
    quitAction->setShortcut(QKeySequence::Quit);
    quitAction->setMenuRole(QAction::QuitRole);

    QMenu *editMenu = menuBar()->addMenu(tr("&Edit"));
    QAction *undoAction = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    undoAction->setObjectName(u"undoAction"_s);
    undoAction->setShortcut(QKeySequence::Undo);
    QAction *redoAction = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    redoAction->setObjectName(u"redoAction"_s);
    redoAction->setShortcuts(QKeySequence::Redo);
    editMenu->addAction(undoAction);
    editMenu->addAction(redoAction);

    QMenu *mappingMenu = menuBar()->addMenu(tr("&Mapping"));
    mappingMenu->setObjectName(u"mappingMenu"_s);
    mappingMenu->addAction(m_editor->mapAction());
    mappingMenu->addAction(m_editor->removeFieldAction());
    mappingMenu->addAction(m_editor->autoMapAction());
    mappingMenu->addAction(m_editor->fieldOptionsAction());
    mappingMenu->addSeparator();
    mappingMenu->addAction(m_editor->validateAction());

    QMenu *syncMenu = menuBar()->addMenu(tr("&Sync"));
    m_syncNowAction = syncMenu->addAction(tr("Sync &now"), this, &MainWindow::startSync);
    m_syncNowAction->setObjectName(u"syncNowAction"_s);
    m_syncNowAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)});
    m_previewAction = syncMenu->addAction(tr("&Preview"), this, &MainWindow::previewSync);
    m_previewAction->setObjectName(u"previewAction"_s);
    m_previewAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_previewAction->setToolTip(tr("Show what Sync now would create, update and fail, with the values before "
                                   "→ after, without writing anything (Ctrl+Shift+R)"));
    m_fullResyncAction = syncMenu->addAction(tr("&Full resync…"), this, &MainWindow::fullResync);
    m_fullResyncAction->setObjectName(u"fullResyncAction"_s);
    m_fullResyncAction->setToolTip(tr("Send every row once, also those the org already holds"));
    m_retryFailedAction = syncMenu->addAction(tr("&Retry failed rows…"), this, &MainWindow::retryFailedRows);
    m_retryFailedAction->setObjectName(u"retryFailedAction"_s);
    m_retryFailedAction->setToolTip(tr("Send only the rows that failed in the last run"));
    syncMenu->addSeparator();
    m_cancelAction = syncMenu->addAction(tr("&Cancel sync"), this, &MainWindow::cancelSync);
    m_cancelAction->setObjectName(u"cancelSyncAction"_s);
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    // Window-wide shortcuts: they must work whichever pane has the focus.
    m_syncNowAction->setShortcutContext(Qt::WindowShortcut);
    m_cancelAction->setShortcutContext(Qt::WindowShortcut);
    m_previewAction->setShortcutContext(Qt::WindowShortcut);
    syncMenu->addSeparator();
    QAction *historyAction = syncMenu->addAction(tr("Show &history"), this, &MainWindow::showHistory);
    historyAction->setObjectName(u"showHistoryAction"_s);
    historyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    m_syncPanel->addRunActions(m_previewAction, {m_fullResyncAction, m_retryFailedAction});

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    QAction *aboutAction = helpMenu->addAction(tr("&About D365 Sync"), this, &MainWindow::showAbout);
    aboutAction->setObjectName(u"aboutAction"_s);
    aboutAction->setMenuRole(QAction::AboutRole);
}

QWidget *MainWindow::createConnectionStrip()
{
    auto *strip = new QFrame(this);
    strip->setObjectName(u"connectionStripFrame"_s);
    strip->setFrameShape(QFrame::StyledPanel);

    // Every text of the strip is cut with "…" when the window is narrow, never the window widened for it:
    // a long status pushed the window past the screen and Reconnect… off it.
    auto *profileNameLabel = new ElidingLabel(strip);
    profileNameLabel->setObjectName(u"profileNameLabel"_s);
    profileNameLabel->setPreferredCharacters(32);
    profileNameLabel->setMinimumCharacters(8);
    m_profileNameLabel = profileNameLabel;
    auto *orgUrlLabel = new ElidingLabel(strip, Qt::ElideMiddle);
    orgUrlLabel->setObjectName(u"orgUrlLabel"_s);
    orgUrlLabel->setPreferredCharacters(40);
    orgUrlLabel->setMinimumCharacters(8);
    m_orgUrlLabel = orgUrlLabel;
    m_sandboxBadgeLabel = new QLabel(tr("Sandbox org"), strip);
    m_sandboxBadgeLabel->setObjectName(u"sandboxBadgeLabel"_s);
    m_sandboxBadgeLabel->setToolTip(tr("This profile points at the local d365sync-sandbox server, not a real "
                                       "Dynamics 365 organization."));
    m_sandboxBadgeLabel->setStyleSheet(
        u"QLabel { background-color: #f0b429; color: #1f1f1f; border-radius: 3px;"
        u" padding: 1px 6px; font-weight: bold; }"_s);

    auto *layout = new QHBoxLayout(strip);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_profileNameLabel);
    layout->addWidget(m_orgUrlLabel, 1);
    layout->addWidget(m_sandboxBadgeLabel);
    auto *connectionStatusLabel = new ElidingLabel(strip);
    connectionStatusLabel->setObjectName(u"connectionStatusLabel"_s);
    connectionStatusLabel->setMinimumCharacters(18); // "Connected to 12…", not a bare "Connect…"
    m_connectionStatusLabel = connectionStatusLabel;
    m_connectionStatusLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_connectButton = new QPushButton(tr("Connect…"), strip);
    m_connectButton->setObjectName(u"connectButton"_s);
    m_disconnectButton = new QPushButton(tr("Disconnect"), strip);
    m_disconnectButton->setObjectName(u"disconnectButton"_s);
    layout->addWidget(m_connectionStatusLabel, 2);
    layout->addWidget(m_connectButton);
    layout->addWidget(m_disconnectButton);
    // Without a session (tests of the window alone) the strip shows the profile only.
    m_connectionStatusLabel->setVisible(false);
    m_connectButton->setVisible(false);
    m_disconnectButton->setVisible(false);
    connect(m_connectButton, &QPushButton::clicked, this, &MainWindow::openConnectionDialog);
    connect(m_disconnectButton, &QPushButton::clicked, this, [this] {
        if (m_session)
            m_session->disconnect();
    });
    return strip;
}

void MainWindow::setConnectionSession(services::ConnectionSession *session)
{
    m_session = session;
    connect(m_session, &services::ConnectionSession::stateChanged, this, &MainWindow::onSessionStateChanged);
    m_connectionStatusLabel->setVisible(true);
    m_connectButton->setVisible(true);
    m_disconnectButton->setVisible(true);
    m_connectionProfilesAction->setVisible(true);
    onSessionStateChanged();
    updateConnectionStrip();
}

void MainWindow::onSessionStateChanged()
{
    using State = services::ConnectionSession::State;
    const State state = m_session->state();
    m_connectionStatusLabel->setText(m_session->statusText());
    m_disconnectButton->setEnabled(state == State::Connected || state == State::ReconnectRequired);
    m_connectButton->setText(state == State::ReconnectRequired ? tr("Reconnect…") : tr("Connect…"));
    const bool changed = state != m_sessionState;
    m_sessionState = state;
    // With no mapping naming a profile, the signed-in one is the window's: the schema dock browses its org.
    if (wantedProfileName() != (m_profile ? m_profile->name : QString()))
        resolveProfile();
    switch (state) {
    case State::Connected:
        // Signed in again: a message about the sign-in (a sync that stopped for it) is no longer true, and
        // the schema browser asks again what it could not read without a sign-in.
        hideBanner(BannerTopic::SignIn);
        if (m_reloadSchemaWhenConnected && m_profile)
            m_schemaBrowser->requestTables(false);
        m_reloadSchemaWhenConnected = false;
        break;
    case State::ReconnectRequired:
        m_reloadSchemaWhenConnected = true;
        // The strip may cut the reason short; the banner has room for all of it.
        if (m_bannerTopic == BannerTopic::None || m_bannerTopic == BannerTopic::SignIn)
            showBanner(BannerTopic::SignIn, MessageBanner::Type::Error,
                       tr("%1\nPress Reconnect… to sign in again.").arg(m_session->statusText()));
        break;
    case State::NotConnected:
        m_reloadSchemaWhenConnected = m_reloadSchemaWhenConnected || changed;
        break;
    case State::Connecting:
        break;
    }
}

void MainWindow::setMetadataLoader(services::MetadataLoader *loader)
{
    using services::MetadataLoader;
    m_loader = loader;
    // The loader follows the window's profile (another org: the document forgets the old one's metadata),
    // and checks the mapping's table on every load.
    const auto follow = [this, loader](const std::optional<services::ConnectionProfile> &profile) {
        loader->setProfile(profile);
        m_document->clearMetadata(); // asks for the target table again, now of this org
        if (!profile)
            return;
        m_schemaBrowser->requestTables(false);
        if (m_document->isOpen() && !m_document->mapping().target.entitySet.isEmpty())
            loader->checkEntity(m_document->mapping().target.entitySet);
    };
    connect(this, &MainWindow::profileChanged, loader, follow);
    connect(m_schemaBrowser, &SchemaBrowser::tablesRequested, loader, &MetadataLoader::loadTables);
    connect(m_schemaBrowser, &SchemaBrowser::entityRequested, loader, &MetadataLoader::loadEntity);
    connect(loader, &MetadataLoader::tablesLoaded, m_schemaBrowser, &SchemaBrowser::setTables);
    connect(loader, &MetadataLoader::entityLoaded, m_schemaBrowser, &SchemaBrowser::setEntity);
    connect(loader, &MetadataLoader::failed, m_schemaBrowser, &SchemaBrowser::showError);
    connect(loader, &MetadataLoader::busyChanged, m_schemaBrowser, &SchemaBrowser::setBusy);
    connect(loader, &MetadataLoader::schemaChanged, this, &MainWindow::showSchemaChanges);
    // The editor's table list and columns come from the same loader (and its disk cache).
    connect(loader, &MetadataLoader::tablesLoaded, m_document, &MappingDocument::setTables);
    connect(loader, &MetadataLoader::entityLoaded, m_document, &MappingDocument::setEntity);
    connect(m_document, &MappingDocument::entityRequested, loader, [this, loader](const QString &set) {
        if (m_profile)
            loader->loadEntity(set, false);
    });
    // The target's list picker (audiences): the org's marketing lists, when the editor asks.
    connect(loader, &MetadataLoader::listsLoaded, m_document, &MappingDocument::setMarketingLists);
    connect(m_document, &MappingDocument::listsRequested, loader, [this, loader] {
        if (m_profile)
            loader->loadLists();
    });
    // A profile resolved before the loader was set.
    if (m_profile)
        follow(m_profile);
}

void MainWindow::setMappingOrgCheck(services::MappingOrgCheck *check)
{
    m_orgCheck = check;
    connect(check, &services::MappingOrgCheck::finished, this, &MainWindow::onOrgCheckFinished);
}

void MainWindow::openConnectionDialog()
{
    if (!m_session)
        return;
    auto *dialog = new ConnectionDialog(m_settings, m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(u"connectionDialog"_s);
    if (m_profile)
        dialog->setProfile(*m_profile);
    else if (!wantedProfileName().isEmpty())
        dialog->startNewProfile(wantedProfileName()); // the mapping's profile does not exist yet: create it
    connect(dialog, &ConnectionDialog::profileSaved, this, [this] {
        m_editor->targetEditor()->setProfiles(m_settings->profileNames());
        resolveProfile();
    });
    connect(dialog, &ConnectionDialog::profileRemoved, this, [this](const QString &name) {
        // The stored sign-in of a deleted profile is of no use any more.
        if (m_session && m_session->profileName() == name)
            m_session->disconnect();
        m_editor->targetEditor()->setProfiles(m_settings->profileNames());
        resolveProfile();
    });
    dialog->open();
}

bool MainWindow::loadMapping(const QString &path)
{
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    const Result<void> loaded = m_document->load(absolutePath);
    if (!loaded.ok()) {
        qCWarning(lcMainWindow).noquote() << "mapping" << absolutePath << "could not be loaded";
        showBanner(BannerTopic::Mapping, MessageBanner::Type::Error, loaded.error().message);
        return false;
    }
    m_settings->setLastMappingPath(absolutePath);
    m_settings->addRecentMapping(absolutePath);
    // The last run's counts, failed rows and messages belong to the mapping that ran, not to this one.
    m_syncPanel->reset();
    m_banner->hideMessage();
    m_bannerTopic = BannerTopic::None;
    m_editor->tabs()->setCurrentIndex(MappingEditor::FieldsTab);
    qCInfo(lcMainWindow).noquote() << "loaded mapping" << m_document->mapping().name << "from"
                                   << absolutePath;

    resolveProfile();
    if (m_loader && m_profile)
        m_loader->checkEntity(m_document->mapping().target.entitySet);
    updateTitle();
    return true;
}

std::optional<services::Mapping> MainWindow::mapping() const
{
    if (!m_document->isOpen())
        return std::nullopt;
    return m_document->mapping();
}

QString MainWindow::defaultProfileName() const
{
    // A new mapping writes to the org the window shows: the signed-in profile, else the only (or first)
    // stored one.
    if (m_profile)
        return m_profile->name;
    if (m_session && !m_session->profileName().isEmpty())
        return m_session->profileName();
    const QStringList names = m_settings->profileNames();
    return names.value(0);
}

void MainWindow::newMapping()
{
    if (m_running)
        return;
    maybeSave([this] {
        const QString last = m_settings->lastMappingPath();
        m_document->newMapping(defaultProfileName(),
                               last.isEmpty() ? QString() : QFileInfo(last).absolutePath());
        m_syncPanel->reset();
        hideBanner(BannerTopic::Mapping);
        m_editor->tabs()->setCurrentIndex(MappingEditor::SourceTab);
        resolveProfile();
        updateTitle();
        qCInfo(lcMainWindow) << "new mapping";
    });
}

void MainWindow::closeMapping()
{
    if (m_running)
        return;
    maybeSave([this] {
        m_document->close();
        m_syncPanel->reset();
        hideBanner(BannerTopic::Mapping);
        resolveProfile();
        updateTitle();
    });
}

bool MainWindow::saveMapping()
{
    if (!m_document->isOpen())
        return false;
    m_editor->commitPendingEdits();
    if (m_document->filePath().isEmpty()) {
        saveMappingAs();
        return false; // the file dialog decides
    }
    return saveMappingTo(m_document->filePath());
}

bool MainWindow::saveMappingTo(const QString &path)
{
    m_editor->commitPendingEdits();
    const Result<void> saved = m_document->saveAs(path);
    if (!saved.ok()) {
        showBanner(BannerTopic::Mapping, MessageBanner::Type::Error, saved.error().message);
        return false;
    }
    hideBanner(BannerTopic::Mapping);
    m_settings->setLastMappingPath(m_document->filePath());
    m_settings->addRecentMapping(m_document->filePath());
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(m_document->filePath())),
                             StatusMessageMs);
    updateTitle();
    return true;
}

void MainWindow::saveMappingAs()
{
    saveAsThen({});
}

void MainWindow::saveAsThen(std::function<void()> then)
{
    if (!m_document->isOpen())
        return;
    m_editor->commitPendingEdits();
    const QString current = m_document->filePath();
    const QString folder = m_document->folder();
    auto *dialog = new QFileDialog(this, tr("Save mapping"), folder,
                                   tr("Mapping files (*.d365map.json *.json);;All files (*)"));
    dialog->setObjectName(u"saveMappingFileDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setDefaultSuffix(u"json"_s);
    dialog->selectFile(current.isEmpty() ? fileNameFor(m_document->displayName())
                                         : QFileInfo(current).fileName());
    connect(dialog, &QFileDialog::fileSelected, this, [this, then](const QString &file) {
        if (saveMappingTo(file) && then)
            then();
    });
    dialog->open(); // no nested event loop
}

void MainWindow::saveThen(std::function<void()> then)
{
    if (m_document->filePath().isEmpty()) {
        saveAsThen(std::move(then));
        return;
    }
    if (saveMappingTo(m_document->filePath()) && then)
        then();
}

void MainWindow::maybeSave(std::function<void()> then)
{
    m_editor->commitPendingEdits();
    if (!m_document->isModified()) {
        then();
        return;
    }
    if (m_saveChangesBox && m_saveChangesBox->isVisible()) { // (a closed one waits for its deleteLater)
        m_saveChangesBox->raise();
        m_saveChangesBox->activateWindow();
        return;
    }
    auto *box = new QMessageBox(this);
    box->setObjectName(u"saveChangesMessageBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Warning);
    box->setWindowTitle(tr("Unsaved changes"));
    box->setText(tr("Save the changes to the mapping \"%1\"?").arg(m_document->displayName()));
    box->setInformativeText(tr("If you do not save them, they are lost."));
    QPushButton *save = box->addButton(QMessageBox::Save);
    save->setObjectName(u"saveChangesButton"_s);
    QPushButton *discard = box->addButton(QMessageBox::Discard);
    discard->setObjectName(u"discardChangesButton"_s);
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    cancel->setObjectName(u"cancelSaveChangesButton"_s);
    box->setDefaultButton(save);
    box->setEscapeButton(cancel);
    connect(box, &QMessageBox::buttonClicked, this, [this, save, discard, then](QAbstractButton *button) {
        if (button == save)
            saveThen(then);
        else if (button == discard)
            then();
    });
    m_saveChangesBox = box;
    box->open(); // window-modal, no nested event loop
}

void MainWindow::exportForAutomation()
{
    if (!m_document->isOpen())
        return;
    m_editor->commitPendingEdits();
    if (m_document->filePath().isEmpty() || m_document->isModified())
        saveThen([this] { showExportDialog(); });
    else
        showExportDialog();
}

void MainWindow::showExportDialog()
{
    auto *dialog = new ExportDialog(m_document->mapping(), m_document->filePath(), m_cliSettingsFile,
                                    m_profile, m_document->entity(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::validateMapping()
{
    if (!m_document->isOpen())
        return;
    m_editor->commitPendingEdits();
    if (!m_profile) {
        showBanner(
            BannerTopic::Validate, MessageBanner::Type::Warning,
            tr("Validate checks the mapping against an org: choose a connection profile in the Target tab "
               "(or create one with Connect…)."));
        return;
    }
    if (!m_orgCheck) {
        showBanner(BannerTopic::Validate, MessageBanner::Type::Warning,
                   tr("Validating against the org is not available in this window."));
        return;
    }
    m_orgCheckId = m_orgCheck->check(m_document->mapping(), *m_profile);
    showBanner(BannerTopic::Validate, MessageBanner::Type::Information,
               tr("Validating against %1…").arg(m_profile->orgUrl.host()));
}

void MainWindow::onOrgCheckFinished(const services::OrgCheckResult &result)
{
    if (result.id != m_orgCheckId || !m_document->isOpen())
        return;
    m_document->setOrgProblems(services::EditorProblem::fromMappingProblems(result.problems));
    const QString host = m_profile ? m_profile->orgUrl.host() : QString();
    if (result.ok) {
        showBanner(
            BannerTopic::Validate, MessageBanner::Type::Information,
            tr("Valid: the mapping fits %1 on %2, the warehouse query returns its columns, and a run would "
               "write with %3%4.")
                .arg(result.tableName, host,
                     result.writer == services::WriterKind::Bulk ? tr("bulk messages") : tr("$batch"),
                     result.privilegesChecked ? tr("; the signed-in user holds the privileges it needs")
                                              : QString()));
    } else if (!result.problems.isEmpty()) {
        showBanner(
            BannerTopic::Validate, MessageBanner::Type::Error,
            tr("Validate found problems on %1; they are marked on their rows and listed in the Problems "
               "tab:\n%2")
                .arg(host, services::MappingValidator::lines(result.problems).join(u'\n')));
    } else {
        showBanner(BannerTopic::Validate, MessageBanner::Type::Error,
                   tr("Validate could not check the mapping: %1").arg(result.error));
    }
}

void MainWindow::onDocumentTargetChanged()
{
    resolveProfile();
}

void MainWindow::useAsTarget(const QString &entitySet)
{
    if (!m_document->isOpen()) {
        m_document->newMapping(defaultProfileName());
        resolveProfile();
    }
    m_document->setEntitySet(entitySet);
    m_editor->tabs()->setCurrentIndex(MappingEditor::TargetTab);
}

void MainWindow::addColumnFromSchema(const QString &entitySet, const QString &column)
{
    if (!m_document->isOpen() || entitySet != m_document->mapping().target.entitySet) {
        showBanner(
            BannerTopic::Editor, MessageBanner::Type::Information,
            m_document->isOpen()
                ? tr("%1 is a column of %2, but the mapping writes to %3. Use %2 as the target first (Use "
                     "as target).")
                      .arg(column, entitySet, m_document->mapping().target.entitySet)
                : tr("Create or open a mapping first (File → New), then add columns to it."));
        return;
    }
    m_editor->tabs()->setCurrentIndex(MappingEditor::FieldsTab);
    m_editor->addTargetColumn(column);
}

void MainWindow::fillRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_settings->recentMappings();
    for (qsizetype i = 0; i < recent.size(); ++i) {
        const QString path = recent.at(i);
        QAction *action = m_recentMenu->addAction(
            tr("&%1 %2").arg(i + 1).arg(QDir::toNativeSeparators(path).replace(u'&', u"&&"_s)));
        action->setData(path);
        connect(action, &QAction::triggered, this, [this, path] {
            if (m_running)
                return;
            maybeSave([this, path] {
                if (!QFileInfo::exists(path)) {
                    m_settings->removeRecentMapping(path);
                    showBanner(
                        BannerTopic::Mapping, MessageBanner::Type::Warning,
                        tr("The mapping file %1 no longer exists; it was removed from the recent list.")
                            .arg(QDir::toNativeSeparators(path)));
                    return;
                }
                loadMapping(path);
            });
        });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showSchemaChanges(const services::EntityMetadata &before,
                                   const services::EntityMetadata &after)
{
    if (!m_document->isOpen() ||
        after.entitySetName.compare(m_document->mapping().target.entitySet, Qt::CaseInsensitive) != 0)
        return;
    QStringList columns;
    for (const auto &field : m_document->mapping().fields)
        columns.append(field.target);
    const QStringList changes = services::MetadataService::describeChanges(before, after, columns);
    if (changes.isEmpty())
        return;
    qCInfo(lcMainWindow) << "the table of the mapping changed:" << changes.size() << "mapped column(s)";
    showBanner(BannerTopic::Schema, MessageBanner::Type::Warning,
               tr("The table %1 changed since the mapping was last checked; the next sync may "
                  "fail:\n%2")
                   .arg(after.entitySetName, changes.join(u'\n')));
}

void MainWindow::setProfileOverride(const QString &name)
{
    m_profileOverride = name;
    if (m_document->isOpen())
        resolveProfile();
}

QString MainWindow::wantedProfileName() const
{
    if (!m_profileOverride.isEmpty())
        return m_profileOverride;
    if (m_document->isOpen() && !m_document->mapping().target.profile.isEmpty())
        return m_document->mapping().target.profile;
    // No mapping names one: the signed-in profile, so the schema dock browses its org.
    return m_session ? m_session->profileName() : QString();
}

void MainWindow::resolveProfile()
{
    const std::optional<ConnectionProfile> previous = m_profile;
    m_profile.reset();
    const QString name = wantedProfileName();
    // A warning about the previous profile no longer applies once a profile resolves (e.g. after --profile).
    hideBanner(BannerTopic::Profile);
    if (!name.isEmpty()) {
        m_profile = m_settings->profile(name);
        if (!m_profile) {
            // Whole sentences per case: translators need them, not fragments. The way to fix it is in this
            // window: the connection dialog opens with the missing name filled in.
            const QString text =
                m_profileOverride.isEmpty()
                    ? tr("The connection profile \"%1\" named by this mapping does not exist. Create it "
                         "with Connect… in the connection strip (or File → Connection profiles…): the form "
                         "opens with the name %1 filled in; add the Organization URL and save.")
                    : tr("The connection profile \"%1\" given with --profile does not exist. Create it "
                         "with Connect… in the connection strip (or File → Connection profiles…): the form "
                         "opens with the name %1 filled in; add the Organization URL and save.");
            showBanner(BannerTopic::Profile, MessageBanner::Type::Warning, text.arg(name));
        }
    }
    updateConnectionStrip();
    updateSyncEnabled();
    updateHistoryPath();
    if (!sameProfile(previous, m_profile))
        Q_EMIT profileChanged(m_profile);
}

void MainWindow::updateConnectionStrip()
{
    // A newly resolved profile: pick up its stored sign-in (keychain) in the background.
    if (m_session && m_profile && m_session->profileName() != m_profile->name)
        m_session->restore(*m_profile);
    const QString name = wantedProfileName();
    if (m_profile) {
        m_profileNameLabel->setText(tr("Profile: %1").arg(m_profile->name));
        m_orgUrlLabel->setText(m_profile->orgUrl.toDisplayString());
        m_sandboxBadgeLabel->setVisible(m_profile->isSandbox());
    } else {
        m_profileNameLabel->setText(name.isEmpty() ? tr("No connection profile")
                                                   : tr("Profile: %1 (not found)").arg(name));
        m_orgUrlLabel->clear();
        m_sandboxBadgeLabel->setVisible(false);
    }
}

void MainWindow::updateSyncEnabled()
{
    QString reason;
    if (!m_document->isOpen())
        reason = tr("Create or open a mapping first (File → New mapping, or File → Open mapping…).");
    else if (!m_profile)
        reason = tr("The mapping's connection profile does not exist; see the message at the top.");
    const bool canSync = reason.isEmpty();
    m_syncPanel->setCanSync(canSync, reason);
    for (QAction *action : {m_syncNowAction, m_previewAction, m_fullResyncAction, m_retryFailedAction})
        action->setEnabled(canSync && !m_running);
    m_cancelAction->setEnabled(m_running);
    // The running sync keeps using the mapping it started with; the file stays put until it ends.
    for (QAction *action : {m_newAction, m_openAction, m_closeAction})
        action->setEnabled(!m_running);
    m_recentMenu->setEnabled(!m_running && !m_settings->recentMappings().isEmpty());
    const bool open = m_document->isOpen();
    for (QAction *action : {m_saveAction, m_saveAsAction, m_exportAction})
        action->setEnabled(open);
    m_closeAction->setEnabled(open && !m_running);
}

void MainWindow::updateTitle()
{
    // QApplication::applicationDisplayName ("D365 Sync") is appended by Qt: "<mapping>* — D365 Sync"; the
    // "*" is Qt's [*] placeholder, shown while the mapping has unsaved changes.
    setWindowTitle(m_document->isOpen() ? m_document->displayName() + u"[*]"_s : QString());
    setWindowModified(m_document->isModified());
    updateSyncEnabled();
}

void MainWindow::startSync()
{
    startRun(services::SyncOptions{});
}

void MainWindow::previewSync()
{
    services::SyncOptions options;
    options.dryRun = true;
    startRun(options);
}

void MainWindow::fullResync()
{
    if (m_running || !m_document->isOpen())
        return;
    const QString table = m_document->mapping().target.entitySet;
    confirmRun(
        u"fullResyncMessageBox"_s, tr("Full resync"),
        tr("Send every row of the source to %1 again?").arg(table),
        tr("A full resync ignores, for this one run, what the sync state remembers: every source row is "
           "sent, also those the org already holds, and counts as updated (or upserted), not "
           "unchanged. Nothing is deleted. Use it when records were changed in Dynamics 365 "
           "outside this mapping. It takes as long as the first sync did; later runs send only "
           "changed rows again."),
        tr("Send every row"), [this] {
            services::SyncOptions options;
            options.fullResync = true;
            startRun(options);
        });
}

void MainWindow::retryFailedRows()
{
    if (m_running || !m_document->isOpen())
        return;
    const auto &runs = m_historyView->runsModel()->runs();
    QString last;
    if (!runs.isEmpty())
        last = runs.first().failed > 0 ? tr("The last run (run %1) had %2 failed rows. ")
                                             .arg(runs.first().id)
                                             .arg(runs.first().failed)
                                       : tr("No row failed in the last run (run %1). ").arg(runs.first().id);
    confirmRun(u"retryFailedMessageBox"_s, tr("Retry failed rows"),
               tr("Send only the rows that failed last time?"),
               last + tr("Only those rows are read from the warehouse again and sent; the other rows are not "
                         "part of this run. Fix their values in the warehouse first: History → Export failed "
                         "rows… lists them with the reason."),
               tr("Retry failed rows"), [this] {
                   services::SyncOptions options;
                   options.retryFailed = true;
                   startRun(options);
               });
}

void MainWindow::confirmRun(const QString &objectName, const QString &title, const QString &text,
                            const QString &informative, const QString &confirmText, std::function<void()> run)
{
    if (m_runConfirmBox)
        m_runConfirmBox->close();
    auto *box = new QMessageBox(this);
    box->setObjectName(objectName);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Question);
    box->setWindowTitle(title);
    box->setText(text);
    box->setInformativeText(informative);
    QPushButton *confirm = box->addButton(confirmText, QMessageBox::AcceptRole);
    confirm->setObjectName(u"confirmRunButton"_s);
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(cancel);
    box->setEscapeButton(cancel);
    connect(box, &QMessageBox::buttonClicked, this, [confirm, run = std::move(run)](QAbstractButton *button) {
        if (button == confirm)
            run();
    });
    m_runConfirmBox = box;
    box->open(); // window-modal, no nested event loop
}

void MainWindow::startRun(const services::SyncOptions &runOptions)
{
    if (m_running)
        return;
    if (!m_document->isOpen()) {
        showBanner(
            BannerTopic::Mapping, MessageBanner::Type::Information,
            tr("Create or open a mapping first (File → New mapping, Ctrl+N, or Open mapping…, Ctrl+O)."));
        return;
    }
    m_editor->commitPendingEdits();
    if (!m_profile) {
        resolveProfile(); // the profile may have been created with the CLI since; otherwise this shows why
        if (!m_profile)
            return;
    }

    m_banner->hideMessage();
    m_bannerTopic = BannerTopic::None;
    m_running = true;
    m_runErrorShown = false;
    m_syncPanel->runStarting();
    m_syncDock->raise(); // the run's progress is on the Sync pane
    updateSyncEnabled();
    const services::Mapping mapping = m_document->mapping();
    services::SyncOptions options = runOptions;
    // The history names the run by its mapping file, as d365sync-cli does; an unsaved mapping by its name.
    options.runLabel = m_document->filePath().isEmpty()
                           ? mapping.name
                           : QFileInfo(m_document->filePath()).absoluteFilePath();
    qCInfo(lcMainWindow).noquote() << "starting" << (options.dryRun ? "preview" : "sync") << "of"
                                   << mapping.name << "with profile" << m_profile->name << "full"
                                   << options.fullResync << "retry failed" << options.retryFailed;

    // finished() may already have arrived if the controller fails synchronously; m_running tells.
    if (!m_controller->start(mapping, *m_profile, m_tokenProvider, options) && m_running) {
        SyncSummary summary;
        summary.fatal =
            Error::make(ErrorCategory::Internal,
                        tr("The sync could not be started. If another sync is still running, wait "
                           "for it to finish or cancel it."));
        onSyncFinished(summary);
    }
}

PreviewDialog *MainWindow::previewDialog() const
{
    return m_previewDialog;
}

void MainWindow::showHistory()
{
    m_historyDock->show();
    m_historyDock->raise();
    m_runHistory->refresh();
}

void MainWindow::updateHistoryPath()
{
    // The file the engine uses for this mapping and org (SyncOptions::statePath empty → the default).
    m_runHistory->setStatePath(
        m_document->isOpen() && m_profile
            ? services::StateStore::defaultPath(m_profile->orgUrl.toString(), m_document->mapping())
            : QString());
}

void MainWindow::exportFailedRows(qint64 runId)
{
    if (!m_document->isOpen() || m_runHistory->isExporting())
        return;
    const QString folder = m_document->filePath().isEmpty()
                               ? QDir::homePath()
                               : QFileInfo(m_document->filePath()).absolutePath();
    const QString base = m_document->filePath().isEmpty()
                             ? u"mapping"_s
                             : QFileInfo(m_document->filePath()).completeBaseName();
    auto *dialog = new QFileDialog(this, tr("Export failed rows of run %1").arg(runId),
                                   QDir(folder).filePath(tr("%1-run-%2-failed.csv").arg(base).arg(runId)),
                                   tr("CSV files (*.csv);;All files (*)"));
    dialog->setObjectName(u"exportFailedRowsFileDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(u"csv"_s);
    // The source as it is now: the export re-reads the warehouse for the rows' columns.
    const services::SourceSpec source = m_document->mapping().source;
    connect(dialog, &QFileDialog::fileSelected, this, [this, runId, source](const QString &file) {
        m_runHistory->exportFailedRows(runId, source, file);
        // The warehouse is read again: say so, and keep Export off until it has finished.
        const QString text = tr("Exporting the failed rows of run %1…").arg(runId);
        statusBar()->showMessage(text);
        m_historyView->showExportMessage(text, false);
    });
    dialog->open();
}

void MainWindow::showPreview(const SyncSummary &summary)
{
    if (m_previewDialog)
        m_previewDialog->close();
    const services::RunLedger &ledger = m_controller->ledger();
    auto *dialog = new PreviewDialog(m_document->isOpen() ? m_document->displayName() : QString(), summary,
                                     ledger.keptFailures(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &PreviewDialog::syncRequested, this, &MainWindow::startSync);
    m_previewDialog = dialog;
    dialog->open();
}

void MainWindow::cancelSync()
{
    if (!m_running)
        return;
    qCInfo(lcMainWindow) << "cancel requested";
    m_controller->cancel();
    m_syncPanel->onCancelling();
    m_cancelAction->setEnabled(false);
}

void MainWindow::onSyncError(ErrorCategory category, const QString &message)
{
    m_runErrorShown = true;
    // A run stopped by the sign-in is fixed by signing in again (the message goes once that succeeded).
    showBanner(category == ErrorCategory::Authentication ? BannerTopic::SignIn : BannerTopic::Sync,
               MessageBanner::Type::Error, tr("The sync stopped: %1").arg(message));
}

void MainWindow::onSyncFinished(const SyncSummary &summary)
{
    if (!m_running)
        return;
    m_running = false;
    m_syncPanel->onFinished(summary);
    if (summary.dryRun && !summary.fatal)
        showPreview(summary);
    else if (!summary.dryRun)
        m_runHistory->refresh(); // a preview records nothing
    if (summary.fatal && !m_runErrorShown)
        onSyncError(summary.fatal->category, summary.fatal->message);
    updateSyncEnabled();
    if (m_closeWhenFinished) {
        qCInfo(lcMainWindow) << "the cancelled sync has finished: closing the window";
        close();
    }
}

void MainWindow::showBanner(BannerTopic topic, MessageBanner::Type type, const QString &text)
{
    m_bannerTopic = topic;
    m_banner->showMessage(text, type);
}

void MainWindow::hideBanner(BannerTopic topic)
{
    if (m_bannerTopic != topic)
        return;
    m_banner->hideMessage();
    m_bannerTopic = BannerTopic::None;
}

void MainWindow::openMappingDialog()
{
    if (m_running)
        return;
    maybeSave([this] {
        const QString current =
            m_document->filePath().isEmpty() ? m_settings->lastMappingPath() : m_document->filePath();
        const QString startDir = current.isEmpty() ? QDir::homePath() : QFileInfo(current).absolutePath();
        // open() rather than exec(): no nested event loop while the sync pane keeps updating.
        auto *dialog = new QFileDialog(this, tr("Open mapping"), startDir,
                                       tr("Mapping files (*.d365map.json *.json);;All files (*)"));
        dialog->setObjectName(u"openMappingFileDialog"_s);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFile);
        dialog->setAcceptMode(QFileDialog::AcceptOpen);
        connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &file) { loadMapping(file); });
        dialog->open();
    });
}

void MainWindow::openWarehouseConnectionDialog()
{
    auto *dialog = new WarehouseConnectionDialog(m_settings, this);
    dialog->setObjectName(u"warehouseConnectionDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The Source tab offers the connections as the dialog leaves them.
    connect(dialog, &QDialog::finished, this, &MainWindow::refreshWarehouseConnections);
    dialog->open();
}

void MainWindow::refreshWarehouseConnections()
{
    QList<services::WarehouseConnection> connections;
    for (const QString &name : m_settings->warehouseConnectionNames()) {
        if (const auto connection = m_settings->warehouseConnection(name))
            connections.append(*connection);
    }
    m_editor->sourceEditor()->setWarehouseConnections(connections);
}

void MainWindow::showAbout()
{
    auto *box = new QMessageBox(this);
    box->setObjectName(u"aboutMessageBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(tr("About D365 Sync"));
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setText(tr("<h3>D365 Sync %1</h3>"
                    "<p>Keeps Microsoft Dynamics 365 / Dataverse tables in sync with your data warehouse.</p>"
                    "<p>Mapping files saved here (File → Save, or Export for automation…) run unchanged with "
                    "<code>d365sync-cli run</code>.</p>"
                    "<p>Built with Qt %2.</p>")
                     .arg(applicationVersion(), QString::fromLatin1(qVersion())));
    box->setStandardButtons(QMessageBox::Close);
    box->open();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_running) {
        // Closing would cancel the run: ask first. Once confirmed the window closes when finished() arrives
        // (the rows in flight have been answered and every row has its outcome).
        event->ignore();
        if (!m_closeWhenFinished)
            confirmCloseDuringSync();
        return;
    }
    m_editor->commitPendingEdits();
    if (m_document->isModified() && !m_changesSettled) {
        // Unsaved changes: ask; once saved or discarded the window closes.
        event->ignore();
        maybeSave([this] {
            m_changesSettled = true;
            close();
        });
        return;
    }
    m_settings->setMainWindowGeometry(saveGeometry());
    m_settings->setMainWindowState(saveState());
    m_settings->setSchemaBrowserState(m_schemaBrowser->saveState());
    m_settings->sync();
    QMainWindow::closeEvent(event);
}

void MainWindow::confirmCloseDuringSync()
{
    if (m_closeConfirmBox) {
        m_closeConfirmBox->raise();
        m_closeConfirmBox->activateWindow();
        return;
    }
    auto *box = new QMessageBox(this);
    box->setObjectName(u"closeDuringSyncMessageBox"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Warning);
    box->setWindowTitle(tr("Sync in progress"));
    box->setText(tr("A sync is running. Cancel it and close D365 Sync?"));
    box->setInformativeText(tr("Rows already written stay written; the rows not yet sent are skipped and "
                               "the next sync writes them."));
    QPushButton *cancelAndClose = box->addButton(tr("Cancel sync and close"), QMessageBox::DestructiveRole);
    cancelAndClose->setObjectName(u"cancelSyncAndCloseButton"_s);
    QPushButton *keepSyncing = box->addButton(tr("Keep syncing"), QMessageBox::RejectRole);
    keepSyncing->setObjectName(u"keepSyncingButton"_s);
    box->setDefaultButton(keepSyncing);
    box->setEscapeButton(keepSyncing);
    connect(box, &QMessageBox::buttonClicked, this, [this, cancelAndClose](QAbstractButton *button) {
        if (button != cancelAndClose)
            return;
        m_closeWhenFinished = true;
        if (!m_running) {
            close(); // the run ended while the question was open
            return;
        }
        qCInfo(lcMainWindow) << "window closed during a sync: cancelling, closing once it has finished";
        cancelSync();
    });
    m_closeConfirmBox = box;
    box->open(); // window-modal, no nested event loop: the sync pane keeps updating behind it
}

void MainWindow::fitToScreen()
{
    // The first-start size fits the screen the window opens on (1,260 × 780 is taller than a 1,366 × 768
    // laptop screen): at most MaxScreenShare of its free area, centred on it.
    const QScreen *target = screen();
    if (!target)
        return;
    const QRect available = target->availableGeometry();
    const QSize fitted = size().boundedTo(
        QSize(int(available.width() * MaxScreenShare), int(available.height() * MaxScreenShare)));
    resize(fitted.expandedTo(minimumSizeHint()).boundedTo(available.size()));
    move(available.center() - rect().center());
}

void MainWindow::widenSqueezedSchemaDock()
{
    // A window state saved before the schema dock had a readable first-start width keeps it at about 200 px,
    // where table names are cut. Widen it, but never beyond a third of the window.
    if (m_schemaDock->isHidden() || m_schemaDock->isFloating())
        return;
    const int wanted = std::min(ReadableSchemaDockWidth, width() / 3);
    if (m_schemaDock->width() < wanted) {
        qCInfo(lcMainWindow) << "schema dock restored at" << m_schemaDock->width() << "px; widening to"
                             << wanted;
        resizeDocks({m_schemaDock}, {wanted}, Qt::Horizontal);
    }
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_shownOnce || event->spontaneous())
        return;
    m_shownOnce = true;
    // Dock widths are known once the window is laid out, which happens when it is shown.
    widenSqueezedSchemaDock();
}

} // namespace d365::ui
