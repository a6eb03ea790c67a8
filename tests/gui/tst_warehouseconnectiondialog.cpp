// The warehouse connection dialog, offscreen, with the real keychain (installer/test.sh's gnome-keyring) and
// the test PostgreSQL server: a connection is created and saved (its password to the keychain, never the
// settings), Test connection reports what answered — or what to fix — without freezing the window, the ODBC
// fields show for the ODBC kind only, Delete removes the connection and its password, and the main window's
// File menu opens the dialog.

#include "services/auth/credentialstore.h"
#include "services/auth/tokenprovider.h"
#include "services/auth/warehouseconnectionservice.h"
#include "services/settings/settings.h"
#include "services/sync/synccontroller.h"
#include "ui/mainwindow.h"
#include "ui/warehouseconnectiondialog.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::CredentialStore;
using d365::services::Settings;
using d365::ui::WarehouseConnectionDialog;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

} // namespace

class TestWarehouseConnectionDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void kind_odbc_showsDriverAndDsnRowsOnlyForOdbc();
    void save_newConnection_listsItAndKeepsThePasswordInTheKeychainOnly();
    void save_passwordInTheOptions_isRefusedInTheBanner();
    void testConnection_typedPassword_saysWhatAnswered();
    void testConnection_storedPassword_connects();
    void testConnection_wrongPassword_saysWhatToFix();
    void delete_confirmed_removesConnectionAndPassword();
    void mainWindow_fileMenu_opensTheDialog();

private:
    void fill(WarehouseConnectionDialog &dialog, const QString &name, const QString &password);
    QString keychainPassword(const QString &name);
    bool hasServer() const { return !env("D365SYNC_TEST_PG_PORT").isEmpty(); }

    QTemporaryDir m_dir;
    std::unique_ptr<Settings> m_settings;
};

void TestWarehouseConnectionDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
}

void TestWarehouseConnectionDialog::init()
{
    m_settings = std::make_unique<Settings>(m_dir.filePath(u"settings.ini"_s));
}

QString TestWarehouseConnectionDialog::keychainPassword(const QString &name)
{
    std::optional<QString> value;
    QObject context;
    CredentialStore::read(name, CredentialStore::WarehousePassword, &context,
                          [&](d365::Result<QString> r) { value = r.ok() ? r.value() : u"<error>"_s; });
    if (!QTest::qWaitFor([&] { return value.has_value(); }, 10000))
        return u"<timeout>"_s;
    return *value;
}

void TestWarehouseConnectionDialog::fill(WarehouseConnectionDialog &dialog, const QString &name,
                                         const QString &password)
{
    auto *nameEdit = dialog.findChild<QLineEdit *>(u"nameEdit"_s);
    nameEdit->clear();
    QTest::keyClicks(nameEdit, name);
    dialog.findChild<QComboBox *>(u"kindCombo"_s)->setCurrentIndex(0);
    dialog.findChild<QLineEdit *>(u"hostEdit"_s)
        ->setText(hasServer() ? env("D365SYNC_TEST_PG_HOST") : u"127.0.0.1"_s);
    dialog.findChild<QSpinBox *>(u"portSpin"_s)
        ->setValue(hasServer() ? env("D365SYNC_TEST_PG_PORT").toInt() : 5432);
    dialog.findChild<QLineEdit *>(u"databaseEdit"_s)
        ->setText(hasServer() ? env("D365SYNC_TEST_PG_DATABASE") : u"warehouse"_s);
    dialog.findChild<QLineEdit *>(u"userEdit"_s)
        ->setText(hasServer() ? env("D365SYNC_TEST_PG_USER") : u"d365"_s);
    auto *passwordEdit = dialog.findChild<QLineEdit *>(u"passwordEdit"_s);
    passwordEdit->clear();
    QTest::keyClicks(passwordEdit, password);
}

void TestWarehouseConnectionDialog::kind_odbc_showsDriverAndDsnRowsOnlyForOdbc()
{
    WarehouseConnectionDialog dialog(m_settings.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *kind = dialog.findChild<QComboBox *>(u"kindCombo"_s);
    auto *form = dialog.findChild<QFormLayout *>(u"formLayout"_s);
    QVERIFY(kind && form);
    QVERIFY(!form->isRowVisible(dialog.findChild<QComboBox *>(u"driverCombo"_s)));
    QVERIFY(!form->isRowVisible(dialog.findChild<QLineEdit *>(u"dsnEdit"_s)));
    kind->setCurrentIndex(1);
    QVERIFY(form->isRowVisible(dialog.findChild<QComboBox *>(u"driverCombo"_s)));
    QVERIFY(form->isRowVisible(dialog.findChild<QLineEdit *>(u"dsnEdit"_s)));
    QCOMPARE(dialog.formConnection().kind, d365::services::WarehouseConnection::Kind::Odbc);
}

void TestWarehouseConnectionDialog::save_newConnection_listsItAndKeepsThePasswordInTheKeychainOnly()
{
    WarehouseConnectionDialog dialog(m_settings.get());
    QSignalSpy saved(&dialog, &WarehouseConnectionDialog::connectionSaved);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    fill(dialog, u"gui-dw"_s, hasServer() ? env("D365SYNC_TEST_PG_PASSWORD") : u"pw-gui-1"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
    QCOMPARE(saved.count(), 1);
    QCOMPARE(saved.first().first().toString(), u"gui-dw"_s);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.statusText().contains(u"its password is in the keychain"_s), 10000);
    QVERIFY(dialog.findChild<QLineEdit *>(u"passwordEdit"_s)->text().isEmpty());
    auto *list = dialog.findChild<QListWidget *>(u"connectionListWidget"_s);
    QCOMPARE(list->count(), 1);
    QCOMPARE(list->currentItem()->text(), u"gui-dw"_s);
    QCOMPARE(m_settings->warehouseConnection(u"gui-dw"_s)->kind,
             d365::services::WarehouseConnection::Kind::PostgreSql);
    QCOMPARE(keychainPassword(u"gui-dw"_s), hasServer() ? env("D365SYNC_TEST_PG_PASSWORD") : u"pw-gui-1"_s);
    QFile ini(m_settings->fileName());
    QVERIFY(ini.open(QIODevice::ReadOnly));
    QVERIFY(!ini.readAll().contains(keychainPassword(u"gui-dw"_s).toUtf8()));

    // Reopened, the form shows the connection and says where its password is.
    WarehouseConnectionDialog again(m_settings.get());
    again.selectConnection(u"gui-dw"_s);
    QCOMPARE(again.findChild<QLineEdit *>(u"nameEdit"_s)->text(), u"gui-dw"_s);
    QTRY_COMPARE_WITH_TIMEOUT(again.findChild<QLineEdit *>(u"passwordEdit"_s)->placeholderText(),
                              u"stored in the keychain; type to replace it"_s, 10000);
}

void TestWarehouseConnectionDialog::save_passwordInTheOptions_isRefusedInTheBanner()
{
    WarehouseConnectionDialog dialog(m_settings.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    fill(dialog, u"gui-bad"_s, {});
    dialog.findChild<QLineEdit *>(u"optionsEdit"_s)->setText(u"sslmode=require;password=oops"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
    QVERIFY(dialog.isStatusError());
    QVERIFY2(dialog.statusText().contains(u"the options contain a password"_s),
             qPrintable(dialog.statusText()));
    QVERIFY(!m_settings->warehouseConnection(u"gui-bad"_s));
}

void TestWarehouseConnectionDialog::testConnection_typedPassword_saysWhatAnswered()
{
    // installer/test.sh (the README's test command, and CI) always starts the PostgreSQL server and
    // sets D365SYNC_TEST_PG_*, so there this never skips; it only spares a developer who runs this
    // binary by hand without one a wall of connection failures.
    if (!hasServer())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    WarehouseConnectionDialog dialog(m_settings.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    fill(dialog, u"gui-unsaved"_s, env("D365SYNC_TEST_PG_PASSWORD"));
    auto *test = dialog.findChild<QPushButton *>(u"testButton"_s);
    QTest::mouseClick(test, Qt::LeftButton);
    // The test runs on the service's thread: the window keeps answering meanwhile.
    QVERIFY(!test->isEnabled());
    QVERIFY(dialog.statusText().startsWith(u"Testing the connection to postgresql"_s));
    QTRY_VERIFY_WITH_TIMEOUT(test->isEnabled(), 20000);
    QVERIFY2(!dialog.isStatusError(), qPrintable(dialog.statusText()));
    QVERIFY2(dialog.statusText().startsWith(u"Connected to PostgreSQL 1"_s), qPrintable(dialog.statusText()));
    QVERIFY(dialog.statusText().contains(u"the password typed in the form"_s));
    QVERIFY(!m_settings->warehouseConnection(u"gui-unsaved"_s)); // testing saves nothing
}

void TestWarehouseConnectionDialog::testConnection_storedPassword_connects()
{
    // installer/test.sh (the README's test command, and CI) always starts the PostgreSQL server and
    // sets D365SYNC_TEST_PG_*, so there this never skips; it only spares a developer who runs this
    // binary by hand without one a wall of connection failures.
    if (!hasServer())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    WarehouseConnectionDialog dialog(m_settings.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.selectConnection(u"gui-dw"_s); // saved with the server's password above
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"testButton"_s), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        dialog.statusText().startsWith(u"Connected to PostgreSQL"_s) || dialog.isStatusError(), 20000);
    QVERIFY2(dialog.statusText().contains(u"password from the keychain"_s), qPrintable(dialog.statusText()));
}

void TestWarehouseConnectionDialog::testConnection_wrongPassword_saysWhatToFix()
{
    // installer/test.sh (the README's test command, and CI) always starts the PostgreSQL server and
    // sets D365SYNC_TEST_PG_*, so there this never skips; it only spares a developer who runs this
    // binary by hand without one a wall of connection failures.
    if (!hasServer())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    WarehouseConnectionDialog dialog(m_settings.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    fill(dialog, u"gui-wrong"_s, u"definitely-wrong"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"testButton"_s), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.isStatusError(), 20000);
    QVERIFY2(dialog.statusText().contains(u"refused the sign-in of user"_s), qPrintable(dialog.statusText()));
    QVERIFY(!dialog.statusText().contains(u"definitely-wrong"_s));
}

void TestWarehouseConnectionDialog::delete_confirmed_removesConnectionAndPassword()
{
    WarehouseConnectionDialog dialog(m_settings.get());
    QSignalSpy removed(&dialog, &WarehouseConnectionDialog::connectionRemoved);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.selectConnection(u"gui-dw"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"deleteConnectionButton"_s), Qt::LeftButton);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = dialog.findChild<QMessageBox *>(u"deleteWarehouseConnectionBox"_s)) != nullptr);
    box->button(QMessageBox::Yes)->click();
    QTRY_COMPARE(removed.count(), 1);
    QVERIFY(!m_settings->warehouseConnection(u"gui-dw"_s));
    QCOMPARE(dialog.findChild<QListWidget *>(u"connectionListWidget"_s)->count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(keychainPassword(u"gui-dw"_s), QString(), 10000);
}

void TestWarehouseConnectionDialog::mainWindow_fileMenu_opensTheDialog()
{
    d365::services::SyncController controller;
    d365::services::EnvironmentTokenProvider tokens;
    d365::ui::MainWindow window(&controller, m_settings.get(), &tokens);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *action = window.findChild<QAction *>(u"warehouseConnectionsAction"_s);
    QVERIFY(action);
    QVERIFY(action->isVisible());
    action->trigger();
    WarehouseConnectionDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<WarehouseConnectionDialog *>(u"warehouseConnectionDialog"_s)) !=
                nullptr);
    QTRY_VERIFY(dialog->isVisible());
    dialog->close();
}

QTEST_MAIN(TestWarehouseConnectionDialog)
#include "tst_warehouseconnectiondialog.moc"
