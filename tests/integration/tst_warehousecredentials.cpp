// WarehouseCredentials with the real keychain (gnome-keyring in installer/test.sh's D-Bus session): a
// password stored once is found by a source created on a worker thread (the keychain job runs on the
// application thread while the worker waits), by the application thread only after prefetch(), and never
// after remove(); the environment variable wins over the keychain.

#include "services/auth/warehousecredentials.h"
#include "services/settings/settings.h"
#include "services/warehouse/connectionresolver.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

WarehouseConnection connection()
{
    WarehouseConnection c;
    c.name = u"tst-credentials"_s;
    c.kind = WarehouseConnection::Kind::PostgreSql;
    c.host = u"db.example.com"_s;
    c.database = u"sales"_s;
    c.user = u"sync"_s;
    return c;
}

const char *const Variable = "D365SYNC_WAREHOUSE_PASSWORD_TST_CREDENTIALS";

} // namespace

class TestWarehouseCredentials : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void store_thenResolveOnAWorkerThread_readsTheKeychain();
    void applicationThread_findsThePasswordOnlyAfterPrefetch();
    void environmentVariable_winsOverTheKeychain();
    void remove_thenResolve_hasNoPassword();

private:
    d365::Result<void>
    waitFor(const std::function<void(QObject *, std::function<void(d365::Result<void>)>)> &job);
    d365::Result<ResolvedConnection> resolveOnWorkerThread();

    QTemporaryDir m_dir;
};

d365::Result<void> TestWarehouseCredentials::waitFor(
    const std::function<void(QObject *, std::function<void(d365::Result<void>)>)> &job)
{
    std::optional<d365::Result<void>> outcome;
    QObject context;
    job(&context, [&outcome](d365::Result<void> r) { outcome = r; });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 20000))
        return d365::Error::make(d365::ErrorCategory::Internal, u"no answer from the keychain"_s);
    return *outcome;
}

d365::Result<ResolvedConnection> TestWarehouseCredentials::resolveOnWorkerThread()
{
    std::optional<d365::Result<ResolvedConnection>> outcome;
    QThread *worker =
        QThread::create([&outcome] { outcome = resolveWarehouseConnection(u"tst-credentials"_s); });
    worker->setObjectName(u"resolver"_s);
    QSignalSpy finished(worker, &QThread::finished);
    worker->start();
    // The worker waits for a keychain job that runs here, on the application thread: keep its loop turning.
    const bool done = finished.wait(30000);
    worker->wait();
    delete worker;
    if (!done || !outcome)
        return d365::Error::make(d365::ErrorCategory::Internal, u"the worker did not finish"_s);
    return *outcome;
}

void TestWarehouseCredentials::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString file = m_dir.filePath(u"settings.ini"_s);
    Settings settings(file);
    QVERIFY(settings.saveWarehouseConnection(connection()).ok());
    QVERIFY(settings.sync().ok());
    WarehouseCredentials::install(file);
}

void TestWarehouseCredentials::cleanup()
{
    WarehouseCredentials::clearMemory();
    qunsetenv(Variable);
}

void TestWarehouseCredentials::store_thenResolveOnAWorkerThread_readsTheKeychain()
{
    const auto stored = waitFor([](QObject *context, auto done) {
        WarehouseCredentials::store(u"tst-credentials"_s, u"kéy;chain}pw"_s, context, done);
    });
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().message));
    WarehouseCredentials::clearMemory(); // from the keychain itself, not this process's memory
    const auto resolved = resolveOnWorkerThread();
    QVERIFY2(resolved.ok(), qPrintable(resolved.ok() ? QString() : resolved.error().message));
    QCOMPARE(resolved->password, u"kéy;chain}pw"_s);
    QCOMPARE(resolved->connection.host, u"db.example.com"_s);
}

void TestWarehouseCredentials::applicationThread_findsThePasswordOnlyAfterPrefetch()
{
    QVERIFY(!WarehouseCredentials::password(connection()).ok());
    const auto fetched = waitFor([](QObject *context, auto done) {
        WarehouseCredentials::prefetch(u"tst-credentials"_s, context, done);
    });
    QVERIFY(fetched.ok());
    const auto password = WarehouseCredentials::password(connection());
    QVERIFY(password.ok());
    QCOMPARE(password.value(), u"kéy;chain}pw"_s);
}

void TestWarehouseCredentials::environmentVariable_winsOverTheKeychain()
{
    qputenv(Variable, "from-the-environment");
    const auto resolved = resolveOnWorkerThread();
    QVERIFY(resolved.ok());
    QCOMPARE(resolved->password, u"from-the-environment"_s);
}

void TestWarehouseCredentials::remove_thenResolve_hasNoPassword()
{
    const auto removed = waitFor([](QObject *context, auto done) {
        WarehouseCredentials::remove(u"tst-credentials"_s, context, done);
    });
    QVERIFY(removed.ok());
    const auto resolved = resolveOnWorkerThread();
    QVERIFY(resolved.ok());
    QVERIFY(resolved->password.isEmpty());
    // Removing what is not there is fine too.
    QVERIFY(waitFor([](QObject *context, auto done) {
                WarehouseCredentials::remove(u"tst-credentials"_s, context, done);
            }).ok());
}

QTEST_GUILESS_MAIN(TestWarehouseCredentials)
#include "tst_warehousecredentials.moc"
