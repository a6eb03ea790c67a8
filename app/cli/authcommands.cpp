#include "authcommands.h"

#include "clicommands.h"
#include "clioutput.h"
#include "runtocompletion.h"
#include "services/auth/credentialstore.h"
#include "services/auth/oauthsignin.h"
#include "services/auth/oauthtokenprovider.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/dataverseerror.h"
#include "services/settings/settings.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonObject>
#include <QTextStream>

#include <cstdio>
#include <iostream>
#include <string>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace d365::cli {

namespace {

int exitCodeFor(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Authentication:
        return SignInError;
    case ErrorCategory::Configuration:
        return ConfigurationError;
    case ErrorCategory::Cancelled:
        return Cancelled;
    default:
        return ServiceError;
    }
}

int fail(const Error &error)
{
    err() << tr("Error: %1").arg(error.message) << "\n";
    err().flush();
    return exitCodeFor(error.category);
}

const QString Synopsis = u"auth login|status|logout|set-secret --profile NAME"_s;

int login(const ConnectionProfile &profile, const QString &redirectHost, int timeoutSeconds)
{
    OAuthSignIn signIn;
    signIn.setRedirectHost(redirectHost);
    signIn.setTimeout(timeoutSeconds);
    QObject::connect(&signIn, &OAuthSignIn::loginUrlReady, &signIn, [](const QUrl &url) {
        // stdout, so scripts (and the tests) can pick it up; the URL holds no secret (PKCE challenge only).
        out() << tr("Open this URL in a browser on this machine to sign in:") << "\n"
              << url.toString(QUrl::FullyEncoded) << "\n";
        out().flush();
    });
    return runToCompletion([&](const Finish &finish) {
        QObject::connect(&signIn, &OAuthSignIn::finished, &signIn, [&, finish] {
            const auto &result = signIn.result();
            if (!result) {
                finish(fail(result.error()));
                return;
            }
            out() << tr("Signed in to %1 as %2. The sign-in is kept in the keychain.")
                         .arg(profile.orgUrl.host(),
                              result->userName.isEmpty() ? tr("(unknown user)") : result->userName)
                  << "\n";
            finish(Success);
        });
        signIn.start(profile); // a failure to start emits finished() at once
    });
}

// `auth status`: which sign-in the profile uses, a first token, then who the org says we are.
//   TokenProviderFactory -> token (OAuth: fetched on the provider's thread) -> WhoAmI -> systemusers(id)
// A failure before the org is asked is the provider's own message (secret refused, sign-in service
// unreachable, not signed in); a refusal by the org is explained by the provider when it knows why.
class StatusCommand
{
public:
    explicit StatusCommand(const ConnectionProfile &profile)
        : m_profile(profile)
    {}

    void start(const Finish &finish)
    {
        m_finish = finish;
        TokenProviderFactory::create(m_profile, &m_context, [this](Result<TokenSource> source) {
            if (!source) {
                m_finish(fail(source.error()));
                return;
            }
            m_provider = source->provider;
            m_how = source->description;
            if (auto *oauth = dynamic_cast<OAuthTokenProvider *>(m_provider.get()))
                oauth->prefetch(&m_context, [this] { askOrg(); });
            else
                askOrg();
        });
    }

private:
    void askOrg()
    {
        if (const auto error = m_provider->lastError()) {
            m_finish(fail(*error));
            return;
        }
        m_client = std::make_unique<DataverseClient>(m_profile, m_provider.get());
        m_client->send(DataverseRequest::get(u"WhoAmI"_s), &m_context, [this](const DataverseResponse &who) {
            if (!who.ok()) {
                Error error = toUserError(*who.error, m_client->errorContext());
                if (error.category == ErrorCategory::Authentication && m_provider->lastError())
                    error = *m_provider->lastError();
                m_finish(fail(error));
                return;
            }
            const QString userId = who.json().value(u"UserId"_s).toString();
            // The user's name when the org lets us read it; the id otherwise.
            m_client->send(
                DataverseRequest::get(u"systemusers(%1)?$select=fullname,domainname"_s.arg(userId)),
                &m_context, [this, userId](const DataverseResponse &user) {
                    QString name = user.ok() ? user.json().value(u"domainname"_s).toString() : QString();
                    if (name.isEmpty() && user.ok())
                        name = user.json().value(u"fullname"_s).toString();
                    if (name.isEmpty())
                        name = tr("user %1").arg(userId);
                    out() << tr("Connected to %1 as %2 (profile %3, via %4).")
                                 .arg(m_profile.orgUrl.host(), name, m_profile.name, m_how)
                          << "\n";
                    m_finish(Success);
                });
        });
    }

    const ConnectionProfile m_profile;
    Finish m_finish;
    QObject m_context; // callbacks end with this command
    std::shared_ptr<TokenProvider> m_provider;
    QString m_how;
    std::unique_ptr<DataverseClient> m_client;
};

int status(const ConnectionProfile &profile)
{
    StatusCommand command(profile);
    return runToCompletion([&command](const Finish &finish) { command.start(finish); });
}

int removeEntry(const ConnectionProfile &profile, CredentialStore::Kind kind, const QString &done)
{
    QObject context;
    return runToCompletion([&](const Finish &finish) {
        CredentialStore::remove(profile.name, kind, &context, [&, finish](Result<void> r) {
            if (!r) {
                finish(fail(r.error()));
                return;
            }
            out() << done << "\n";
            finish(Success);
        });
    });
}

int setSecret(const ConnectionProfile &profile)
{
    // From stdin only: a secret in the arguments would show in `ps` and shell history.
    std::string line;
    std::getline(std::cin, line);
    const QString secret = QString::fromStdString(line).trimmed();
    if (secret.isEmpty())
        return fail(Error::make(ErrorCategory::Configuration,
                                tr("No client secret on stdin. Pipe it in, e.g. `printf %s \"$SECRET\" | "
                                   "d365sync-cli auth set-secret --profile %1`.")
                                    .arg(profile.name)));
    QObject context;
    return runToCompletion([&](const Finish &finish) {
        CredentialStore::write(
            profile.name, CredentialStore::ClientSecret, secret, &context, [&, finish](Result<void> r) {
                if (!r) {
                    finish(fail(r.error()));
                    return;
                }
                out() << tr("Stored the client secret of profile %1 in the keychain; `run` "
                            "now signs in as the application user.")
                             .arg(profile.name)
                      << "\n";
                finish(Success);
            });
    });
}

} // namespace

std::optional<TokenSource> resolveTokenSource(const ConnectionProfile &profile, int *exitCode)
{
    std::optional<TokenSource> source;
    QObject context;
    const int code = runToCompletion([&](const Finish &finish) {
        TokenProviderFactory::create(profile, &context, [&, finish](Result<TokenSource> created) {
            if (!created) {
                finish(fail(created.error()));
                return;
            }
            source = created.value();
            finish(Success);
        });
    });
    if (!source)
        *exitCode = code;
    return source;
}

int commandAuth(const QStringList &arguments, Settings &settings)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption profileOption(u"profile"_s, tr("Connection profile."), u"name"_s);
    const QCommandLineOption hostOption(u"redirect-host"_s,
                                        tr("Host of the redirect URI: localhost (default) or 127.0.0.1."),
                                        u"host"_s, u"localhost"_s);
    const QCommandLineOption timeoutOption(u"timeout"_s, tr("Seconds to wait for the browser (default 300)."),
                                           u"seconds"_s, u"300"_s);
    const QCommandLineOption secretOption(u"secret"_s, tr("logout: also remove the stored client secret."));
    parser.addOptions({profileOption, hostOption, timeoutOption, secretOption});
    QStringList withProgram = arguments;
    withProgram.prepend(u"d365sync-cli"_s);
    if (!parser.parse(withProgram) || parser.positionalArguments().size() != 2 ||
        !parser.isSet(profileOption)) {
        if (!parser.errorText().isEmpty())
            err() << parser.errorText() << "\n";
        err() << tr("Usage: d365sync-cli %1").arg(Synopsis) << "\n";
        return ConfigurationError;
    }
    const QString name = parser.value(profileOption);
    const auto profile = settings.profile(name);
    if (!profile) {
        err() << tr("Error: no connection profile named '%1'. List them with `d365sync-cli profile list`.")
                     .arg(name)
              << "\n";
        return ConfigurationError;
    }
    const QString sub = parser.positionalArguments().at(1);
    if (sub == "login"_L1) {
        const QString host = parser.value(hostOption);
        bool ok = false;
        const int timeout = parser.value(timeoutOption).toInt(&ok);
        if ((host != "localhost"_L1 && host != "127.0.0.1"_L1) || !ok || timeout < 1) {
            err() << tr("--redirect-host must be localhost or 127.0.0.1 and --timeout a positive number.")
                  << "\n";
            return ConfigurationError;
        }
        return login(*profile, host, timeout);
    }
    if (sub == "status"_L1)
        return status(*profile);
    if (sub == "logout"_L1) {
        const int code = removeEntry(
            *profile, CredentialStore::RefreshToken,
            tr("Signed out of profile %1: the stored sign-in was removed from the keychain.").arg(name));
        if (code != Success || !parser.isSet(secretOption))
            return code;
        return removeEntry(*profile, CredentialStore::ClientSecret,
                           tr("Removed the client secret of profile %1.").arg(name));
    }
    if (sub == "set-secret"_L1)
        return setSecret(*profile);
    err() << tr("Unknown auth command '%1'. Use: %2").arg(sub, Synopsis) << "\n";
    return ConfigurationError;
}

} // namespace d365::cli
