#include "services/dataverse/connectionprofile.h"

#include <QTest>

using namespace Qt::StringLiterals;
using d365::ErrorCategory;
using d365::services::ConnectionProfile;
using Kind = ConnectionProfile::Kind;

Q_DECLARE_METATYPE(ConnectionProfile::Kind)

class TestConnectionProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validateOrgUrl_acceptsAndNormalises_data();
    void validateOrgUrl_acceptsAndNormalises();
    void validateOrgUrl_rejectsWithActionableMessage_data();
    void validateOrgUrl_rejectsWithActionableMessage();
    void validateOrgUrl_passwordInUrl_isNotEchoed();
    void validateApiVersion_data();
    void validateApiVersion();
    void validateName_data();
    void validateName();
    void webApiBaseUrl_appendsApiPathWithTrailingSlash_data();
    void webApiBaseUrl_appendsApiPathWithTrailingSlash();
    void kindNames_roundTrip();
};

void TestConnectionProfile::validateOrgUrl_acceptsAndNormalises_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("expected");

    QTest::newRow("spec example") << u"https://myorg.crm.dynamics.com"_s << Kind::Dynamics
                                  << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("regional crm4") << u"https://contoso.crm4.dynamics.com"_s << Kind::Dynamics
                                   << u"https://contoso.crm4.dynamics.com"_s;
    QTest::newRow("regional crm11") << u"https://contoso-dev.crm11.dynamics.com"_s << Kind::Dynamics
                                    << u"https://contoso-dev.crm11.dynamics.com"_s;
    QTest::newRow("api host") << u"https://org.api.crm.dynamics.com"_s << Kind::Dynamics
                              << u"https://org.api.crm.dynamics.com"_s;
    QTest::newRow("trailing slash removed")
        << u"https://myorg.crm.dynamics.com/"_s << Kind::Dynamics << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("whitespace trimmed")
        << u"  https://myorg.crm.dynamics.com \n"_s << Kind::Dynamics << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("host lower-cased")
        << u"HTTPS://MyOrg.CRM.Dynamics.COM"_s << Kind::Dynamics << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("explicit default port dropped")
        << u"https://myorg.crm.dynamics.com:443"_s << Kind::Dynamics << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("sandbox kind, real org")
        << u"https://myorg.crm.dynamics.com"_s << Kind::Sandbox << u"https://myorg.crm.dynamics.com"_s;
    QTest::newRow("sandbox 127.0.0.1")
        << u"http://127.0.0.1:8641"_s << Kind::Sandbox << u"http://127.0.0.1:8641"_s;
    QTest::newRow("sandbox localhost, slash")
        << u"http://localhost:9000/"_s << Kind::Sandbox << u"http://localhost:9000"_s;
    QTest::newRow("sandbox loopback https (d365sync-sandbox --tls)")
        << u"https://127.0.0.1:8641/"_s << Kind::Sandbox << u"https://127.0.0.1:8641"_s;
    QTest::newRow("sandbox localhost https")
        << u"https://localhost:8641"_s << Kind::Sandbox << u"https://localhost:8641"_s;
    QTest::newRow("sandbox ipv6 loopback")
        << u"http://[::1]:12345"_s << Kind::Sandbox << u"http://[::1]:12345"_s;
}

void TestConnectionProfile::validateOrgUrl_acceptsAndNormalises()
{
    QFETCH(QString, input);
    QFETCH(Kind, kind);
    QFETCH(QString, expected);

    const auto result = ConnectionProfile::validateOrgUrl(input, kind);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
    QCOMPARE(result->toString(), expected);
    QVERIFY(result->path().isEmpty());
}

void TestConnectionProfile::validateOrgUrl_rejectsWithActionableMessage_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QStringList>("mustMention");

    const QString pattern = u"https://<environment>.crm<N>.dynamics.com"_s;
    const QString where = u"Environments"_s;

    QTest::newRow("http") << u"http://myorg.crm.dynamics.com"_s << Kind::Dynamics
                          << QStringList{u"http://"_s, u"https://myorg.crm.dynamics.com?"_s, pattern, where};
    QTest::newRow("no scheme") << u"myorg.crm.dynamics.com"_s << Kind::Dynamics
                               << QStringList{u"no scheme"_s,
                                              u"Did you mean https://myorg.crm.dynamics.com?"_s, pattern,
                                              where};
    QTest::newRow("other domain suffix")
        << u"https://dynamics.com.evil.net"_s << Kind::Dynamics
        << QStringList{u"dynamics.com.evil.net"_s, u"not a Dynamics 365 host"_s, pattern, where};
    QTest::newRow("lookalike domain") << u"https://evil-dynamics.com"_s << Kind::Dynamics
                                      << QStringList{u"not a Dynamics 365 host"_s, pattern};
    QTest::newRow("bare dynamics.com")
        << u"https://dynamics.com"_s << Kind::Dynamics << QStringList{u"not a Dynamics 365 host"_s, pattern};
    QTest::newRow("browser page path")
        << u"https://myorg.crm.dynamics.com/main.aspx?appid=1"_s << Kind::Dynamics
        << QStringList{u"/main.aspx"_s, u"?appid=1"_s, u"https://myorg.crm.dynamics.com?"_s, pattern, where};
    QTest::newRow("web api path") << u"https://myorg.crm.dynamics.com/api/data/v9.2"_s << Kind::Dynamics
                                  << QStringList{u"/api/data/v9.2"_s, u"API version"_s, pattern, where};
    QTest::newRow("query") << u"https://myorg.crm.dynamics.com?x=1"_s << Kind::Dynamics
                           << QStringList{u"query"_s, u"?x=1"_s, pattern};
    QTest::newRow("fragment") << u"https://myorg.crm.dynamics.com/#top"_s << Kind::Dynamics
                              << QStringList{u"fragment"_s, u"#top"_s, pattern};
    QTest::newRow("port") << u"https://myorg.crm.dynamics.com:8443"_s << Kind::Dynamics
                          << QStringList{u":8443"_s, u"port"_s, pattern};
    QTest::newRow("user info") << u"https://alice@myorg.crm.dynamics.com"_s << Kind::Dynamics
                               << QStringList{u"user name"_s, pattern};
    QTest::newRow("empty") << QString() << Kind::Dynamics << QStringList{u"empty"_s, pattern, where};
    QTest::newRow("whitespace only") << u"   \t"_s << Kind::Dynamics
                                     << QStringList{u"empty"_s, pattern, where};
    QTest::newRow("ftp scheme") << u"ftp://myorg.crm.dynamics.com"_s << Kind::Dynamics
                                << QStringList{u"\"ftp\""_s, pattern};
    QTest::newRow("loopback http, dynamics profile")
        << u"http://127.0.0.1:8641"_s << Kind::Dynamics << QStringList{u"Only sandbox profiles"_s, pattern};
    QTest::newRow("localhost http, dynamics profile")
        << u"http://localhost:8641"_s << Kind::Dynamics << QStringList{u"Only sandbox profiles"_s};
    QTest::newRow("sandbox non-loopback http")
        << u"http://192.168.1.10:8641"_s << Kind::Sandbox << QStringList{u"http://"_s, pattern};
    QTest::newRow("loopback https, dynamics profile")
        << u"https://127.0.0.1:8641"_s << Kind::Dynamics << QStringList{u"Only sandbox profiles"_s, pattern};
    QTest::newRow("sandbox loopback with path")
        << u"http://127.0.0.1:8641/api/data/v9.2/"_s << Kind::Sandbox << QStringList{u"/api/data/v9.2/"_s};
    QTest::newRow("space in host") << u"https://my org.crm.dynamics.com"_s << Kind::Dynamics
                                   << QStringList{u"cannot be read as a URL"_s, pattern};
}

void TestConnectionProfile::validateOrgUrl_rejectsWithActionableMessage()
{
    QFETCH(QString, input);
    QFETCH(Kind, kind);
    QFETCH(QStringList, mustMention);

    const auto result = ConnectionProfile::validateOrgUrl(input, kind);
    QVERIFY2(!result.ok(), qPrintable(u"accepted: "_s + (result.ok() ? result->toString() : QString())));
    QCOMPARE(result.error().category, ErrorCategory::Configuration);
    for (const QString &part : mustMention) {
        QVERIFY2(result.error().message.contains(part),
                 qPrintable(u"message lacks \""_s + part + u"\": "_s + result.error().message));
    }
}

void TestConnectionProfile::validateOrgUrl_passwordInUrl_isNotEchoed()
{
    const auto result =
        ConnectionProfile::validateOrgUrl(u"https://alice:hunter2@myorg.crm.dynamics.com"_s, Kind::Dynamics);
    QVERIFY(!result.ok());
    QVERIFY(result.error().message.contains(u"user name or password"_s));
    QVERIFY2(!result.error().message.contains(u"hunter2"_s), qPrintable(result.error().message));
    QVERIFY2(!result.error().detail.contains(u"hunter2"_s), qPrintable(result.error().detail));
}

void TestConnectionProfile::validateApiVersion_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("expected"); // the normalised version, or a part of the message

    QTest::newRow("v9.2") << u"v9.2"_s << true << u"v9.2"_s;
    QTest::newRow("v9.1") << u"v9.1"_s << true << u"v9.1"_s;
    QTest::newRow("v9.0") << u"v9.0"_s << true << u"v9.0"_s;
    QTest::newRow("empty means default") << QString() << true << u"v9.2"_s;
    QTest::newRow("blank means default") << u"  "_s << true << u"v9.2"_s;
    QTest::newRow("upper-case V normalised") << u" V9.2 "_s << true << u"v9.2"_s;
    QTest::newRow("missing v") << u"9.2"_s << false << u"v<major>.<minor>"_s;
    QTest::newRow("no minor") << u"v9"_s << false << u"v<major>.<minor>"_s;
    QTest::newRow("three parts") << u"v9.2.1"_s << false << u"v9.2"_s;
    QTest::newRow("words") << u"latest"_s << false << u"\"latest\""_s;
    QTest::newRow("path pasted") << u"/api/data/v9.2"_s << false << u"v<major>.<minor>"_s;
}

void TestConnectionProfile::validateApiVersion()
{
    QFETCH(QString, input);
    QFETCH(bool, valid);
    QFETCH(QString, expected);

    const auto result = ConnectionProfile::validateApiVersion(input);
    QCOMPARE(result.ok(), valid);
    if (valid) {
        QCOMPARE(*result, expected);
    } else {
        QCOMPARE(result.error().category, ErrorCategory::Configuration);
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
    }
}

void TestConnectionProfile::validateName_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("expected");

    QTest::newRow("simple") << u"prod"_s << true << u"prod"_s;
    QTest::newRow("all allowed characters") << u"Prod-EU_2.a"_s << true << u"Prod-EU_2.a"_s;
    QTest::newRow("trimmed") << u" dev "_s << true << u"dev"_s;
    QTest::newRow("64 characters") << QString(64, u'a') << true << QString(64, u'a');
    QTest::newRow("65 characters") << QString(65, u'a') << false << u"at most 64"_s;
    QTest::newRow("empty") << QString() << false << u"empty"_s;
    QTest::newRow("slash") << u"prod/eu"_s << false << u"\"/\""_s;
    QTest::newRow("space") << u"my prod"_s << false << u"\" \""_s;
    QTest::newRow("umlaut") << u"prüf"_s << false << u"\"ü\""_s;
}

void TestConnectionProfile::validateName()
{
    QFETCH(QString, input);
    QFETCH(bool, valid);
    QFETCH(QString, expected);

    const auto result = ConnectionProfile::validateName(input);
    QCOMPARE(result.ok(), valid);
    if (valid)
        QCOMPARE(*result, expected);
    else
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
}

void TestConnectionProfile::webApiBaseUrl_appendsApiPathWithTrailingSlash_data()
{
    QTest::addColumn<QString>("orgUrl");
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<QString>("expected");

    QTest::newRow("dynamics") << u"https://myorg.crm.dynamics.com"_s << u"v9.2"_s
                              << u"https://myorg.crm.dynamics.com/api/data/v9.2/"_s;
    QTest::newRow("older version") << u"https://myorg.crm4.dynamics.com"_s << u"v9.0"_s
                                   << u"https://myorg.crm4.dynamics.com/api/data/v9.0/"_s;
    QTest::newRow("sandbox") << u"http://127.0.0.1:8641"_s << u"v9.2"_s
                             << u"http://127.0.0.1:8641/api/data/v9.2/"_s;
}

void TestConnectionProfile::webApiBaseUrl_appendsApiPathWithTrailingSlash()
{
    QFETCH(QString, orgUrl);
    QFETCH(QString, apiVersion);
    QFETCH(QString, expected);

    ConnectionProfile profile;
    profile.kind = Kind::Sandbox;
    const auto url = ConnectionProfile::validateOrgUrl(orgUrl, profile.kind);
    QVERIFY(url.ok());
    profile.orgUrl = *url;
    profile.apiVersion = apiVersion;
    QCOMPARE(profile.webApiBaseUrl().toString(), expected);
}

void TestConnectionProfile::kindNames_roundTrip()
{
    QCOMPARE(ConnectionProfile::kindName(Kind::Dynamics), u"dynamics"_s);
    QCOMPARE(ConnectionProfile::kindName(Kind::Sandbox), u"sandbox"_s);
    QVERIFY(ConnectionProfile::kindFromName(u"dynamics"_s) == std::optional<Kind>(Kind::Dynamics));
    QVERIFY(ConnectionProfile::kindFromName(u"sandbox"_s) == std::optional<Kind>(Kind::Sandbox));
    QVERIFY(ConnectionProfile::kindFromName(u"Sandbox"_s) == std::optional<Kind>(Kind::Sandbox));
    QVERIFY(!ConnectionProfile::kindFromName(u"production"_s).has_value());
    QVERIFY(!ConnectionProfile::kindFromName(QString()).has_value());
}

QTEST_GUILESS_MAIN(TestConnectionProfile)
#include "tst_connectionprofile.moc"
