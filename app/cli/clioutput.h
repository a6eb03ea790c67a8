#pragma once

// Output helpers shared by the d365sync-cli commands: messages for the user go to stderr, results
// (summaries, lists) to stdout; text for users is translated in the "d365sync-cli" context.

#include <QCoreApplication>
#include <QString>
#include <QTextStream>

#include <cstdio>

namespace d365::cli {

inline QString tr(const char *text)
{
    return QCoreApplication::translate("d365sync-cli", text);
}

inline QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

inline QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

} // namespace d365::cli
