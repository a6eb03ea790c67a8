#include "services/auth/connectionsession.h"

#include "services/auth/credentialstore.h"
#include "services/auth/oauthtokenprovider.h"
#include "services/auth/signinconfig.h"
#include "services/auth/tokenproviderfactory.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/dataverseerror.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QThread>

Q_LOGGING_CATEGORY(lcSession, "d365.auth.connectionsession")

using namespace Qt::StringLiterals;

namespace d365::services {

ConnectionSession::ConnectionSession(QObject *parent)
    : QObject(parent)
{
    m_statusText = tr("Not connected");
    connect(&m_signIn, &OAuthSignIn::loginUrlReady, this, &ConnectionSession::loginUrlReady);
    connect(&m_signIn, &OAuthSignIn::finished, this, [this] {
        const auto &result = m_signIn.result();
        if (!result) {
            setState(State::NotConnected, result.error().message);
            return;
        }
        auto oauth = std::make_shared<OAuthTokenProvider>(m_profile, OAuthTokenProvider::Grant::RefreshToken,
                                                          result->refreshToken);
        oauth->seed(result->accessToken, result->expiresAt);
        {
            QMutexLocker lock(&m_mutex);
            m_provider = oauth;
        }
        verify(result->userName);
    });
}

ConnectionSession::~ConnectionSession() = default;

std::shared_ptr<TokenProvider> ConnectionSession::provider() const
{
    QMutexLocker lock(&m_mutex);
    return m_provider;
}

void ConnectionSession::setState(State state, const QString &text)
{
    if (state != State::Connecting) {
        QMutexLocker lock(&m_mutex);
        m_resolving = false;
        m_resolved.wakeAll();
    }
    m_state = state;
    m_statusText = text;
    qCInfo(lcSession) << "profile" << m_profile.name << "state" << int(state);
    Q_EMIT stateChanged();
}

void ConnectionSession::restore(const ConnectionProfile &profile)
{
    m_profile = profile;
    const int generation = ++m_generation;
    {
        QMutexLocker lock(&m_mutex);
        m_resolving = true;
    }
    setState(State::Connecting, tr("Connecting to %1…").arg(profile.orgUrl.host()));
    TokenProviderFactory::create(profile, this, [this, generation](Result<TokenSource> source) {
        if (generation != m_generation)
            return;
        if (!source) {
            {
                // Not the previous profile's provider: a sync now fails with this profile's reason.
                QMutexLocker lock(&m_mutex);
                m_provider.reset();
                m_noProviderError = source.error();
            }
            setState(State::NotConnected, source.error().message);
            return;
        }
        {
            QMutexLocker lock(&m_mutex);
            m_provider = source->provider;
            m_noProviderError.reset();
            m_resolving = false;
            m_resolved.wakeAll();
        }
        // Fetch the first token on the provider's thread, so this (GUI) thread never waits for it. A failure
        // is shown as the provider words it (secret refused, sign-in service unreachable, reconnect
        // required); asking the org with no token would only say "401".
        if (auto *oauth = dynamic_cast<OAuthTokenProvider *>(source->provider.get())) {
            std::weak_ptr<TokenProvider> weak = source->provider;
            oauth->prefetch(this, [this, generation, weak] {
                if (generation != m_generation)
                    return;
                const auto provider = weak.lock();
                auto *current = dynamic_cast<OAuthTokenProvider *>(provider.get());
                if (const auto error = current ? current->lastError() : std::nullopt) {
                    setState(current->reconnectRequired() ? State::ReconnectRequired : State::NotConnected,
                             error->message);
                    return;
                }
                verify(QString());
            });
            return;
        }
        verify(QString());
    });
}

void ConnectionSession::connectWithOAuth(const ConnectionProfile &profile)
{
    m_profile = profile;
    ++m_generation;
    setState(State::Connecting, tr("Waiting for the sign-in in the browser…"));
    m_signIn.start(profile); // loginUrlReady, then finished
}

void ConnectionSession::cancelConnect()
{
    m_signIn.cancel();
}

void ConnectionSession::disconnect()
{
    ++m_generation;
    {
        QMutexLocker lock(&m_mutex);
        m_provider.reset();
        m_noProviderError = Error::make(ErrorCategory::Authentication,
                                        SignInConfig::notSignedInMessage(
                                            m_profile, tr("you disconnected it, which removed its sign-in")));
    }
    m_client.reset();
    const QString name = m_profile.name;
    CredentialStore::remove(name, CredentialStore::RefreshToken, this, [this](Result<void> removed) {
        setState(State::NotConnected, removed ? tr("Not connected") : removed.error().message);
    });
}

void ConnectionSession::verify(const QString &knownUser)
{
    const int generation = m_generation;
    m_client = std::make_unique<DataverseClient>(m_profile, this);
    m_client->send(
        DataverseRequest::get(u"WhoAmI"_s), this,
        [this, generation, knownUser](const DataverseResponse &who) {
            if (generation != m_generation)
                return;
            if (!who.ok()) {
                Error error = toUserError(*who.error, m_client->errorContext());
                // A refused or missing token: the provider knows why (and says how to fix it).
                const auto current = provider();
                if (error.category == ErrorCategory::Authentication && current && current->lastError())
                    error = *current->lastError();
                setState(m_state == State::ReconnectRequired ? State::ReconnectRequired : State::NotConnected,
                         error.message);
                return;
            }
            const QString userId = who.json().value(u"UserId"_s).toString();
            const auto connected = [this](const QString &user) {
                m_userName = user;
                setState(State::Connected, tr("Connected to %1 as %2").arg(m_profile.orgUrl.host(), user));
            };
            if (!knownUser.isEmpty()) {
                connected(knownUser);
                return;
            }
            m_client->send(DataverseRequest::get(u"systemusers(%1)?$select=fullname"_s.arg(userId)), this,
                           [this, generation, userId, connected](const DataverseResponse &user) {
                               if (generation != m_generation)
                                   return;
                               const QString name =
                                   user.ok() ? user.json().value(u"fullname"_s).toString() : QString();
                               connected(name.isEmpty() ? tr("user %1").arg(userId) : name);
                           });
        });
}

Result<QByteArray> ConnectionSession::accessToken(const ConnectionProfile &profile)
{
    std::shared_ptr<TokenProvider> current;
    {
        QMutexLocker lock(&m_mutex);
        if (QThread::currentThread() != thread()) {
            QDeadlineTimer deadline(30000);
            while (m_resolving && !deadline.hasExpired())
                m_resolved.wait(&m_mutex, deadline);
        }
        current = m_provider;
    }
    if (!current)
        return lastError().value_or(
            Error::make(ErrorCategory::Authentication, SignInConfig::notSignedInMessage(profile)));
    auto token = current->accessToken(profile);
    if (!token) {
        auto *oauth = dynamic_cast<OAuthTokenProvider *>(current.get());
        if (oauth && oauth->reconnectRequired()) {
            // Called from a sync worker thread: report the state change on this object's thread. By the
            // time it arrives a new sign-in may have started or finished (the metadata loader asks the old
            // provider right when Reconnect… saves the profile): only the provider still in use, outside a
            // sign-in, may turn the state into ReconnectRequired.
            const QString message = token.error().message;
            QMetaObject::invokeMethod(this, [this, message, current] {
                if (m_state == State::ReconnectRequired || m_state == State::Connecting ||
                    provider() != current)
                    return;
                setState(State::ReconnectRequired, message);
            });
        }
    }
    return token;
}

std::optional<Error> ConnectionSession::lastError() const
{
    QMutexLocker lock(&m_mutex);
    return m_provider ? m_provider->lastError() : m_noProviderError;
}

void ConnectionSession::invalidate(const QByteArray &token)
{
    if (const auto current = provider())
        current->invalidate(token);
}

} // namespace d365::services
