#include "commandline.h"

#include "clicommands.h"
#include "clioutput.h"

using namespace Qt::StringLiterals;

namespace d365::cli {

namespace {
// "profile add <name> --url URL" -> "profile add": the words that name the command.
QString commandWords(const QString &synopsis)
{
    QStringList words;
    for (const QString &word : synopsis.split(u' ', Qt::SkipEmptyParts)) {
        if (word.startsWith(u'<') || word.startsWith(u'[') || word.startsWith(u'-') || word.contains(u'|'))
            break;
        words << word;
    }
    return words.join(u' ');
}

const QCommandLineOption &helpOption()
{
    static const QCommandLineOption option({u"h"_s, u"help"_s}, tr("Show this help."));
    return option;
}
} // namespace

QString helpText(const CommandHelp &help)
{
    QList<QCommandLineOption> options = help.options;
    options.append(helpOption());
    QStringList left;
    qsizetype width = 0;
    for (const QCommandLineOption &option : options) {
        QStringList names;
        for (const QString &name : option.names())
            names << (name.size() == 1 ? u"-"_s : u"--"_s) + name;
        QString text = names.join(u", "_s);
        if (!option.valueName().isEmpty())
            text += u" <"_s + option.valueName() + u'>';
        width = qMax(width, text.size());
        left << text;
    }
    QString result = tr("Usage: d365sync-cli %1").arg(help.synopsis) + u"\n\n"_s + help.description +
                     u"\n\n"_s + tr("Options:") + u'\n';
    for (qsizetype i = 0; i < options.size(); ++i)
        result += u"  "_s + left.at(i).leftJustified(width + 2) + options.at(i).description() + u'\n';
    result += u'\n' +
              tr("Global options go before the command: --settings FILE, --verbose.\nAll commands and the "
                 "exit codes: d365sync-cli --help") +
              u'\n';
    return result;
}

bool asksForHelp(const QStringList &arguments)
{
    return arguments.contains(u"--help"_s) || arguments.contains(u"-h"_s) ||
           (arguments.size() == 2 && arguments.at(1) == "help"_L1);
}

std::optional<int> parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, int positionals,
                                    const CommandHelp &help)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(help.options);
    parser.addOption(helpOption());
    QStringList withProgram = arguments;
    withProgram.prepend(u"d365sync-cli"_s);
    const bool parsed = parser.parse(withProgram);
    // --help wins over everything else on the line: `run --help` has no mapping yet.
    if ((parsed && parser.isSet(helpOption())) || (!parsed && asksForHelp(arguments))) {
        out() << helpText(help);
        out().flush();
        return Success;
    }
    if (!parsed) {
        err() << tr("Error: %1").arg(parser.errorText()) << "\n"
              << tr("Usage: d365sync-cli %1").arg(help.synopsis) << "\n"
              << tr("More: d365sync-cli %1 --help").arg(commandWords(help.synopsis)) << "\n";
        return ConfigurationError;
    }
    if (parser.positionalArguments().size() != positionals) {
        err() << tr("Usage: d365sync-cli %1").arg(help.synopsis) << "\n"
              << tr("More: d365sync-cli %1 --help").arg(commandWords(help.synopsis)) << "\n";
        return ConfigurationError;
    }
    return std::nullopt;
}

} // namespace d365::cli
