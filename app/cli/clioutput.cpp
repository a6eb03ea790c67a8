#include "clioutput.h"

#include <QIODevice>
#include <QMutexLocker>

#include <unistd.h>

namespace d365::cli {

namespace {

constexpr QByteArrayView ClearLine = "\r\x1b[2K"; // to column 0, erase the line

// err()'s device: every flushed piece of text goes through the console.
class ConsoleDevice : public QIODevice
{
public:
    ConsoleDevice() { open(QIODevice::WriteOnly | QIODevice::Unbuffered); }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 size) override
    {
        Console::instance().write(QByteArrayView(data, size));
        return size;
    }
};

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    Console::instance().writeLogLine(qFormatLogMessage(type, context, message).toUtf8());
}

} // namespace

Console &Console::instance()
{
    // Never destroyed: err()'s stream flushes into it during static destruction.
    static Console *const console = new Console(stderr, isatty(STDERR_FILENO) == 1);
    return *console;
}

Console::Console(FILE *stream, bool interactive)
    : m_stream(stream)
    , m_interactive(interactive)
{}

void Console::putLocked(QByteArrayView bytes)
{
    std::fwrite(bytes.data(), 1, size_t(bytes.size()), m_stream);
}

void Console::clearLocked()
{
    if (m_progressShown) {
        putLocked(ClearLine);
        m_progressShown = false;
    }
}

void Console::drawLocked()
{
    if (m_interactive && !m_progress.isEmpty() && !m_midLine) {
        putLocked(m_progress);
        m_progressShown = true;
    }
}

void Console::write(QByteArrayView text)
{
    if (text.isEmpty())
        return;
    QMutexLocker lock(&m_mutex);
    clearLocked();
    putLocked(text);
    m_midLine = !text.endsWith('\n');
    drawLocked();
    std::fflush(m_stream);
}

void Console::writeLogLine(QByteArrayView line)
{
    QMutexLocker lock(&m_mutex);
    clearLocked();
    if (m_midLine)
        putLocked("\n");
    putLocked(line);
    if (!line.endsWith('\n'))
        putLocked("\n");
    m_midLine = false;
    drawLocked();
    std::fflush(m_stream);
}

void Console::setProgressLine(const QString &line)
{
    if (!m_interactive)
        return;
    QMutexLocker lock(&m_mutex);
    m_progress = line.toUtf8();
    if (m_midLine)
        return; // drawn once the piece of text on screen has its newline
    putLocked(ClearLine);
    putLocked(m_progress);
    m_progressShown = true;
    std::fflush(m_stream);
}

void Console::endProgressLine()
{
    QMutexLocker lock(&m_mutex);
    if (m_progressShown)
        putLocked("\n");
    m_progressShown = false;
    m_progress.clear();
    std::fflush(m_stream);
}

void Console::installMessageHandler()
{
    qInstallMessageHandler(messageHandler);
}

QTextStream &err()
{
    static ConsoleDevice device;
    static QTextStream stream(&device);
    return stream;
}

} // namespace d365::cli
