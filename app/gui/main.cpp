// d365sync: the desktop application. All the work is in the libraries; this file parses the command line,
// builds the services (settings, token provider, sync controller), hands them to the main window and runs.
//
//   d365sync [--mapping FILE] [--profile NAME] [--sync-on-start] [--settings FILE] [--verbose] [FILE]
//
// A mapping file may also come as the one positional argument: that is how the desktop entry's "Exec=d365sync
// %f" (and Windows' file association) hands over a double-clicked *.d365map.json.

#include "services/auth/connectionsession.h"
#include "services/auth/warehousecredentials.h"
#include "services/common/heap.h"
#include "services/dataverse/metadataloader.h"
#include "services/editor/mappingorgcheck.h"
#include "services/settings/settings.h"
#include "services/sync/synccontroller.h"
#include "ui/mainwindow.h"
#include "ui/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QLoggingCategory>
#include <QTimer>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcGuiMain, "d365.app.gui")

int main(int argc, char **argv)
{
    d365::tuneHeapForSync();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"D365Sync"_s);
    QApplication::setApplicationName(u"d365sync"_s);
    QApplication::setApplicationDisplayName(QCoreApplication::translate("main", "D365 Sync"));
    QApplication::setApplicationVersion(d365::ui::applicationVersion());
    QApplication::setWindowIcon(QIcon(u":/d365/icons/d365sync.svg"_s));
    // The installed desktop entry (installer/linux/): lets Wayland and the taskbar match the window to it.
    QGuiApplication::setDesktopFileName(u"example.d365sync.D365Sync"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Keeps Dynamics 365 / Dataverse tables in sync with a data warehouse."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption mappingOption(
        u"mapping"_s,
        QCoreApplication::translate("main", "Open this mapping file (default: the last one used)."),
        QCoreApplication::translate("main", "file"));
    const QCommandLineOption profileOption(
        u"profile"_s,
        QCoreApplication::translate("main",
                                    "Use this connection profile instead of the one the mapping names."),
        QCoreApplication::translate("main", "name"));
    const QCommandLineOption syncOnStartOption(
        u"sync-on-start"_s,
        QCoreApplication::translate("main", "Press Sync now as soon as the window is shown."));
    const QCommandLineOption settingsOption(
        u"settings"_s,
        QCoreApplication::translate("main",
                                    "Keep settings in this INI file (default: the user's settings; also "
                                    "D365SYNC_SETTINGS)."),
        QCoreApplication::translate("main", "file"));
    const QCommandLineOption verboseOption(u"verbose"_s,
                                           QCoreApplication::translate("main", "Debug logging on stderr."));
    parser.addOptions({mappingOption, profileOption, syncOnStartOption, settingsOption, verboseOption});
    parser.addPositionalArgument(
        u"file"_s, QCoreApplication::translate("main", "A mapping file to open (same as --mapping)."),
        u"[file]"_s);
    parser.process(app);
    // Debug output of our categories only with --verbose (QT_LOGGING_RULES still overrides this).
    QLoggingCategory::setFilterRules(parser.isSet(verboseOption) ? u"d365.*.debug=true"_s
                                                                 : u"d365.*.debug=false"_s);
    const QStringList positionals = parser.positionalArguments();
    if (positionals.size() > 1 || (positionals.size() == 1 && parser.isSet(mappingOption))) {
        const QString message =
            QCoreApplication::translate("main",
                                        "d365sync: unexpected argument \"%1\". Give one mapping file, either "
                                        "as FILE or with --mapping FILE; see d365sync --help.")
                .arg(positionals.constLast());
        std::fprintf(stderr, "%s\n", qPrintable(message));
        return 2;
    }

    // Construction order matters for destruction: the window goes first, then the controller (its destructor
    // cancels a running sync and waits for the worker thread), then the token provider the worker used.
    const QString settingsFile = parser.isSet(settingsOption) ? parser.value(settingsOption)
                                                              : qEnvironmentVariable("D365SYNC_SETTINGS");
    std::unique_ptr<d365::services::Settings> settingsStore =
        settingsFile.isEmpty() ? std::make_unique<d365::services::Settings>()
                               : std::make_unique<d365::services::Settings>(settingsFile);
    d365::services::Settings &settings = *settingsStore;
    // Sources that name a warehouse connection find it in these settings, and its password in the keychain.
    d365::services::WarehouseCredentials::install(settings.fileName());
    // The connection session is the token provider: the stored sign-in of the profile (keychain), a client
    // secret, D365SYNC_ACCESS_TOKEN or, for sandbox profiles, the development token.
    d365::services::ConnectionSession session;
    d365::services::SyncController controller;
    // Reads the schema browser's metadata on its own thread, through the session, with the per-org disk
    // cache.
    d365::services::MetadataLoader metadataLoader(&session);
    // The editor's Validate: the CLI's preflight on its own thread, through the same session.
    d365::services::MappingOrgCheck mappingCheck(&session);
    d365::ui::MainWindow window(&controller, &settings, &session);
    window.setConnectionSession(&session);
    window.setMetadataLoader(&metadataLoader);
    window.setMappingOrgCheck(&mappingCheck);
    // The exported d365sync-cli command must find the same profiles.
    if (!settingsFile.isEmpty())
        window.setCliSettingsFile(QFileInfo(settingsFile).absoluteFilePath());

    if (parser.isSet(profileOption))
        window.setProfileOverride(parser.value(profileOption));

    QString mappingPath = positionals.isEmpty() ? parser.value(mappingOption) : positionals.constFirst();
    if (mappingPath.isEmpty()) {
        // Reopen the last mapping, unless it has gone since: a stale path is not worth an error banner.
        const QString last = settings.lastMappingPath();
        if (!last.isEmpty() && QFileInfo::exists(last))
            mappingPath = last;
    }
    if (!mappingPath.isEmpty())
        window.loadMapping(mappingPath); // problems are shown in the window's banner

    window.show();
    if (parser.isSet(syncOnStartOption)) {
        qCInfo(lcGuiMain) << "--sync-on-start: starting the sync once the window is shown";
        // Queued: the first paint happens before the run starts.
        QTimer::singleShot(0, &window, &d365::ui::MainWindow::startSync);
    }
    return app.exec();
}
