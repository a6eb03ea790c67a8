#pragma once

// The one way a d365sync-cli command waits for asynchronous work (keychain jobs, HTTP requests, a sync).
//
//   return runToCompletion([&](const Finish &finish) {
//       client.send(request, &context, [&, finish](const DataverseResponse &r) {
//           finish(r.ok() ? Success : fail(...));
//       });
//   });
//
// Why not `start(); QCoreApplication::exec();` with QCoreApplication::exit() in the callbacks: an exit
// requested before exec() runs is lost (exec() starts by clearing it), and many callbacks run synchronously
// (a token that cannot be obtained fails inside send(), a keychain-less profile fails inside create()), so
// the process waited forever — and its buffered error message never reached the terminal.
//
// Here `start` runs from inside the event loop, the first finish() records the exit code (later calls are
// ignored), and the loop also ends when finish() ran before it started. stdout and stderr are flushed before
// the exit code is returned. Calls do not nest: run them one after another (each spins one event loop on
// the main thread, which does nothing else in a console command).

#include <functional>

namespace d365::cli {

using Finish = std::function<void(int exitCode)>;

int runToCompletion(const std::function<void(const Finish &finish)> &start);

} // namespace d365::cli
