// runToCompletion, the one way d365sync-cli commands wait: an exit requested synchronously inside the
// command's start (the error that arrives before the event loop runs) must end it, not be lost.

#include "runtocompletion.h"

#include <QCoreApplication>
#include <QTest>
#include <QTimer>

using namespace d365::cli;

class TestCliRunToCompletion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void finishInsideStart_returnsItsExitCode();
    void finishFromALaterEvent_returnsItsExitCode();
    void finishTwice_firstExitCodeWins();
    void commandsInSequence_eachReturnsItsOwnExitCode();
    void finishAfterReturn_isIgnored();
};

void TestCliRunToCompletion::finishInsideStart_returnsItsExitCode()
{
    // The callback of an asynchronous API that failed at once (no token, no keychain) runs inside start().
    QCOMPARE(runToCompletion([](const Finish &finish) { finish(3); }), 3);
}

void TestCliRunToCompletion::finishFromALaterEvent_returnsItsExitCode()
{
    bool started = false;
    const int code = runToCompletion([&](const Finish &finish) {
        started = true;
        QTimer::singleShot(0, qApp, [finish] { QTimer::singleShot(0, qApp, [finish] { finish(4); }); });
    });
    QVERIFY(started);
    QCOMPARE(code, 4);
}

void TestCliRunToCompletion::finishTwice_firstExitCodeWins()
{
    QCOMPARE(runToCompletion([](const Finish &finish) {
                 finish(2);
                 finish(0);
             }),
             2);
}

void TestCliRunToCompletion::commandsInSequence_eachReturnsItsOwnExitCode()
{
    // `auth logout --secret` runs two keychain jobs one after the other.
    QCOMPARE(runToCompletion([](const Finish &finish) { finish(0); }), 0);
    QCOMPARE(
        runToCompletion([](const Finish &finish) { QTimer::singleShot(0, qApp, [finish] { finish(1); }); }),
        1);
    QCOMPARE(runToCompletion([](const Finish &finish) { finish(130); }), 130);
}

void TestCliRunToCompletion::finishAfterReturn_isIgnored()
{
    Finish kept;
    QCOMPARE(runToCompletion([&](const Finish &finish) {
                 kept = finish;
                 finish(0);
             }),
             0);
    kept(5); // a straggling callback after the command ended: no crash, no effect on the next command
    QCOMPARE(runToCompletion([](const Finish &finish) { finish(1); }), 1);
}

QTEST_GUILESS_MAIN(TestCliRunToCompletion)
#include "tst_cliruntocompletion.moc"
