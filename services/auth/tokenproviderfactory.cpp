#include "services/auth/tokenproviderfactory.h"

#include "services/auth/credentialstore.h"
#include "services/auth/oauthtokenprovider.h"
#include "services/auth/signinconfig.h"

#include <QCoreApplication>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcProviderFactory, "d365.auth.tokenproviderfactory")

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("SignIn", text);
}

// Step 3: the environment token, the sandbox's development token, or "not signed in".
Result<TokenSource> fallback(const ConnectionProfile &profile, const std::optional<Error> &keychainError)
{
    if (!qEnvironmentVariableIsEmpty(EnvironmentTokenProvider::EnvironmentVariable) || profile.isSandbox()) {
        TokenSource source;
        source.kind = TokenSource::Kind::Environment;
        source.provider = std::make_shared<EnvironmentTokenProvider>();
        source.description =
            qEnvironmentVariableIsEmpty(EnvironmentTokenProvider::EnvironmentVariable)
                ? tr("the sandbox development token")
                : tr("the access token in %1")
                      .arg(QString::fromLatin1(EnvironmentTokenProvider::EnvironmentVariable));
        return source;
    }
    if (keychainError)
        return *keychainError;
    return Error::make(ErrorCategory::Authentication, SignInConfig::notSignedInMessage(profile));
}

} // namespace

void TokenProviderFactory::create(const ConnectionProfile &profile, QObject *context,
                                  std::function<void(Result<TokenSource>)> done)
{
    const QString envSecret = qEnvironmentVariable(ClientSecretVariable);
    if (!envSecret.isEmpty()) {
        TokenSource source;
        source.kind = TokenSource::Kind::ClientSecret;
        source.provider = std::make_shared<OAuthTokenProvider>(
            profile, OAuthTokenProvider::Grant::ClientCredentials, envSecret);
        source.description = tr("client secret (%1)").arg(QString::fromLatin1(ClientSecretVariable));
        done(source);
        return;
    }
    CredentialStore::read(
        profile.name, CredentialStore::ClientSecret, context,
        [profile, context, done](Result<QString> secret) {
            if (secret && !secret->isEmpty()) {
                TokenSource source;
                source.kind = TokenSource::Kind::ClientSecret;
                source.provider = std::make_shared<OAuthTokenProvider>(
                    profile, OAuthTokenProvider::Grant::ClientCredentials, *secret);
                source.description = tr("client secret (keychain)");
                done(source);
                return;
            }
            if (!secret) {
                // No keychain: only the environment or the sandbox's development token can still work.
                qCDebug(lcProviderFactory)
                    << "keychain unavailable for profile" << profile.name << secret.error().detail;
                done(fallback(profile, secret.error()));
                return;
            }
            CredentialStore::read(
                profile.name, CredentialStore::RefreshToken, context,
                [profile, done](Result<QString> refresh) {
                    if (refresh && !refresh->isEmpty()) {
                        TokenSource source;
                        source.kind = TokenSource::Kind::RefreshToken;
                        source.provider = std::make_shared<OAuthTokenProvider>(
                            profile, OAuthTokenProvider::Grant::RefreshToken, *refresh);
                        source.description = tr("browser sign-in (keychain)");
                        done(source);
                        return;
                    }
                    done(fallback(profile, refresh ? std::nullopt : std::optional<Error>(refresh.error())));
                });
        });
}

} // namespace d365::services
