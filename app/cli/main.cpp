// d365sync-cli: the headless runner. Runs exported mapping files, manages connection profiles.
// Everything it does lives in d365core; this file only starts the event loop.

#include "clicommands.h"

#include <QCoreApplication>
#include <QTimer>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("D365Sync"));
    QCoreApplication::setApplicationName(QStringLiteral("d365sync"));
    QCoreApplication::setApplicationVersion(QStringLiteral(D365SYNC_VERSION));
    return d365::cli::runCommand(QCoreApplication::arguments());
}
