#include "services/auth/tokenprovider.h"

#include "services/auth/signinconfig.h"

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
    const QByteArray fromEnvironment = qgetenv(EnvironmentVariable).trimmed();
    const QByteArray token = fromEnvironment.isEmpty() && profile.isSandbox()
                                 ? QByteArray(SandboxDevelopmentToken)
                                 : fromEnvironment;
    const QString host = profile.orgUrl.port() > 0
                             ? u"%1:%2"_s.arg(profile.orgUrl.host()).arg(profile.orgUrl.port())
                             : profile.orgUrl.host();
    std::optional<Error> error;
    if (token.isEmpty()) {
        error = Error::make(ErrorCategory::Authentication, SignInConfig::notSignedInMessage(profile));
    } else if (isRejected(token) && fromEnvironment.isEmpty()) {
        // The sandbox's development token works only with a sandbox started with --accept-any-token.
        error = Error::make(
            ErrorCategory::Authentication,
            SignInConfig::notSignedInMessage(
                profile, QCoreApplication::translate(
                             "TokenProvider", "this sandbox org accepts only tokens from its own sign-in, "
                                              "not the development token")));
    } else if (isRejected(token)) {
        error = Error::make(
            ErrorCategory::Authentication,
            QCoreApplication::translate(
                "TokenProvider",
                "The access token in %1 was refused by %2 (profile '%3'): it has expired or was issued for "
                "another org. Get a new one (for example `az account get-access-token --resource %4`) and "
                "set "
                "%1 again, or sign in with `d365sync-cli auth login --profile %3`.")
                .arg(QString::fromLatin1(EnvironmentVariable), host, profile.name,
                     profile.orgUrl.toString()));
    }
    QMutexLocker lock(&m_mutex);
    m_lastError = error;
    if (error)
        return *error;
    return token;
}

std::optional<Error> EnvironmentTokenProvider::lastError() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastError;
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
