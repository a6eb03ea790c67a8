// d365sync-cli: the headless runner. Runs exported mapping files, manages connection profiles.
// Everything it does lives in d365core; this file only starts the event loop.

#include "clicommands.h"
#include "clioutput.h"
#include "services/common/heap.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    d365::tuneHeapForSync();
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("D365Sync"));
    QCoreApplication::setApplicationName(QStringLiteral("d365sync"));
    QCoreApplication::setApplicationVersion(QStringLiteral(D365SYNC_VERSION));
    // Log lines share stderr with the live progress line: the console keeps them apart.
    d365::cli::Console::installMessageHandler();
    return d365::cli::runCommand(QCoreApplication::arguments());
}
