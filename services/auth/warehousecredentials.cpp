#include "services/auth/warehousecredentials.h"

#include "services/auth/credentialstore.h"
#include "services/settings/settings.h"
#include "services/warehouse/connectionresolver.h"

#include <QCoreApplication>
#include <QHash>
#include <QLoggingCategory>
#include <QMutex>
#include <QMutexLocker>
#include <QSemaphore>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcWarehouseCredentials, "d365.auth.warehousecredentials")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(WarehouseCredentials)
};

// What this process remembers: passwords it read (prefetch) or stored, and failed prefetches.
struct Memory
{
    QMutex mutex;
    QHash<QString, QString> passwords;
    QHash<QString, Error> failures;
};

Memory &memory()
{
    static Memory m;
    return m;
}

void remember(const QString &name, const Result<QString> &outcome)
{
    Memory &m = memory();
    QMutexLocker lock(&m.mutex);
    if (outcome.ok()) {
        m.passwords.insert(name, outcome.value());
        m.failures.remove(name);
    } else {
        m.passwords.remove(name);
        m.failures.insert(name, outcome.error());
    }
}

void forget(const QString &name)
{
    Memory &m = memory();
    QMutexLocker lock(&m.mutex);
    m.passwords.remove(name);
    m.failures.remove(name);
}

Result<ResolvedConnection> resolve(const QString &settingsFile, const QString &name)
{
    // QSettings objects are not shared between threads: this thread reads the file through its own.
    const auto store =
        settingsFile.isEmpty() ? std::make_unique<Settings>() : std::make_unique<Settings>(settingsFile);
    const Settings &settings = *store;
    const auto connection = settings.warehouseConnection(name);
    if (!connection) {
        const QStringList names = settings.warehouseConnectionNames();
        if (names.contains(name)) {
            return Error::make(
                ErrorCategory::Configuration,
                Text::tr("The warehouse connection '%1' in the settings file %2 is not valid (edited "
                         "by hand?). Save it again: d365sync-cli warehouse add %1 …")
                    .arg(name, settings.fileName()),
                u"invalid stored warehouse connection"_s);
        }
        return Error::make(
            ErrorCategory::Configuration,
            Text::tr("No warehouse connection named '%1' (source.connection of the mapping file). "
                     "Create it with:\n  d365sync-cli warehouse add %1 --kind postgresql --host HOST "
                     "--database DB --user USER\nKnown warehouse connections: %2")
                .arg(name, names.isEmpty() ? Text::tr("(none)") : names.join(u", "_s)),
            u"unknown warehouse connection"_s);
    }
    auto password = WarehouseCredentials::password(*connection);
    if (!password.ok())
        return password.error();
    return ResolvedConnection{*connection, password.value()};
}

} // namespace

void WarehouseCredentials::install(const QString &settingsFile)
{
    setConnectionResolver([settingsFile](const QString &name) { return resolve(settingsFile, name); });
}

std::optional<QString> WarehouseCredentials::environmentPassword(const QString &connectionName)
{
    const QByteArray variable = WarehouseConnection::passwordVariable(connectionName).toLatin1();
    if (!qEnvironmentVariableIsSet(variable.constData()))
        return std::nullopt;
    return qEnvironmentVariable(variable.constData());
}

Result<QString> WarehouseCredentials::password(const WarehouseConnection &connection)
{
    const QString &name = connection.name;
    if (const auto fromEnvironment = environmentPassword(name)) {
        qCDebug(lcWarehouseCredentials) << "password of" << name << "from" << connection.passwordVariable();
        return *fromEnvironment;
    }
    {
        Memory &m = memory();
        QMutexLocker lock(&m.mutex);
        if (const auto it = m.passwords.constFind(name); it != m.passwords.cend())
            return *it;
        if (const auto it = m.failures.constFind(name); it != m.failures.cend())
            return *it;
    }
    QCoreApplication *app = QCoreApplication::instance();
    if (!app || QThread::currentThread() == app->thread()) {
        // Waiting here would need a nested event loop on the application thread (see the header).
        return Error::make(
            ErrorCategory::Internal,
            Text::tr("The password of warehouse connection '%1' was not read from the keychain before "
                     "the connection was opened. Set %2 instead, or report this as a bug.")
                .arg(name, connection.passwordVariable()),
            u"keychain read requested on the application thread without prefetch"_s);
    }
    struct Wait
    {
        QSemaphore done;
        std::optional<Result<QString>> outcome;
    };
    auto wait = std::make_shared<Wait>();
    CredentialStore::read(name, CredentialStore::WarehousePassword, app, [wait](Result<QString> outcome) {
        wait->outcome = std::move(outcome);
        wait->done.release();
    });
    if (!wait->done.tryAcquire(1, KeychainWaitMs)) {
        return Error::make(
            ErrorCategory::Configuration,
            Text::tr("The keychain did not answer within %1 seconds when asked for the password of "
                     "warehouse connection '%2'. Unlock the keychain, or set %3 for headless runs.")
                .arg(KeychainWaitMs / 1000)
                .arg(name, connection.passwordVariable()),
            u"keychain read timed out"_s);
    }
    qCDebug(lcWarehouseCredentials) << "password of" << name << "read from the keychain";
    return *wait->outcome;
}

void WarehouseCredentials::prefetch(const QString &connectionName, QObject *context,
                                    std::function<void(Result<void>)> done)
{
    CredentialStore::read(connectionName, CredentialStore::WarehousePassword, context,
                          [connectionName, done](Result<QString> outcome) {
                              remember(connectionName, outcome);
                              if (outcome.ok())
                                  done({});
                              else
                                  done(outcome.error());
                          });
}

void WarehouseCredentials::store(const QString &connectionName, const QString &password, QObject *context,
                                 std::function<void(Result<void>)> done)
{
    CredentialStore::write(connectionName, CredentialStore::WarehousePassword, password, context,
                           [connectionName, password, done](Result<void> outcome) {
                               if (outcome.ok())
                                   remember(connectionName, password);
                               done(outcome);
                           });
}

void WarehouseCredentials::remove(const QString &connectionName, QObject *context,
                                  std::function<void(Result<void>)> done)
{
    forget(connectionName);
    CredentialStore::remove(connectionName, CredentialStore::WarehousePassword, context, std::move(done));
}

void WarehouseCredentials::hasStoredPassword(const QString &connectionName, QObject *context,
                                             std::function<void(Result<bool>)> done)
{
    CredentialStore::read(connectionName, CredentialStore::WarehousePassword, context,
                          [done](Result<QString> outcome) {
                              if (outcome.ok())
                                  done(!outcome.value().isEmpty());
                              else
                                  done(outcome.error());
                          });
}

void WarehouseCredentials::clearMemory()
{
    Memory &m = memory();
    QMutexLocker lock(&m.mutex);
    m.passwords.clear();
    m.failures.clear();
}

} // namespace d365::services
