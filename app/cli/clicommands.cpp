#include "clicommands.h"

#include "authcommands.h"
#include "clioutput.h"
#include "commandline.h"
#include "runtocompletion.h"
#include "services/auth/tokenprovider.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/common/outputfile.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/metadataclient.h"
#include "services/mapping/mappingfile.h"
#include "services/mapping/mappingvalidator.h"
#include "services/settings/settings.h"
#include "services/sync/lookupresolver.h"
#include "services/sync/synccontroller.h"
#include "services/sync/syncworker.h"
#include "services/warehouse/warehousesource.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QTextStream>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace d365::cli {

namespace {

std::atomic_int s_signal{0};

extern "C" void onSignal(int signal)
{
    s_signal.store(signal);
}

const char *const Usage = R"(Usage: d365sync-cli [--settings FILE] [--verbose] <command> [options]

Commands (each prints its own help: d365sync-cli <command> --help, d365sync-cli profile add --help):
  run <mapping.json> [--profile NAME] [--concurrency N] [--batch-size N] [--report FILE]
        Sync the warehouse rows of a mapping file into Dataverse.
  validate <mapping.json> [--profile NAME]
        Check a mapping file and check it against the target table's metadata.
  profile add <name> --url URL [--sandbox] [--api-version v9.2] [--tenant T] [--client-id ID]
              [--authority-host URL]
  profile list
  profile show <name>
  profile remove <name>
  auth login|status|logout|set-secret --profile NAME
        Browser sign-in (prints the URL), who is signed in, forget the sign-in, store an application
        user's client secret read from stdin.

Global options:
  --settings FILE   keep settings in this INI file (default: the user's settings; env D365SYNC_SETTINGS)
  --verbose         debug logging on stderr (same as QT_LOGGING_RULES="d365.*.debug=true")
  -h, --help        this help;  --version  the version

Sign-in for run/validate, first found: D365SYNC_CLIENT_SECRET or the keychain's client secret (application
user), the keychain's browser sign-in (auth login), D365SYNC_ACCESS_TOKEN; sandbox profiles fall back to the
sandbox's development token.

Exit codes:
  0  every row was written            1  the run completed but some rows failed or were skipped
  2  configuration error              3  sign-in error
  4  service or network error         130  interrupted
)";

struct GlobalOptions
{
    QString settingsFile;
    bool verbose = false;
    QStringList rest; // command and its arguments
};

GlobalOptions splitGlobalOptions(const QStringList &arguments)
{
    GlobalOptions options;
    options.settingsFile = qEnvironmentVariable("D365SYNC_SETTINGS");
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (options.rest.isEmpty() && argument == "--settings"_L1 && i + 1 < arguments.size()) {
            options.settingsFile = arguments.at(++i);
        } else if (options.rest.isEmpty() && argument.startsWith("--settings="_L1)) {
            options.settingsFile = argument.mid(11);
        } else if (argument == "--verbose"_L1 || argument == "-v"_L1) {
            options.verbose = true;
        } else {
            options.rest.append(argument);
        }
    }
    return options;
}

std::unique_ptr<Settings> openSettings(const GlobalOptions &options)
{
    return options.settingsFile.isEmpty() ? std::make_unique<Settings>()
                                          : std::make_unique<Settings>(options.settingsFile);
}

int exitCodeFor(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Authentication:
        return SignInError;
    case ErrorCategory::Configuration:
    case ErrorCategory::Privilege:
    case ErrorCategory::Source:
    case ErrorCategory::NotFound:
    case ErrorCategory::Validation:
        return ConfigurationError;
    case ErrorCategory::Cancelled:
        return Cancelled;
    default:
        return ServiceError;
    }
}

struct LoadedRun
{
    Mapping mapping;
    ConnectionProfile profile;
};

// Loads the mapping file and its profile; prints every problem.
std::optional<LoadedRun> loadRun(const QString &mappingPath, const QString &profileOverride,
                                 Settings &settings)
{
    const MappingLoadResult loaded = MappingFile::load(mappingPath);
    if (!loaded.ok()) {
        err() << tr("The mapping file %1 has problems:").arg(mappingPath) << "\n";
        for (const auto &problem : loaded.problems) {
            err() << "  " << problem.path << ": " << problem.message << "\n";
        }
        return std::nullopt;
    }
    LoadedRun run{*loaded.mapping, {}};
    const QString profileName = profileOverride.isEmpty() ? run.mapping.target.profile : profileOverride;
    const auto profile = settings.profile(profileName);
    if (!profile) {
        err() << tr("No connection profile named '%1'. Create it with:\n  d365sync-cli profile add %1 --url "
                    "https://<environment>.crm.dynamics.com\nKnown profiles: %2")
                     .arg(profileName, settings.profileNames().isEmpty()
                                           ? tr("(none)")
                                           : settings.profileNames().join(", "_L1))
              << "\n";
        return std::nullopt;
    }
    run.profile = *profile;
    return run;
}

QString formatCount(qint64 value)
{
    static const QLocale locale = [] {
        QLocale c = QLocale::c();
        c.setNumberOptions(QLocale::DefaultNumberOptions); // C omits group separators; "10,000" reads better
        return c;
    }();
    return locale.toString(value);
}

// ---------------------------------------------------------------------------------------------------------
// run

class RunCommand : public QObject
{
public:
    RunCommand(const LoadedRun &run, const SyncOptions &options, const QString &reportPath)
        : m_run(run)
        , m_options(options)
        , m_reportPath(reportPath)
        , m_interactive(Console::instance().isInteractive())
    {
        connect(&m_controller, &SyncController::started, this, [this](qint64 total) {
            err() << tr("Syncing %1 rows from %2 into %3 (%4)…")
                         .arg(formatCount(total), m_run.mapping.source.path, m_run.mapping.target.entitySet,
                              m_run.profile.orgUrl.toString())
                  << "\n";
            err().flush();
        });
        connect(&m_controller, &SyncController::progress, this, &RunCommand::onProgress);
        connect(&m_controller, &SyncController::rowOutcomes, this, [this](const QList<RowOutcome> &outcomes) {
            for (const auto &outcome : outcomes) {
                if (outcome.status == RowStatus::Failed) {
                    m_failed.append(outcome);
                }
            }
        });
        connect(&m_controller, &SyncController::error, this,
                [this](ErrorCategory category, const QString &message) {
                    m_fatalCategory = category;
                    err() << tr("Error: %1").arg(message) << "\n";
                    err().flush();
                });
        connect(&m_controller, &SyncController::finished, this, &RunCommand::onFinished);
        // Signals are polled rather than handled in the handler: only an atomic store happens there.
        connect(&m_signalPoll, &QTimer::timeout, this, [this] {
            if (s_signal.load() != 0 && !m_cancelRequested) {
                m_cancelRequested = true;
                err() << tr("Interrupted: finishing the requests in flight, sending nothing more…") << "\n";
                m_controller.cancel();
            }
        });
    }

    void start(const Finish &finish)
    {
        m_finish = finish;
        m_signalPoll.start(100);
        m_clock.start();
        TokenProviderFactory::create(m_run.profile, this, [this](Result<TokenSource> source) {
            if (!source) {
                err() << tr("Error: %1").arg(source.error().message) << "\n";
                err().flush();
                m_exitCode = exitCodeFor(source.error().category);
                m_finish(m_exitCode);
                return;
            }
            m_tokenProvider = source->provider;
            m_controller.start(m_run.mapping, m_run.profile, m_tokenProvider.get(), m_options);
        });
    }

    int exitCode() const { return m_exitCode; }

private:
    void onProgress(qint64 done, qint64 total, const QString &stage)
    {
        if (total <= 0) {
            return;
        }
        const qint64 elapsed = std::max<qint64>(1, m_clock.elapsed());
        if (!m_interactive && elapsed - m_lastPrintMs < 2000 && done < total) {
            return; // a log file gets a line every two seconds, a terminal a live line
        }
        m_lastPrintMs = elapsed;
        const QString line = tr("%1: %2 / %3 rows (%4%), %5 failed, %6 rows/s")
                                 .arg(stage, formatCount(done), formatCount(total))
                                 .arg(done * 100 / total)
                                 .arg(formatCount(m_failed.size()))
                                 .arg(QString::number(done * 1000.0 / elapsed, 'f', 0));
        if (m_interactive) {
            Console::instance().setProgressLine(line);
        } else {
            err() << line << "\n";
            err().flush();
        }
    }

    void onFinished(const SyncSummary &summary)
    {
        Console::instance().endProgressLine();
        const int shown = std::min<int>(20, int(m_failed.size()));
        for (int i = 0; i < shown; ++i) {
            const RowOutcome &row = m_failed.at(i);
            err() << tr("  row %1 (key %2): %3 %4")
                         .arg(row.sourceRow + 1)
                         .arg(row.key, row.errorCode, row.message)
                  << "\n";
        }
        if (m_failed.size() > shown) {
            err() << tr("  … and %1 more failed rows (see --report).").arg(m_failed.size() - shown) << "\n";
        }
        out() << tr("%1 %2 of %3 rows into %4 (profile %5) in %6 s: %7 created, %8 updated, %9 failed, %10 "
                    "skipped; "
                    "%11 write requests; %12 rows/s.")
                     .arg(summary.cancelled ? tr("Cancelled after syncing") : tr("Synced"))
                     .arg(formatCount(summary.created + summary.updated + summary.unchanged),
                          formatCount(summary.total), m_run.mapping.target.entitySet, m_run.profile.name)
                     .arg(QString::number(summary.elapsedMs / 1000.0, 'f', 1), formatCount(summary.created),
                          formatCount(summary.updated), formatCount(summary.failed),
                          formatCount(summary.skipped), formatCount(summary.requests),
                          QString::number(summary.rowsPerSecond(), 'f', 0))
              << "\n";
        out().flush();

        if (summary.cancelled || s_signal.load() != 0) {
            m_exitCode = Cancelled;
        } else if (summary.fatal) {
            m_exitCode = exitCodeFor(summary.fatal->category);
        } else if (summary.failed > 0 || summary.skipped > 0) {
            m_exitCode = RowsFailed;
        } else {
            m_exitCode = Success;
        }
        if (!m_reportPath.isEmpty() && !writeReport(summary)) {
            err() << tr("Could not write the report to %1.").arg(m_reportPath) << "\n";
        }
        m_finish(m_exitCode);
    }

    bool writeReport(const SyncSummary &summary) const
    {
        QJsonObject report{
            {u"mapping"_s, m_run.mapping.name},
            {u"profile"_s, m_run.profile.name},
            {u"entitySet"_s, m_run.mapping.target.entitySet},
            {u"total"_s, summary.total},
            {u"created"_s, summary.created},
            {u"updated"_s, summary.updated},
            {u"unchanged"_s, summary.unchanged},
            {u"failed"_s, summary.failed},
            {u"skipped"_s, summary.skipped},
            {u"requests"_s, summary.requests},
            {u"elapsedMs"_s, summary.elapsedMs},
            {u"cancelled"_s, summary.cancelled},
            {u"exitCode"_s, m_exitCode},
        };
        if (summary.fatal) {
            report.insert(u"error"_s, QJsonObject{{u"category"_s, errorCategoryName(summary.fatal->category)},
                                                  {u"message"_s, summary.fatal->message}});
        }
        QJsonArray failed;
        for (const auto &row : m_failed) {
            failed.append(QJsonObject{{u"row"_s, row.sourceRow + 1},
                                      {u"key"_s, row.key},
                                      {u"httpStatus"_s, row.httpStatus},
                                      {u"code"_s, row.errorCode},
                                      {u"message"_s, row.message}});
        }
        report.insert(u"failedRows"_s, failed);
        QSaveFile file(m_reportPath);
        if (!file.open(QIODevice::WriteOnly)) {
            return false;
        }
        file.write(QJsonDocument(report).toJson());
        return file.commit();
    }

    LoadedRun m_run;
    SyncOptions m_options;
    QString m_reportPath;
    bool m_interactive = false;
    SyncController m_controller;
    Finish m_finish;
    std::shared_ptr<TokenProvider> m_tokenProvider;
    QList<RowOutcome> m_failed;
    std::optional<ErrorCategory> m_fatalCategory;
    QTimer m_signalPoll;
    QElapsedTimer m_clock;
    qint64 m_lastPrintMs = -10000;
    bool m_cancelRequested = false;
    int m_exitCode = ServiceError;
};

int commandRun(const QStringList &arguments, Settings &settings)
{
    QCommandLineParser parser;
    const QCommandLineOption profileOption(u"profile"_s, tr("Connection profile (overrides the mapping's)."),
                                           u"name"_s);
    const QCommandLineOption concurrencyOption(u"concurrency"_s, tr("Requests in flight (1-64, default 8)."),
                                               u"n"_s, u"8"_s);
    const QCommandLineOption reportOption(u"report"_s, tr("Write a JSON report of the run to FILE."),
                                          u"file"_s);
    const QCommandLineOption batchSizeOption(
        u"batch-size"_s, tr("Rows per $batch request (1-1000, default 100; 1 sends one request per row)."),
        u"n"_s, u"100"_s);
    const CommandHelp help{
        u"run <mapping.json> [--profile NAME] [--concurrency N] [--batch-size N] [--report FILE]"_s,
        tr("Sync the warehouse rows of a mapping file into Dataverse: the source query is read, every row\n"
           "converted by the table's metadata and written by its match key (upsert, insert or update, as "
           "the\n"
           "mapping says). Progress goes to stderr, the summary to stdout; the exit code says how it ended\n"
           "(0 all rows written, 1 some failed, 2 configuration, 3 sign-in, 4 service or network, 130\n"
           "interrupted)."),
        {profileOption, concurrencyOption, batchSizeOption, reportOption}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    bool ok = false;
    const int concurrency = parser.value(concurrencyOption).toInt(&ok);
    if (!ok || concurrency < 1 || concurrency > 64) {
        err() << tr("--concurrency must be a whole number from 1 to 64, not '%1'.")
                     .arg(parser.value(concurrencyOption))
              << "\n";
        return ConfigurationError;
    }
    // FACTS §6: a $batch holds at most 1,000 requests.
    const int batchSize = parser.value(batchSizeOption).toInt(&ok);
    if (!ok || batchSize < 1 || batchSize > 1000) {
        err() << tr("--batch-size must be a whole number from 1 to 1000 (the service's limit per $batch), "
                    "not '%1'.")
                     .arg(parser.value(batchSizeOption))
              << "\n";
        return ConfigurationError;
    }
    // Checked before anything is synced: a report that cannot be written must not turn up missing after the
    // run (with exit code 0).
    const QString reportPath = parser.value(reportOption);
    if (parser.isSet(reportOption)) {
        if (const QString why = whyNotWritable(reportPath); !why.isEmpty()) {
            err()
                << tr("Error: --report %1 cannot be written: %2. Choose a file in a folder you may write to; "
                      "nothing was synced.")
                       .arg(reportPath, why)
                << "\n";
            return ConfigurationError;
        }
    }
    const auto run = loadRun(parser.positionalArguments().at(1), parser.value(profileOption), settings);
    if (!run) {
        return ConfigurationError;
    }
    SyncOptions options;
    options.maxConcurrentRequests = concurrency;
    options.batchSize = batchSize;

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    RunCommand command(*run, options, reportPath);
    return runToCompletion([&command](const Finish &finish) { command.start(finish); });
}

// ---------------------------------------------------------------------------------------------------------
// validate

int commandValidate(const QStringList &arguments, Settings &settings)
{
    QCommandLineParser parser;
    const QCommandLineOption profileOption(u"profile"_s, tr("Connection profile (overrides the mapping's)."),
                                           u"name"_s);
    const CommandHelp help{
        u"validate <mapping.json> [--profile NAME]"_s,
        tr("Check a mapping file, then check it against the target table in the org (columns,\n"
           "types, lookups, match key) without writing anything. Exit 0 when it fits, 2 with\n"
           "every problem (its JSON path and the fix) when it does not."),
        {profileOption}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    const QString mappingPath = parser.positionalArguments().at(1);
    const auto run = loadRun(mappingPath, parser.value(profileOption), settings);
    if (!run) {
        return ConfigurationError;
    }
    int signInExit = SignInError;
    const auto tokens = resolveTokenSource(run->profile, &signInExit);
    if (!tokens) {
        return signInExit;
    }
    DataverseClient client(run->profile, tokens->provider.get());
    MetadataClient metadata(&client);
    LookupResolver lookups(&metadata);
    int exitCode = ServiceError;
    return runToCompletion([&](const Finish &finish) {
        metadata.fetchEntity(
            run->mapping.target.entitySet, [&, finish](const Result<EntityMetadata> &entity) {
                if (!entity.ok()) {
                    err() << tr("Error: %1").arg(entity.error().message) << "\n";
                    exitCode = exitCodeFor(entity.error().category);
                    finish(exitCode);
                    return;
                }
                // Every problem at once: the mapping against the table, then its lookups against their
                // targets. The query's column names and declared types, when the warehouse opens (a failure
                // to open is the run's problem to report).
                SourceColumns sourceColumns;
                if (auto source = WarehouseSource::create(run->mapping.source);
                    source.ok() && source.value()->open().ok()) {
                    sourceColumns.names = source.value()->columns();
                    sourceColumns.types = source.value()->columnTypes();
                }
                QList<MappingProblem> found =
                    MappingValidator::validate(run->mapping, entity.value(), sourceColumns);
                lookups.resolve(
                    run->mapping, entity.value(),
                    [&, finish, found, entity](const ResolvedLookups &resolved) mutable {
                        found += resolved.problems;
                        if (resolved.error) {
                            found.append({u"$.fields"_s, resolved.error->message});
                        }
                        const QStringList problems = MappingValidator::lines(found);
                        if (problems.isEmpty()) {
                            out() << tr("%1 is valid: %2 columns mapped onto %3 (%4), match key [%5].")
                                         .arg(mappingPath)
                                         .arg(run->mapping.fields.size())
                                         .arg(entity->logicalName, run->profile.orgUrl.toString(),
                                              run->mapping.target.matchKey.join(", "_L1))
                                  << "\n";
                            exitCode = Success;
                        } else {
                            err() << tr("%1 does not fit the table %2:").arg(mappingPath, entity->logicalName)
                                  << "\n";
                            for (const auto &problem : problems) {
                                err() << "  " << problem << "\n";
                            }
                            exitCode = ConfigurationError;
                        }
                        finish(exitCode);
                    });
            });
    });
}

// ---------------------------------------------------------------------------------------------------------
// profile

int settingsNotSaved(const Error &error)
{
    err() << tr("Error: %1 The settings file is chosen with --settings FILE or D365SYNC_SETTINGS.")
                 .arg(error.message)
          << "\n";
    return ConfigurationError;
}

void printProfile(const ConnectionProfile &profile)
{
    out() << profile.name << "\t" << profile.orgUrl.toString() << "\t" << profile.apiVersion << "\t"
          << ConnectionProfile::kindName(profile.kind) << "\n";
}

const char *const ProfileUsage = R"(Usage: d365sync-cli profile add|list|show|remove ...

Connection profiles: which Dataverse environment (Organization URL) a mapping writes to, and how it signs in.
Profiles hold no secrets; sign in with `d365sync-cli auth login` or store a client secret with `auth set-secret`.

Commands:
  profile add <name> --url URL [--sandbox] [--api-version v9.2] [--tenant T] [--client-id ID]
              [--authority-host URL]     create or replace a profile
  profile list                           every profile: name, URL, API version, kind
  profile show <name>                    one profile
  profile remove <name>                  delete a profile from the settings

Each prints its own help, e.g. d365sync-cli profile add --help
)";

int commandProfile(const QStringList &arguments, Settings &settings)
{
    const QString sub = arguments.value(1);
    const QStringList rest = arguments.mid(1);
    if (sub.isEmpty() || sub == "--help"_L1 || sub == "-h"_L1 || sub == "help"_L1) {
        (sub.isEmpty() ? err() : out()) << QString::fromUtf8(ProfileUsage);
        return sub.isEmpty() ? ConfigurationError : Success;
    }
    if (sub == "list"_L1) {
        QCommandLineParser parser;
        const CommandHelp help{u"profile list"_s,
                               tr("List every connection profile, one per line: name, Organization URL, API "
                                  "version, kind\n(dynamics or sandbox), separated by tabs."),
                               {}};
        if (const auto stop = parseCommandLine(parser, rest, 1, help)) {
            return *stop;
        }
        const QStringList names = settings.profileNames();
        if (names.isEmpty()) {
            err()
                << tr("No connection profiles. Add one with: d365sync-cli profile add <name> --url <org url>")
                << "\n";
        }
        for (const auto &name : names) {
            if (const auto profile = settings.profile(name)) {
                printProfile(*profile);
            }
        }
        return Success;
    }
    if (sub == "show"_L1 || sub == "remove"_L1) {
        QCommandLineParser parser;
        const CommandHelp help{
            u"profile %1 <name>"_s.arg(sub),
            sub == "show"_L1
                ? tr("Show one connection profile: name, Organization URL, API version, kind.")
                : tr("Delete a connection profile from the settings. Its sign-in and client secret stay in "
                     "the\n"
                     "keychain: remove them first with `d365sync-cli auth logout --profile NAME --secret`."),
            {}};
        if (const auto stop = parseCommandLine(parser, rest, 2, help)) {
            return *stop;
        }
        const QString name = parser.positionalArguments().at(1);
        const auto profile = settings.profile(name);
        if (!profile) {
            err() << tr("No connection profile named '%1'. List them with `d365sync-cli profile list`.")
                         .arg(name)
                  << "\n";
            return ConfigurationError;
        }
        if (sub == "show"_L1) {
            printProfile(*profile);
        } else {
            settings.removeProfile(name);
            if (const auto saved = settings.sync(); !saved.ok())
                return settingsNotSaved(saved.error());
            err() << tr("Removed profile '%1'.").arg(name) << "\n";
        }
        return Success;
    }
    if (sub == "add"_L1) {
        QCommandLineParser parser;
        const QCommandLineOption urlOption(
            u"url"_s, tr("Organization URL, e.g. https://contoso.crm.dynamics.com (required)."), u"url"_s);
        const QCommandLineOption sandboxOption(u"sandbox"_s,
                                               tr("A local d365sync-sandbox org (allows http://127.0.0.1)."));
        const QCommandLineOption versionOption(u"api-version"_s, tr("Web API version (default v9.2)."),
                                               u"version"_s, u"v9.2"_s);
        const QCommandLineOption tenantOption(u"tenant"_s,
                                              tr("Entra tenant ID or domain (default organizations)."),
                                              u"tenant"_s, u"organizations"_s);
        const QCommandLineOption clientOption(
            u"client-id"_s, tr("Application (client) ID of the Entra app registration."), u"id"_s);
        const QCommandLineOption authorityOption(u"authority-host"_s,
                                                 tr("Sign-in authority (sandbox profiles only)."), u"url"_s);
        const CommandHelp help{
            u"profile add <name> --url URL [--sandbox] [--api-version v9.2] [--tenant T] [--client-id ID] "
            "[--authority-host URL]"_s,
            tr("Create a connection profile, or replace the one with that name. Find the Organization URL "
               "in\n"
               "the Power Platform admin center under Environments → your environment → Environment URL."),
            {urlOption, sandboxOption, versionOption, tenantOption, clientOption, authorityOption}};
        if (const auto stop = parseCommandLine(parser, rest, 2, help)) {
            return *stop;
        }
        if (!parser.isSet(urlOption)) {
            err() << tr("profile add needs --url, e.g. --url https://myorg.crm.dynamics.com") << "\n";
            return ConfigurationError;
        }
        const auto kind = parser.isSet(sandboxOption) ? ConnectionProfile::Kind::Sandbox
                                                      : ConnectionProfile::Kind::Dynamics;
        const auto url = ConnectionProfile::validateOrgUrl(parser.value(urlOption), kind);
        if (!url.ok()) {
            err() << url.error().message << "\n";
            return ConfigurationError;
        }
        ConnectionProfile profile;
        profile.name = parser.positionalArguments().at(1);
        profile.orgUrl = url.value();
        profile.apiVersion = parser.value(versionOption);
        profile.kind = kind;
        profile.tenant = parser.value(tenantOption);
        profile.clientId = parser.value(clientOption);
        profile.authorityHost = QUrl(parser.value(authorityOption));
        if (const auto saved = settings.saveProfile(profile); !saved.ok()) {
            err() << saved.error().message << "\n";
            return ConfigurationError;
        }
        if (const auto saved = settings.sync(); !saved.ok())
            return settingsNotSaved(saved.error());
        err() << tr("Saved profile '%1' (%2).").arg(profile.name, profile.orgUrl.toString()) << "\n";
        return Success;
    }
    err() << tr("Unknown profile command '%1'.").arg(sub) << "\n\n" << QString::fromUtf8(ProfileUsage);
    return ConfigurationError;
}

} // namespace

int runCommand(const QStringList &arguments)
{
    const GlobalOptions options = splitGlobalOptions(arguments);
    // Debug output of our categories only with --verbose (QT_LOGGING_RULES still overrides this).
    QLoggingCategory::setFilterRules(options.verbose ? u"d365.*.debug=true"_s : u"d365.*.debug=false"_s);
    QStringList rest = options.rest;
    // `help run`, `help profile add`: the command's own help.
    if (rest.value(0) == "help"_L1 && rest.size() > 1) {
        rest.removeFirst();
        rest.append(u"--help"_s);
    }
    const QString command = rest.value(0);
    if (command.isEmpty() || command == "-h"_L1 || command == "--help"_L1 || command == "help"_L1) {
        (command.isEmpty() ? err() : out()) << QString::fromUtf8(Usage);
        return command.isEmpty() ? ConfigurationError : Success;
    }
    if (command == "--version"_L1) {
        out() << "d365sync-cli " << QCoreApplication::applicationVersion() << "\n";
        return Success;
    }
    auto settings = openSettings(options);
    if (command == "run"_L1) {
        return commandRun(rest, *settings);
    }
    if (command == "validate"_L1) {
        return commandValidate(rest, *settings);
    }
    if (command == "profile"_L1) {
        return commandProfile(rest, *settings);
    }
    if (command == "auth"_L1) {
        return commandAuth(rest, *settings);
    }
    err() << tr("Unknown command '%1'.").arg(command) << "\n\n" << QString::fromUtf8(Usage);
    return ConfigurationError;
}

} // namespace d365::cli
