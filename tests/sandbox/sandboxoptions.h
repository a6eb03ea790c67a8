#pragma once

// Command-line flags of the service model (cost profile, time scale, service-protection limits, fault
// injection, request log), kept out of main.cpp:
//
//   addServiceOptions(parser);  parser.process(app);
//   if (!applyServiceOptions(parser, server, &error)) -> exit 2 with the message
//
// applyServiceOptions adds the fault-injection and service-protection stages (in that order, after the
// bearer-token check), the admin routes /_sandbox/faults and /_sandbox/limits, and the request log.

#include <QString>

class QCommandLineParser;

namespace d365::sandbox {

class SandboxServer;

void addServiceOptions(QCommandLineParser &parser);
bool applyServiceOptions(const QCommandLineParser &parser, SandboxServer &server, QString *error);

} // namespace d365::sandbox
