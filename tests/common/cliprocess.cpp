#include "cliprocess.h"

#include <QProcess>

using namespace Qt::StringLiterals;

namespace d365::testsupport {

QProcessEnvironment cliEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"D365SYNC_ACCESS_TOKEN"_s);
    env.remove(u"D365SYNC_CLIENT_SECRET"_s);
    return env;
}

CliResult runCli(const QString &settingsFile, const QStringList &arguments,
                 const QProcessEnvironment &environment, const QByteArray &stdinData, int timeoutMs)
{
    QProcess process;
    process.setProcessEnvironment(environment.isEmpty() ? cliEnvironment() : environment);
    process.start(QStringLiteral(D365_CLI_EXE), QStringList{u"--settings"_s, settingsFile} + arguments);
    if (!stdinData.isEmpty()) {
        process.write(stdinData);
    }
    process.closeWriteChannel();
    CliResult result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        result.err = u"d365sync-cli did not exit within %1 s"_s.arg(timeoutMs / 1000);
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

} // namespace d365::testsupport
