#include "services/dataverse/dataverseerror.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("DataverseError", text);
}

const QString orgUrlHint()
{
    return tr(
        "The Organization URL must match https://<environment>.crm<N>.dynamics.com (for example "
        "https://myorg.crm.dynamics.com or https://myorg.crm4.dynamics.com). Find it in the Power Platform "
        "admin center under Environments → your environment → Environment URL.");
}
} // namespace

bool ServiceError::isTransient() const
{
    if (httpStatus == 429 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504) {
        return true;
    }
    if (httpStatus != 0) {
        return false;
    }
    switch (static_cast<QNetworkReply::NetworkError>(networkError)) {
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::InternalServerError: // only reached with httpStatus 0, i.e. never for real 500s
    case QNetworkReply::ServiceUnavailableError:
        return true;
    default:
        return false;
    }
}

ServiceError ServiceError::fromHttp(int status, const QByteArray &body)
{
    ServiceError error;
    error.httpStatus = status;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonObject inner = doc.object().value("error"_L1).toObject();
    if (parseError.error == QJsonParseError::NoError && !inner.isEmpty()) {
        error.code = inner.value("code"_L1).toString();
        error.message = inner.value("message"_L1).toString();
    } else {
        error.message = QString::fromUtf8(body.left(2000)).trimmed();
    }
    return error;
}

QString ServiceError::missingPrivilege() const
{
    static const QRegularExpression re(u"\\b(prv[A-Za-z0-9_]+)"_s);
    const auto match = re.match(message);
    return match.hasMatch() ? match.captured(1) : QString();
}

QString ServiceError::privilegeTable() const
{
    static const QRegularExpression re(u"for entity '([A-Za-z0-9_]+)'"_s);
    const auto match = re.match(message);
    return match.hasMatch() ? match.captured(1) : QString();
}

Error toUserError(const ServiceError &error, const ErrorContext &context)
{
    const QString detail =
        error.isTransport()
            ? u"network error %1: %2"_s.arg(error.networkError).arg(error.message)
            : u"HTTP %1 code=%2 message=%3"_s.arg(error.httpStatus).arg(error.code, error.message);

    if (error.isTransport()) {
        switch (static_cast<QNetworkReply::NetworkError>(error.networkError)) {
        case QNetworkReply::HostNotFoundError:
            return Error::make(
                ErrorCategory::Configuration,
                tr("Organization URL is incorrect: the host of %1 does not exist. ").arg(context.orgUrl) +
                    orgUrlHint(),
                detail);
        case QNetworkReply::ConnectionRefusedError:
            if (context.sandbox) {
                return Error::make(
                    ErrorCategory::Network,
                    tr("Could not connect to the sandbox org at %1: the connection was refused. "
                       "Is d365sync-sandbox running on that port? Start it (d365sync-sandbox --port "
                       "0) and update the profile with the address it prints.")
                        .arg(context.orgUrl),
                    detail);
            }
            return Error::make(
                ErrorCategory::Network,
                tr("Could not connect to %1: the connection was refused. Check the Organization URL "
                   "and that the service (or the local sandbox) is running. ")
                        .arg(context.orgUrl) +
                    orgUrlHint(),
                detail);
        case QNetworkReply::SslHandshakeFailedError:
        case QNetworkReply::TooManyRedirectsError:
        case QNetworkReply::InsecureRedirectError:
            return Error::make(
                ErrorCategory::Network,
                tr("Could not establish a secure connection to %1 (%2). Check the Organization URL "
                   "and any proxy between you and Dynamics 365.")
                    .arg(context.orgUrl, error.message),
                detail);
        case QNetworkReply::OperationCanceledError:
            return Error::make(ErrorCategory::Cancelled, tr("The request was cancelled."), detail);
        default:
            return Error::make(ErrorCategory::Network,
                               tr("Network error talking to %1: %2. Check your connection and try again.")
                                   .arg(context.orgUrl, error.message),
                               detail);
        }
    }

    switch (error.httpStatus) {
    case 401:
        return Error::make(ErrorCategory::Authentication,
                           tr("Authentication failed: the token expired or is invalid. Reconnect the profile "
                              "'%1' (sign in again) and retry.")
                               .arg(context.profileName),
                           detail);
    case 403: {
        const QString privilege = error.missingPrivilege();
        const QString table = error.privilegeTable().isEmpty() ? context.entitySet : error.privilegeTable();
        if (!privilege.isEmpty()) {
            return Error::make(
                ErrorCategory::Privilege,
                tr("Insufficient privileges: your user is missing the privilege %1 on the table "
                   "'%2'. Ask an administrator to add it to one of your security roles (Dynamics 365 "
                   "Settings → Security → Security roles); the user needs at least Read and Write "
                   "on the target table.")
                    .arg(privilege, table),
                detail);
        }
        return Error::make(
            ErrorCategory::Privilege,
            tr("Insufficient privileges on '%1': %2 The user needs at least Read and Write on the "
               "target table; check the security roles in Dynamics 365 Settings → Security.")
                .arg(table, error.message),
            detail);
    }
    case 404:
        if (error.code.compare("0x8006088a"_L1, Qt::CaseInsensitive) == 0) {
            return Error::make(
                ErrorCategory::Configuration,
                tr("Entity not found: %1 Use the plural logical (entity set) name in lower case, "
                   "e.g. contacts, accounts, leads; custom tables carry their publisher prefix, "
                   "e.g. new_myentities.")
                    .arg(error.message),
                detail);
        }
        return Error::make(ErrorCategory::NotFound,
                           error.message.isEmpty() ? tr("Not found.") : error.message, detail);
    case 429:
        return Error::make(ErrorCategory::Throttled,
                           tr("Dataverse service-protection limit reached: %1").arg(error.message), detail);
    default:
        break;
    }
    if (error.httpStatus >= 500) {
        return Error::make(ErrorCategory::Server,
                           tr("Dataverse answered with a server error (HTTP %1): %2")
                               .arg(error.httpStatus)
                               .arg(error.message),
                           detail);
    }
    return Error::make(ErrorCategory::Validation, error.message, detail);
}

} // namespace d365::services
