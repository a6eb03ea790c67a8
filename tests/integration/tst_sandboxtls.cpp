// d365sync-sandbox --tls and the product over HTTPS (issue 16 item 5): the sandbox serves the same API over
// TLS with a CA it makes (or a certificate it is given); the product's sign-in, token refresh and sync work
// over it when — and only when — a sandbox profile names that CA; without it every path says what to do.
// (MSAL for Python against the same server: tests/integration/msal_sandbox.py.)

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"
#include "services/auth/oauthsignin.h"
#include "services/common/exitcode.h"
#include "services/dataverse/connectionprofile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::Result;
using d365::services::ConnectionProfile;
using d365::services::OAuthSignIn;
using d365::services::SignInResult;
using d365::testsupport::CliResult;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {
const QString AppSecret = u"tls-test-secret"_s;
} // namespace

class TestSandboxTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sandbox_servesHttps_trustedOnlyThroughItsCa();
    void sandbox_ownCertificateAndKey_areServed();
    void sandbox_badTlsOptions_exitTwoNamingTheProblem_data();
    void sandbox_badTlsOptions_exitTwoNamingTheProblem();
    void signIn_overHttps_withTheProfilesCa_succeeds();
    void signIn_overHttps_withoutCa_saysToSetTheCaFile();
    void cliRun_overHttps_withCaFile_writesEveryRow();
    void cliRun_overHttps_withoutCaFile_failsSayingWhatToDo();
    void cliProfileAdd_caFileOnRealOrg_isRefused();

private:
    ConnectionProfile profile(const QString &name, bool withCa) const;
    Result<SignInResult> signIn(const ConnectionProfile &p);
    // A self-signed certificate for 127.0.0.1 and its key, made with the openssl tool; false when it fails.
    bool makeCertificate(const QString &certificate, const QString &key);
    QString mapping(const QString &name, const QString &profileName, const QString &prefix);
    CliResult cli(const QStringList &arguments, const QProcessEnvironment &env = {});

    QTemporaryDir m_dir;
    SandboxProcess m_sandbox;
    QString m_settings;
};

void TestSandboxTls::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Any token is accepted too, so the test reads rows back with request(); the product's own calls carry
    // tokens the sandbox issued (the written rows name the user who wrote them).
    QVERIFY(m_sandbox.start({u"--tls"_s, u"--client-secret"_s, AppSecret}));
    m_settings = m_dir.filePath(u"settings.ini"_s);
}

ConnectionProfile TestSandboxTls::profile(const QString &name, bool withCa) const
{
    ConnectionProfile p;
    p.name = name;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = m_sandbox.baseUrl();
    if (withCa)
        p.caCertificateFile = m_sandbox.caCertificateFile();
    return p;
}

Result<SignInResult> TestSandboxTls::signIn(const ConnectionProfile &p)
{
    OAuthSignIn signIn;
    signIn.setStoreInKeychain(false);
    QSignalSpy finished(&signIn, &OAuthSignIn::finished);
    // The "browser" trusts the sandbox's CA (as a user's would after importing it) and follows the 302 from
    // the identity provider to the product's loopback listener.
    QNetworkAccessManager browser;
    // (From https to the http loopback URI is a "less safe" redirect Qt does not follow by itself; a browser
    // does, so the test follows it.)
    connect(&signIn, &OAuthSignIn::loginUrlReady, this, [&browser](const QUrl &url) {
        QNetworkRequest request(url);
        request.setSslConfiguration(d365::testsupport::testTlsConfiguration());
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        QNetworkReply *reply = browser.get(request);
        connect(reply, &QNetworkReply::finished, reply, [&browser, reply] {
            reply->deleteLater();
            const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
            if (location.isValid()) {
                QNetworkReply *callback = browser.get(QNetworkRequest(reply->url().resolved(location)));
                connect(callback, &QNetworkReply::finished, callback, &QObject::deleteLater);
            }
        });
    });
    if (!signIn.start(p))
        return signIn.result();
    if (!finished.wait(30000))
        return d365::Error::make(d365::ErrorCategory::Internal, u"sign-in did not finish"_s);
    return signIn.result();
}

bool TestSandboxTls::makeCertificate(const QString &certificate, const QString &key)
{
    const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
    if (openssl.isEmpty()) {
        qWarning("the openssl tool is missing: installer/install-deps.sh installs it");
        return false;
    }
    QProcess process;
    process.start(openssl,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:P-256"_s,
                   u"-nodes"_s, u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=own certificate"_s, u"-addext"_s,
                   u"subjectAltName=IP:127.0.0.1"_s, u"-keyout"_s, key, u"-out"_s, certificate});
    if (!process.waitForFinished(60000) || process.exitCode() != 0) {
        qWarning() << "openssl failed:" << process.readAllStandardError();
        return false;
    }
    return true;
}

QString TestSandboxTls::mapping(const QString &name, const QString &profileName, const QString &prefix)
{
    return d365::testsupport::writeSampleMapping(m_dir.filePath(name + u".json"_s), [&](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, d365::testsupport::prefixedSampleQuery(prefix, 40));
        m.insert(u"source"_s, source);
        QJsonObject target = m.value("target"_L1).toObject();
        target.insert(u"profile"_s, profileName);
        m.insert(u"target"_s, target);
    });
}

CliResult TestSandboxTls::cli(const QStringList &arguments, const QProcessEnvironment &env)
{
    return d365::testsupport::runCli(m_settings, arguments, env, {}, 120000);
}

void TestSandboxTls::sandbox_servesHttps_trustedOnlyThroughItsCa()
{
    QCOMPARE(m_sandbox.baseUrl().scheme(), u"https"_s);
    QVERIFY(QFile::exists(m_sandbox.caCertificateFile()));
    const QList<QSslCertificate> ca = QSslCertificate::fromPath(m_sandbox.caCertificateFile());
    QCOMPARE(ca.size(), 1);

    // Through the CA: the tenant's OpenID metadata names https endpoints of this very server.
    const HttpResult metadata = d365::testsupport::request(
        "GET", m_sandbox.baseUrl().resolved(QUrl(u"/organizations/v2.0/.well-known/openid-configuration"_s)));
    QCOMPARE(metadata.status, 200);
    QCOMPARE(metadata.json()[u"token_endpoint"_s].toString(),
             m_sandbox.baseUrl().toString() + u"/organizations/oauth2/v2.0/token"_s);

    // Without it: the handshake fails on the client's side, nothing is answered.
    QNetworkAccessManager plain;
    QNetworkReply *reply = plain.get(QNetworkRequest(m_sandbox.webApiUrl()));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(30000));
    QCOMPARE(reply->error(), QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 0);
    reply->deleteLater();
}

void TestSandboxTls::sandbox_ownCertificateAndKey_areServed()
{
    const QString certificate = m_dir.filePath(u"own.crt"_s);
    const QString key = m_dir.filePath(u"own.key"_s);
    QVERIFY(makeCertificate(certificate, key));
    const QList<QSslCertificate> own = QSslCertificate::fromPath(certificate);
    QCOMPARE(own.size(), 1);
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--tls"_s, u"--tls-cert"_s, certificate, u"--tls-key"_s, key}));
    QCOMPARE(sandbox.baseUrl().scheme(), u"https"_s);
    QVERIFY(sandbox.caCertificateFile().isEmpty()); // no CA of its own to publish
    d365::testsupport::trustForTests(own);
    QNetworkAccessManager client;
    QNetworkRequest request(sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)));
    request.setSslConfiguration(d365::testsupport::testTlsConfiguration());
    request.setRawHeader("Authorization", "Bearer any");
    QNetworkReply *reply = client.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(30000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->sslConfiguration().peerCertificate(), own.constFirst());
    reply->deleteLater();
}

void TestSandboxTls::sandbox_badTlsOptions_exitTwoNamingTheProblem_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    const QString missing = m_dir.filePath(u"missing.crt"_s);
    QTest::newRow("--tls-ca-out without --tls")
        << QStringList{u"--tls-ca-out"_s, m_dir.filePath(u"x.pem"_s)} << u"--tls-ca-out needs --tls"_s;
    QTest::newRow("certificate without key")
        << QStringList{u"--tls"_s, u"--tls-cert"_s, missing} << u"--tls-cert and --tls-key go together"_s;
    QTest::newRow("CA file in a folder that does not exist")
        << QStringList{u"--tls"_s, u"--tls-ca-out"_s, m_dir.filePath(u"no/such/folder/ca.pem"_s)}
        << u"cannot write the CA certificate"_s;
    QTest::newRow("missing certificate file")
        << QStringList{u"--tls"_s, u"--tls-cert"_s, missing, u"--tls-key"_s, missing}
        << u"cannot read the --tls-cert file"_s;
}

void TestSandboxTls::sandbox_badTlsOptions_exitTwoNamingTheProblem()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    SandboxProcess sandbox;
    QVERIFY(!sandbox.start(arguments));
    QTRY_VERIFY_WITH_TIMEOUT(!sandbox.isRunning(), 10000);
    QCOMPARE(sandbox.exitCode(), 2);
    QVERIFY2(sandbox.standardError().contains(expected.toUtf8()), sandbox.standardError().constData());
}

void TestSandboxTls::signIn_overHttps_withTheProfilesCa_succeeds()
{
    const auto result = signIn(profile(u"tls-signin"_s, true));
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
    QCOMPARE(result->userName, u"admin@sandbox.onmicrosoft.com"_s);
    QVERIFY(!result->refreshToken.isEmpty());
    const HttpResult who =
        d365::testsupport::request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)),
                                   {{"Authorization", "Bearer " + result->accessToken}});
    QCOMPARE(who.status, 200);
}

void TestSandboxTls::signIn_overHttps_withoutCa_saysToSetTheCaFile()
{
    const auto result = signIn(profile(u"tls-noca"_s, false));
    QVERIFY(!result.ok());
    QVERIFY2(result.error().message.contains(u"CA certificate file"_s), qPrintable(result.error().message));
    QVERIFY2(result.error().message.contains(u"ca-certificate"_s), qPrintable(result.error().message));
}

void TestSandboxTls::cliRun_overHttps_withCaFile_writesEveryRow()
{
    const CliResult added =
        cli({u"profile"_s, u"add"_s, u"tls"_s, u"--sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(),
             u"--ca-file"_s, m_sandbox.caCertificateFile()});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    const CliResult shown = cli({u"profile"_s, u"show"_s, u"tls"_s});
    QVERIFY2(shown.out.contains(u"ca-certificate-file\t"_s + m_sandbox.caCertificateFile()),
             qPrintable(shown.out));

    const QString path = mapping(u"tls"_s, u"tls"_s, u"tls-ok-"_s);
    QVERIFY(!path.isEmpty());
    QProcessEnvironment env = d365::testsupport::cliEnvironment();
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, AppSecret);
    const QString report = m_dir.filePath(u"tls-report.json"_s);
    const CliResult run = cli({u"run"_s, path, u"--report"_s, report}, env);
    QVERIFY2(run.exitCode == d365::Success, qPrintable(run.err.right(3000)));

    const QList<QJsonObject> rows = d365::testsupport::readRecords(
        m_sandbox, u"contacts?$select=emailaddress1&$filter=startswith(emailaddress1,'tls-ok-')"_s);
    QCOMPARE(rows.size(), 40);
    // Signed in over HTTPS too: the sandbox's token endpoint issued the application user's token.
    QVERIFY(m_sandbox.standardError().contains(R"(token issued to "d365sync-app@sandbox.onmicrosoft.com")"));
}

void TestSandboxTls::cliRun_overHttps_withoutCaFile_failsSayingWhatToDo()
{
    const CliResult added = cli(
        {u"profile"_s, u"add"_s, u"tls-noca"_s, u"--sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString()});
    QCOMPARE(added.exitCode, 0);
    const QString path = mapping(u"tls-noca"_s, u"tls-noca"_s, u"tls-noca-"_s);
    QProcessEnvironment env = d365::testsupport::cliEnvironment();
    env.insert(u"D365SYNC_CLIENT_SECRET"_s, AppSecret);
    const CliResult run = cli({u"run"_s, path}, env);
    QVERIFY2(run.exitCode != d365::Success, qPrintable(run.err));
    QVERIFY2(run.err.contains(u"CA certificate file"_s), qPrintable(run.err.right(3000)));
    QVERIFY2(run.err.contains(u"ca-certificate"_s), qPrintable(run.err.right(3000)));
    const QList<QJsonObject> rows = d365::testsupport::readRecords(
        m_sandbox, u"contacts?$select=emailaddress1&$filter=startswith(emailaddress1,'tls-noca-')"_s);
    QCOMPARE(rows.size(), 0);
}

void TestSandboxTls::cliProfileAdd_caFileOnRealOrg_isRefused()
{
    const CliResult real =
        cli({u"profile"_s, u"add"_s, u"prod"_s, u"--url"_s, u"https://contoso.crm.dynamics.com"_s,
             u"--ca-file"_s, m_sandbox.caCertificateFile()});
    QCOMPARE(real.exitCode, int(d365::ConfigurationError));
    QVERIFY2(real.err.contains(u"only sandbox profiles may trust an extra CA"_s), qPrintable(real.err));
    const CliResult local =
        cli({u"profile"_s, u"add"_s, u"local"_s, u"--url"_s, m_sandbox.baseUrl().toString()});
    QCOMPARE(local.exitCode, int(d365::ConfigurationError));
    QVERIFY2(local.err.contains(u"Only sandbox profiles"_s), qPrintable(local.err));
    QCOMPARE(cli({u"profile"_s, u"list"_s}).out.contains(u"prod\t"_s), false);
}

QTEST_GUILESS_MAIN(TestSandboxTls)
#include "tst_sandboxtls.moc"
