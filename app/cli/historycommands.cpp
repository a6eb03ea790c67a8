#include "historycommands.h"

#include "clioutput.h"
#include "commandline.h"
#include "loadedrun.h"
#include "services/common/exitcode.h"
#include "services/common/outputfile.h"
#include "services/sync/failedrowsexport.h"
#include "services/sync/runhistory.h"
#include "services/sync/statestore.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace d365::cli {

namespace {

QCommandLineOption profileOption()
{
    return {u"profile"_s,
            QCoreApplication::translate("d365sync-cli",
                                        "Connection profile (overrides the mapping's; it names the org whose "
                                        "state is read)."),
            u"name"_s};
}

QCommandLineOption stateOption()
{
    return {u"state"_s,
            QCoreApplication::translate("d365sync-cli",
                                        "The state file the runs used (run --state FILE); default: the "
                                        "mapping's own file."),
            u"file"_s};
}

// The state file of the mapping as `run` chose it: --state, else the default path for the mapping's org.
std::optional<QString> statePath(const QCommandLineParser &parser, Settings &settings)
{
    const QString mappingPath = parser.positionalArguments().at(1);
    if (parser.isSet(u"state"_s)) {
        if (!loadMapping(mappingPath)) {
            return std::nullopt;
        }
        return QFileInfo(parser.value(u"state"_s)).absoluteFilePath();
    }
    const auto run = loadRun(mappingPath, parser.value(u"profile"_s), settings);
    if (!run) {
        return std::nullopt;
    }
    return StateStore::defaultPath(run->profile.orgUrl.toString(), run->mapping);
}

QJsonObject toJson(const StateStore::RunRecord &run)
{
    QJsonObject object{{u"run"_s, run.id},
                       {u"startedAt"_s, run.started.toString(Qt::ISODateWithMs)},
                       {u"endedAt"_s, run.ended.isValid() ? QJsonValue(run.ended.toString(Qt::ISODateWithMs))
                                                          : QJsonValue()},
                       {u"mapping"_s, run.mapping},
                       {u"profile"_s, run.profile},
                       {u"mode"_s, run.mode},
                       {u"writer"_s, run.writer},
                       {u"total"_s, run.total},
                       {u"rowsRead"_s, run.rowsRead},
                       {u"created"_s, run.created},
                       {u"updated"_s, run.updated},
                       {u"upserted"_s, run.upserted},
                       {u"unchanged"_s, run.unchanged},
                       {u"failed"_s, run.failed},
                       {u"skipped"_s, run.skipped},
                       {u"added"_s, run.added},
                       {u"alreadyMember"_s, run.alreadyMember},
                       {u"removed"_s, run.removed},
                       {u"notMember"_s, run.notMember},
                       {u"requests"_s, run.requests},
                       {u"cancelled"_s, run.cancelled},
                       {u"exitCode"_s, run.ended.isValid() ? QJsonValue(run.exitCode) : QJsonValue()},
                       {u"result"_s, runResultText(run)}};
    if (!run.error.isEmpty()) {
        object.insert(u"error"_s, run.error);
    }
    return object;
}

// The table shows an error's first sentence; --json has all of it.
QString firstSentence(const QString &text)
{
    const qsizetype end = text.indexOf(u". "_s);
    QString first = end > 0 ? text.left(end + 1) : text;
    return first.size() > 100 ? first.left(99) + u'…' : first;
}

QString padLeft(const QString &text, int width)
{
    return text.rightJustified(width, u' ');
}

} // namespace

int commandHistory(const QStringList &arguments, Settings &settings)
{
    QCommandLineParser parser;
    const QCommandLineOption limitOption(u"limit"_s, tr("How many runs, newest first (default 20)."), u"n"_s,
                                         u"20"_s);
    const QCommandLineOption jsonOption(u"json"_s, tr("Print the runs as a JSON array (every field)."));
    const CommandHelp help{
        u"history <mapping.json> [--profile NAME] [--state FILE] [--limit N] [--json]"_s,
        tr("The mapping's last runs, GUI and CLI alike, newest first: when each started, how long it took,\n"
           "its mode and writer, the rows read, written, unchanged, failed and skipped, the write requests\n"
           "and how it ended. A run that never recorded its end was killed (or is still running). The rows\n"
           "that failed in a run: d365sync-cli failed <mapping.json> --run N."),
        {profileOption(), stateOption(), limitOption, jsonOption}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    bool ok = false;
    const int limit = parser.value(limitOption).toInt(&ok);
    if (!ok || limit < 1) {
        err() << tr("--limit must be a whole number of runs from 1 up, not '%1'.")
                     .arg(parser.value(limitOption))
              << "\n";
        return ConfigurationError;
    }
    const auto path = statePath(parser, settings);
    if (!path) {
        return ConfigurationError;
    }
    const auto runs = StateStore::readHistory(*path, limit);
    if (!runs.ok()) {
        err() << tr("Error: %1").arg(runs.error().message) << "\n";
        return ConfigurationError;
    }
    if (parser.isSet(jsonOption)) {
        QJsonArray array;
        for (const auto &run : runs.value()) {
            array.append(toJson(run));
        }
        out() << QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
        return Success;
    }
    if (runs.value().isEmpty()) {
        err() << tr("No runs recorded yet for %1 (state file %2).")
                     .arg(parser.positionalArguments().at(1), *path)
              << "\n";
        return Success;
    }
    err() << tr("Runs of %1, newest first (state file %2):").arg(parser.positionalArguments().at(1), *path)
          << "\n";
    const QStringList head{tr("RUN"),     tr("STARTED"),  tr("TIME"),      tr("MODE"),
                           tr("READ"),    tr("WRITTEN"),  tr("UNCHANGED"), tr("FAILED"),
                           tr("SKIPPED"), tr("REQUESTS"), tr("RESULT")};
    QList<QStringList> table{head};
    for (const auto &run : runs.value()) {
        // An audience's changes are its memberships: added and removed are written, already members and
        // not members unchanged.
        const qint64 written = run.created + run.updated + run.upserted + run.added + run.removed;
        const qint64 unchanged = run.unchanged + run.alreadyMember + run.notMember;
        table.append(
            {QString::number(run.id), run.started.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s),
             run.ended.isValid() ? QString::number(run.started.msecsTo(run.ended) / 1000.0, 'f', 1) + u" s"_s
                                 : u"-"_s,
             run.writer.isEmpty() ? run.mode : run.mode + u'/' + run.writer, formatCount(run.rowsRead),
             formatCount(written), formatCount(unchanged), formatCount(run.failed), formatCount(run.skipped),
             formatCount(run.requests),
             runResultText(run) + (run.error.isEmpty() ? QString() : u": "_s + firstSentence(run.error))});
    }
    QList<int> widths(head.size(), 0);
    for (const auto &row : std::as_const(table)) {
        for (qsizetype c = 0; c + 1 < row.size(); ++c) {
            widths[c] = std::max<int>(widths[c], int(row.at(c).size()));
        }
    }
    // Numbers right-aligned, text left-aligned; the result (last) as it is.
    const QList<bool> numeric{true, false, true, false, true, true, true, true, true, true, false};
    for (const auto &row : std::as_const(table)) {
        QStringList cells;
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (c + 1 == row.size()) {
                cells << row.at(c);
            } else {
                cells << (numeric.at(c) ? padLeft(row.at(c), widths.at(c))
                                        : row.at(c).leftJustified(widths.at(c), u' '));
            }
        }
        out() << cells.join(u"  "_s) << "\n";
    }
    return Success;
}

int commandFailed(const QStringList &arguments, Settings &settings)
{
    QCommandLineParser parser;
    const QCommandLineOption runOption(u"run"_s,
                                       tr("The run whose failed rows to write (default: the last)."), u"n"_s);
    const QCommandLineOption outputOption(u"output"_s, tr("Write the CSV to FILE instead of stdout."),
                                          u"file"_s);
    const QCommandLineOption keysOnlyOption(
        u"keys-only"_s, tr("Do not read the warehouse again: the key and the error columns only."));
    const CommandHelp help{
        u"failed <mapping.json> [--run N] [--output FILE.csv] [--keys-only] [--profile NAME] [--state FILE]"_s,
        tr("The rows that failed in the mapping's last run (or run N) as CSV in the source's shape: the\n"
           "warehouse query is read again and each failed row is written with all its columns, then\n"
           "failed_source_row, failed_http_status, failed_code and failed_message (Dataverse's answer).\n"
           "Failed rows the source no longer returns have their key only. Fix them, then send only them\n"
           "with: d365sync-cli run <mapping.json> --retry-failed."),
        {runOption, outputOption, keysOnlyOption, profileOption(), stateOption()}};
    if (const auto stop = parseCommandLine(parser, arguments, 2, help)) {
        return *stop;
    }
    qint64 runId = 0;
    if (parser.isSet(runOption)) {
        bool ok = false;
        runId = parser.value(runOption).toLongLong(&ok);
        if (!ok || runId < 1) {
            err() << tr("--run must be a run number as `history` shows it, not '%1'.")
                         .arg(parser.value(runOption))
                  << "\n";
            return ConfigurationError;
        }
    }
    const QString outputPath = parser.value(outputOption);
    if (parser.isSet(outputOption)) {
        if (const QString why = whyNotWritable(outputPath); !why.isEmpty()) {
            err() << tr("Error: --output %1 cannot be written: %2.").arg(outputPath, why) << "\n";
            return ConfigurationError;
        }
    }
    const QString mappingPath = parser.positionalArguments().at(1);
    const auto path = statePath(parser, settings);
    if (!path) {
        return ConfigurationError;
    }
    const auto mapping = loadMapping(mappingPath);
    if (!mapping) {
        return ConfigurationError;
    }
    const auto runs = StateStore::readHistory(*path, runId > 0 ? 1000000 : 1);
    if (!runs.ok()) {
        err() << tr("Error: %1").arg(runs.error().message) << "\n";
        return ConfigurationError;
    }
    std::optional<StateStore::RunRecord> run;
    for (const auto &candidate : runs.value()) {
        if (runId == 0 || candidate.id == runId) {
            run = candidate;
            break;
        }
    }
    if (!run) {
        err() << (runId > 0
                      ? tr("There is no run %1 of %2 (state file %3); `d365sync-cli history` lists them.")
                            .arg(runId)
                            .arg(mappingPath, *path)
                      : tr("%1 has not run yet (state file %2).").arg(mappingPath, *path))
              << "\n";
        return ConfigurationError;
    }
    const auto failed = StateStore::readFailedRows(*path, run->id);
    if (!failed.ok()) {
        err() << tr("Error: %1").arg(failed.error().message) << "\n";
        return ConfigurationError;
    }

    std::unique_ptr<QIODevice> device;
    QSaveFile *file = nullptr;
    if (parser.isSet(outputOption)) {
        device = std::make_unique<QSaveFile>(outputPath);
        file = static_cast<QSaveFile *>(device.get());
    } else {
        auto stdoutFile = std::make_unique<QFile>();
        out().flush();
        stdoutFile->open(stdout, QIODevice::WriteOnly);
        device = std::move(stdoutFile);
    }
    if (file && !file->open(QIODevice::WriteOnly)) {
        err() << tr("Error: %1 cannot be written: %2.").arg(outputPath, file->errorString()) << "\n";
        return ConfigurationError;
    }
    const auto exported =
        exportFailedRows(mapping->source, failed.value(), device.get(), !parser.isSet(keysOnlyOption));
    if (!exported.ok()) {
        err() << tr("Error: %1\nThe failed rows without the warehouse's columns: add --keys-only.")
                     .arg(exported.error().message)
              << "\n";
        return exitCodeFor(exported.error().category);
    }
    if (file && !file->commit()) {
        err() << tr("Error: %1 cannot be written: %2.").arg(outputPath, file->errorString()) << "\n";
        return ConfigurationError;
    }
    device.reset();
    QString note = tr("Run %1 (%2): %3 failed rows")
                       .arg(run->id)
                       .arg(run->started.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s),
                            formatCount(exported->written));
    if (exported->notInSource > 0) {
        note += tr(", %1 of them no longer in the source (key only)").arg(formatCount(exported->notInSource));
    }
    if (file) {
        note += tr(", written to %1").arg(outputPath);
    }
    err() << note << ".\n";
    if (exported->written > 0 && runId == 0) {
        err() << tr("Send only them again: d365sync-cli run %1 --retry-failed").arg(mappingPath) << "\n";
    }
    return Success;
}

} // namespace d365::cli
