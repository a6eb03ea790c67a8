#pragma once

// Output helpers shared by the d365sync-cli commands: messages for the user go to stderr, results
// (summaries, lists) to stdout; text for users is translated in the "d365sync-cli" context.
//
// stderr is shared by three writers, from any thread: err() (messages), the Qt message handler (log lines
// of the d365.* categories, from worker threads too) and, on a terminal, `run`'s live progress line. All of
// them go through Console, which keeps one piece of state — the progress line on screen — under one lock:
//
//   setProgressLine("upsert: 100 / 2,000 rows …")   draws it ("\r" + clear line + text, no newline)
//   write("Error: …\n") / a log line               clears the progress line, prints, draws it again below
//   endProgressLine()                              leaves the last progress line on screen, ends the line
//
// so a log line never lands on the progress line, and the progress line is never lost under one. Without a
// terminal there is no live line: `run` prints a progress line every two seconds with err() instead.

#include <QByteArray>
#include <QCoreApplication>
#include <QMutex>
#include <QString>
#include <QTextStream>

#include <cstdio>

namespace d365::cli {

inline QString tr(const char *text)
{
    return QCoreApplication::translate("d365sync-cli", text);
}

class Console
{
public:
    // The process's stderr; interactive when it is a terminal.
    static Console &instance();
    // Tests: any stream, interactive or not.
    Console(FILE *stream, bool interactive);
    Console(const Console &) = delete;
    Console &operator=(const Console &) = delete;

    bool isInteractive() const { return m_interactive; }

    // Text for the user (whole lines or pieces of one); the progress line is cleared before and drawn again
    // after the text once it ends a line.
    void write(QByteArrayView text);
    // One log line: starts on a line of its own even after a piece of text without a newline.
    void writeLogLine(QByteArrayView line);
    // Shows (terminal) or remembers nothing (no terminal) the live progress line.
    void setProgressLine(const QString &line);
    // Keeps the current progress line as the last state on screen and moves below it.
    void endProgressLine();

    // Routes qDebug/qInfo/qWarning/… (formatted by qFormatLogMessage, so QT_MESSAGE_PATTERN applies) to
    // writeLogLine() of instance().
    static void installMessageHandler();

private:
    void clearLocked();
    void drawLocked();
    void putLocked(QByteArrayView bytes);

    FILE *const m_stream;
    const bool m_interactive;
    QMutex m_mutex;
    QByteArray m_progress;        // the live line's text; empty when there is none
    bool m_progressShown = false; // the cursor is at the end of the drawn progress line
    bool m_midLine = false;       // text without its newline was written last
};

inline QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

// stderr through Console. Buffered like any QTextStream: flush() after a message that must show now.
QTextStream &err();

} // namespace d365::cli
