#include "services/warehouse/warehouseconnection.h"

#include <QCoreApplication>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(WarehouseConnection)
};

Error configurationError(const QString &message, const QString &detail = {})
{
    return Error::make(ErrorCategory::Configuration, message, detail);
}

} // namespace

QString WarehouseConnection::kindName(Kind kind)
{
    return kind == Kind::Odbc ? u"odbc"_s : u"postgresql"_s;
}

std::optional<WarehouseConnection::Kind> WarehouseConnection::kindFromName(const QString &name)
{
    if (name == "postgresql"_L1)
        return Kind::PostgreSql;
    if (name == "odbc"_L1)
        return Kind::Odbc;
    return std::nullopt;
}

Result<QString> WarehouseConnection::validateName(const QString &text)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9._-]{1,64}$"_s);
    const QString name = text.trimmed();
    if (!pattern.match(name).hasMatch()) {
        return configurationError(
            Text::tr("\"%1\" is not a valid warehouse connection name: use 1 to 64 letters, digits, '-', '_' "
                     "or '.' (e.g. dw-prod).")
                .arg(text),
            u"invalid warehouse connection name"_s);
    }
    return name;
}

bool containsPasswordAttribute(const QString &text)
{
    static const QRegularExpression pattern(u"(^|[;\\s{])\\s*(password|pwd|passwd)\\s*="_s,
                                            QRegularExpression::CaseInsensitiveOption);
    return pattern.match(text).hasMatch();
}

Result<void> WarehouseConnection::validate() const
{
    const auto validName = validateName(name);
    if (!validName)
        return validName.error();
    if (port < 0 || port > 65535) {
        return configurationError(
            Text::tr("Warehouse connection '%1': the port %2 is not a TCP port (1 to 65535).")
                .arg(name)
                .arg(port));
    }
    if (containsPasswordAttribute(options)) {
        return configurationError(
            Text::tr("Warehouse connection '%1': the options contain a password. Remove it: the password is "
                     "kept in the OS keychain (d365sync-cli warehouse set-password %1) or in the environment "
                     "variable %2, never in the settings.")
                .arg(name, passwordVariable()));
    }
    for (const QString &value : {host, database, user, driver, dsn}) {
        if (value.contains(u';') || value.contains(u'\n')) {
            return configurationError(
                Text::tr("Warehouse connection '%1': \"%2\" contains a ';' or a line break. Put further "
                         "connection attributes into the options instead.")
                    .arg(name, value));
        }
    }
    switch (kind) {
    case Kind::PostgreSql:
        if (host.trimmed().isEmpty()) {
            return configurationError(
                Text::tr(
                    "Warehouse connection '%1' needs a host: the PostgreSQL server's name or address "
                    "(e.g. db.example.com), or the folder of its Unix socket (e.g. /var/run/postgresql).")
                    .arg(name));
        }
        if (database.trimmed().isEmpty()) {
            return configurationError(
                Text::tr("Warehouse connection '%1' needs a database: the name of the PostgreSQL database to "
                         "read from.")
                    .arg(name));
        }
        if (!driver.isEmpty() || !dsn.isEmpty()) {
            return configurationError(
                Text::tr(
                    "Warehouse connection '%1' is a postgresql connection: an ODBC driver or DSN does not "
                    "apply. Use kind odbc to connect through an ODBC driver.")
                    .arg(name));
        }
        break;
    case Kind::Odbc:
        if (driver.trimmed().isEmpty() == dsn.trimmed().isEmpty()) {
            return configurationError(
                Text::tr(
                    "Warehouse connection '%1' needs either an ODBC driver (e.g. \"PostgreSQL Unicode\", "
                    "\"ODBC Driver 18 for SQL Server\"; `odbcinst -q -d` lists the installed ones) or a "
                    "DSN from odbc.ini (`odbcinst -q -s`), not both.")
                    .arg(name));
        }
        if (!dsn.isEmpty() && (!host.isEmpty() || port != 0 || !database.isEmpty())) {
            return configurationError(
                Text::tr(
                    "Warehouse connection '%1' names the DSN '%2', which has its own server and database: "
                    "leave host, port and database empty (or use a driver instead of the DSN).")
                    .arg(name, dsn));
        }
        break;
    }
    return {};
}

QString WarehouseConnection::passwordVariable(const QString &name)
{
    QString suffix = name.toUpper();
    for (QChar &c : suffix) {
        if (!((c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')))
            c = u'_';
    }
    return u"D365SYNC_WAREHOUSE_PASSWORD_"_s + suffix;
}

QString WarehouseConnection::where() const
{
    if (!dsn.isEmpty())
        return u"DSN="_s + dsn;
    QString text = host;
    if (port > 0)
        text += u':' + QString::number(port);
    return text;
}

QString WarehouseConnection::describe() const
{
    QString text = kindName(kind) + u' ';
    if (kind == Kind::Odbc && dsn.isEmpty())
        text += u'{' + driver + u"} "_s;
    if (!user.isEmpty() && dsn.isEmpty())
        text += user + u'@';
    text += where();
    if (!database.isEmpty())
        text += u'/' + database;
    return text;
}

} // namespace d365::services
