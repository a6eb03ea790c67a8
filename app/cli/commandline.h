#pragma once

// The command line of one d365sync-cli command: its options, its help (`<command> --help`, `-h`) and the
// answer to a wrong call (the problem and the synopsis, exit 2).
//
//   const CommandHelp help{u"run <mapping.json> [--profile NAME]"_s, tr("Sync …"), {profileOption}};
//   QCommandLineParser parser;
//   if (const auto stop = parseCommandLine(parser, arguments, 2, help))
//       return *stop;   // help printed (0) or the problem printed (2)

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::cli {

struct CommandHelp
{
    QString synopsis;    // after "d365sync-cli ", e.g. "profile show <name>"
    QString description; // what the command does, lines of at most ~100 characters
    QList<QCommandLineOption> options;
};

// "Usage: d365sync-cli <synopsis>", the description, every option with its value and description, -h/--help.
QString helpText(const CommandHelp &help);

// Adds help.options (and -h/--help) to parser and parses arguments ("<command> [<sub-command>] …", without
// the program): nullopt when the command should run, with `positionals` positional arguments (the command
// words included); otherwise the exit code, after printing the help (stdout, 0) or the problem and the
// synopsis (stderr, 2).
std::optional<int> parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, int positionals,
                                    const CommandHelp &help);

// True when the arguments ask for help (-h, --help or "help" as the first word after the command).
bool asksForHelp(const QStringList &arguments);

} // namespace d365::cli
