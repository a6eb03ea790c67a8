#include "runtocompletion.h"

#include "clioutput.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <memory>
#include <optional>

namespace d365::cli {

int runToCompletion(const std::function<void(const Finish &finish)> &start)
{
    struct State
    {
        std::optional<int> exitCode;
        QEventLoop *loop = nullptr; // set while the loop runs
    };
    auto state = std::make_shared<State>();
    const Finish finish = [state](int exitCode) {
        if (state->exitCode)
            return; // the first outcome wins (e.g. an error, then the cleanup's own callback)
        state->exitCode = exitCode;
        if (state->loop)
            state->loop->exit(exitCode);
    };

    QEventLoop loop;
    // Queued, so that start() and everything it calls synchronously runs inside the loop; a finish() there
    // is then an exit of a running loop.
    QTimer::singleShot(0, &loop, [&] { start(finish); });
    state->loop = &loop;
    const int loopExitCode = loop.exec();
    state->loop = nullptr; // a late finish() (from a callback after the command ended) has nothing to stop

    out().flush();
    err().flush();
    return state->exitCode.value_or(loopExitCode);
}

} // namespace d365::cli
