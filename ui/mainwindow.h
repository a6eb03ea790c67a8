#pragma once

// The main window. It only presents: main.cpp hands it the SyncController, the Settings facade and the token
// provider, and the window shows the mapping being edited, its connection profile and the last run.
//
//   File → New / Open / Open Recent → MappingDocument (new or MappingFile::load) → the mapping editor
//     → profile: the mapping's (or --profile, or the signed-in one when no mapping names one) looked up in
//       Settings → the metadata loader reads that org's tables for the schema dock and the editor
//   File → Save / Save As / Export for automation… → MappingDocument::saveAs (refused while the file would
//     not load back) → Export shows the d365sync-cli command (ExportDialog)
//   Mapping → Validate → MappingOrgCheck (the preflight of d365sync-cli validate, on its own thread)
//     → its problems inline on the rows, a summary in the banner
//   Sync now → controller->start(the edited mapping, profile, tokenProvider)
//            → started / progress / rowOutcomes / error / finished update the Sync pane (bottom dock)
//   Preview  → the same run with SyncOptions::dryRun → finished → PreviewDialog (nothing was written)
//   Full resync… / Retry failed rows… → a confirmation that says what the run does → the same run with
//            SyncOptions::fullResync / retryFailed
//   History pane (tabbed with the Sync pane) → RunHistory reads the mapping's state file
//            (StateStore::defaultPath of the profile's org and the mapping) off the GUI thread: on load,
//            when the mapping's identity or profile changes, and after every run
//            → Export failed rows… → a file dialog → RunHistory::exportFailedRows on the thread pool →
//            the count and the path in the status bar (a problem in the banner)
//
// A modified mapping shows "*" in the title (Qt's [*]); New, Open, Open Recent, Close and quitting ask
// whether to save it first (a window-modal box, no nested event loop).
//
// Layout: connection strip and message banner on top, the mapping editor in the centre, the Sync pane
// docked at the bottom; the schema browser docked on the left, full height.
// Recoverable problems (mapping problems, missing profile, a failed run) go to the banner, never to a modal
// box; the banner remembers what it is about, so a problem that goes away (the profile is created, the
// sign-in is renewed) takes its message with it. The only modal box asks before a close would cancel a
// running sync: confirmed, the run is cancelled and the window closes once finished() has arrived.
//
// Sizes: the window starts at most 90 % of the screen it opens on, long texts in the connection strip and
// the mapping panel are cut with "…" (whole in their tooltips) instead of widening the window, and the schema
// dock is never restored narrower than its names need.

#include "services/auth/connectionsession.h"
#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"
#include "ui/messagebanner.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QMessageBox;
class QPushButton;

namespace d365::services {
class RunHistory;
struct SyncOptions;
class MappingOrgCheck;
class MetadataLoader;
struct OrgCheckResult;
class Settings;
class SyncController;
class TokenProvider;
struct SyncSummary;
} // namespace d365::services

namespace d365::ui {

class HistoryView;
class MappingDocument;
class MappingEditor;
class PreviewDialog;
class SchemaBrowser;
class SyncPanel;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    MainWindow(services::SyncController *controller, services::Settings *settings,
               services::TokenProvider *tokenProvider, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads a mapping file (discarding unsaved changes: the menu asks before it calls this); on problems
    // shows them in the banner, keeps the previous mapping and returns false.
    bool loadMapping(const QString &path);
    // Saves to the mapping's file (Save As… when it has none); false when it was not saved (yet).
    bool saveMapping();
    // Writes to this file and makes it the mapping's file; problems go to the banner.
    bool saveMappingTo(const QString &path);
    // Use this connection profile instead of the one the mapping names (d365sync --profile).
    void setProfileOverride(const QString &name);
    // Sign-in state shown in the connection strip ("Connected to <host> as <user>", Connect…, Disconnect).
    // The session is also the token provider main.cpp gives the window.
    void setConnectionSession(services::ConnectionSession *session);
    // The schema browser's metadata, read on the loader's thread: the browser asks and shows, the loader
    // fetches (for the profile of the loaded mapping), and the mapping's table is checked on every load so
    // a changed column it uses warns in the banner (showSchemaChanges).
    void setMetadataLoader(services::MetadataLoader *loader);
    // The Validate action's preflight against the org (main.cpp owns it; without it Validate says so).
    void setMappingOrgCheck(services::MappingOrgCheck *check);
    // The settings file this process uses when it is not the default one (--settings, D365SYNC_SETTINGS):
    // the exported command names it so the CLI finds the same profiles.
    void setCliSettingsFile(const QString &file) { m_cliSettingsFile = file; }

    // The mapping being edited, if one is open.
    std::optional<services::Mapping> mapping() const;
    MappingDocument *document() const { return m_document; }
    MappingEditor *mappingEditor() const { return m_editor; }
    const std::optional<services::ConnectionProfile> &profile() const { return m_profile; }
    MessageBanner *messageBanner() const { return m_banner; }
    SyncPanel *syncPanel() const { return m_syncPanel; }
    SchemaBrowser *schemaBrowser() const { return m_schemaBrowser; }
    HistoryView *historyView() const { return m_historyView; }
    services::RunHistory *runHistory() const { return m_runHistory; }
    // The Preview of the last dry run, while it is open.
    PreviewDialog *previewDialog() const;

Q_SIGNALS:
    // The profile the loaded mapping resolves to changed (main.cpp points the schema browser's loader at it).
    void profileChanged(const std::optional<d365::services::ConnectionProfile> &profile);

public Q_SLOTS:
    // A metadata refresh found the table differs from the cached copy: warns in the banner about the columns
    // the loaded mapping uses (other tables and unmapped columns are not the mapping's concern).
    void showSchemaChanges(const d365::services::EntityMetadata &before,
                           const d365::services::EntityMetadata &after);
    void startSync();
    // A dry run: what a sync would do, nothing written; the result opens in a PreviewDialog.
    void previewSync();
    // Ask first, then send every row once whatever the sync state says.
    void fullResync();
    // Ask first, then send only the rows that failed last time.
    void retryFailedRows();
    void showHistory();
    void cancelSync();
    void newMapping();
    void openMappingDialog();
    void saveMappingAs();
    void exportForAutomation();
    void closeMapping();
    void validateMapping();
    void openConnectionDialog();

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    // What the banner shows, so that the code that fixes a problem can hide exactly that message.
    enum class BannerTopic { None, Mapping, Profile, SignIn, Sync, Schema, Editor, Validate, History };

    void showBanner(BannerTopic topic, MessageBanner::Type type, const QString &text);
    void hideBanner(BannerTopic topic);
    void confirmCloseDuringSync();
    // Runs then() once the mapping's changes are saved or discarded; asks first when there are any.
    void maybeSave(std::function<void()> then);
    void saveThen(std::function<void()> then);
    void saveAsThen(std::function<void()> then);
    void showExportDialog();
    void onOrgCheckFinished(const services::OrgCheckResult &result);
    void onDocumentTargetChanged();
    void useAsTarget(const QString &entitySet);
    void addColumnFromSchema(const QString &entitySet, const QString &column);
    void fillRecentMenu();
    QString defaultProfileName() const;
    void fitToScreen();
    void widenSqueezedSchemaDock();
    void createActions();
    QWidget *createConnectionStrip();
    QString wantedProfileName() const;
    void resolveProfile();
    void updateConnectionStrip();
    void updateSyncEnabled();
    void updateTitle();
    void onSyncError(ErrorCategory category, const QString &message);
    void onSessionStateChanged();
    void onSyncFinished(const services::SyncSummary &summary);
    void startRun(const services::SyncOptions &options);
    // Asks with a window-modal box; `run` is called once the user confirmed.
    void confirmRun(const QString &objectName, const QString &title, const QString &text,
                    const QString &informative, const QString &confirmText, std::function<void()> run);
    void updateHistoryPath();
    void exportFailedRows(qint64 runId);
    void showPreview(const services::SyncSummary &summary);
    void showAbout();
    void openWarehouseConnectionDialog();
    void refreshWarehouseConnections();

    services::SyncController *m_controller;
    services::Settings *m_settings;
    services::TokenProvider *m_tokenProvider;

    MappingDocument *m_document = nullptr;
    QString m_profileOverride;
    QString m_cliSettingsFile;
    std::optional<services::ConnectionProfile> m_profile;
    bool m_running = false;
    bool m_runErrorShown = false;
    bool m_closeWhenFinished = false; // the user confirmed closing during a run: close after finished()
    bool m_changesSettled = false;    // saved or discarded after the question: close without asking again
    bool m_shownOnce = false;
    BannerTopic m_bannerTopic = BannerTopic::None;

    MessageBanner *m_banner = nullptr;
    MappingEditor *m_editor = nullptr;
    services::MetadataLoader *m_loader = nullptr;
    services::MappingOrgCheck *m_orgCheck = nullptr;
    int m_orgCheckId = 0;
    SyncPanel *m_syncPanel = nullptr;
    QDockWidget *m_syncDock = nullptr;
    SchemaBrowser *m_schemaBrowser = nullptr;
    QDockWidget *m_schemaDock = nullptr;
    QLabel *m_profileNameLabel = nullptr;
    QLabel *m_orgUrlLabel = nullptr;
    QLabel *m_sandboxBadgeLabel = nullptr;
    services::ConnectionSession *m_session = nullptr;
    services::ConnectionSession::State m_sessionState = services::ConnectionSession::State::NotConnected;
    bool m_reloadSchemaWhenConnected = false; // the org could not be read since the last sign-in
    QLabel *m_connectionStatusLabel = nullptr;
    QPushButton *m_connectButton = nullptr;
    QPushButton *m_disconnectButton = nullptr;
    QAction *m_newAction = nullptr;
    QAction *m_openAction = nullptr;
    QMenu *m_recentMenu = nullptr;
    QAction *m_saveAction = nullptr;
    QAction *m_saveAsAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_closeAction = nullptr;
    QAction *m_syncNowAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QAction *m_previewAction = nullptr;
    QAction *m_fullResyncAction = nullptr;
    QAction *m_retryFailedAction = nullptr;
    services::RunHistory *m_runHistory = nullptr;
    HistoryView *m_historyView = nullptr;
    QDockWidget *m_historyDock = nullptr;
    bool m_historyShownOnce = false;
    QPointer<PreviewDialog> m_previewDialog;
    QPointer<QMessageBox> m_runConfirmBox;
    QAction *m_connectionProfilesAction = nullptr;
    QPointer<QMessageBox> m_closeConfirmBox;
    QPointer<QMessageBox> m_saveChangesBox;
};

} // namespace d365::ui
