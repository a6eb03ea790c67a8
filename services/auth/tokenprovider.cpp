#include "services/auth/tokenprovider.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QMutex>
#include <QMutexLocker>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTokenProvider, "d365.auth.tokenprovider")

namespace d365::services {

namespace {
// Tokens the service refused (401). Shared by all providers of the process; read by worker threads.
QMutex s_rejectedMutex;
QList<QByteArray> s_rejected;

bool isRejected(const QByteArray &token)
{
    QMutexLocker lock(&s_rejectedMutex);
    return s_rejected.contains(token);
}
} // namespace

Result<QByteArray> EnvironmentTokenProvider::accessToken(const ConnectionProfile &profile)
{
    QByteArray token = qgetenv(EnvironmentVariable).trimmed();
    if (token.isEmpty() && profile.isSandbox()) {
        token = SandboxDevelopmentToken;
    }
    if (token.isEmpty()) {
        return Error::make(
            ErrorCategory::Authentication,
            QCoreApplication::translate(
                "TokenProvider", "No access token for profile '%1'. Browser sign-in is not available in "
                                 "this version yet: set the environment variable %2 to a Dataverse access "
                                 "token for %3 (for example from `az account get-access-token --resource "
                                 "%3`).")
                .arg(profile.name, QString::fromLatin1(EnvironmentVariable), profile.orgUrl.toString()));
    }
    if (isRejected(token)) {
        return Error::make(
            ErrorCategory::Authentication,
            QCoreApplication::translate(
                "TokenProvider",
                "Authentication failed: the access token for profile '%1' expired or is invalid. "
                "Reconnect: get a new token and set %2 again.")
                .arg(profile.name, QString::fromLatin1(EnvironmentVariable)));
    }
    return token;
}

void EnvironmentTokenProvider::invalidate(const QByteArray &token)
{
    qCInfo(lcTokenProvider) << "the service refused the access token; it will not be used again";
    QMutexLocker lock(&s_rejectedMutex);
    if (!s_rejected.contains(token)) {
        s_rejected.append(token);
    }
}

} // namespace d365::services
