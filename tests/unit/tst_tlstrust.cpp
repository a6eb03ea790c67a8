// Which certificates a profile's connections trust (services/dataverse/tlstrust.h): the system's, plus a
// sandbox profile's CA file; a bad CA file is a clear configuration error, never a silent fallback.

#include "services/dataverse/tlstrust.h"

#include <QFile>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::ErrorCategory;
using d365::services::ConnectionProfile;
using d365::services::tlsConfiguration;

namespace {
// A self-signed test CA (public certificate only; its key was thrown away when it was made).
const QByteArray TestCa = R"(-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUQdRIQgT+W6UeK/MoOmBLuKF7wf4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRRDM2NSBTeW5jIHRlc3QgQ0EwIBcNMjYxMjA1MjIzMjEzWhgP
MjEyNjExMTEyMjMyMTNaMBwxGjAYBgNVBAMMEUQzNjUgU3luYyB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4v754QBOrX4WtfodGhXU7sEsIk66H/0Q
7w4Pm5LNcHQ4ySop71FKoo/301ip2UkxFsXVdFGYbO1QLWRd+9gl+qNTMFEwHQYD
VR0OBBYEFNiIH5sR/R3vpEFa2h5SwBAnKUdHMB8GA1UdIwQYMBaAFNiIH5sR/R3v
pEFa2h5SwBAnKUdHMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
ANo/tfNOQu59b7W9GWkSYSDUeqHlHOQWsucQIOpFtiMZAiEAt2OrcuJ7aI1t12PR
cdMtAH2knwe71zaZJq7Fgh5B2Ms=
-----END CERTIFICATE-----
)";
} // namespace

class TestTlsTrust : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noCaFile_trustsExactlyTheSystemCertificates();
    void sandboxCaFile_isAddedToTheSystemCertificates();
    void caFileOnRealOrg_isRefused();
    void caFile_unreadableOrNotPem_namesTheFileAndTheFix_data();
    void caFile_unreadableOrNotPem_namesTheFileAndTheFix();

private:
    ConnectionProfile sandbox(const QString &caFile) const;
    QString write(const QString &name, const QByteArray &content) const;
    QTemporaryDir m_dir;
};

ConnectionProfile TestTlsTrust::sandbox(const QString &caFile) const
{
    ConnectionProfile p;
    p.name = u"tls"_s;
    p.kind = ConnectionProfile::Kind::Sandbox;
    p.orgUrl = QUrl(u"https://127.0.0.1:8641"_s);
    p.caCertificateFile = caFile;
    return p;
}

QString TestTlsTrust::write(const QString &name, const QByteArray &content) const
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return {};
    return path;
}

void TestTlsTrust::noCaFile_trustsExactlyTheSystemCertificates()
{
    const auto configuration = tlsConfiguration(sandbox({}));
    QVERIFY(configuration.ok());
    QCOMPARE(configuration->caCertificates(), QSslConfiguration::defaultConfiguration().caCertificates());
    QCOMPARE(configuration->peerVerifyMode(), QSslConfiguration::defaultConfiguration().peerVerifyMode());
}

void TestTlsTrust::sandboxCaFile_isAddedToTheSystemCertificates()
{
    const QString path = write(u"ca.pem"_s, TestCa);
    QVERIFY(!path.isEmpty());
    const auto configuration = tlsConfiguration(sandbox(path));
    QVERIFY2(configuration.ok(), qPrintable(configuration.ok() ? QString() : configuration.error().message));
    const QSslCertificate ca = QSslCertificate::fromData(TestCa, QSsl::Pem).constFirst();
    QVERIFY(configuration->caCertificates().contains(ca));
    QVERIFY(!QSslConfiguration::defaultConfiguration().caCertificates().contains(ca));
    // Everything the system trusts is still trusted; nothing is switched off.
    QCOMPARE(configuration->caCertificates().size(),
             QSslConfiguration::defaultConfiguration().caCertificates().size() + 1);
    QVERIFY(configuration->peerVerifyMode() != QSslSocket::VerifyNone);
}

void TestTlsTrust::caFileOnRealOrg_isRefused()
{
    ConnectionProfile real = sandbox(write(u"real.pem"_s, TestCa));
    real.kind = ConnectionProfile::Kind::Dynamics;
    real.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    const auto configuration = tlsConfiguration(real);
    QVERIFY(!configuration.ok());
    QCOMPARE(configuration.error().category, ErrorCategory::Configuration);
    QVERIFY2(configuration.error().message.contains(u"only sandbox profiles may trust an extra CA"_s),
             qPrintable(configuration.error().message));
}

void TestTlsTrust::caFile_unreadableOrNotPem_namesTheFileAndTheFix_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << m_dir.filePath(u"missing.pem"_s) << u"cannot read the CA certificate file"_s;
    QTest::newRow("a key, not a certificate")
        << write(u"key.pem"_s,
                 "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n")
        << u"holds no PEM certificate"_s;
    QTest::newRow("empty") << write(u"empty.pem"_s, " ") << u"holds no PEM certificate"_s;
}

void TestTlsTrust::caFile_unreadableOrNotPem_namesTheFileAndTheFix()
{
    QFETCH(QString, file);
    QFETCH(QString, expected);
    QVERIFY(!file.isEmpty());
    const auto configuration = tlsConfiguration(sandbox(file));
    QVERIFY(!configuration.ok());
    const QString message = configuration.error().message;
    QCOMPARE(configuration.error().category, ErrorCategory::Configuration);
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(message.contains(file), qPrintable(message));
    QVERIFY2(message.contains(u"d365sync-sandbox"_s), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestTlsTrust)
#include "tst_tlstrust.moc"
