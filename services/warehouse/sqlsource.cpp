#include "services/warehouse/sqlsource.h"

#include "services/warehouse/querytext.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlField>
#include <QSqlRecord>

#include <atomic>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSqlSource, "d365.warehouse.sql")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(SqlSource)
};

QString uniqueConnectionName()
{
    static std::atomic<quint64> counter{0};
    return u"d365-sql-source-%1"_s.arg(++counter);
}

// Seconds a connection attempt may take before the server counts as unreachable.
constexpr int ConnectTimeoutSeconds = 15;
// Rows psqlODBC fetches per round trip from its server-side cursor (UseDeclareFetch).
constexpr int OdbcFetchRows = 2000;
// PostgreSQL's type OID of timestamptz (catalog/pg_type.h); QSqlField::typeID() is the OID under QPSQL.
constexpr int PgTimestampTzOid = 1184;

// ODBC attribute values with ';', braces or surrounding spaces must be enclosed in braces, '}' doubled.
QString odbcValue(const QString &value)
{
    if (!value.contains(u';') && !value.contains(u'{') && !value.contains(u'}') && value.trimmed() == value)
        return value;
    QString escaped = value;
    escaped.replace(u"}"_s, u"}}"_s);
    return u'{' + escaped + u'}';
}

bool isPostgreSqlOdbcDriver(const QString &driver)
{
    return driver.contains("postgres"_L1, Qt::CaseInsensitive) ||
           driver.contains("psqlodbc"_L1, Qt::CaseInsensitive);
}

// The server's words, without the driver's "QPSQL: Unable to connect" prefix and trailing line breaks.
QString serverText(const QSqlError &error)
{
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    return text;
}

// libpq prefixes a refused sign-in with 'connection to server at "127.0.0.1", port 5432 failed: '.
QString withoutConnectionPrefix(QString text)
{
    static const QRegularExpression prefix(u"^connection to server (at|on) .*? failed: "_s);
    text.remove(prefix);
    text.replace(u"FATAL:  "_s, u""_s);
    return text.simplified();
}

bool matchesAny(const QString &text, std::initializer_list<QLatin1StringView> patterns)
{
    for (const auto &pattern : patterns) {
        if (text.contains(pattern, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

struct ServerQueryError
{
    QString message; // first line, without "ERROR:  "
    QString hint;
    int line = 0;   // 1-based, 0 when the server did not say
    int column = 0; // 1-based within that line, 0 when unknown
    QString sqlState;
};

// PostgreSQL's error text through QPSQL:
//   ERROR:  column "nme" does not exist
//   LINE 1: select nme,
//                  ^
//   HINT:  Perhaps you meant to reference the column "t.name".
//   (42703)
ServerQueryError parseServerQueryError(const QSqlError &error)
{
    ServerQueryError parsed;
    parsed.sqlState = error.nativeErrorCode();
    const QStringList lines = error.databaseText().split(u'\n');
    static const QRegularExpression linePrefix(u"^LINE (\\d+): "_s);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        if (line.startsWith("ERROR:"_L1) && parsed.message.isEmpty()) {
            parsed.message = line.mid(6).trimmed();
        } else if (line.startsWith("HINT:"_L1)) {
            parsed.hint = line.mid(5).trimmed();
        } else if (const auto match = linePrefix.match(line); match.hasMatch() && parsed.line == 0) {
            parsed.line = match.captured(1).toInt();
            const qsizetype prefixLength = match.capturedLength(0);
            const QString shown = line.mid(prefixLength);
            // libpq shortens long lines to "...text...": the caret's column is then not the query's column.
            if (i + 1 < lines.size() && !shown.startsWith("..."_L1)) {
                const qsizetype caret = lines.at(i + 1).indexOf(u'^');
                if (caret >= prefixLength)
                    parsed.column = int(caret - prefixLength + 1);
            }
        }
    }
    if (parsed.message.isEmpty()) {
        // Not PostgreSQL's layout (an ODBC driver): its text, without the driver's own trailer.
        QString text = serverText(error);
        text.remove(u"Error while executing the query"_s);
        text = text.simplified();
        if (text.startsWith("ERROR:"_L1))
            text = text.mid(6).trimmed();
        parsed.message = text;
    }
    // psqlODBC ends its messages with ';', others with '.': the sentence around it has its own.
    while (parsed.message.endsWith(u';') || parsed.message.endsWith(u'.') || parsed.message.endsWith(u' '))
        parsed.message.chop(1);
    return parsed;
}

} // namespace

SqlSource::SqlSource(SourceSpec spec, WarehouseConnection connection, QString password)
    : m_spec(std::move(spec))
    , m_connection(std::move(connection))
    , m_password(std::move(password))
    , m_connectionName(uniqueConnectionName())
{}

SqlSource::~SqlSource()
{
    // Qt warns (and leaks) when a connection is removed while a query or handle still refers to it.
    m_query = QSqlQuery();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QString SqlSource::qtDriverName(WarehouseConnection::Kind kind)
{
    return kind == WarehouseConnection::Kind::Odbc ? u"QODBC"_s : u"QPSQL"_s;
}

QString SqlSource::odbcConnectionString(const WarehouseConnection &connection)
{
    QStringList parts;
    if (!connection.dsn.isEmpty()) {
        // QODBC puts "DSN=" in front of whatever has no DRIVER= or SERVER= in it (Qt 6.4,
        // qsql_odbc.cpp), so a DSN goes in without it; "DSN=x;…" would become "DSN=DSN=x;…" (toolchain.md
        // §7).
        parts << odbcValue(connection.dsn);
    } else {
        parts << u"Driver={"_s + connection.driver + u'}';
        if (!connection.host.isEmpty())
            parts << u"Server="_s + odbcValue(connection.host);
        if (connection.port > 0)
            parts << u"Port="_s + QString::number(connection.port);
        if (!connection.database.isEmpty())
            parts << u"Database="_s + odbcValue(connection.database);
    }
    QString options = connection.options.trimmed();
    while (options.endsWith(u';'))
        options.chop(1);
    if (isPostgreSqlOdbcDriver(connection.driver) &&
        !options.contains("UseDeclareFetch"_L1, Qt::CaseInsensitive)) {
        // psqlODBC reads the whole result into memory unless it uses a server-side cursor.
        parts << u"UseDeclareFetch=1"_s << u"Fetch=%1"_s.arg(OdbcFetchRows);
    }
    if (!options.isEmpty())
        parts << options;
    return parts.join(u';') + u';';
}

QString SqlSource::odbcDriverPackage(const QString &driver)
{
    struct Known
    {
        QLatin1StringView pattern;
        const char *package;
    };
    static const Known known[] = {
        {"postgres"_L1,
         QT_TRANSLATE_NOOP("SqlSource", "the Debian package odbc-postgresql (apt install odbc-postgresql)")},
        {"sql server"_L1,
         QT_TRANSLATE_NOOP("SqlSource",
                           "Microsoft's package msodbcsql18 from packages.microsoft.com (see \"Install the "
                           "Microsoft ODBC driver for SQL Server (Linux)\"), or FreeTDS: apt install "
                           "tdsodbc")},
        {"freetds"_L1, QT_TRANSLATE_NOOP("SqlSource", "the Debian package tdsodbc (apt install tdsodbc)")},
        {"snowflake"_L1,
         QT_TRANSLATE_NOOP("SqlSource",
                           "Snowflake's snowflake-odbc .deb from the Snowflake client download page")},
        {"spark"_L1,
         QT_TRANSLATE_NOOP("SqlSource",
                           "the Databricks (Simba Spark) ODBC driver .deb from Databricks' download page")},
        {"databricks"_L1,
         QT_TRANSLATE_NOOP("SqlSource",
                           "the Databricks (Simba Spark) ODBC driver .deb from Databricks' download page")},
        {"bigquery"_L1,
         QT_TRANSLATE_NOOP("SqlSource",
                           "the Simba ODBC driver for Google BigQuery from Google Cloud's download page")},
        {"mariadb"_L1,
         QT_TRANSLATE_NOOP("SqlSource", "the Debian package odbc-mariadb (apt install odbc-mariadb)")},
        {"mysql"_L1,
         QT_TRANSLATE_NOOP("SqlSource", "the Debian package odbc-mariadb (apt install odbc-mariadb)")},
        {"sqlite"_L1,
         QT_TRANSLATE_NOOP("SqlSource", "the Debian package libsqliteodbc (apt install libsqliteodbc)")},
    };
    for (const Known &k : known) {
        if (driver.contains(k.pattern, Qt::CaseInsensitive))
            return QCoreApplication::translate("SqlSource", k.package);
    }
    return {};
}

QString SqlSource::label() const
{
    return Text::tr("warehouse connection '%1' (%2)").arg(m_connection.name, m_connection.describe());
}

Error SqlSource::sourceError(const QString &message, const QString &detail) const
{
    return Error::make(ErrorCategory::Source, message, detail);
}

Result<void> SqlSource::connectDatabase(QSqlDatabase &db, const QString &connectionName) const
{
    const QString driver = qtDriverName(m_connection.kind);
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(driver, connectionName);
        if (!db.isValid()) {
            const bool odbc = m_connection.kind == WarehouseConnection::Kind::Odbc;
            return sourceError(
                odbc ? Text::tr("The ODBC driver for Qt (QODBC) is not installed, so the %1 cannot be read. "
                                "Install the Debian package libqt6sql6-odbc (apt install libqt6sql6-odbc; it "
                                "brings unixODBC's libodbc2).")
                           .arg(label())
                     : Text::tr("The PostgreSQL driver for Qt (QPSQL) is not installed, so the %1 cannot be "
                                "read. Install the Debian package libqt6sql6-psql (apt install "
                                "libqt6sql6-psql).")
                           .arg(label()),
                u"%1 driver unavailable; drivers: %2"_s.arg(driver, QSqlDatabase::drivers().join(u", "_s)));
        }
    }
    if (db.isOpen())
        return {};
    QStringList options;
    if (m_connection.kind == WarehouseConnection::Kind::PostgreSql) {
        db.setHostName(m_connection.host);
        if (m_connection.port > 0)
            db.setPort(m_connection.port);
        db.setDatabaseName(m_connection.database);
        db.setUserName(m_connection.user);
        db.setPassword(m_password); // QPSQL quotes it in the libpq connection string
        // libpq takes the last of a repeated parameter: the connection's own options come after ours.
        options << u"connect_timeout=%1"_s.arg(ConnectTimeoutSeconds) << u"application_name=d365sync"_s;
        if (!m_connection.options.trimmed().isEmpty())
            options << m_connection.options.trimmed();
    } else {
        db.setDatabaseName(odbcConnectionString(m_connection));
        // QODBC appends ";UID=…;PWD=…" as they are: values with ';' or braces need braces themselves.
        db.setUserName(m_connection.user.isEmpty() ? QString() : odbcValue(m_connection.user));
        db.setPassword(m_password.isEmpty() ? QString() : odbcValue(m_password));
        // A read-only session where the driver supports it: a sync never writes to the warehouse.
        options << u"SQL_ATTR_LOGIN_TIMEOUT=%1"_s.arg(ConnectTimeoutSeconds)
                << u"SQL_ATTR_ACCESS_MODE=SQL_MODE_READ_ONLY"_s;
    }
    db.setConnectOptions(options.join(u';'));
    if (!db.open())
        return connectError(db.lastError());
    if (m_connection.kind == WarehouseConnection::Kind::PostgreSql ||
        isPostgreSqlOdbcDriver(m_connection.driver)) {
        // Reads only, whatever the query: "WITH d AS (DELETE …) SELECT …" passes the mapping file's SELECT
        // check but fails here. (psqlODBC does not act on SQL_ATTR_ACCESS_MODE, so it gets the same
        // statement.)
        QSqlQuery readOnly(db);
        if (!readOnly.exec(u"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"_s))
            qCWarning(lcSqlSource) << "could not make the session read-only:" << readOnly.lastError().text();
    }
    qCDebug(lcSqlSource) << "connected" << m_connection.name << m_connection.describe();
    return {};
}

Error SqlSource::connectError(const QSqlError &error) const
{
    const QString raw = serverText(error);
    const QString server = withoutConnectionPrefix(raw);
    const QString detail = u"connect %1 (%2) failed: %3 [%4]"_s.arg(
        m_connection.name, m_connection.describe(), raw, error.nativeErrorCode());
    const QString name = m_connection.name;
    const QString passwordHelp =
        Text::tr("store the right password with `d365sync-cli warehouse set-password %1` (or in the "
                 "connection dialog), or set %2 for a headless run")
            .arg(name, m_connection.passwordVariable());

    if (m_connection.kind == WarehouseConnection::Kind::Odbc &&
        matchesAny(raw, {"Can't open lib"_L1, "specified driver could not be loaded"_L1, "[IM003]"_L1,
                         "driver not found"_L1}) &&
        m_connection.dsn.isEmpty()) {
        const QString package = odbcDriverPackage(m_connection.driver);
        return sourceError(
            Text::tr("The ODBC driver \"%1\" of warehouse connection '%2' is not installed (unixODBC: %3). "
                     "Install %4, then check that `odbcinst -q -d` lists the driver under this name (it is "
                     "registered in /etc/odbcinst.ini).")
                .arg(m_connection.driver, name, server,
                     package.isEmpty() ? Text::tr("the driver's package") : package),
            detail);
    }
    if (m_connection.kind == WarehouseConnection::Kind::Odbc &&
        matchesAny(raw, {"Data source name not found"_L1, "[IM002]"_L1})) {
        return sourceError(
            m_connection.dsn.isEmpty()
                ? Text::tr(
                      "The ODBC driver \"%1\" of warehouse connection '%2' is not registered (unixODBC: %3). "
                      "`odbcinst -q -d` lists the installed drivers by name; use one of them, or install "
                      "the driver.")
                      .arg(m_connection.driver, name, server)
                : Text::tr(
                      "The ODBC data source \"%1\" of warehouse connection '%2' is not defined (unixODBC: "
                      "%3). `odbcinst -q -s` lists the defined data sources (in /etc/odbc.ini and "
                      "~/.odbc.ini); define it there, or give the connection a driver instead.")
                      .arg(m_connection.dsn, name, server),
            detail);
    }
    if (matchesAny(raw,
                   {"password authentication failed"_L1, "authentication failed"_L1,
                    "no password supplied"_L1, "Login failed for user"_L1,
                    "Incorrect username or password"_L1, "Invalid username or password"_L1, "pg_hba.conf"_L1,
                    "Access denied for user"_L1, "invalid credentials"_L1, "Invalid password"_L1})) {
        if (m_password.isEmpty()) {
            return sourceError(
                Text::tr("The warehouse server %1 asks for a password for user '%2', and warehouse "
                         "connection '%3' has none (%4). To fix it, %5.")
                    .arg(m_connection.where(), m_connection.user, name, server, passwordHelp),
                detail);
        }
        return sourceError(
            Text::tr("The warehouse server %1 refused the sign-in of user '%2' (warehouse "
                     "connection '%3'): %4. Check the user name (d365sync-cli warehouse show %3) "
                     "and %5.")
                .arg(m_connection.where(), m_connection.user, name, server, passwordHelp),
            detail);
    }
    static const QRegularExpression missingDatabase(
        u"database \"([^\"]*)\" does not exist|Cannot open database \"([^\"]*)\"|Unknown database '([^']*)'|"
        "Database '([^']*)' does not exist"_s,
        QRegularExpression::CaseInsensitiveOption);
    if (const auto match = missingDatabase.match(raw); match.hasMatch()) {
        return sourceError(
            Text::tr("The database '%1' does not exist on the warehouse server %2 (warehouse "
                     "connection '%3'): %4. Check the database name of the connection (names are "
                     "case-sensitive; `psql -l` lists PostgreSQL's databases).")
                .arg(m_connection.database, m_connection.where(), name, server),
            detail);
    }
    if (matchesAny(raw, {"Connection refused"_L1, "could not translate host name"_L1,
                         "Name or service not known"_L1, "No route to host"_L1, "timeout expired"_L1,
                         "timed out"_L1, "Network is unreachable"_L1, "could not connect to server"_L1,
                         "TCP Provider"_L1, "Unable to connect"_L1, "server closed the connection"_L1,
                         "No such file or directory"_L1, "Temporary failure in name resolution"_L1,
                         "SSL negotiation"_L1, "Communication link failure"_L1})) {
        return sourceError(
            Text::tr("Cannot reach the warehouse server %1 (warehouse connection '%2'): %3. Check "
                     "the connection's host and port (d365sync-cli warehouse show %2), that the "
                     "server is running, and that no firewall blocks this computer.")
                .arg(m_connection.where(), name, server),
            detail);
    }
    return sourceError(Text::tr("Cannot connect to the warehouse through %1: %2. Check the connection "
                                "(d365sync-cli warehouse test %3).")
                           .arg(label(), server, name),
                       detail);
}

Error SqlSource::queryError(const QSqlError &error, const QString &doing) const
{
    // A query that fails because the connection dropped is the server's problem, not the query's.
    if (error.type() == QSqlError::ConnectionError ||
        matchesAny(error.databaseText(),
                   {"server closed the connection"_L1, "terminating connection"_L1,
                    "no connection to the server"_L1, "Communication link failure"_L1})) {
        return sourceError(Text::tr("The warehouse server %1 closed the connection while %2 (warehouse "
                                    "connection '%3'): %4. Run again when the server is back.")
                               .arg(m_connection.where(), doing, m_connection.name,
                                    withoutConnectionPrefix(serverText(error))),
                           error.text());
    }
    const ServerQueryError parsed = parseServerQueryError(error);
    QString where;
    if (parsed.line > 0 && parsed.column > 0) {
        where = Text::tr(" (at line %1, column %2 of source.query)").arg(parsed.line).arg(parsed.column);
    } else if (parsed.line > 0) {
        where = Text::tr(" (at line %1 of source.query)").arg(parsed.line);
    }
    QString message = Text::tr("The warehouse query failed while %1 (warehouse connection '%2'): %3%4.")
                          .arg(doing, m_connection.name, parsed.message, where);
    if (!parsed.hint.isEmpty())
        message += u' ' + Text::tr("Hint: %1").arg(parsed.hint);
    message += u' ' + Text::tr("Fix source.query in the mapping file.");
    return sourceError(
        message, u"query failed on %1: %2 [%3]"_s.arg(m_connection.name, error.text(), parsed.sqlState));
}

Result<void> SqlSource::open()
{
    if (m_open)
        return {};
    m_lastError.reset();
    if (auto connected = connectDatabase(m_db, m_connectionName); !connected.ok())
        return connected;

    m_query = QSqlQuery(m_db);
    // Forward-only: QPSQL then reads in single-row mode and Qt keeps no rows for scrolling back.
    m_query.setForwardOnly(true);
    // The newline ends a line comment the query may finish with: psqlODBC wraps the query in a cursor
    // declaration, and "… -- note" would comment out what it appends.
    if (!m_query.exec(withoutTrailingSemicolons(m_spec.query) + u'\n')) {
        const QSqlError error = m_query.lastError();
        m_query = QSqlQuery();
        return queryError(error, Text::tr("running it"));
    }
    const QSqlRecord record = m_query.record();
    m_columns.clear();
    m_columnTypes.clear();
    m_utcColumns.clear();
    const bool postgres = m_connection.kind == WarehouseConnection::Kind::PostgreSql;
    for (int i = 0; i < record.count(); ++i) {
        const QSqlField field = record.field(i);
        m_columns << field.name();
        const auto type = QMetaType::Type(field.metaType().id());
        if (type != QMetaType::UnknownType)
            m_columnTypes.insert(field.name(), type);
        if (postgres && field.typeID() == PgTimestampTzOid)
            m_utcColumns << i;
    }
    m_index = 0;
    m_open = true;
    qCDebug(lcSqlSource) << "opened" << m_connection.name << "columns:" << m_columns;
    return {};
}

QStringList SqlSource::columns() const
{
    return m_columns;
}

QHash<QString, QMetaType::Type> SqlSource::columnTypes() const
{
    return m_columnTypes;
}

Result<qint64> SqlSource::countRows()
{
    // Counting on the reading connection would make QPSQL buffer the rest of the running single-row result;
    // a source that is already reading counts on a second connection.
    QSqlDatabase countDb;
    const QString countName = m_connectionName + u"-count"_s;
    const bool separate = m_open && m_query.isActive();
    QSqlDatabase &db = separate ? countDb : m_db;
    if (auto connected = connectDatabase(db, separate ? countName : m_connectionName); !connected.ok()) {
        if (separate) {
            countDb = QSqlDatabase();
            QSqlDatabase::removeDatabase(countName);
        }
        return connected.error();
    }
    Result<qint64> result = qint64(0);
    {
        QSqlQuery count(db);
        count.setForwardOnly(true);
        if (!count.exec(countQuery(m_spec.query)) || !count.next())
            result = queryError(count.lastError(), Text::tr("counting its rows"));
        else
            result = count.value(0).toLongLong();
    }
    if (separate) {
        countDb.close();
        countDb = QSqlDatabase();
        QSqlDatabase::removeDatabase(countName);
    }
    return result;
}

bool SqlSource::next(SourceRow &row)
{
    if (!m_open || !m_query.isActive())
        return false;
    if (!m_query.next()) {
        if (m_query.lastError().isValid()) {
            m_lastError = queryError(m_query.lastError(), Text::tr("reading row %1").arg(m_index + 1));
            qCWarning(lcSqlSource) << "reading failed after" << m_index
                                   << "rows:" << m_query.lastError().text();
        }
        m_query.finish();
        return false;
    }
    const int columnCount = int(m_columns.size());
    row.index = m_index++;
    row.values.resize(columnCount);
    for (int i = 0; i < columnCount; ++i) {
        QVariant value = m_query.value(i);
        // Qt returns a typed null (e.g. a null QString) for SQL NULL; the contract is a plain null QVariant.
        row.values[i] = value.isNull() ? QVariant() : std::move(value);
    }
    for (const int i : std::as_const(m_utcColumns)) {
        // QPSQL converts a timestamptz to this machine's local time; the instant is what matters, in UTC.
        if (row.values.at(i).typeId() == QMetaType::QDateTime)
            row.values[i] = row.values.at(i).toDateTime().toUTC();
    }
    return true;
}

std::optional<Error> SqlSource::lastError() const
{
    return m_lastError;
}

Result<QString> SqlSource::testConnection(const WarehouseConnection &connection, const QString &password)
{
    SourceSpec spec;
    spec.type = WarehouseConnection::kindName(connection.kind);
    spec.connection = connection.name;
    SqlSource source(spec, connection, password);
    if (auto connected = source.connectDatabase(source.m_db, source.m_connectionName); !connected.ok())
        return connected.error();
    if (connection.kind == WarehouseConnection::Kind::PostgreSql) {
        QSqlQuery version(source.m_db);
        if (version.exec(u"SELECT version()"_s) && version.next()) {
            // "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by …"
            const QString text = version.value(0).toString();
            return text.section(u',', 0, 0);
        }
        return u"PostgreSQL"_s;
    }
    return Text::tr("ODBC driver %1")
        .arg(connection.dsn.isEmpty() ? connection.driver : u"DSN "_s + connection.dsn);
}

} // namespace d365::services
