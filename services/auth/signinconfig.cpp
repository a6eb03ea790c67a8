#include "services/auth/signinconfig.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("SignIn", text);
}

// "contoso.crm.dynamics.com", "127.0.0.1:41234": the port only when the URL names one.
QString hostAndPort(const QUrl &url)
{
    return url.port() > 0 ? u"%1:%2"_s.arg(url.host()).arg(url.port()) : url.host();
}
} // namespace

Result<SignInEndpoints> SignInConfig::endpoints(const ConnectionProfile &profile)
{
    SignInEndpoints e;
    e.clientId = profile.clientId.trimmed();
    if (e.clientId.isEmpty() && profile.isSandbox())
        e.clientId = QString::fromLatin1(SandboxClientId);
    if (e.clientId.isEmpty())
        return Error::make(
            ErrorCategory::Configuration,
            tr("Profile '%1' has no client ID. Register an app in Microsoft Entra ID (redirect URI "
               "http://localhost under \"Mobile and desktop applications\", API permission Dynamics "
               "CRM user_impersonation) and set its Application (client) ID on the profile: in the "
               "connection "
               "dialog, or `d365sync-cli profile add %1 --url %2 --client-id <id> --tenant <tenant>`.")
                .arg(profile.name, profile.orgUrl.toString()));
    QUrl authority = profile.authorityHost;
    if (!authority.isEmpty() && !profile.isSandbox())
        return Error::make(
            ErrorCategory::Configuration,
            tr("Profile '%1': only sandbox profiles may override the sign-in authority.").arg(profile.name));
    if (authority.isEmpty())
        authority = profile.isSandbox() ? profile.orgUrl : QUrl(QString::fromLatin1(DefaultAuthority));
    const QString tenant = profile.tenant.trimmed().isEmpty() ? u"organizations"_s : profile.tenant.trimmed();
    const QString base = authority.adjusted(QUrl::StripTrailingSlash).toString() + u'/' +
                         QString::fromLatin1(QUrl::toPercentEncoding(tenant)) + u"/oauth2/v2.0/"_s;
    e.authorizeUrl = QUrl(base + u"authorize"_s);
    e.tokenUrl = QUrl(base + u"token"_s);
    const QString resource = profile.orgUrl.adjusted(QUrl::StripTrailingSlash).toString();
    e.delegatedScope = resource + u"/user_impersonation offline_access openid profile"_s;
    e.applicationScope = resource + u"/.default"_s;
    return e;
}

int SignInConfig::aadstsCode(const QByteArray &body)
{
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    const int fromArray = o.value(u"error_codes"_s).toArray().at(0).toInt();
    if (fromArray > 0)
        return fromArray;
    static const QRegularExpression re(u"AADSTS(\\d+)"_s);
    const auto m = re.match(o.value(u"error_description"_s).toString());
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

QString SignInConfig::signInHost(const ConnectionProfile &profile)
{
    QUrl authority = profile.isSandbox() ? profile.authorityHost : QUrl();
    if (authority.isEmpty())
        authority = profile.isSandbox() ? profile.orgUrl : QUrl(QString::fromLatin1(DefaultAuthority));
    return hostAndPort(authority);
}

QString SignInConfig::notSignedInMessage(const ConnectionProfile &profile, const QString &why)
{
    return tr("Not signed in to profile '%1' (%2)%3. Sign in with \"Connect with OAuth\" in the app or "
              "`d365sync-cli auth login --profile %1`; for unattended runs store an application user's "
              "client "
              "secret with `d365sync-cli auth set-secret --profile %1` or set D365SYNC_CLIENT_SECRET.")
        .arg(profile.name, hostAndPort(profile.orgUrl), why.isEmpty() ? QString() : u": "_s + why);
}

Error SignInConfig::unreachableError(const ConnectionProfile &profile, int networkError,
                                     const QString &errorString)
{
    const QString host = signInHost(profile);
    QString cause;
    switch (static_cast<QNetworkReply::NetworkError>(networkError)) {
    case QNetworkReply::ConnectionRefusedError:
        cause = tr("the connection was refused");
        break;
    case QNetworkReply::HostNotFoundError:
        cause = tr("the host name could not be resolved");
        break;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // the transfer timeout aborts the reply
        cause = tr("it did not answer within %1 seconds").arg(TokenRequestTimeoutSeconds);
        break;
    case QNetworkReply::SslHandshakeFailedError:
        cause = tr("no secure connection could be established (%1)").arg(errorString);
        break;
    default:
        cause = errorString.isEmpty() ? tr("no answer") : errorString;
        break;
    }
    const bool tls =
        static_cast<QNetworkReply::NetworkError>(networkError) == QNetworkReply::SslHandshakeFailedError;
    const QString fix =
        profile.isSandbox() && tls
            ? tr("A sandbox started with --tls is trusted only through its CA certificate: set the profile's "
                 "CA certificate file to the file d365sync-sandbox printed after \"ca-certificate\".")
        : profile.isSandbox()
            ? tr("Check that d365sync-sandbox is running at %1 (the profile's Organization URL), then try "
                 "again.")
                  .arg(host)
            : tr("Check the network connection, proxy and firewall (this machine must reach https://%1), "
                 "then "
                 "try again.")
                  .arg(host);
    return Error::make(
        ErrorCategory::Network,
        tr("Cannot reach the sign-in service %1 for profile '%2': %3. ").arg(host, profile.name, cause) + fix,
        u"token request to %1 failed: network error %2: %3"_s.arg(host).arg(networkError).arg(errorString));
}

QString SignInConfig::reconnectMessage(const ConnectionProfile &profile, int aadsts)
{
    QString why;
    switch (aadsts) {
    case 700082:
        why = tr("the sign-in expired after a long time without use");
        break;
    case 50173:
        why = tr("the sign-in was revoked (for example after a password change)");
        break;
    case 54005:
    case 70008:
        why = tr("the sign-in grant expired");
        break;
    default:
        why = tr("the stored sign-in is no longer valid");
        break;
    }
    return tr("Reconnect required for profile '%1' (%2): %3. Click \"Connect with OAuth\", or run "
              "`d365sync-cli auth login --profile %1`; no sync starts until then.")
        .arg(profile.name, profile.orgUrl.host(), why);
}

Error SignInConfig::tokenEndpointError(const ConnectionProfile &profile, int httpStatus,
                                       const QByteArray &body, const QString &transportError,
                                       bool *reconnectRequired)
{
    if (reconnectRequired)
        *reconnectRequired = false;
    if (httpStatus == 0)
        return unreachableError(profile, QNetworkReply::UnknownNetworkError, transportError);
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    const QString error = o.value(u"error"_s).toString();
    const int code = aadstsCode(body);
    // Only the first line of error_description: the rest is trace/correlation ids for support.
    const QString detail =
        u"HTTP %1 %2: %3"_s.arg(httpStatus)
            .arg(error, o.value(u"error_description"_s).toString().section(u"\r\n"_s, 0, 0));
    const QString aad = code > 0 ? u" (AADSTS%1)"_s.arg(code) : QString();
    const auto make = [&](ErrorCategory category, const QString &message) {
        return Error::make(category, message + aad, detail);
    };
    switch (code) {
    case 700016:
        return make(
            ErrorCategory::Configuration,
            tr("The app registration '%1' was not found in tenant '%2'. Check the client ID on profile "
               "'%3' and that the tenant is the one the app is registered in (or use 'organizations' "
               "for a multi-tenant app).")
                .arg(profile.clientId, profile.tenant, profile.name));
    case 50011:
        return make(ErrorCategory::Configuration,
                    tr("The redirect URI is not registered for the app. In Microsoft Entra ID → App "
                       "registrations → Authentication, add the platform \"Mobile and desktop applications\" "
                       "with the redirect URI http://localhost."));
    case 90002:
        return make(
            ErrorCategory::Configuration,
            tr("Tenant '%1' was not found. Set the profile's tenant to your tenant ID or domain (e.g. "
               "contoso.onmicrosoft.com), or 'organizations'.")
                .arg(profile.tenant));
    case 65001:
        return make(
            ErrorCategory::Authentication,
            tr("Consent is missing: the app is not allowed to access Dynamics 365 yet. Sign in again and "
               "accept the permissions, or ask an administrator to grant admin consent for the app's "
               "Dynamics CRM user_impersonation permission."));
    case 500011:
        return make(ErrorCategory::Configuration,
                    tr("The Dataverse environment %1 was not found in the tenant. Check the profile's "
                       "Organization URL (Power Platform admin center → Environments) and tenant.")
                        .arg(profile.orgUrl.toString()));
    case 50076:
    case 50079:
    case 70043:
        return make(ErrorCategory::Authentication,
                    tr("Your organization requires an interactive sign-in (multi-factor authentication or a "
                       "sign-in frequency policy). Reconnect profile '%1' with \"Connect with OAuth\".")
                        .arg(profile.name));
    case 7000215:
    case 7000218:
        return make(
            ErrorCategory::Authentication,
            tr("The client secret for profile '%1' was refused. Use the secret's Value (not its Secret "
               "ID) from App registrations → Certificates & secrets, and check that it has not expired; "
               "set it with `d365sync-cli auth set-secret --profile %1` or D365SYNC_CLIENT_SECRET.")
                .arg(profile.name));
    case 700025:
        return make(
            ErrorCategory::Configuration,
            tr("The app is registered as a public client, so no client secret may be sent for browser "
               "sign-in."));
    case 700022:
    case 70011:
    case 1002012:
        return make(ErrorCategory::Configuration,
                    tr("The sign-in scope was refused. Check the profile's Organization URL %1.")
                        .arg(profile.orgUrl.toString()));
    default:
        break;
    }
    if (error == u"invalid_grant"_s) {
        if (reconnectRequired)
            *reconnectRequired = true;
        return make(ErrorCategory::Authentication, reconnectMessage(profile, code));
    }
    if (error == u"invalid_client"_s || error == u"unauthorized_client"_s)
        return make(
            ErrorCategory::Configuration,
            tr("The sign-in service refused the app of profile '%1' (%2). Check the client ID and the "
               "app registration.")
                .arg(profile.name, error));
    if (httpStatus >= 500 || error == u"temporarily_unavailable"_s)
        return make(
            ErrorCategory::Server,
            tr("The sign-in service is temporarily unavailable (HTTP %1). Try again in a few minutes.")
                .arg(httpStatus));
    // A code this table does not know: the service's own first sentence is the best description there is.
    static const QRegularExpression aadPrefix(u"^AADSTS\\d+:\\s*"_s); // the code is appended below
    const QString said = o.value(u"error_description"_s)
                             .toString()
                             .section(u"\r\n"_s, 0, 0)
                             .section(u'\n', 0, 0)
                             .remove(aadPrefix)
                             .trimmed();
    return make(
        ErrorCategory::Authentication,
        tr("Sign-in failed for profile '%1': %2. Sign in again (\"Connect with OAuth\" or `d365sync-cli "
           "auth login --profile %1`); for an application user, check its client secret and app "
           "registration.")
            .arg(profile.name,
                 said.isEmpty() ? (error.isEmpty() ? u"HTTP %1"_s.arg(httpStatus) : error) : said));
}

} // namespace d365::services
