#pragma once

// The GUI's sign-in state for one profile, and the TokenProvider the GUI's syncs use.
//
//   restore(profile)          keychain / environment -> TokenProviderFactory -> WhoAmI -> Connected |
//   NotConnected connectWithOAuth(profile) OAuthSignIn -> loginUrlReady(url) (the dialog opens the browser)
//                             -> refresh token in the keychain -> WhoAmI + systemuser name -> Connected
//   disconnect()              removes the keychain entry -> NotConnected
//   every failure keeps the token provider's own message (not signed in, secret refused, sign-in service
//   unreachable, reconnect required, disconnected): the status text, and the error a sync gets
//   accessToken()/invalidate() delegate to the current provider (thread-safe); a refresh that fails for good
//                             turns the state into ReconnectRequired (checked when a sync asks for a token).
//                             A worker thread asking while restore() still reads the keychain waits for it
//                             (a sync started right at launch); this object's own thread never waits.
//
// The WhoAmI/systemuser calls run through a DataverseClient on this object's thread (never blocking: the
// token is already in memory after a sign-in, and a restore's first refresh runs on the provider's thread).

#include "services/auth/oauthsignin.h"
#include "services/auth/tokenprovider.h"

#include <QMutex>
#include <QObject>
#include <QWaitCondition>

#include <memory>

namespace d365::services {

class DataverseClient;

class ConnectionSession : public QObject, public TokenProvider
{
    Q_OBJECT

public:
    enum class State { NotConnected, Connecting, Connected, ReconnectRequired };

    explicit ConnectionSession(QObject *parent = nullptr);
    ~ConnectionSession() override;

    void restore(const ConnectionProfile &profile);
    void connectWithOAuth(const ConnectionProfile &profile);
    void cancelConnect();
    void disconnect();

    State state() const { return m_state; }
    QString profileName() const { return m_profile.name; }
    QString userName() const { return m_userName; }
    // "Connected to contoso.crm.dynamics.com as ..." / "Not connected" / the last error.
    QString statusText() const { return m_statusText; }
    OAuthSignIn *signIn() { return &m_signIn; }

    Result<QByteArray> accessToken(const ConnectionProfile &profile) override;
    void invalidate(const QByteArray &token) override;
    std::optional<Error> lastError() const override;

Q_SIGNALS:
    void loginUrlReady(const QUrl &url);
    void stateChanged();

private:
    void setState(State state, const QString &text);
    void verify(const QString &knownUser);
    std::shared_ptr<TokenProvider> provider() const;

    ConnectionProfile m_profile;
    OAuthSignIn m_signIn;
    State m_state = State::NotConnected;
    QString m_userName;
    QString m_statusText;
    mutable QMutex m_mutex;
    std::shared_ptr<TokenProvider> m_provider; // guarded by m_mutex (syncs call from worker threads)
    std::optional<Error> m_noProviderError;    // guarded by m_mutex: why there is no provider (for syncs)
    bool m_resolving = false;                  // guarded by m_mutex: restore() has not picked a source yet
    QWaitCondition m_resolved;
    std::unique_ptr<DataverseClient> m_client;
    int m_generation = 0; // drops answers that belong to an earlier restore/connect
};

} // namespace d365::services
