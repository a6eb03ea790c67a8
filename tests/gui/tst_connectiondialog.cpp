// The connection dialog and the connection strip, offscreen, against a sandbox that accepts only its own
// tokens: a sandbox profile is created and connected through "Connect with OAuth" (the test is the system
// browser: QDesktopServices hands it the login URL and it follows the redirects), the strip shows
// "Connected to <host> as <user>", a restarted session signs in from the keychain without a browser, and
// Disconnect removes the keychain entry. Needs a D-Bus session with an unlocked gnome-keyring.

#include "common/sandboxprocess.h"
#include "services/auth/connectionsession.h"
#include "services/auth/credentialstore.h"
#include "services/dataverse/metadataloader.h"
#include "services/settings/settings.h"
#include "services/sync/synccontroller.h"
#include "ui/connectiondialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"

#include <QAbstractButton>
#include <QCheckBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::ConnectionProfile;
using d365::services::ConnectionSession;
using d365::services::CredentialStore;
using d365::ui::ConnectionDialog;

class TestConnectionDialog : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    // QDesktopServices URL handler: the "system browser".
    void openInBrowser(const QUrl &url);
    void visit(const QUrl &url);

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void connect_invalidOrgUrl_showsExpectedPatternAndSavesNothing();
    void connect_sandboxProfile_browserRoundTrip_connectsAndNamesUser();
    void restore_afterRestart_connectsFromKeychainWithoutBrowser();
    void disconnect_inConnectionStrip_removesKeychainEntry();
    void connect_tlsSandbox_caCertificateFromBrowse_connectsOverHttps();

    // Issue 10: the truth under faults and bad input.
    void profileList_storedProfiles_areListedAndPickingOneFillsTheForm();
    void save_apiVersion_isStoredWithTheProfileAndAWrongOneIsRefused();
    void delete_confirmed_removesTheProfileFromSettingsAndList();
    void mnemonics_everyAltKeyIsClaimedOnce();
    void save_longInvalidUrl_dialogGrowsAndFieldsDoNotOverlap();
    void signIn_landingPage_isOneHtmlDocument();
    void reconnect_afterSignInExpired_closesDialogRemovesBannerAndStaysConnected();

private:
    QString keychainRefreshToken(const QString &profile);
    QString saveSandboxProfile(const QString &name);

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    std::unique_ptr<d365::services::Settings> m_settings;
    QNetworkAccessManager m_browser;
    int m_browserOpened = 0;
    QByteArray m_lastPage; // what the "browser" showed at the end of its last visit
};

void TestConnectionDialog::openInBrowser(const QUrl &url)
{
    ++m_browserOpened;
    visit(url);
}

void TestConnectionDialog::visit(const QUrl &url)
{
    // Like a browser: follows redirects, also from an https sign-in page to the http loopback listener (which
    // Qt's own redirect policies refuse as "less safe"), and trusts what the user imported: the CAs of the
    // tests' TLS sandboxes.
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setSslConfiguration(d365::testsupport::testTlsConfiguration());
    QNetworkReply *reply = m_browser.get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        if (location.isValid()) {
            visit(reply->url().resolved(location));
            return;
        }
        m_lastPage = reply->readAll();
    });
}

void TestConnectionDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv("D365SYNC_ACCESS_TOKEN");
    qunsetenv("D365SYNC_CLIENT_SECRET");
    QVERIFY(m_dir.isValid());
    m_settings = std::make_unique<d365::services::Settings>(m_dir.filePath(u"settings.ini"_s));
    m_sandbox.setAcceptAnyToken(false);
    QVERIFY(m_sandbox.start());
    QDesktopServices::setUrlHandler(u"http"_s, this, "openInBrowser");
    QDesktopServices::setUrlHandler(u"https"_s, this, "openInBrowser");
}

void TestConnectionDialog::cleanupTestCase()
{
    QDesktopServices::unsetUrlHandler(u"http"_s);
    QDesktopServices::unsetUrlHandler(u"https"_s);
}

QString TestConnectionDialog::keychainRefreshToken(const QString &profile)
{
    std::optional<d365::Result<QString>> value;
    CredentialStore::read(profile, CredentialStore::RefreshToken, this,
                          [&](d365::Result<QString> r) { value = std::move(r); });
    if (!QTest::qWaitFor([&] { return value.has_value(); }, 10000) || !value->ok())
        return u"<unavailable>"_s;
    return value->value();
}

void TestConnectionDialog::connect_invalidOrgUrl_showsExpectedPatternAndSavesNothing()
{
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"bad-url"_s);
    dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->setText(u"http://contoso.example.com/path"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"connectButton"_s), Qt::LeftButton);
    QVERIFY2(dialog.statusText().contains(u"dynamics.com"_s), qPrintable(dialog.statusText()));
    QVERIFY(!m_settings->profile(u"bad-url"_s).has_value());
    QCOMPARE(m_browserOpened, 0);
    QCOMPARE(session.state(), ConnectionSession::State::NotConnected);
}

void TestConnectionDialog::connect_sandboxProfile_browserRoundTrip_connectsAndNamesUser()
{
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"gui-oauth"_s);
    dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->setText(m_sandbox.baseUrl().toString());
    QVERIFY(!dialog.findChild<QLineEdit *>(u"authorityEdit"_s)->isEnabled());
    dialog.findChild<QCheckBox *>(u"sandboxCheck"_s)->setChecked(true);
    QVERIFY(dialog.findChild<QLineEdit *>(u"authorityEdit"_s)->isEnabled());
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"connectButton"_s), Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    QCOMPARE(m_browserOpened, 1);
    QCOMPARE(session.statusText(), u"Connected to 127.0.0.1 as admin@sandbox.onmicrosoft.com"_s);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(dialog.findChild<QPushButton *>(u"copyLinkButton"_s)->isEnabled());
    const auto saved = m_settings->profile(u"gui-oauth"_s);
    QVERIFY(saved.has_value());
    QVERIFY(saved->isSandbox());
    QVERIFY(!keychainRefreshToken(u"gui-oauth"_s).isEmpty());
}

void TestConnectionDialog::connect_tlsSandbox_caCertificateFromBrowse_connectsOverHttps()
{
    d365::testsupport::SandboxProcess tls;
    tls.setAcceptAnyToken(false);
    QVERIFY(tls.start({u"--tls"_s}));
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"newProfileButton"_s), Qt::LeftButton);
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"gui-tls"_s);
    dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->setText(tls.baseUrl().toString());
    auto *caEdit = dialog.findChild<QLineEdit *>(u"caCertificateEdit"_s);
    auto *browse = dialog.findChild<QPushButton *>(u"caBrowseButton"_s);
    QVERIFY(caEdit && browse);
    QVERIFY(!caEdit->isEnabled()); // only sandbox profiles trust an extra CA
    QVERIFY(!browse->isEnabled());
    dialog.findChild<QCheckBox *>(u"sandboxCheck"_s)->setChecked(true);
    QVERIFY(caEdit->isEnabled());

    // Browse… picks the file the sandbox printed.
    QTest::mouseClick(browse, Qt::LeftButton);
    QFileDialog *picker = nullptr;
    QTRY_VERIFY((picker = dialog.findChild<QFileDialog *>(u"caCertificateFileDialog"_s)) != nullptr);
    picker->selectFile(tls.caCertificateFile());
    static_cast<QDialog *>(picker)->accept(); // as the Open button does (QFileDialog::accept is protected)
    QCOMPARE(QDir::fromNativeSeparators(caEdit->text()), tls.caCertificateFile());

    QTest::mouseClick(dialog.findChild<QPushButton *>(u"connectButton"_s), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    QCOMPARE(session.statusText(), u"Connected to 127.0.0.1 as admin@sandbox.onmicrosoft.com"_s);
    const auto saved = m_settings->profile(u"gui-tls"_s);
    QVERIFY(saved.has_value());
    QCOMPARE(saved->orgUrl.scheme(), u"https"_s);
    QCOMPARE(saved->caCertificateFile, tls.caCertificateFile());
}

void TestConnectionDialog::restore_afterRestart_connectsFromKeychainWithoutBrowser()
{
    // A new session is what the next start of the app has: only the keychain.
    const int opened = m_browserOpened;
    const QString before = keychainRefreshToken(u"gui-oauth"_s);
    ConnectionSession session;
    session.restore(*m_settings->profile(u"gui-oauth"_s));
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    QCOMPARE(m_browserOpened, opened);
    QVERIFY2(session.statusText().startsWith(u"Connected to 127.0.0.1 as "_s),
             qPrintable(session.statusText()));
    // The refresh rotated the token and the new one was stored.
    QTRY_VERIFY_WITH_TIMEOUT(keychainRefreshToken(u"gui-oauth"_s) != before, 10000);
}

void TestConnectionDialog::disconnect_inConnectionStrip_removesKeychainEntry()
{
    ConnectionSession session;
    d365::services::SyncController controller;
    d365::ui::MainWindow window(&controller, m_settings.get(), &session);
    window.setProfileOverride(u"gui-oauth"_s);
    window.setConnectionSession(&session);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *status = window.findChild<QLabel *>(u"connectionStatusLabel"_s);
    QVERIFY(status);
    // Without a mapping the window has no profile; restore the override's profile explicitly.
    if (session.profileName().isEmpty())
        session.restore(*m_settings->profile(u"gui-oauth"_s));
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    QTRY_VERIFY(status->text().startsWith(u"Connected to 127.0.0.1"_s));
    auto *disconnectButton = window.findChild<QPushButton *>(u"disconnectButton"_s);
    QVERIFY(disconnectButton->isEnabled());
    QTest::mouseClick(disconnectButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::NotConnected, 10000);
    QCOMPARE(status->text(), u"Not connected"_s);
    QVERIFY(!disconnectButton->isEnabled());
    QCOMPARE(keychainRefreshToken(u"gui-oauth"_s), QString());
    QVERIFY(!session.accessToken(*m_settings->profile(u"gui-oauth"_s)).ok());
}

QString TestConnectionDialog::saveSandboxProfile(const QString &name)
{
    ConnectionProfile profile;
    profile.name = name;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    const auto saved = m_settings->saveProfile(profile);
    return saved.ok() ? QString() : saved.error().message;
}

void TestConnectionDialog::profileList_storedProfiles_areListedAndPickingOneFillsTheForm()
{
    QCOMPARE(saveSandboxProfile(u"list-one"_s), QString());
    ConnectionProfile other;
    other.name = u"list-two"_s;
    other.orgUrl = QUrl(u"https://list-two.crm4.dynamics.com"_s);
    other.apiVersion = u"v9.1"_s;
    other.clientId = u"11111111-2222-3333-4444-555555555555"_s;
    QVERIFY(m_settings->saveProfile(other).ok());

    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *list = dialog.findChild<QListWidget *>(u"profileListWidget"_s);
    QVERIFY(list);
    QStringList names;
    for (int i = 0; i < list->count(); ++i)
        names.append(list->item(i)->text());
    QVERIFY2(names.contains(u"list-one"_s) && names.contains(u"list-two"_s), qPrintable(names.join(u", "_s)));

    const auto items = list->findItems(u"list-two"_s, Qt::MatchExactly);
    QCOMPARE(items.size(), 1);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(items.constFirst()).center());

    QCOMPARE(dialog.findChild<QLineEdit *>(u"nameEdit"_s)->text(), u"list-two"_s);
    QCOMPARE(dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->text(), u"https://list-two.crm4.dynamics.com"_s);
    QCOMPARE(dialog.findChild<QLineEdit *>(u"apiVersionEdit"_s)->text(), u"v9.1"_s);
    QCOMPARE(dialog.findChild<QLineEdit *>(u"clientIdEdit"_s)->text(), other.clientId);
    QVERIFY(!dialog.findChild<QCheckBox *>(u"sandboxCheck"_s)->isChecked());
    QVERIFY(dialog.findChild<QPushButton *>(u"deleteProfileButton"_s)->isEnabled());

    // New: an empty form, nothing selected.
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"newProfileButton"_s), Qt::LeftButton);
    QVERIFY(dialog.findChild<QLineEdit *>(u"nameEdit"_s)->text().isEmpty());
    QVERIFY(dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->text().isEmpty());
    QVERIFY(!dialog.findChild<QPushButton *>(u"deleteProfileButton"_s)->isEnabled());
}

void TestConnectionDialog::save_apiVersion_isStoredWithTheProfileAndAWrongOneIsRefused()
{
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"api-version"_s);
    dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)->setText(u"https://api-version.crm.dynamics.com"_s);
    auto *apiVersion = dialog.findChild<QLineEdit *>(u"apiVersionEdit"_s);
    QVERIFY(apiVersion);

    apiVersion->setText(u"9.1"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
    QVERIFY(!m_settings->profile(u"api-version"_s).has_value());
    QVERIFY2(dialog.statusText().contains(u"v9.2"_s), qPrintable(dialog.statusText()));

    apiVersion->setText(u"v9.1"_s);
    QTest::mouseClick(dialog.findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
    const auto saved = m_settings->profile(u"api-version"_s);
    QVERIFY(saved.has_value());
    QCOMPARE(saved->apiVersion, u"v9.1"_s);
    QVERIFY(dialog.findChild<QListWidget *>(u"profileListWidget"_s)
                ->findItems(u"api-version"_s, Qt::MatchExactly)
                .size() == 1);
}

void TestConnectionDialog::delete_confirmed_removesTheProfileFromSettingsAndList()
{
    QCOMPARE(saveSandboxProfile(u"to-delete"_s), QString());
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    QSignalSpy removed(&dialog, SIGNAL(profileRemoved(QString)));
    QVERIFY(removed.isValid());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.setProfile(*m_settings->profile(u"to-delete"_s));
    auto *list = dialog.findChild<QListWidget *>(u"profileListWidget"_s);
    QCOMPARE(list->currentItem()->text(), u"to-delete"_s);

    QTest::mouseClick(dialog.findChild<QPushButton *>(u"deleteProfileButton"_s), Qt::LeftButton);
    auto *box = dialog.findChild<QMessageBox *>(u"deleteProfileMessageBox"_s);
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QVERIFY(m_settings->profile(u"to-delete"_s).has_value()); // nothing happens before the answer
    QTest::mouseClick(box->findChild<QPushButton *>(u"confirmDeleteProfileButton"_s), Qt::LeftButton);

    QVERIFY(!m_settings->profile(u"to-delete"_s).has_value());
    QVERIFY(list->findItems(u"to-delete"_s, Qt::MatchExactly).isEmpty());
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.constFirst().constFirst().toString(), u"to-delete"_s);
}

void TestConnectionDialog::mnemonics_everyAltKeyIsClaimedOnce()
{
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));

    QMap<QChar, QStringList> claims;
    const auto claim = [&claims](const QString &text, const QString &owner) {
        for (qsizetype i = text.indexOf(u'&'); i >= 0 && i + 1 < text.size(); i = text.indexOf(u'&', i + 2)) {
            if (text.at(i + 1) != u'&')
                claims[text.at(i + 1).toLower()].append(owner);
        }
    };
    for (const QLabel *label : dialog.findChildren<QLabel *>()) {
        if (label->buddy())
            claim(label->text(), label->objectName());
    }
    for (const QAbstractButton *button : dialog.findChildren<QAbstractButton *>())
        claim(button->text(), button->objectName());
    QVERIFY(!claims.isEmpty());
    for (auto it = claims.cbegin(); it != claims.cend(); ++it)
        QVERIFY2(it.value().size() == 1,
                 qPrintable(u"Alt+%1 is claimed by %2"_s.arg(it.key().toUpper(), it.value().join(u", "_s))));

    // Alt+O goes to the Organization URL, whatever has the focus.
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setFocus();
    QApplication::setActiveWindow(&dialog);
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QTest::keyClick(&dialog, Qt::Key_O, Qt::AltModifier);
    QTRY_COMPARE(QApplication::focusWidget(), dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s));
}

void TestConnectionDialog::save_longInvalidUrl_dialogGrowsAndFieldsDoNotOverlap()
{
    ConnectionSession session;
    ConnectionDialog dialog(m_settings.get(), &session);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.findChild<QLineEdit *>(u"nameEdit"_s)->setText(u"long-url"_s);
    dialog.findChild<QLineEdit *>(u"orgUrlEdit"_s)
        ->setText(u"http://"_s + QString(u"very-long-environment-name-"_s).repeated(8) +
                  u"example.com/a/path"_s);

    QTest::mouseClick(dialog.findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
    QVERIFY2(dialog.statusText().contains(u"dynamics.com"_s), qPrintable(dialog.statusText()));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);

    // Every row of the form keeps the height it needs, and no two rows overlap.
    auto *form = dialog.findChild<QFormLayout *>(u"formLayout"_s);
    QVERIFY(form);
    QList<QRect> rows;
    for (int row = 0; row < form->rowCount(); ++row) {
        QRect rowRect;
        for (const auto role : {QFormLayout::LabelRole, QFormLayout::FieldRole}) {
            const QLayoutItem *item = form->itemAt(row, role);
            QWidget *widget = item ? item->widget() : nullptr;
            if (!widget || !widget->isVisible())
                continue;
            QVERIFY2(widget->height() >= widget->minimumSizeHint().height(),
                     qPrintable(u"%1 is %2 px high, needs %3"_s.arg(widget->objectName())
                                    .arg(widget->height())
                                    .arg(widget->minimumSizeHint().height())));
            rowRect |= widget->geometry();
        }
        if (!rowRect.isNull())
            rows.append(rowRect);
    }
    QVERIFY(rows.size() >= 6);
    for (qsizetype i = 1; i < rows.size(); ++i)
        QVERIFY2(rows.at(i - 1).bottom() < rows.at(i).top(),
                 qPrintable(u"form row %1 overlaps row %2"_s.arg(i - 1).arg(i)));
    // The whole message is shown: the dialog grew to fit it and stays on the screen.
    QVERIFY(dialog.height() >= dialog.layout()->totalMinimumSize().height());
    if (dialog.layout()->hasHeightForWidth())
        QVERIFY2(dialog.height() >= std::min(dialog.layout()->totalHeightForWidth(dialog.width()),
                                             dialog.screen()->availableGeometry().height()),
                 qPrintable(u"%1 px high, the contents need %2"_s.arg(dialog.height())
                                .arg(dialog.layout()->totalHeightForWidth(dialog.width()))));
    QVERIFY(dialog.width() <= dialog.screen()->availableGeometry().width());
}

void TestConnectionDialog::signIn_landingPage_isOneHtmlDocument()
{
    QCOMPARE(saveSandboxProfile(u"gui-landing"_s), QString());
    ConnectionSession session;
    connect(&session, &ConnectionSession::loginUrlReady, this, &TestConnectionDialog::openInBrowser);
    m_lastPage.clear();
    session.connectWithOAuth(*m_settings->profile(u"gui-landing"_s));
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ConnectionSession::State::Connected, 15000);
    QTRY_VERIFY(!m_lastPage.isEmpty());

    // Qt's reply handler wraps the page in <html><head><title>…</title></head><body>…</body></html> itself.
    const QByteArray page = m_lastPage.toLower();
    QCOMPARE(page.count("<html"), 1);
    QCOMPARE(page.count("<head"), 1);
    QCOMPARE(page.count("<body"), 1);
    QCOMPARE(page.count("</html>"), 1);
    QVERIFY(!page.contains("<!doctype"));
    QVERIFY2(m_lastPage.contains("Signed in"), m_lastPage.constData());
}

void TestConnectionDialog::reconnect_afterSignInExpired_closesDialogRemovesBannerAndStaysConnected()
{
    using State = ConnectionSession::State;
    QCOMPARE(saveSandboxProfile(u"gui-reconnect"_s), QString());
    const QJsonObject mapping{
        {u"version"_s, 1},
        {u"name"_s, u"Reconnect"_s},
        {u"source"_s, QJsonObject{{u"type"_s, u"sqlite"_s},
                                  {u"path"_s, QStringLiteral(D365_SAMPLE_DB)},
                                  {u"query"_s, u"SELECT customer_id, email FROM customers LIMIT 5"_s},
                                  {u"keyColumn"_s, u"customer_id"_s}}},
        {u"target"_s, QJsonObject{{u"profile"_s, u"gui-reconnect"_s},
                                  {u"entitySet"_s, u"contacts"_s},
                                  {u"matchKey"_s, QJsonArray{u"emailaddress1"_s}}}},
        {u"mode"_s, u"upsert"_s},
        {u"fields"_s, QJsonArray{QJsonObject{{u"source"_s, u"email"_s}, {u"target"_s, u"emailaddress1"_s}}}},
    };
    const QString mappingPath = m_dir.filePath(u"reconnect.json"_s);
    {
        QFile file(mappingPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(mapping).toJson());
    }

    // The application as main.cpp builds it: the session is the token provider of syncs and of the schema
    // browser's metadata loader.
    QTemporaryDir cache;
    ConnectionSession session;
    d365::services::SyncController controller;
    d365::services::MetadataLoader loader(&session, cache.path());
    d365::ui::MainWindow window(&controller, m_settings.get(), &session);
    window.setConnectionSession(&session);
    window.setMetadataLoader(&loader);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.loadMapping(mappingPath));
    auto *stripConnect = window.findChild<QPushButton *>(u"connectButton"_s);
    auto *status = window.findChild<QLabel *>(u"connectionStatusLabel"_s);
    auto *syncNow = window.findChild<QPushButton *>(u"syncNowButton"_s);
    auto *tables = window.findChild<QTableView *>(u"schemaTables"_s);
    QVERIFY(stripConnect && status && syncNow && tables);
    QTRY_VERIFY_WITH_TIMEOUT(session.state() != State::Connecting, 15000); // the keychain has nothing yet

    // Sign in through Connect… and the dialog.
    const auto signIn = [&] {
        QTest::mouseClick(stripConnect, Qt::LeftButton);
        QPointer<ConnectionDialog> dialog = window.findChild<ConnectionDialog *>(u"connectionDialog"_s);
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QCOMPARE(dialog->findChild<QLineEdit *>(u"nameEdit"_s)->text(), u"gui-reconnect"_s);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"connectButton"_s), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::Connected, 15000);
        // Connected closes the dialog; it does not stay open with an older state's text.
        QTRY_VERIFY2(dialog.isNull() || !dialog->isVisible(),
                     qPrintable(dialog ? dialog->statusText() : QString()));
        QTRY_VERIFY(dialog.isNull()); // deleted on close, so the next findChild finds the next dialog
    };
    signIn();
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY(status->text().startsWith(u"Connected to 127.0.0.1"_s));

    // The identity provider expires the sign-in: the access token gets 401, its refresh AADSTS700082.
    const auto expired = d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/identity/expire"_s)),
        {{"Content-Type", "application/json"}}, R"({"user":"admin@sandbox.onmicrosoft.com","tokens":"all"})");
    QCOMPARE(expired.status, 200);
    QTest::mouseClick(syncNow, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), State::ReconnectRequired, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), 30000);
    d365::ui::MessageBanner *banner = window.messageBanner();
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->messageType(), d365::ui::MessageBanner::Type::Error);
    QCOMPARE(stripConnect->text(), u"Reconnect…"_s);

    // The long reason in the strip does not push the window, and Reconnect… with it, off the screen.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QVERIFY(window.screen()->availableGeometry().contains(window.frameGeometry()));
    QVERIFY(window.rect().contains(QRect(stripConnect->mapTo(&window, QPoint()), stripConnect->size())));
    QVERIFY(stripConnect->isVisible());

    // Reconnect…: the dialog closes on success, the red banner goes, and the state stays Connected even
    // though the schema browser asked the old sign-in for a token while the new one was under way.
    signIn();
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY2(banner->isHidden(), qPrintable(banner->text()));
    QTRY_VERIFY(status->text().startsWith(u"Connected to 127.0.0.1"_s));
    QTRY_VERIFY_WITH_TIMEOUT(tables->model()->rowCount() > 0, 30000); // loaded with the new sign-in
    QCOMPARE(session.state(), State::Connected);
    QCOMPARE(stripConnect->text(), u"Connect…"_s);
}

QTEST_MAIN(TestConnectionDialog)
#include "tst_connectiondialog.moc"
