// Console, the d365sync-cli stderr: log lines (from any thread) and messages never land on the live progress
// line of `run`: the line is cleared first and drawn again after them; without a terminal there is no live
// line at all.

#include "clioutput.h"

#include <QTest>
#include <QThread>

#include <cstdio>

using namespace Qt::StringLiterals;
using d365::cli::Console;

namespace {

const QByteArray Clear = "\r\x1b[2K";

// A console writing into a temporary file, and what it wrote.
class Capture
{
public:
    explicit Capture(bool interactive)
        : m_file(std::tmpfile())
        , m_console(m_file, interactive)
    {}
    ~Capture() { std::fclose(m_file); }
    Console &console() { return m_console; }
    QByteArray written()
    {
        std::fflush(m_file);
        QByteArray bytes(std::ftell(m_file), Qt::Uninitialized);
        std::rewind(m_file);
        bytes.resize(qsizetype(std::fread(bytes.data(), 1, size_t(bytes.size()), m_file)));
        std::fseek(m_file, 0, SEEK_END);
        return bytes;
    }
    // What a terminal shows: each line as it stands after every clear-line and carriage return.
    QByteArrayList screen()
    {
        QByteArrayList lines;
        for (QByteArray line : written().split('\n')) {
            const qsizetype clear = line.lastIndexOf("\x1b[2K");
            if (clear >= 0)
                line = line.mid(clear + 4);
            const qsizetype cr = line.lastIndexOf('\r');
            if (cr >= 0)
                line = line.mid(cr + 1);
            lines << line;
        }
        return lines;
    }

private:
    FILE *m_file;
    Console m_console;
};

} // namespace

class TestCliOutput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void logLine_whileProgressShows_clearsItAndDrawsItAgainBelow();
    void message_whileProgressShows_clearsItAndDrawsItAgainBelow();
    void endProgressLine_keepsTheLastStateOnScreen();
    void logLine_afterTextWithoutNewline_startsOnItsOwnLine();
    void noTerminal_noLiveLineAndTextPassesUnchanged();
    void logLines_fromManyThreads_neverShareALineWithProgress();
};

void TestCliOutput::logLine_whileProgressShows_clearsItAndDrawsItAgainBelow()
{
    Capture capture(true);
    capture.console().setProgressLine(u"upsert: 100 / 2,000 rows (5%)"_s);
    capture.console().writeLogLine("d365.dataverse.client: HTTP 503 - retrying in 500 ms");
    QCOMPARE(capture.written(), QByteArray(Clear + "upsert: 100 / 2,000 rows (5%)" + Clear +
                                           "d365.dataverse.client: HTTP 503 - retrying in 500 ms\n" +
                                           "upsert: 100 / 2,000 rows (5%)"));
    capture.console().setProgressLine(u"upsert: 200 / 2,000 rows (10%)"_s);
    QCOMPARE(capture.screen(), (QByteArrayList{"d365.dataverse.client: HTTP 503 - retrying in 500 ms",
                                               "upsert: 200 / 2,000 rows (10%)"}));
}

void TestCliOutput::message_whileProgressShows_clearsItAndDrawsItAgainBelow()
{
    Capture capture(true);
    capture.console().setProgressLine(u"upsert: 7 / 10 rows (70%)"_s);
    capture.console().write("Error: Insufficient privileges\n");
    QCOMPARE(capture.screen(),
             (QByteArrayList{"Error: Insufficient privileges", "upsert: 7 / 10 rows (70%)"}));
}

void TestCliOutput::endProgressLine_keepsTheLastStateOnScreen()
{
    Capture capture(true);
    capture.console().setProgressLine(u"upsert: 10 / 10 rows (100%)"_s);
    capture.console().endProgressLine();
    capture.console().write("  row 3 (key 3): failed\n");
    QCOMPARE(capture.screen(),
             (QByteArrayList{"upsert: 10 / 10 rows (100%)", "  row 3 (key 3): failed", ""}));
}

void TestCliOutput::logLine_afterTextWithoutNewline_startsOnItsOwnLine()
{
    Capture capture(true);
    capture.console().write("Waiting");
    capture.console().writeLogLine("d365.auth.oauthsignin: waiting for the browser");
    capture.console().write("…done\n");
    QCOMPARE(capture.screen(),
             (QByteArrayList{"Waiting", "d365.auth.oauthsignin: waiting for the browser", "…done", ""}));
}

void TestCliOutput::noTerminal_noLiveLineAndTextPassesUnchanged()
{
    Capture capture(false);
    QVERIFY(!capture.console().isInteractive());
    capture.console().setProgressLine(u"upsert: 1 / 2 rows (50%)"_s);
    capture.console().writeLogLine("d365.sync.worker: sync of contacts");
    capture.console().write("upsert: 2 / 2 rows (100%)\n");
    capture.console().endProgressLine();
    QCOMPARE(capture.written(),
             QByteArray("d365.sync.worker: sync of contacts\nupsert: 2 / 2 rows (100%)\n"));
}

void TestCliOutput::logLines_fromManyThreads_neverShareALineWithProgress()
{
    Capture capture(true);
    QList<QThread *> threads;
    for (int t = 0; t < 4; ++t) {
        threads << QThread::create([&capture, t] {
            for (int i = 0; i < 200; ++i) {
                const QByteArray line =
                    "d365.test.thread" + QByteArray::number(t) + ": line " + QByteArray::number(i);
                capture.console().writeLogLine(line);
            }
        });
        threads.last()->start();
    }
    for (int i = 0; i < 200; ++i)
        capture.console().setProgressLine(u"upsert: %1 / 200 rows"_s.arg(i));
    for (QThread *thread : threads) {
        QVERIFY(thread->wait(30000));
        delete thread;
    }
    const QByteArrayList screen = capture.screen();
    QCOMPARE(screen.size(), 801); // 800 log lines, then the live line
    for (qsizetype i = 0; i < 800; ++i)
        QVERIFY2(screen.at(i).startsWith("d365.test.thread") && !screen.at(i).contains("rows"),
                 screen.at(i).constData());
    QVERIFY(screen.last().startsWith("upsert: "));
}

QTEST_GUILESS_MAIN(TestCliOutput)
#include "tst_clioutput.moc"
