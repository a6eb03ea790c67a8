#pragma once

// Test support: runs d365sync-cli as a process, the way a scheduler would, and collects what it said.
//
//   const CliResult r = runCli(settingsFile, {u"run"_s, mapping, u"--report"_s, report});
//   QCOMPARE(r.exitCode, 0);
//
// The child gets `environment` exactly as given; an empty one stands for the test's own environment without
// D365SYNC_ACCESS_TOKEN and D365SYNC_CLIENT_SECRET (cliEnvironment()), so a developer's own never leak into a
// test. `stdinData` is written to its stdin, which is then closed.

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace d365::testsupport {

struct CliResult
{
    int exitCode = -1; // -1: it crashed or did not exit within the timeout (err says which)
    QString out;
    QString err;
};

// The test's environment without the two variables that would sign the CLI in by themselves.
QProcessEnvironment cliEnvironment();

CliResult runCli(const QString &settingsFile, const QStringList &arguments,
                 const QProcessEnvironment &environment = {}, const QByteArray &stdinData = {},
                 int timeoutMs = 300000);

} // namespace d365::testsupport
