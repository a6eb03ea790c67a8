#include "services/dataverse/dataverseerror.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

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
    if (signIn) {
        return false;
    }
    if (httpStatus == 429 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504) {
        return true;
    }
    if (httpStatus != 0) {
        return false;
    }
    switch (transport) {
    case TransportError::ConnectionRefused:
    case TransportError::Timeout:
    case TransportError::ConnectionClosed:
    case TransportError::Other:
        return true;
    default:
        return false;
    }
}

ServiceError ServiceError::fromHttp(int status, const QByteArray &body, const QByteArray &contentType)
{
    ServiceError error;
    error.httpStatus = status;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonObject inner = doc.object().value("error"_L1).toObject();
    if (parseError.error == QJsonParseError::NoError && !inner.isEmpty()) {
        error.code = inner.value("code"_L1).toString();
        error.message = inner.value("message"_L1).toString();
        return error;
    }
    // Not the Web API's error shape: a gateway's HTML page, a proxy's text. Keep it short and readable.
    QString text = QString::fromUtf8(body.left(20000));
    if (contentType.contains("html") || text.trimmed().startsWith(u'<')) {
        static const QRegularExpression scripts(u"<(script|style)[^>]*>.*?</\\1>"_s,
                                                QRegularExpression::DotMatchesEverythingOption |
                                                    QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression tags(u"<[^>]*>"_s);
        text.remove(scripts);
        text.replace(tags, u" "_s);
    }
    text = text.simplified();
    if (text.size() > 300) {
        text = text.left(297) + u"…"_s;
    }
    error.message = text.isEmpty() ? tr("HTTP %1 with no explanation").arg(status) : text;
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
            ? u"transport %1: %2"_s.arg(transportErrorName(error.transport), error.message)
            : u"HTTP %1 code=%2 message=%3"_s.arg(error.httpStatus).arg(error.code, error.message);

    if (error.signIn) {
        return *error.signIn;
    }
    if (error.isTransport()) {
        const QString host = QUrl(context.orgUrl).host();
        switch (error.transport) {
        case TransportError::HostNotFound:
            return Error::make(
                ErrorCategory::Configuration,
                tr("Organization URL is incorrect: the host of %1 does not exist. ").arg(context.orgUrl) +
                    orgUrlHint(),
                detail);
        case TransportError::ConnectionRefused:
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
        case TransportError::Tls:
            if (context.sandbox) {
                return Error::make(
                    ErrorCategory::Network,
                    tr("Could not establish a secure connection to the sandbox org at %1 (%2). A sandbox "
                       "started with --tls is trusted only through its CA certificate: set the profile's CA "
                       "certificate file to the file d365sync-sandbox printed after \"ca-certificate\" "
                       "(connection dialog, or d365sync-cli profile add <name> --sandbox --url %1 --ca-file "
                       "<file>).")
                        .arg(context.orgUrl, error.message),
                    detail);
            }
            return Error::make(
                ErrorCategory::Network,
                tr("Could not establish a secure connection to %1 (%2). Check the Organization URL "
                   "and any proxy between you and Dynamics 365.")
                    .arg(context.orgUrl, error.message),
                detail);
        case TransportError::Timeout:
            return Error::make(ErrorCategory::Network,
                               tr("%1 did not answer in time (%2), also after retries. The service or the "
                                  "network is too slow or down: try again later, or check the network "
                                  "connection and any proxy.")
                                   .arg(host, error.message),
                               detail);
        case TransportError::ConnectionClosed:
            return Error::make(
                ErrorCategory::Network,
                tr("The connection to %1 broke off (%2), also after retries. Check the network "
                   "connection and try again.")
                    .arg(host, error.message),
                detail);
        case TransportError::Protocol:
            return Error::make(
                ErrorCategory::Configuration,
                tr("%1 does not answer like the Dataverse Web API (%2). ").arg(host, error.message) +
                    orgUrlHint(),
                detail);
        default:
            return Error::make(ErrorCategory::Network,
                               tr("Network error talking to %1: %2. Check your connection and try again.")
                                   .arg(context.orgUrl, error.message),
                               detail);
        }
    }
    if (error.code == "not-dataverse"_L1 || error.code == "redirect"_L1) {
        return Error::make(ErrorCategory::Configuration,
                           tr("%1 is not answering like the Dataverse Web API: %2. Check the Organization "
                              "URL and any proxy or sign-in portal in between. ")
                                   .arg(context.orgUrl, error.message) +
                               orgUrlHint(),
                           detail);
    }
    if (error.code == "invalid-json"_L1) {
        return Error::make(ErrorCategory::Server,
                           tr("Dataverse sent an answer that could not be read: %1. Try again; if it "
                              "persists, check any proxy between you and the service.")
                               .arg(error.message),
                           detail);
    }
    // Duplicate detection (FACTS §1): 0x80040333, answered 412 (2025 docs) or 500 (older docs); either way a
    // problem of this row's values, not of the service, so never a server error.
    if (error.code.compare("0x80040333"_L1, Qt::CaseInsensitive) == 0) {
        return Error::make(
            ErrorCategory::Validation,
            tr("Dataverse's duplicate detection refused this row: a duplicate-detection rule of "
               "the table '%1' matched an existing record with the same values. Change the "
               "row's values in the source, merge or delete the existing record, or "
               "unpublish the rule (Power Apps → Settings → Data management → Duplicate "
               "detection rules). (%2)")
                .arg(context.entitySet, error.message),
            detail);
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
