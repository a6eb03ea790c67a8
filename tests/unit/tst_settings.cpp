#include "services/settings/settings.h"

#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::ErrorCategory;
using d365::services::ConnectionProfile;
using d365::services::Settings;

class TestSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void saveProfile_thenReopen_roundTripsEveryField();
    void saveProfile_sandboxLoopback_roundTrips();
    void saveProfile_caCertificateFile_onlyForSandboxProfiles();
    void saveProfile_invalid_isRefusedAndNothingWritten_data();
    void saveProfile_invalid_isRefusedAndNothingWritten();
    void saveProfile_again_replacesStaleKeys();
    void profile_unknownName_returnsNullopt();
    void profile_invalidStoredData_returnsNullopt_data();
    void profile_invalidStoredData_returnsNullopt();
    void profile_missingOptionalKeys_getDefaults();
    void profileNames_areSorted();
    void removeProfile_removesOnlyThatProfile();
    void uiKeys_roundTrip();
    void addRecentMapping_keepsTheNewestFirstOnceAndAtMostEight();
    void defaultConstructor_usesUserIniLocation();
    void sync_writable_succeeds();
    void sync_folderCannotBeCreated_failsNamingFileAndReason();

private:
    QString iniPath() const { return m_dir.filePath(u"settings.ini"_s); }
    void writeIni(const QByteArray &content) const;

    QTemporaryDir m_dir;
};

void TestSettings::init()
{
    QVERIFY(m_dir.isValid());
    QFile::remove(iniPath());
}

void TestSettings::writeIni(const QByteArray &content) const
{
    QFile file(iniPath());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

static ConnectionProfile makeProfile()
{
    ConnectionProfile profile;
    profile.name = u"prod-eu"_s;
    profile.orgUrl = QUrl(u"https://contoso.crm4.dynamics.com"_s);
    profile.apiVersion = u"v9.1"_s;
    profile.kind = ConnectionProfile::Kind::Dynamics;
    profile.tenant = u"contoso.onmicrosoft.com"_s;
    profile.clientId = u"51f81489-12ee-4a9e-aaae-a2591f45987d"_s;
    return profile;
}

void TestSettings::saveProfile_thenReopen_roundTripsEveryField()
{
    {
        Settings settings(iniPath());
        const auto saved = settings.saveProfile(makeProfile());
        QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message));
        settings.sync();
    }
    Settings reopened(iniPath());
    const auto loaded = reopened.profile(u"prod-eu"_s);
    QVERIFY(loaded.has_value());
    const ConnectionProfile expected = makeProfile();
    QCOMPARE(loaded->name, expected.name);
    QCOMPARE(loaded->orgUrl, expected.orgUrl);
    QCOMPARE(loaded->apiVersion, expected.apiVersion);
    QCOMPARE(loaded->kind, expected.kind);
    QCOMPARE(loaded->tenant, expected.tenant);
    QCOMPARE(loaded->clientId, expected.clientId);
    QCOMPARE(reopened.profileNames(), QStringList{u"prod-eu"_s});
}

void TestSettings::saveProfile_sandboxLoopback_roundTrips()
{
    Settings settings(iniPath());
    ConnectionProfile profile;
    profile.name = u"sandbox"_s;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = QUrl(u"http://127.0.0.1:8641"_s);
    profile.clientId = u"sandbox-client"_s;
    QVERIFY(settings.saveProfile(profile).ok());

    const auto loaded = Settings(iniPath()).profile(u"sandbox"_s);
    QVERIFY(loaded.has_value());
    QCOMPARE(loaded->kind, ConnectionProfile::Kind::Sandbox);
    QCOMPARE(loaded->orgUrl, QUrl(u"http://127.0.0.1:8641"_s));
    QCOMPARE(loaded->webApiBaseUrl(), QUrl(u"http://127.0.0.1:8641/api/data/v9.2/"_s));
    QCOMPARE(loaded->tenant, u"organizations"_s);
    QCOMPARE(loaded->caCertificateFile, QString());
}

void TestSettings::saveProfile_caCertificateFile_onlyForSandboxProfiles()
{
    Settings settings(iniPath());
    ConnectionProfile tls;
    tls.name = u"tls"_s;
    tls.kind = ConnectionProfile::Kind::Sandbox;
    tls.orgUrl = QUrl(u"https://127.0.0.1:8641"_s);
    tls.caCertificateFile = u"/tmp/d365sync-sandbox-ca-8641.pem"_s;
    QVERIFY(settings.saveProfile(tls).ok());
    const auto loaded = Settings(iniPath()).profile(u"tls"_s);
    QVERIFY(loaded.has_value());
    QCOMPARE(loaded->orgUrl, QUrl(u"https://127.0.0.1:8641"_s));
    QCOMPARE(loaded->caCertificateFile, u"/tmp/d365sync-sandbox-ca-8641.pem"_s);

    ConnectionProfile real;
    real.name = u"prod"_s;
    real.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    real.caCertificateFile = u"/tmp/evil-ca.pem"_s;
    const auto refused = settings.saveProfile(real);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.contains(u"only sandbox profiles may trust an extra CA"_s),
             qPrintable(refused.error().message));
    QVERIFY(!Settings(iniPath()).profile(u"prod"_s).has_value());
}

void TestSettings::saveProfile_invalid_isRefusedAndNothingWritten_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("orgUrl");
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("bad name") << u"prod/eu"_s << u"https://contoso.crm.dynamics.com"_s << u"v9.2"_s
                              << int(ConnectionProfile::Kind::Dynamics) << u"profile name"_s;
    QTest::newRow("http URL") << u"prod"_s << u"http://contoso.crm.dynamics.com"_s << u"v9.2"_s
                              << int(ConnectionProfile::Kind::Dynamics) << u"https://"_s;
    QTest::newRow("loopback, not sandbox") << u"prod"_s << u"http://127.0.0.1:8641"_s << u"v9.2"_s
                                           << int(ConnectionProfile::Kind::Dynamics) << u"Only sandbox"_s;
    QTest::newRow("bad API version") << u"prod"_s << u"https://contoso.crm.dynamics.com"_s << u"9.2"_s
                                     << int(ConnectionProfile::Kind::Dynamics) << u"v<major>.<minor>"_s;
}

void TestSettings::saveProfile_invalid_isRefusedAndNothingWritten()
{
    QFETCH(QString, name);
    QFETCH(QString, orgUrl);
    QFETCH(QString, apiVersion);
    QFETCH(int, kind);
    QFETCH(QString, messagePart);

    Settings settings(iniPath());
    ConnectionProfile profile;
    profile.name = name;
    profile.orgUrl = QUrl(orgUrl);
    profile.apiVersion = apiVersion;
    profile.kind = ConnectionProfile::Kind(kind);
    const auto saved = settings.saveProfile(profile);
    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().category, ErrorCategory::Configuration);
    QVERIFY2(saved.error().message.contains(messagePart), qPrintable(saved.error().message));
    QVERIFY(settings.profileNames().isEmpty());
}

void TestSettings::saveProfile_again_replacesStaleKeys()
{
    writeIni("[profiles]\nprod-eu\\orgUrl=https://old.crm.dynamics.com\nprod-eu\\obsolete=1\n");
    Settings settings(iniPath());
    QVERIFY(settings.saveProfile(makeProfile()).ok());
    settings.sync();

    QFile file(iniPath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    QVERIFY2(!content.contains("obsolete"), content.constData());
    QVERIFY(!content.contains("old.crm"));
    QCOMPARE(settings.profile(u"prod-eu"_s)->orgUrl, QUrl(u"https://contoso.crm4.dynamics.com"_s));
}

void TestSettings::profile_unknownName_returnsNullopt()
{
    Settings settings(iniPath());
    QVERIFY(settings.saveProfile(makeProfile()).ok());
    QVERIFY(!settings.profile(u"prod"_s).has_value());
    QVERIFY(!settings.profile(QString()).has_value());
    QVERIFY(!settings.profile(u"prod-eu/orgUrl"_s).has_value());
}

void TestSettings::profile_invalidStoredData_returnsNullopt_data()
{
    QTest::addColumn<QByteArray>("ini");

    QTest::newRow("URL with path") << QByteArray(
        "[profiles]\np\\orgUrl=https://a.crm.dynamics.com/main.aspx\n");
    QTest::newRow("foreign host") << QByteArray("[profiles]\np\\orgUrl=https://example.com\n");
    QTest::newRow("loopback without sandbox kind")
        << QByteArray("[profiles]\np\\orgUrl=http://127.0.0.1:1\n");
    QTest::newRow("unknown kind") << QByteArray(
        "[profiles]\np\\orgUrl=https://a.crm.dynamics.com\np\\kind=production\n");
    QTest::newRow("bad API version") << QByteArray(
        "[profiles]\np\\orgUrl=https://a.crm.dynamics.com\np\\apiVersion=latest\n");
    QTest::newRow("no orgUrl") << QByteArray("[profiles]\np\\kind=dynamics\n");
}

void TestSettings::profile_invalidStoredData_returnsNullopt()
{
    QFETCH(QByteArray, ini);
    writeIni(ini);
    Settings settings(iniPath());
    QCOMPARE(settings.profileNames(), QStringList{u"p"_s});
    QVERIFY(!settings.profile(u"p"_s).has_value());
}

void TestSettings::profile_missingOptionalKeys_getDefaults()
{
    writeIni("[profiles]\np\\orgUrl=https://a.crm.dynamics.com/\n");
    const auto loaded = Settings(iniPath()).profile(u"p"_s);
    QVERIFY(loaded.has_value());
    QCOMPARE(loaded->orgUrl, QUrl(u"https://a.crm.dynamics.com"_s));
    QCOMPARE(loaded->apiVersion, u"v9.2"_s);
    QCOMPARE(loaded->kind, ConnectionProfile::Kind::Dynamics);
    QCOMPARE(loaded->tenant, u"organizations"_s);
    QCOMPARE(loaded->clientId, QString());
}

void TestSettings::profileNames_areSorted()
{
    Settings settings(iniPath());
    for (const QString &name : {u"test"_s, u"dev"_s, u"prod"_s}) {
        ConnectionProfile profile = makeProfile();
        profile.name = name;
        QVERIFY(settings.saveProfile(profile).ok());
    }
    QCOMPARE(settings.profileNames(), (QStringList{u"dev"_s, u"prod"_s, u"test"_s}));
}

void TestSettings::removeProfile_removesOnlyThatProfile()
{
    Settings settings(iniPath());
    ConnectionProfile other = makeProfile();
    other.name = u"dev"_s;
    QVERIFY(settings.saveProfile(makeProfile()).ok());
    QVERIFY(settings.saveProfile(other).ok());

    QVERIFY(settings.removeProfile(u"prod-eu"_s));
    QVERIFY(!settings.removeProfile(u"prod-eu"_s));
    QVERIFY(!settings.removeProfile(u"never-existed"_s));
    QCOMPARE(settings.profileNames(), QStringList{u"dev"_s});
    QVERIFY(!Settings(iniPath()).profile(u"prod-eu"_s).has_value());
}

void TestSettings::uiKeys_roundTrip()
{
    {
        Settings settings(iniPath());
        QCOMPARE(settings.lastMappingPath(), QString());
        QVERIFY(settings.mainWindowGeometry().isEmpty());
        settings.setLastMappingPath(u"/home/ana/mappings/customers.json"_s);
        settings.setMainWindowGeometry(QByteArray("\x01\x02geometry\x00\xff", 12));
        settings.setMainWindowState(QByteArray("state"));
    }
    Settings reopened(iniPath());
    QCOMPARE(reopened.lastMappingPath(), u"/home/ana/mappings/customers.json"_s);
    QCOMPARE(reopened.mainWindowGeometry(), QByteArray("\x01\x02geometry\x00\xff", 12));
    QCOMPARE(reopened.mainWindowState(), QByteArray("state"));
    QCOMPARE(reopened.fileName(), iniPath());
}

void TestSettings::defaultConstructor_usesUserIniLocation()
{
    // Test mode redirects the user config location away from the real ~/.config.
    QStandardPaths::setTestModeEnabled(true);
    Settings settings;
    QVERIFY2(settings.fileName().endsWith(u"/D365Sync/d365sync.ini"_s), qPrintable(settings.fileName()));
    const QString configDir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    QVERIFY2(settings.fileName().startsWith(configDir),
             qPrintable(settings.fileName() + u" vs "_s + configDir));
}

void TestSettings::sync_writable_succeeds()
{
    Settings settings(iniPath());
    settings.setLastMappingPath(u"/tmp/mapping.json"_s);
    QVERIFY(settings.sync().ok());
    QVERIFY(QFile::exists(iniPath()));
}

void TestSettings::sync_folderCannotBeCreated_failsNamingFileAndReason()
{
    // A file where the settings' folder should be: QSettings cannot create the folder, not even as root.
    const QString blocker = m_dir.filePath(u"not-a-folder"_s);
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    const QString path = blocker + u"/settings.ini"_s;
    Settings settings(path);
    ConnectionProfile profile;
    profile.name = u"prod"_s;
    profile.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    QVERIFY(settings.saveProfile(profile).ok());
    const auto synced = settings.sync();
    QVERIFY(!synced.ok());
    QCOMPARE(synced.error().category, ErrorCategory::Configuration);
    QVERIFY2(synced.error().message.startsWith(
                 u"Could not save the settings to %1: %2 is not a folder."_s.arg(path, blocker)),
             qPrintable(synced.error().message));
}

void TestSettings::addRecentMapping_keepsTheNewestFirstOnceAndAtMostEight()
{
    {
        Settings settings(iniPath());
        QVERIFY(settings.recentMappings().isEmpty());
        for (int i = 1; i <= 10; ++i)
            settings.addRecentMapping(u"/m/%1.json"_s.arg(i));
        settings.addRecentMapping(u"/m/7.json"_s);    // opened again: to the front, once
        settings.removeRecentMapping(u"/m/9.json"_s); // gone from disk
        QVERIFY(settings.sync().ok());
    }
    Settings reopened(iniPath());
    QCOMPARE(reopened.recentMappings(),
             QStringList({u"/m/7.json"_s, u"/m/10.json"_s, u"/m/8.json"_s, u"/m/6.json"_s, u"/m/5.json"_s,
                          u"/m/4.json"_s, u"/m/3.json"_s}));
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
