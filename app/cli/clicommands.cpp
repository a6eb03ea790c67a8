#include "clicommands.h"

#include "authcommands.h"
#include "clioutput.h"
#include "commandline.h"
#include "historycommands.h"
#include "loadedrun.h"
#include "runtocompletion.h"
#include "services/auth/tokenprovider.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/common/outputfile.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/tlstrust.h"
#include "services/mapping/mappingfile.h"
#include "services/mapping/mappingvalidator.h"
#include "services/settings/settings.h"
#include "services/sync/preflight.h"
#include "services/sync/synccontroller.h"
#include "services/warehouse/warehousesource.h"
#include "warehousecommands.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
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
  run <mapping.json> [--profile NAME] [--writer auto|bulk|batch] [--batch-size N] [--concurrency N]
      [--timeout SECONDS] [--report FILE] [--state FILE|none] [--full | --retry-failed] [--dry-run]
      [--allow-removals N%]
        Sync the warehouse rows of a mapping file into Dataverse; rows the org already holds are not sent.
        --dry-run writes nothing and shows what a run would change. A mapping with a marketing list
        (an audience) adds, removes or mirrors the list's members; --allow-removals lets a mirror remove
        up to N% of the list's members in this run (default: the mapping's maxRemovalPercent, 20).
  validate <mapping.json> [--profile NAME] [--writer auto|bulk|batch]
        Check a mapping file against the target table's metadata, the warehouse query and the signed-in
        user's privileges, exactly as run does before it writes.
  history <mapping.json> [--profile NAME] [--state FILE] [--limit N] [--json]
        The mapping's last runs: when, how long, counts per outcome, how each ended.
  failed <mapping.json> [--run N] [--output FILE.csv] [--keys-only] [--profile NAME] [--state FILE]
        The rows that failed in the last run (or run N) as CSV: the source's columns and the error.
  profile add <name> --url URL [--sandbox] [--api-version v9.2] [--tenant T] [--client-id ID]
              [--authority-host URL]
  profile list
  profile show <name>
  profile remove <name>
  auth login|status|logout|set-secret --profile NAME
        Browser sign-in (prints the URL), who is signed in, forget the sign-in, store an application
        user's client secret read from stdin.
  warehouse add|list|show|test|remove|set-password ...
        Named warehouse connections (postgresql, odbc) that mapping files read through; passwords go to
        the keychain (or D365SYNC_WAREHOUSE_PASSWORD_<NAME>), never into the settings.

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
            err() << tr("Syncing %1 from %2 into %3 (%4)…")
                         .arg(total >= 0 ? tr("%1 rows").arg(formatCount(total)) : tr("the rows"),
                              m_run.mapping.source.displayName(), m_run.mapping.target.entitySet,
                              m_run.profile.orgUrl.toString())
                  << "\n";
            err().flush();
        });
        connect(&m_controller, &SyncController::progress, this, &RunCommand::onProgress);
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
        const qint64 elapsed = std::max<qint64>(1, m_clock.elapsed());
        if (!m_interactive && elapsed - m_lastPrintMs < 2000) {
            return; // a log file gets a line every two seconds, a terminal a live line
        }
        m_lastPrintMs = elapsed;
        const qint64 failed = m_controller.ledger().count(RowStatus::Failed);
        const QString rows = total >= 0 ? tr("%1 / %2 rows (%3%)")
                                              .arg(formatCount(done), formatCount(total))
                                              .arg(total > 0 ? done * 100 / total : 100)
                                        : tr("%1 rows (counting…)").arg(formatCount(done));
        const QString line = tr("%1: %2, %3 failed, %4 rows/s")
                                 .arg(stage, rows, formatCount(failed))
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
        const RunLedger &ledger = m_controller.ledger();
        const QList<RowOutcome> &kept = ledger.keptFailures();
        const int shown = std::min<int>(20, int(kept.size()));
        for (int i = 0; i < shown; ++i) {
            const RowOutcome &row = kept.at(i);
            if (row.sourceRow < 0) { // a mirror's extra member whose removal failed
                err() << tr("  member %1: %2 %3").arg(row.key, row.errorCode, row.message) << "\n";
                continue;
            }
            err() << tr("  row %1 (key %2): %3 %4")
                         .arg(row.sourceRow + 1)
                         .arg(row.key, row.errorCode, row.message)
                  << "\n";
        }
        if (summary.failed > shown) {
            err() << tr("  … and %1 more failed rows%2.")
                         .arg(formatCount(summary.failed - shown))
                         .arg(m_reportPath.isEmpty() ? tr(" (write them all with --report FILE)")
                                                     : tr(" (all of them are in the report)"))
                  << "\n";
        }
        if (summary.audience) {
            printAudience(summary);
        } else if (summary.dryRun) {
            printPreview(summary);
        }
        out() << (summary.audience ? audienceLine(summary) : summaryLine(summary)) << "\n";
        out().flush();

        m_exitCode = s_signal.load() != 0 ? int(Cancelled) : summary.exitCode();
        if (!m_reportPath.isEmpty()) {
            QString problem;
            if (!writeReport(summary, &problem)) {
                err() << tr("Could not write the report to %1: %2").arg(m_reportPath, problem) << "\n";
                if (m_exitCode == Success) {
                    m_exitCode = ConfigurationError;
                }
            }
        }
        m_finish(m_exitCode);
    }

    // A mirror's extra members (the first 20), and the list's numbers.
    void printAudience(const SyncSummary &summary) const
    {
        const AudienceSummary &audience = *summary.audience;
        const qsizetype shown = std::min<qsizetype>(20, audience.extraMembers.size());
        for (qsizetype i = 0; i < shown; ++i) {
            const AudienceSummary::Member &member = audience.extraMembers.at(i);
            out() << (summary.dryRun ? tr("Would remove extra member %1 %2") : tr("Extra member %1 %2"))
                         .arg(member.id, member.name.isEmpty() ? QString() : u'(' + member.name + u')')
                         .trimmed()
                  << "\n";
        }
        if (audience.extras > shown) {
            out() << tr("  … and %1 more extra members%2.")
                         .arg(formatCount(audience.extras - shown))
                         .arg(m_reportPath.isEmpty() ? tr(" (list them all with --report FILE)")
                                                     : tr(" (the report lists them)"))
                  << "\n";
        }
        if (summary.dryRun || summary.fatal) {
            out()
                << tr("Plan for '%1': %2 to add, %3 to remove (the list has %4 members; a mirror may remove "
                      "%5 %).")
                       .arg(audience.listName, formatCount(audience.toAdd), formatCount(audience.toRemove),
                            audience.membersBefore >= 0 ? formatCount(audience.membersBefore) : tr("?"))
                       .arg(audience.maxRemovalPercent)
                << "\n";
        }
    }

    QString audienceLine(const SyncSummary &summary) const
    {
        const AudienceSummary &audience = *summary.audience;
        QStringList counts;
        if (audience.mode == "upsert"_L1 && !summary.dryRun) {
            counts << tr("%1 records upserted").arg(formatCount(summary.upserted));
        }
        const QString would = summary.dryRun ? tr("would be ") : QString();
        counts << tr("%1 %2added").arg(formatCount(summary.added), would)
               << tr("%1 already members").arg(formatCount(summary.alreadyMember));
        if (audience.mode == "remove"_L1 || audience.mode == "mirror"_L1) {
            counts << tr("%1 %2removed").arg(formatCount(summary.removed), would);
        }
        if (audience.mode == "remove"_L1) {
            counts << tr("%1 not members").arg(formatCount(summary.notMember));
        }
        counts << tr("%1 %2").arg(formatCount(summary.failed),
                                  summary.dryRun ? tr("would fail") : tr("failed"));
        if (summary.skipped > 0) {
            counts << tr("%1 skipped (not sent)").arg(formatCount(summary.skipped));
        }
        QString head = summary.cancelled ? tr("Cancelled") : summary.fatal ? tr("Stopped") : tr("Finished");
        if (summary.dryRun) {
            head = summary.fatal ? tr("Preview stopped (nothing written)") : tr("Preview (nothing written)");
        }
        const QString list = audience.listCreated ? tr("the new marketing list '%1'").arg(audience.listName)
                                                  : tr("the marketing list '%1'").arg(audience.listName);
        const QString members = audience.membersAfter >= 0 ? tr("; members %1 → %2")
                                                                 .arg(formatCount(audience.membersBefore),
                                                                      formatCount(audience.membersAfter))
                                                           : QString();
        return tr("%1: %2 source rows, %3 of %4 (profile %5) in %6 s — %7%8. %9 write requests, %10 read "
                  "requests.")
            .arg(head, formatCount(summary.rowsRead), audience.mode, list, m_run.profile.name,
                 QString::number(summary.elapsedMs / 1000.0, 'f', 1), counts.join(", "_L1), members,
                 formatCount(summary.requests), formatCount(summary.readRequests));
    }

    // A sample of the rows a preview compared: what would change, column by column.
    void printPreview(const SyncSummary &summary) const
    {
        const auto text = [](const QJsonValue &value) {
            QString shown =
                value.isNull() || value.isUndefined()
                    ? u"(empty)"_s
                    : QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
                          .mid(1)
                          .chopped(1);
            return shown.size() > 80 ? shown.left(79) + u'…' : shown;
        };
        for (const RowPreview &row : summary.preview) {
            if (row.status == RowStatus::Failed) {
                continue; // the failures are listed on stderr with the others
            }
            if (row.status == RowStatus::Created) {
                // A new record: its values on one line.
                QStringList values;
                for (const ColumnChange &change : row.changes) {
                    values << change.column + u' ' + text(change.after);
                }
                QString line = tr("Would create row %1 (key %2): %3")
                                   .arg(row.sourceRow + 1)
                                   .arg(row.key, values.join(u", "_s));
                out() << (line.size() > 160 ? line.left(159) + u'…' : line) << "\n";
                continue;
            }
            out() << tr("Would update row %1 (key %2):").arg(row.sourceRow + 1).arg(row.key) << "\n";
            for (const ColumnChange &change : row.changes) {
                out() << "    " << change.column << ": "
                      << tr("%1 → %2").arg(text(change.before), text(change.after))
                      << (change.compared ? QString() : tr("  (lookup by key: not compared)")) << "\n";
            }
        }
    }

    QString summaryLine(const SyncSummary &summary) const
    {
        QStringList counts;
        if (summary.dryRun) {
            counts << tr("%1 would be created").arg(formatCount(summary.created))
                   << tr("%1 would be updated").arg(formatCount(summary.updated))
                   << tr("%1 unchanged").arg(formatCount(summary.unchanged))
                   << tr("%1 would fail").arg(formatCount(summary.failed));
            if (summary.skipped > 0) {
                counts << tr("%1 not compared").arg(formatCount(summary.skipped));
            }
        } else if (summary.upserted > 0 || summary.writer == "UpsertMultiple"_L1) {
            counts << tr("%1 upserted").arg(formatCount(summary.upserted));
        }
        if (!summary.dryRun) {
            if (summary.writer != "UpsertMultiple"_L1 || summary.created + summary.updated > 0) {
                counts << tr("%1 created").arg(formatCount(summary.created))
                       << tr("%1 updated").arg(formatCount(summary.updated));
            }
            if (summary.unchanged > 0) {
                counts << tr("%1 unchanged").arg(formatCount(summary.unchanged));
            }
            counts << tr("%1 failed").arg(formatCount(summary.failed));
            if (summary.skipped > 0) {
                counts << tr("%1 skipped (read, not sent)").arg(formatCount(summary.skipped));
            }
        }
        if (summary.retryRows == 0 && !summary.fatal) {
            return tr("Nothing to retry: no row failed in the last run into %1 (profile %2).")
                .arg(m_run.mapping.target.entitySet, m_run.profile.name);
        }
        QString source;
        if (summary.retryRows > 0 && summary.sourceComplete) {
            source = tr("%1 of the %2 rows that failed last time (the others are no longer in the source)")
                         .arg(formatCount(summary.rowsRead), formatCount(summary.retryRows));
            if (summary.rowsRead == summary.retryRows) {
                source = tr("the %1 rows that failed last time").arg(formatCount(summary.rowsRead));
            }
        } else if (summary.sourceComplete) {
            source = tr("%1 source rows").arg(formatCount(summary.rowsRead));
        } else if (summary.rowsRead == 0) {
            source = tr("no source row was read");
        } else if (summary.total >= 0) {
            source = tr("%1 of %2 source rows read; %3 not read")
                         .arg(formatCount(summary.rowsRead), formatCount(summary.total),
                              formatCount(summary.notRead()));
        } else {
            source = tr("%1 source rows read before the run stopped").arg(formatCount(summary.rowsRead));
        }
        QString head = summary.cancelled ? tr("Cancelled") : summary.fatal ? tr("Stopped") : tr("Finished");
        QString requests = summary.requests == 1 ? tr("1 write request")
                                                 : tr("%1 write requests").arg(formatCount(summary.requests));
        if (summary.dryRun) {
            head = summary.cancelled || summary.fatal ? tr("Preview stopped (nothing written)")
                                                      : tr("Preview (nothing written)");
            requests =
                (summary.readRequests == 1 ? tr("1 read request")
                                           : tr("%1 read requests").arg(formatCount(summary.readRequests))) +
                tr("; a run would write with %1").arg(summary.writer);
        } else if (!summary.writer.isEmpty()) {
            requests += tr(" (%1, up to %2 rows each)").arg(summary.writer).arg(summary.batchSize);
        }
        return tr("%1: %2 into %3 (profile %4) in %5 s — %6. %7; %8 rows/s.")
            .arg(head, source, m_run.mapping.target.entitySet, m_run.profile.name,
                 QString::number(summary.elapsedMs / 1000.0, 'f', 1), counts.join(", "_L1), requests,
                 QString::number(summary.rowsPerSecond(), 'f', 0));
    }

    bool writeReport(const SyncSummary &summary, QString *problem) const
    {
        const RunLedger &ledger = m_controller.ledger();
        QSaveFile file(m_reportPath);
        if (!file.open(QIODevice::WriteOnly)) {
            *problem = file.errorString();
            return false;
        }
        QJsonObject head{
            {u"mapping"_s, m_run.mapping.name},
            {u"profile"_s, m_run.profile.name},
            {u"entitySet"_s, m_run.mapping.target.entitySet},
            {u"mode"_s, m_run.mapping.modeName()},
            {u"startedAt"_s, summary.startedAt.toString(Qt::ISODateWithMs)},
            {u"endedAt"_s, summary.endedAt.toString(Qt::ISODateWithMs)},
            {u"state"_s, summary.statePath},
            {u"run"_s, summary.runId},
            {u"writer"_s, summary.writer},
            {u"batchSize"_s, summary.batchSize},
            {u"concurrency"_s, summary.concurrency},
            {u"total"_s, summary.total},
            {u"rowsRead"_s, summary.rowsRead},
            {u"sourceComplete"_s, summary.sourceComplete},
            {u"notRead"_s, summary.notRead()},
            {u"created"_s, summary.created},
            {u"updated"_s, summary.updated},
            {u"upserted"_s, summary.upserted},
            {u"unchanged"_s, summary.unchanged},
            {u"failed"_s, summary.failed},
            {u"skipped"_s, summary.skipped},
            {u"added"_s, summary.added},
            {u"alreadyMember"_s, summary.alreadyMember},
            {u"removed"_s, summary.removed},
            {u"notMember"_s, summary.notMember},
            {u"requests"_s, summary.requests},
            {u"readRequests"_s, summary.readRequests},
            {u"throttled"_s, summary.throttled},
            {u"wireMilliseconds"_s, summary.wireMilliseconds},
            {u"elapsedMs"_s, summary.elapsedMs},
            {u"cancelled"_s, summary.cancelled},
            {u"dryRun"_s, summary.dryRun},
            {u"exitCode"_s, m_exitCode},
            // The one-outcome rule, checked independently of the engine's own counting.
            {u"outcomeCheck"_s,
             QJsonObject{{u"outcomes"_s, ledger.outcomes()},
                         {u"duplicateOutcomes"_s, ledger.duplicateOutcomes()},
                         {u"rowsWithoutOutcome"_s, ledger.rowsWithoutOutcome(summary.rowsRead)}}},
        };
        if (summary.dryRun) {
            QJsonArray preview;
            for (const RowPreview &row : summary.preview) {
                QJsonArray changes;
                for (const ColumnChange &change : row.changes) {
                    changes.append(QJsonObject{{u"column"_s, change.column},
                                               {u"before"_s, change.before},
                                               {u"after"_s, change.after},
                                               {u"compared"_s, change.compared}});
                }
                QJsonObject entry{{u"row"_s, row.sourceRow + 1},
                                  {u"key"_s, row.key},
                                  {u"outcome"_s, rowStatusName(row.status)},
                                  {u"columns"_s, changes}};
                if (row.status == RowStatus::Failed) {
                    entry.insert(u"code"_s, row.errorCode);
                    entry.insert(u"message"_s, row.message);
                }
                preview.append(entry);
            }
            head.insert(u"preview"_s, preview);
        }
        if (const auto &audience = summary.audience) {
            QJsonArray extras;
            for (const AudienceSummary::Member &member : audience->extraMembers) {
                extras.append(QJsonObject{{u"id"_s, member.id}, {u"name"_s, member.name}});
            }
            head.insert(u"audience"_s, QJsonObject{{u"mode"_s, audience->mode},
                                                   {u"listId"_s, audience->listId},
                                                   {u"listName"_s, audience->listName},
                                                   {u"memberTable"_s, audience->memberTable},
                                                   {u"listCreated"_s, audience->listCreated},
                                                   {u"membersBefore"_s, audience->membersBefore},
                                                   {u"membersAfter"_s, audience->membersAfter},
                                                   {u"toAdd"_s, audience->toAdd},
                                                   {u"toRemove"_s, audience->toRemove},
                                                   {u"maxRemovalPercent"_s, audience->maxRemovalPercent},
                                                   {u"added"_s, summary.added},
                                                   {u"alreadyMember"_s, summary.alreadyMember},
                                                   {u"removed"_s, summary.removed},
                                                   {u"notMember"_s, summary.notMember},
                                                   {u"extras"_s, audience->extras},
                                                   {u"extraMembers"_s, extras}});
        }
        if (summary.fatal) {
            head.insert(u"error"_s, QJsonObject{{u"category"_s, errorCategoryName(summary.fatal->category)},
                                                {u"message"_s, summary.fatal->message}});
        }
        // The failed rows are streamed from the ledger's spill file: a run where a million rows fail writes a
        // big report, not a big process.
        QByteArray text = QJsonDocument(head).toJson(QJsonDocument::Indented);
        text.chop(3); // "\n}\n" — the row lists go last
        // Failed rows (with the Dataverse error) and skipped rows (read, not sent), streamed from the spill.
        QString listProblem;
        for (const auto &[status, member] : {qMakePair(RowStatus::Failed, QByteArray("failedRows")),
                                             qMakePair(RowStatus::Skipped, QByteArray("skippedRows"))}) {
            text += ",\n    \"" + member + "\": [";
            bool first = true;
            ledger.forEach(
                status,
                [&](const RowOutcome &row) {
                    QJsonObject entry{{u"row"_s, row.sourceRow + 1}, {u"key"_s, row.key}};
                    if (status == RowStatus::Failed) {
                        entry.insert(u"httpStatus"_s, row.httpStatus);
                        entry.insert(u"code"_s, row.errorCode);
                    }
                    entry.insert(u"message"_s, row.message);
                    text += first ? "\n        " : ",\n        ";
                    text += QJsonDocument(entry).toJson(QJsonDocument::Compact);
                    first = false;
                    if (text.size() > (1 << 20)) {
                        file.write(text);
                        text.clear();
                    }
                },
                &listProblem);
            text += first ? "]" : "\n    ]";
        }
        if (!listProblem.isEmpty()) {
            text += ",\n    \"failedRowsNote\": ";
            text += QJsonDocument(QJsonArray{listProblem}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
        }
        text += "\n}\n";
        file.write(text);
        if (!file.commit()) {
            *problem = file.errorString();
            return false;
        }
        return true;
    }

    LoadedRun m_run;
    SyncOptions m_options;
    QString m_reportPath;
    bool m_interactive = false;
    SyncController m_controller;
    Finish m_finish;
    std::shared_ptr<TokenProvider> m_tokenProvider;
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
    const QCommandLineOption concurrencyOption(
        u"concurrency"_s,
        tr("Write requests in flight (1-52; default: the service's x-ms-dop-hint, else 8)."), u"n"_s);
    const QCommandLineOption reportOption(u"report"_s, tr("Write a JSON report of the run to FILE."),
                                          u"file"_s);
    const QCommandLineOption batchSizeOption(u"batch-size"_s,
                                             tr("Rows per write request (bulk: 1-5000, default 1000; $batch: "
                                                "1-1000, default 100; 1 with $batch sends "
                                                "one request per row)."),
                                             u"n"_s);
    const QCommandLineOption writerOption(
        u"writer"_s,
        tr("auto (default: bulk messages where the table supports them), bulk or batch; overrides "
           "the mapping's \"writer\"."),
        u"kind"_s);
    const QCommandLineOption timeoutOption(
        u"timeout"_s, tr("Seconds without an answer before a request counts as timed out (default 120)."),
        u"seconds"_s, u"120"_s);
    const QCommandLineOption stateOption(
        u"state"_s,
        tr("Sync state file (what was last written per row, and the run history); default: the mapping's own "
           "file under the application data folder. 'none': no state, every row is sent."),
        u"file"_s);
    const QCommandLineOption fullOption(
        u"full"_s, tr("Send every row once, also those the state says are unchanged (a full resync)."));
    const QCommandLineOption retryFailedOption(u"retry-failed"_s,
                                               tr("Send only the rows that failed in the last run."));
    const QCommandLineOption dryRunOption(
        u"dry-run"_s, tr("Write nothing: read the records the run would write (in bulk) and show how many "
                         "rows would be created, updated, left unchanged or fail, with a sample of the "
                         "columns that would change."));
    const QCommandLineOption allowRemovalsOption(
        u"allow-removals"_s,
        tr("Audiences in mirror mode: remove up to N% of the list's members in this run (default: the "
           "mapping's maxRemovalPercent, 20)."),
        u"N%"_s);
    const CommandHelp help{
        u"run <mapping.json> [--profile NAME] [--writer auto|bulk|batch] [--batch-size N] [--concurrency N] "
        "[--timeout SECONDS] [--report FILE] [--state FILE|none] [--full] [--retry-failed] [--dry-run] "
        "[--allow-removals N%]"_s,
        tr("Sync the warehouse rows of a mapping file into Dataverse: the source query is read, every row\n"
           "converted by the table's metadata and written by its match key (upsert, insert or update, as "
           "the\n"
           "mapping says), through bulk messages where the table has them, else $batch. Progress goes to\n"
           "stderr, the summary to stdout; the exit code says how it ended (0 all rows written, 1 some\n"
           "failed or were not read, 2 configuration or privileges, 3 sign-in, 4 service or network, 130\n"
           "interrupted). Rows whose values the org already holds since the last run are not sent again\n"
           "(\"unchanged\"), rows that failed last time are sent again; --full sends everything."),
        {profileOption, writerOption, batchSizeOption, concurrencyOption, timeoutOption, reportOption,
         stateOption, fullOption, retryFailedOption, dryRunOption, allowRemovalsOption}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    SyncOptions options;
    options.fullResync = parser.isSet(fullOption);
    options.retryFailed = parser.isSet(retryFailedOption);
    options.dryRun = parser.isSet(dryRunOption);
    if (parser.isSet(allowRemovalsOption)) {
        QString text = parser.value(allowRemovalsOption).trimmed();
        if (text.endsWith(u'%')) {
            text.chop(1);
        }
        bool valid = false;
        const int percent = text.toInt(&valid);
        if (!valid || percent < 0 || percent > 100) {
            err()
                << tr("--allow-removals must be a share of the list's members from 0% to 100%, e.g. 30%, not "
                      "'%1'.")
                       .arg(parser.value(allowRemovalsOption))
                << "\n";
            return ConfigurationError;
        }
        options.allowRemovalsPercent = percent;
    }
    if (options.fullResync && options.retryFailed) {
        err()
            << tr("--full and --retry-failed exclude each other: --full sends every row, --retry-failed only "
                  "the rows that failed last time.")
            << "\n";
        return ConfigurationError;
    }
    if (parser.isSet(stateOption)) {
        if (parser.value(stateOption) == "none"_L1) {
            options.useState = false;
        } else {
            options.statePath = QFileInfo(parser.value(stateOption)).absoluteFilePath();
        }
    }
    if (options.retryFailed && !options.useState) {
        err() << tr("--retry-failed needs the sync state (it knows which rows failed); drop --state none.")
              << "\n";
        return ConfigurationError;
    }
    bool ok = false;
    if (parser.isSet(concurrencyOption)) {
        options.maxConcurrentRequests = parser.value(concurrencyOption).toInt(&ok);
        if (!ok || options.maxConcurrentRequests < 1 || options.maxConcurrentRequests > 52) {
            err()
                << tr("--concurrency must be a whole number from 1 to 52 (the service's limit of concurrent "
                      "requests per user), not '%1'.")
                       .arg(parser.value(concurrencyOption))
                << "\n";
            return ConfigurationError;
        }
    }
    if (parser.isSet(writerOption)) {
        options.writer = writerKindFromName(parser.value(writerOption));
        if (!options.writer) {
            err() << tr("--writer must be auto, bulk or batch, not '%1'.").arg(parser.value(writerOption))
                  << "\n";
            return ConfigurationError;
        }
    }
    if (parser.isSet(batchSizeOption)) {
        options.batchSize = parser.value(batchSizeOption).toInt(&ok);
        const bool batchOnly = options.writer == WriterKind::Batch;
        const int limit = batchOnly ? 1000 : 5000;
        if (!ok || options.batchSize < 1 || options.batchSize > limit) {
            err() << (batchOnly
                          ? tr("--batch-size must be a whole number from 1 to 1000 (the service's limit per "
                               "$batch), not '%1'.")
                          : tr("--batch-size must be a whole number from 1 to 5000, not '%1'."))
                         .arg(parser.value(batchSizeOption))
                  << "\n";
            return ConfigurationError;
        }
    }
    const int timeout = parser.value(timeoutOption).toInt(&ok);
    if (!ok || timeout < 1 || timeout > 3600) {
        err() << tr("--timeout must be a whole number of seconds from 1 to 3600, not '%1'.")
                     .arg(parser.value(timeoutOption))
              << "\n";
        return ConfigurationError;
    }
    options.requestTimeoutMs = timeout * 1000;
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
    if (options.batchSize > 1000 && options.writer.value_or(run->mapping.writer) == WriterKind::Batch) {
        err() << tr("--batch-size %1 is more than a $batch may hold (1000), and this mapping writes with "
                    "$batch.")
                     .arg(options.batchSize)
              << "\n";
        return ConfigurationError;
    }

    options.runLabel = QFileInfo(parser.positionalArguments().at(1)).absoluteFilePath();
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
    const QCommandLineOption writerOption(u"writer"_s, tr("auto, bulk or batch (as for run)."), u"kind"_s);
    const CommandHelp help{
        u"validate <mapping.json> [--profile NAME] [--writer auto|bulk|batch]"_s,
        tr("Check a mapping file, then everything run checks before it writes: the target table in the\n"
           "org (columns, types, lookups, match key), the warehouse query, the writer and the signed-in\n"
           "user's privileges for the mode. Nothing is written. Exit 0 when it fits, 2 with every problem\n"
           "(its JSON path and the fix) when it does not, 3 or 4 when the org cannot be asked."),
        {profileOption, writerOption}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    const QString mappingPath = parser.positionalArguments().at(1);
    const auto run = loadRun(mappingPath, parser.value(profileOption), settings);
    if (!run) {
        return ConfigurationError;
    }
    WriterKind writer = run->mapping.writer;
    if (parser.isSet(writerOption)) {
        const auto chosen = writerKindFromName(parser.value(writerOption));
        if (!chosen) {
            err() << tr("--writer must be auto, bulk or batch, not '%1'.").arg(parser.value(writerOption))
                  << "\n";
            return ConfigurationError;
        }
        writer = *chosen;
    }
    int signInExit = SignInError;
    const auto tokens = resolveTokenSource(run->profile, &signInExit);
    if (!tokens) {
        return signInExit;
    }
    DataverseClient client(run->profile, tokens->provider.get());
    Preflight preflight(&client);
    int exitCode = ServiceError;
    const SourceSpec spec = run->mapping.source;
    return runToCompletion([&](const Finish &finish) {
        preflight.run(
            run->mapping, writer, [spec] { return WarehouseSource::create(spec); },
            [&, finish](std::shared_ptr<PreflightReport> report) {
                if (report->ok() && run->mapping.isAudience()) {
                    const MarketingList &list = report->list;
                    out() << tr("%1 is valid: %2 the members of the marketing list %3 (%4 rows, %5), found "
                                "in %6 by [%7]%8.")
                                 .arg(mappingPath, run->mapping.modeName(),
                                      list.exists ? tr("'%1' (%2, %3 members)")
                                                        .arg(list.name, list.id)
                                                        .arg(list.memberCount)
                                                  : tr("'%1' (created by the first run)").arg(list.name),
                                      report->entity.logicalName, tr("static"), run->mapping.target.entitySet,
                                      run->mapping.target.matchKey.join(", "_L1),
                                      report->privilegesChecked
                                          ? tr("; the signed-in user holds the privileges it needs")
                                          : tr("; privileges could not be checked"))
                          << "\n";
                    exitCode = Success;
                } else if (report->ok()) {
                    out() << tr("%1 is valid: %2 columns mapped onto %3 (%4), match key [%5], written "
                                "with %6%7.")
                                 .arg(mappingPath)
                                 .arg(run->mapping.fields.size())
                                 .arg(report->entity.logicalName, run->profile.orgUrl.toString(),
                                      run->mapping.target.matchKey.join(", "_L1),
                                      report->writer == WriterKind::Bulk ? tr("bulk messages") : tr("$batch"),
                                      report->privilegesChecked
                                          ? tr("; the signed-in user holds the privileges it needs")
                                          : tr("; privileges could not be checked (the org does not "
                                               "answer RetrieveUserSetOfPrivilegesByNames)"))
                          << "\n";
                    exitCode = Success;
                } else if (!report->problems.isEmpty()) {
                    err() << tr("%1 does not fit the table %2:")
                                 .arg(mappingPath, report->entity.logicalName.isEmpty()
                                                       ? run->mapping.target.entitySet
                                                       : report->entity.logicalName)
                          << "\n";
                    for (const auto &problem : MappingValidator::lines(report->problems)) {
                        err() << "  " << problem << "\n";
                    }
                    exitCode = exitCodeFor(report->error->category);
                } else {
                    err() << tr("Error: %1").arg(report->error->message) << "\n";
                    exitCode = exitCodeFor(report->error->category);
                }
                finish(exitCode);
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
              [--authority-host URL] [--ca-file FILE]
                                         create or replace a profile
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
            if (!profile->caCertificateFile.isEmpty())
                out() << "ca-certificate-file\t" << profile->caCertificateFile << "\n";
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
                                               tr("A local d365sync-sandbox org (allows http:// or https:// "
                                                  "on 127.0.0.1 and localhost)."));
        const QCommandLineOption versionOption(u"api-version"_s, tr("Web API version (default v9.2)."),
                                               u"version"_s, u"v9.2"_s);
        const QCommandLineOption tenantOption(u"tenant"_s,
                                              tr("Entra tenant ID or domain (default organizations)."),
                                              u"tenant"_s, u"organizations"_s);
        const QCommandLineOption clientOption(
            u"client-id"_s, tr("Application (client) ID of the Entra app registration."), u"id"_s);
        const QCommandLineOption authorityOption(u"authority-host"_s,
                                                 tr("Sign-in authority (sandbox profiles only)."), u"url"_s);
        const QCommandLineOption caFileOption(
            u"ca-file"_s,
            tr("Also trust the CA certificate(s) in this PEM file (sandbox profiles only): the file "
               "d365sync-sandbox --tls prints after \"ca-certificate\"."),
            u"file"_s);
        const CommandHelp help{
            u"profile add <name> --url URL [--sandbox] [--api-version v9.2] [--tenant T] [--client-id ID] "
            "[--authority-host URL] [--ca-file FILE]"_s,
            tr("Create a connection profile, or replace the one with that name. Find the Organization URL "
               "in\n"
               "the Power Platform admin center under Environments → your environment → Environment URL."),
            {urlOption, sandboxOption, versionOption, tenantOption, clientOption, authorityOption,
             caFileOption}};
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
        if (parser.isSet(caFileOption)) // absolute: runs start in other directories
            profile.caCertificateFile = QFileInfo(parser.value(caFileOption)).absoluteFilePath();
        if (const auto saved = settings.saveProfile(profile); !saved.ok()) {
            err() << saved.error().message << "\n";
            return ConfigurationError;
        }
        // The sandbox may not be running yet (it writes the file when it starts), so only a warning.
        if (const auto tls = tlsConfiguration(profile); !tls && profile.isSandbox())
            err() << tr("Warning: %1").arg(tls.error().message) << "\n";
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
    prepareWarehouseSources(rest, *settings); // warehouse connections of run/validate (warehousecommands.h)
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
    if (command == "history"_L1) {
        return commandHistory(rest, *settings);
    }
    if (command == "failed"_L1) {
        return commandFailed(rest, *settings);
    }
    if (command == "warehouse"_L1) {
        return commandWarehouse(rest, *settings);
    }
    err() << tr("Unknown command '%1'.").arg(command) << "\n\n" << QString::fromUtf8(Usage);
    return ConfigurationError;
}

} // namespace d365::cli
