#pragma once

// What the warehouse connection dialog needs from the world, so that the dialog only presents: testing a
// connection (off the GUI thread) and keeping its password in the keychain.
//
//   service.test(connection, typedPassword)   → testFinished(ok, message)
//       the password: the one typed in the form, else D365SYNC_WAREHOUSE_PASSWORD_<NAME>, else the keychain's
//       (read on this thread, asynchronously); then SqlSource::testConnection() runs on the service's own
//       thread ("warehouse-test"), which may take the whole connect timeout (15 s) for a host that does not
//       answer — the GUI thread never waits for it
//   service.storePassword(name, password)      → passwordStored(name, ok, message)
//   service.removePassword(name)               → passwordRemoved(name, ok, message)
//   service.checkPassword(name)                → passwordChecked(name, PasswordState, message)
//
// One test at a time: test() while a test runs is ignored (isTesting()). The destructor does not wait for a
// running test: the thread ends on its own when the connection attempt returns and is deleted then.

#include "services/warehouse/warehouseconnection.h"

#include <QObject>
#include <QString>

#include <optional>

class QThread;

namespace d365::services {

class WarehouseConnectionService : public QObject
{
    Q_OBJECT

public:
    enum class PasswordState { Stored, None, Environment, Unavailable };
    Q_ENUM(PasswordState)

    explicit WarehouseConnectionService(QObject *parent = nullptr);
    ~WarehouseConnectionService() override;

    // typedPassword: nullopt to use the stored one (environment, keychain).
    void test(const WarehouseConnection &connection, const std::optional<QString> &typedPassword);
    bool isTesting() const { return m_testing; }
    void storePassword(const QString &name, const QString &password);
    void removePassword(const QString &name);
    void checkPassword(const QString &name);

Q_SIGNALS:
    void testFinished(bool ok, const QString &message);
    void passwordStored(const QString &name, bool ok, const QString &message);
    void passwordRemoved(const QString &name, bool ok, const QString &message);
    void passwordChecked(const QString &name, d365::services::WarehouseConnectionService::PasswordState state,
                         const QString &message);

    // Internal: hands the test to the worker on the service's thread.
    void runTest(const d365::services::WarehouseConnection &connection, const QString &password,
                 const QString &passwordSource);

private:
    void onTested(bool ok, const QString &message);

    QThread *m_thread = nullptr;
    QObject *m_worker = nullptr;
    bool m_testing = false;
};

} // namespace d365::services
