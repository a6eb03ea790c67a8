#include "warehousecommands.h"

#include "clicommands.h"
#include "clioutput.h"
#include "commandline.h"
#include "runtocompletion.h"
#include "services/auth/warehousecredentials.h"
#include "services/mapping/mappingfile.h"
#include "services/settings/settings.h"
#include "services/warehouse/sqlsource.h"

#include <QCommandLineParser>
#include <QFileInfo>

#include <iostream>
#include <string>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace d365::cli {

namespace {

const char *const WarehouseUsage = R"(Usage: d365sync-cli warehouse add|list|show|test|remove|set-password ...

Warehouse connections: where postgresql and odbc mapping files read from
("source": { "type": "postgresql", "connection": "NAME", "query": "SELECT ...", ... }). A connection holds no
secret: its password is read from stdin into the OS keychain, or given in D365SYNC_WAREHOUSE_PASSWORD_<NAME>
(the name in upper case, other characters than A-Z and 0-9 as '_') for headless runs.

Commands:
  warehouse add <name> --kind postgresql|odbc [--host HOST] [--port N] [--database DB] [--user USER]
                [--driver NAME | --dsn DSN] [--options TEXT] [--password-stdin]
                                         create or replace a connection
  warehouse list                         every connection: name, kind, server
  warehouse show <name>                  one connection, and where its password comes from
  warehouse test <name>                  connect and say what answered
  warehouse remove <name>                delete a connection and its stored password
  warehouse set-password <name>          store the connection's password, read from stdin

Each prints its own help, e.g. d365sync-cli warehouse add --help
)";

int exitCodeFor(const Error &error)
{
    return error.category == ErrorCategory::Internal ? ServiceError : ConfigurationError;
}

int fail(const Error &error)
{
    err() << tr("Error: %1").arg(error.message) << "\n";
    err().flush();
    return exitCodeFor(error);
}

int settingsNotSaved(const Error &error)
{
    err() << tr("Error: %1 The settings file is chosen with --settings FILE or D365SYNC_SETTINGS.")
                 .arg(error.message)
          << "\n";
    return ConfigurationError;
}

int unknownConnection(const QString &name, const Settings &settings)
{
    const QStringList names = settings.warehouseConnectionNames();
    err() << tr("No warehouse connection named '%1'. Known warehouse connections: %2. Create one with "
                "`d365sync-cli warehouse add %1 --kind postgresql --host HOST --database DB --user USER`.")
                 .arg(name, names.isEmpty() ? tr("(none)") : names.join(u", "_s))
          << "\n";
    return ConfigurationError;
}

// One line of stdin, without its line break (a password may begin or end with spaces: they are kept).
std::optional<QString> readPasswordLine()
{
    std::string line;
    if (!std::getline(std::cin, line))
        return std::nullopt;
    QString text = QString::fromStdString(line);
    if (text.endsWith(u'\r'))
        text.chop(1);
    if (text.isEmpty())
        return std::nullopt;
    return text;
}

int noPasswordOnStdin(const QString &name)
{
    err() << tr("Error: no password on stdin. Pipe it in, e.g. `printf %s \"$PASSWORD\" | d365sync-cli "
                "warehouse set-password %1`; a password is never taken from the arguments (they show in `ps` "
                "and the shell history).")
                 .arg(name)
          << "\n";
    return ConfigurationError;
}

int storePassword(const QString &name, const QString &password)
{
    QObject context;
    return runToCompletion([&](const Finish &finish) {
        WarehouseCredentials::store(name, password, &context, [&, finish](Result<void> stored) {
            if (!stored.ok()) {
                finish(fail(stored.error()));
                return;
            }
            err() << tr("Stored the password of warehouse connection '%1' in the keychain.").arg(name)
                  << "\n";
            finish(Success);
        });
    });
}

void printConnection(const WarehouseConnection &connection)
{
    out() << connection.name << "\t" << WarehouseConnection::kindName(connection.kind) << "\t"
          << connection.describe() << "\n";
}

// Where the password of a connection comes from, in words; the password itself is never shown.
QString passwordSource(const WarehouseConnection &connection)
{
    if (const auto fromEnvironment = WarehouseCredentials::environmentPassword(connection.name)) {
        return fromEnvironment->isEmpty()
                   ? tr("none (%1 is set and empty)").arg(connection.passwordVariable())
                   : tr("from %1").arg(connection.passwordVariable());
    }
    QString text;
    QObject context;
    runToCompletion([&](const Finish &finish) {
        WarehouseCredentials::hasStoredPassword(connection.name, &context, [&, finish](Result<bool> stored) {
            if (!stored.ok())
                text = tr("unknown: %1").arg(stored.error().message);
            else if (stored.value())
                text = tr("in the keychain");
            else
                text = tr("none stored (d365sync-cli warehouse set-password %1, or set %2)")
                           .arg(connection.name, connection.passwordVariable());
            finish(Success);
        });
    });
    return text;
}

int add(const QStringList &rest, Settings &settings)
{
    QCommandLineParser parser;
    const QCommandLineOption kindOption(u"kind"_s, tr("postgresql (Qt's QPSQL driver) or odbc (required)."),
                                        u"kind"_s);
    const QCommandLineOption hostOption(
        u"host"_s, tr("Server name or address (postgresql: also a Unix socket folder)."), u"host"_s);
    const QCommandLineOption portOption(
        u"port"_s, tr("TCP port (default: the driver's, 5432 for PostgreSQL)."), u"port"_s);
    const QCommandLineOption databaseOption(u"database"_s, tr("Database name."), u"name"_s);
    const QCommandLineOption userOption(u"user"_s, tr("User name."), u"user"_s);
    const QCommandLineOption driverOption(
        u"driver"_s,
        tr("odbc: the ODBC driver's name as `odbcinst -q -d` lists it, e.g. \"PostgreSQL Unicode\"."),
        u"name"_s);
    const QCommandLineOption dsnOption(u"dsn"_s, tr("odbc: a data source from odbc.ini instead of --driver."),
                                       u"dsn"_s);
    const QCommandLineOption optionsOption(
        u"options"_s,
        tr("More connection parameters, ';'-separated: libpq's for postgresql (sslmode=require), connection "
           "string attributes for odbc (Warehouse=WH;Role=R). Never a password."),
        u"text"_s);
    const QCommandLineOption passwordOption(
        u"password-stdin"_s, tr("Also store the password, read from the first line of stdin."));
    const CommandHelp help{
        u"warehouse add <name> --kind postgresql|odbc [--host HOST] [--port N] [--database DB] [--user USER] "
        "[--driver NAME | --dsn DSN] [--options TEXT] [--password-stdin]"_s,
        tr("Create a warehouse connection, or replace the one with that name. Mapping files name it in\n"
           "source.connection. Examples:\n"
           "  warehouse add dw --kind postgresql --host db.example.com --database sales --user sync\n"
           "  warehouse add mssql --kind odbc --driver \"ODBC Driver 18 for SQL Server\" --host "
           "sql.example.com\n"
           "                --database sales --user sync --options \"Encrypt=yes\"\n"
           "  warehouse add snow --kind odbc --dsn snowflake --user SYNC\n"
           "The password goes to the keychain (--password-stdin, or `warehouse set-password`), never into\n"
           "the settings."),
        {kindOption, hostOption, portOption, databaseOption, userOption, driverOption, dsnOption,
         optionsOption, passwordOption}};
    if (const auto stop = parseCommandLine(parser, rest, 2, help))
        return *stop;
    const QString name = parser.positionalArguments().at(1);
    if (!parser.isSet(kindOption)) {
        err() << tr("warehouse add needs --kind postgresql or --kind odbc.") << "\n";
        return ConfigurationError;
    }
    const auto kind = WarehouseConnection::kindFromName(parser.value(kindOption));
    if (!kind) {
        err() << tr("--kind must be postgresql or odbc, not '%1'. (SQLite and CSV sources are files: the "
                    "mapping "
                    "file names them in source.path.)")
                     .arg(parser.value(kindOption))
              << "\n";
        return ConfigurationError;
    }
    WarehouseConnection connection;
    connection.name = name;
    connection.kind = *kind;
    connection.host = parser.value(hostOption);
    if (parser.isSet(portOption)) {
        bool ok = false;
        connection.port = parser.value(portOption).toInt(&ok);
        if (!ok || connection.port < 1 || connection.port > 65535) {
            err() << tr("--port must be a TCP port from 1 to 65535, not '%1'.").arg(parser.value(portOption))
                  << "\n";
            return ConfigurationError;
        }
    }
    connection.database = parser.value(databaseOption);
    connection.user = parser.value(userOption);
    connection.driver = parser.value(driverOption);
    connection.dsn = parser.value(dsnOption);
    connection.options = parser.value(optionsOption);
    // Read before anything is saved: a missing password must not leave half a connection behind.
    std::optional<QString> password;
    if (parser.isSet(passwordOption)) {
        password = readPasswordLine();
        if (!password)
            return noPasswordOnStdin(name);
    }
    if (const auto saved = settings.saveWarehouseConnection(connection); !saved.ok()) {
        err() << tr("Error: %1").arg(saved.error().message) << "\n";
        return ConfigurationError;
    }
    if (const auto written = settings.sync(); !written.ok())
        return settingsNotSaved(written.error());
    const auto stored = settings.warehouseConnection(connection.name.trimmed());
    err() << tr("Saved warehouse connection '%1' (%2).").arg(stored->name, stored->describe()) << "\n";
    if (password)
        return storePassword(stored->name, *password);
    err() << tr("Store its password with `printf %s \"$PASSWORD\" | d365sync-cli warehouse set-password %1` "
                "(or "
                "set %2 for headless runs), then check it with `d365sync-cli warehouse test %1`.")
                 .arg(stored->name, stored->passwordVariable())
          << "\n";
    return Success;
}

int test(const WarehouseConnection &connection)
{
    // The password: the environment, else the keychain (read on this, the main, thread before connecting).
    QString from = tr("no password");
    if (const auto fromEnvironment = WarehouseCredentials::environmentPassword(connection.name)) {
        if (!fromEnvironment->isEmpty())
            from = tr("password from %1").arg(connection.passwordVariable());
    } else {
        QObject context;
        int code = Success;
        runToCompletion([&](const Finish &finish) {
            WarehouseCredentials::prefetch(connection.name, &context, [&, finish](Result<void> read) {
                if (!read.ok())
                    code = fail(read.error());
                finish(code);
            });
        });
        if (code != Success)
            return code;
    }
    const auto password = WarehouseCredentials::password(connection);
    if (!password.ok())
        return fail(password.error());
    if (!WarehouseCredentials::environmentPassword(connection.name) && !password.value().isEmpty())
        from = tr("password from the keychain");
    err() << tr("Connecting to %1…").arg(connection.describe()) << "\n";
    err().flush();
    const auto answered = SqlSource::testConnection(connection, password.value());
    if (!answered.ok())
        return fail(answered.error());
    out() << tr("Connected to %1 through warehouse connection '%2' (%3; %4).")
                 .arg(answered.value(), connection.name, connection.describe(), from)
          << "\n";
    return Success;
}

int remove(const WarehouseConnection &connection, Settings &settings)
{
    settings.removeWarehouseConnection(connection.name);
    if (const auto written = settings.sync(); !written.ok())
        return settingsNotSaved(written.error());
    err() << tr("Removed warehouse connection '%1'.").arg(connection.name) << "\n";
    QObject context;
    runToCompletion([&](const Finish &finish) {
        WarehouseCredentials::remove(connection.name, &context, [&, finish](Result<void> removed) {
            if (!removed.ok()) {
                // The connection is gone either way; a keychain that cannot be reached holds no password.
                err() << tr("Note: its password could not be removed from the keychain: %1")
                             .arg(removed.error().message)
                      << "\n";
            }
            finish(Success);
        });
    });
    return Success;
}

} // namespace

int commandWarehouse(const QStringList &arguments, Settings &settings)
{
    const QString sub = arguments.value(1);
    const QStringList rest = arguments.mid(1);
    if (sub.isEmpty() || sub == "--help"_L1 || sub == "-h"_L1 || sub == "help"_L1) {
        (sub.isEmpty() ? err() : out()) << QString::fromUtf8(WarehouseUsage);
        return sub.isEmpty() ? ConfigurationError : Success;
    }
    if (sub == "add"_L1)
        return add(rest, settings);
    if (sub == "list"_L1) {
        QCommandLineParser parser;
        const CommandHelp help{u"warehouse list"_s,
                               tr("List every warehouse connection, one per line: name, kind (postgresql or "
                                  "odbc) and\nwhere it connects, separated by tabs."),
                               {}};
        if (const auto stop = parseCommandLine(parser, rest, 1, help))
            return *stop;
        const QStringList names = settings.warehouseConnectionNames();
        if (names.isEmpty()) {
            err() << tr("No warehouse connections. Add one with: d365sync-cli warehouse add <name> --kind "
                        "postgresql --host HOST --database DB --user USER")
                  << "\n";
        }
        for (const QString &name : names) {
            if (const auto connection = settings.warehouseConnection(name))
                printConnection(*connection);
        }
        return Success;
    }
    const QStringList named = {u"show"_s, u"test"_s, u"remove"_s, u"set-password"_s};
    if (named.contains(sub)) {
        QString description;
        if (sub == "show"_L1) {
            description = tr("Show one warehouse connection, and where its password comes from (never the "
                             "password).");
        } else if (sub == "test"_L1) {
            description =
                tr("Connect with the connection's password (D365SYNC_WAREHOUSE_PASSWORD_<NAME>, else "
                   "the keychain)\nand say what answered; exit 2 with what to fix when it fails.");
        } else if (sub == "remove"_L1) {
            description = tr("Delete a warehouse connection from the settings and its password from the "
                             "keychain.");
        } else {
            description =
                tr("Store the password of a warehouse connection in the OS keychain. The password is "
                   "read from\nthe first line of stdin, never from the arguments: printf %s "
                   "\"$PASSWORD\" | d365sync-cli warehouse set-password dw");
        }
        QCommandLineParser parser;
        const CommandHelp help{u"warehouse %1 <name>"_s.arg(sub), description, {}};
        if (const auto stop = parseCommandLine(parser, rest, 2, help))
            return *stop;
        const QString name = parser.positionalArguments().at(1);
        const auto connection = settings.warehouseConnection(name);
        if (!connection)
            return unknownConnection(name, settings);
        if (sub == "show"_L1) {
            const WarehouseConnection &c = *connection;
            out() << tr("name: %1").arg(c.name) << "\n"
                  << tr("kind: %1").arg(WarehouseConnection::kindName(c.kind)) << "\n";
            const QList<std::pair<QString, QString>> lines = {
                {tr("driver"), c.driver},     {tr("dsn"), c.dsn},
                {tr("host"), c.host},         {tr("port"), c.port > 0 ? QString::number(c.port) : QString()},
                {tr("database"), c.database}, {tr("user"), c.user},
                {tr("options"), c.options}};
            for (const auto &[label, value] : lines) {
                if (!value.isEmpty())
                    out() << label << ": " << value << "\n";
            }
            out() << tr("password: %1").arg(passwordSource(c)) << "\n";
            return Success;
        }
        if (sub == "test"_L1)
            return test(*connection);
        if (sub == "remove"_L1)
            return remove(*connection, settings);
        const auto password = readPasswordLine();
        if (!password)
            return noPasswordOnStdin(name);
        return storePassword(name, *password);
    }
    err() << tr("Unknown warehouse command '%1'.").arg(sub) << "\n\n" << QString::fromUtf8(WarehouseUsage);
    return ConfigurationError;
}

void prepareWarehouseSources(const QStringList &arguments, Settings &settings)
{
    WarehouseCredentials::install(settings.fileName());
    const QString command = arguments.value(0);
    // run and validate open the source (validate and failed on this thread); failed re-reads it for the
    // export.
    if ((command != "run"_L1 && command != "validate"_L1 && command != "failed"_L1) || asksForHelp(arguments))
        return;
    // The mapping file is the positional argument; options may come before it, so every argument that names
    // a mapping file is looked at (an option's value that happens to be a mapping file costs one keychain
    // read).
    QStringList names;
    for (const QString &argument : arguments.mid(1)) {
        if (argument.startsWith(u'-') || !argument.endsWith(".json"_L1, Qt::CaseInsensitive) ||
            !QFileInfo(argument).isFile())
            continue;
        const MappingLoadResult loaded = MappingFile::load(argument);
        if (!loaded.ok() || loaded.mapping->source.readsFile())
            continue;
        const QString name = loaded.mapping->source.connection;
        if (!names.contains(name) && !WarehouseCredentials::environmentPassword(name) &&
            settings.warehouseConnection(name))
            names << name;
    }
    for (const QString &name : std::as_const(names)) {
        QObject context;
        runToCompletion([&](const Finish &finish) {
            WarehouseCredentials::prefetch(name, &context, [finish](Result<void>) { finish(Success); });
        });
    }
}

} // namespace d365::cli
