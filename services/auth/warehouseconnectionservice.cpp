#include "services/auth/warehouseconnectionservice.h"

#include "services/auth/credentialstore.h"
#include "services/auth/warehousecredentials.h"
#include "services/warehouse/sqlsource.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QThread>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcWarehouseService, "d365.auth.warehouseconnectionservice")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(WarehouseConnectionService)
};

// Lives on the service's thread; one blocking connection attempt per call.
class TestWorker : public QObject
{
    Q_OBJECT
public:
    void test(const WarehouseConnection &connection, const QString &password, const QString &passwordSource)
    {
        const auto answered = SqlSource::testConnection(connection, password);
        if (!answered.ok()) {
            Q_EMIT tested(false, answered.error().message);
            return;
        }
        Q_EMIT tested(true, Text::tr("Connected to %1 (%2; %3).")
                                .arg(answered.value(), connection.describe(), passwordSource));
    }

Q_SIGNALS:
    void tested(bool ok, const QString &message);
};

} // namespace

WarehouseConnectionService::WarehouseConnectionService(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread)
{
    qRegisterMetaType<WarehouseConnection>();
    m_thread->setObjectName(u"warehouse-test"_s);
    auto *worker = new TestWorker;
    worker->moveToThread(m_thread);
    m_worker = worker;
    connect(m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &WarehouseConnectionService::runTest, worker, &TestWorker::test);
    connect(worker, &TestWorker::tested, this, &WarehouseConnectionService::onTested);
    m_thread->start();
}

WarehouseConnectionService::~WarehouseConnectionService()
{
    // A test against a host that does not answer may take the whole connect timeout: the thread is not
    // waited for here (the GUI would freeze); it quits when the attempt returns and deletes itself then.
    disconnect(m_worker, nullptr, this, nullptr);
    m_thread->quit();
    if (m_thread->wait(50)) {
        delete m_thread;
    } else {
        qCDebug(lcWarehouseService) << "a connection test is still running; its thread ends on its own";
        connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    }
}

void WarehouseConnectionService::test(const WarehouseConnection &connection,
                                      const std::optional<QString> &typedPassword)
{
    if (m_testing)
        return;
    if (const auto valid = connection.validate(); !valid.ok()) {
        Q_EMIT testFinished(false, valid.error().message);
        return;
    }
    m_testing = true;
    if (typedPassword && !typedPassword->isEmpty()) {
        Q_EMIT runTest(connection, *typedPassword, Text::tr("the password typed in the form"));
        return;
    }
    if (const auto fromEnvironment = WarehouseCredentials::environmentPassword(connection.name)) {
        Q_EMIT runTest(connection, *fromEnvironment,
                       Text::tr("password from %1").arg(connection.passwordVariable()));
        return;
    }
    CredentialStore::read(connection.name, CredentialStore::WarehousePassword, this,
                          [this, connection](Result<QString> stored) {
                              if (!stored.ok()) {
                                  onTested(false, stored.error().message);
                                  return;
                              }
                              Q_EMIT runTest(connection, stored.value(),
                                             stored.value().isEmpty()
                                                 ? Text::tr("no password stored")
                                                 : Text::tr("password from the keychain"));
                          });
}

void WarehouseConnectionService::onTested(bool ok, const QString &message)
{
    m_testing = false;
    Q_EMIT testFinished(ok, message);
}

void WarehouseConnectionService::storePassword(const QString &name, const QString &password)
{
    WarehouseCredentials::store(name, password, this, [this, name](Result<void> stored) {
        Q_EMIT passwordStored(name, stored.ok(), stored.ok() ? QString() : stored.error().message);
    });
}

void WarehouseConnectionService::removePassword(const QString &name)
{
    WarehouseCredentials::remove(name, this, [this, name](Result<void> removed) {
        Q_EMIT passwordRemoved(name, removed.ok(), removed.ok() ? QString() : removed.error().message);
    });
}

void WarehouseConnectionService::checkPassword(const QString &name)
{
    if (const auto fromEnvironment = WarehouseCredentials::environmentPassword(name)) {
        Q_EMIT passwordChecked(name, PasswordState::Environment, WarehouseConnection::passwordVariable(name));
        return;
    }
    WarehouseCredentials::hasStoredPassword(name, this, [this, name](Result<bool> stored) {
        if (!stored.ok())
            Q_EMIT passwordChecked(name, PasswordState::Unavailable, stored.error().message);
        else
            Q_EMIT passwordChecked(name, stored.value() ? PasswordState::Stored : PasswordState::None,
                                   QString());
    });
}

} // namespace d365::services

#include "warehouseconnectionservice.moc"
