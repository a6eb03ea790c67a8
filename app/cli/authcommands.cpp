#include "authcommands.h"

#include "clicommands.h"
#include "clioutput.h"
#include "commandline.h"
#include "runtocompletion.h"
#include "services/auth/credentialstore.h"
#include "services/auth/oauthsignin.h"
#include "services/auth/oauthtokenprovider.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/common/durationtext.h"
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

int authExitCodeFor(ErrorCategory category)
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
    return authExitCodeFor(error.category);
}

const char *const AuthUsage = R"(Usage: d365sync-cli auth login|status|logout|set-secret --profile NAME

Sign-in of a connection profile, for headless use. Secrets come from stdin or the OS keychain, never from
arguments.

Commands:
  auth login --profile NAME [--redirect-host localhost|127.0.0.1] [--timeout SECONDS]
                                   browser sign-in: prints the URL to open on this machine
  auth status --profile NAME       which sign-in the profile uses and who the org says you are
  auth logout --profile NAME [--secret]
                                   forget the browser sign-in (and the client secret)
  auth set-secret --profile NAME   store an application user's client secret, read from stdin

Each prints its own help, e.g. d365sync-cli auth login --help
)";

int login(const ConnectionProfile &profile, const QString &redirectHost, int timeoutSeconds)
{
    OAuthSignIn signIn;
    signIn.setRedirectHost(redirectHost);
    signIn.setTimeout(timeoutSeconds);
    QObject::connect(&signIn, &OAuthSignIn::loginUrlReady, &signIn, [timeoutSeconds](const QUrl &url) {
        // stdout, so scripts (and the tests) can pick it up; the URL holds no secret (PKCE challenge only).
        out() << tr("Open this URL in a browser on this machine to sign in:") << "\n"
              << url.toString(QUrl::FullyEncoded) << "\n";
        out().flush();
        err() << tr("Waiting up to %1 for the sign-in in the browser (--timeout changes this).")
                     .arg(durationText(timeoutSeconds))
              << "\n";
        err().flush();
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
    const QCommandLineOption profileOption(u"profile"_s, tr("Connection profile (required)."), u"name"_s);
    const QCommandLineOption hostOption(u"redirect-host"_s,
                                        tr("Host of the redirect URI: localhost (default) or 127.0.0.1."),
                                        u"host"_s, u"localhost"_s);
    const QCommandLineOption timeoutOption(
        u"timeout"_s, tr("Seconds to wait for the sign-in in the browser (default 300)."), u"seconds"_s,
        u"300"_s);
    const QCommandLineOption secretOption(u"secret"_s, tr("Also remove the stored client secret."));

    // The sub-command: the first word after "auth" that is neither an option nor an option's value
    // (`auth --profile prod status` works as well as `auth status --profile prod`).
    QString sub;
    for (qsizetype i = 1; i < arguments.size() && sub.isEmpty(); ++i) {
        const QString &word = arguments.at(i);
        if (word == "--profile"_L1 || word == "--redirect-host"_L1 || word == "--timeout"_L1)
            ++i;
        else if (!word.startsWith(u'-'))
            sub = word;
    }
    CommandHelp help;
    if (sub == "login"_L1) {
        help = {
            u"auth login --profile NAME [--redirect-host localhost|127.0.0.1] [--timeout SECONDS]"_s,
            tr("Sign in to the profile's org in a browser (authorization code flow with PKCE). Prints the "
               "URL\nto open in a browser on this machine, waits for the sign-in and keeps it in the OS "
               "keychain;\n`run`, `validate` and the app then use it without a browser."),
            {profileOption, hostOption, timeoutOption}};
    } else if (sub == "status"_L1) {
        help = {u"auth status --profile NAME"_s,
                tr("Show which sign-in the profile uses (client secret, browser sign-in, access token) and "
                   "who\nthe org says you are. Exit 0 when signed in, 3 when the sign-in is missing or "
                   "refused, 4 when\nthe sign-in service or the org cannot be reached."),
                {profileOption}};
    } else if (sub == "logout"_L1) {
        help = {
            u"auth logout --profile NAME [--secret]"_s,
            tr("Forget the profile's browser sign-in: remove its refresh token from the OS keychain. With\n"
               "--secret, also remove the application user's client secret."),
            {profileOption, secretOption}};
    } else if (sub == "set-secret"_L1) {
        help = {
            u"auth set-secret --profile NAME"_s,
            tr("Store an application user's client secret in the OS keychain; `run` then signs in as that\n"
               "application user. The secret is read from stdin, never from the arguments:\n"
               "  printf %s \"$SECRET\" | d365sync-cli auth set-secret --profile NAME"),
            {profileOption}};
    } else {
        const bool wantsHelp = sub == "help"_L1 || (sub.isEmpty() && asksForHelp(arguments));
        if (!wantsHelp) {
            if (!sub.isEmpty())
                err() << tr("Unknown auth command '%1'.").arg(sub) << "\n\n";
            err() << QString::fromUtf8(AuthUsage);
            return ConfigurationError;
        }
        out() << QString::fromUtf8(AuthUsage);
        return Success;
    }

    QCommandLineParser parser;
    if (const auto stop = parseCommandLine(parser, arguments, 2, help))
        return *stop;
    if (!parser.isSet(profileOption)) {
        err()
            << tr("Error: auth %1 needs --profile NAME (list the profiles with `d365sync-cli profile list`).")
                   .arg(sub)
            << "\n";
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
    if (sub == "login"_L1) {
        const QString host = parser.value(hostOption);
        if (host != "localhost"_L1 && host != "127.0.0.1"_L1) {
            err() << tr("Error: --redirect-host must be localhost or 127.0.0.1 (the host of the redirect URI "
                        "registered for the app), not '%1'.")
                         .arg(host)
                  << "\n";
            return ConfigurationError;
        }
        bool ok = false;
        const int timeout = parser.value(timeoutOption).toInt(&ok);
        if (!ok || timeout < 1) {
            err() << tr("Error: --timeout must be a whole number of seconds, at least 1, not '%1'.")
                         .arg(parser.value(timeoutOption))
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
    return setSecret(*profile);
}

} // namespace d365::cli
