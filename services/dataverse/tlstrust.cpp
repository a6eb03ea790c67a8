#include "services/dataverse/tlstrust.h"

#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("TlsTrust", text);
}
} // namespace

Result<QSslConfiguration> tlsConfiguration(const ConnectionProfile &profile)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    const QString path = profile.caCertificateFile.trimmed();
    if (path.isEmpty())
        return configuration;
    if (!profile.isSandbox())
        return Error::make(
            ErrorCategory::Configuration,
            tr("Profile '%1' names a CA certificate file, but only sandbox profiles may trust an "
               "extra CA; a Dynamics 365 org is checked against the system's certificates. "
               "Remove the CA certificate file from the profile.")
                .arg(profile.name),
            u"CA file on a non-sandbox profile"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(ErrorCategory::Configuration,
                           tr("Profile '%1': cannot read the CA certificate file %2 (%3). Start "
                              "d365sync-sandbox with --tls and set the profile's CA certificate file to the "
                              "file it prints after \"ca-certificate\".")
                               .arg(profile.name, path, file.errorString()),
                           u"CA file unreadable: "_s + path);
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty())
        return Error::make(ErrorCategory::Configuration,
                           tr("Profile '%1': the CA certificate file %2 holds no PEM certificate (a line "
                              "\"-----BEGIN CERTIFICATE-----\"). Use the file d365sync-sandbox --tls wrote.")
                               .arg(profile.name, path),
                           u"CA file without PEM certificates: "_s + path);
    configuration.addCaCertificates(certificates);
    return configuration;
}

} // namespace d365::services
