#pragma once

// Interactive sign-in ("Connect with OAuth"): authorization code flow with PKCE in the system browser.
//
//   OAuthSignIn s; s.start(profile)
//     -> loopback listener on 127.0.0.1:<free port> (and [::1] on the same port, relayed, for browsers that
//        resolve localhost to ::1); redirect URI http://localhost:<port>/<path>
//     -> loginUrlReady(url)                 the caller opens the browser (or shows "copy link"); never us
//     -> browser -> identity provider -> 302 to the listener with code + state
//        (a wrong state, a missing code or any other request is ignored; the listener closes after the first
//        valid callback)
//     -> code + PKCE verifier -> token endpoint (Qt 6.4 fixes: code and refresh token re-encoded, token
//        errors detected from the network reply, not from the flow)
//     -> refresh token stored in the keychain (CredentialStore)
//     -> finished(), then result()           also on timeout, cancel(), an error redirect or a token error
//
// Tokens are never logged.

#include "services/common/result.h"
#include "services/dataverse/connectionprofile.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <optional>

class QTimer;

namespace d365::services {

struct SignInResult
{
    QByteArray accessToken;
    QString refreshToken;
    QDateTime expiresAt;
    QString userName; // preferred_username of the id_token, or empty
};

class OAuthSignIn : public QObject
{
    Q_OBJECT

public:
    explicit OAuthSignIn(QObject *parent = nullptr);
    ~OAuthSignIn() override;

    // "localhost" (default; matches an app registration with redirect URI http://localhost) or "127.0.0.1".
    void setRedirectHost(const QString &host) { m_redirectHost = host; }
    // Path of the redirect URI; empty (default) gives http://localhost:<port>/.
    void setRedirectPath(const QString &path) { m_redirectPath = path; }
    void setTimeout(int seconds) { m_timeoutSeconds = seconds; }
    // Keep the refresh token only in the result (tests of the flow without a keychain).
    void setStoreInKeychain(bool store) { m_storeInKeychain = store; }

    // Starts listening and emits loginUrlReady; false (and finished) when it cannot start.
    bool start(const ConnectionProfile &profile);
    void cancel();
    bool isRunning() const { return m_running; }
    QUrl redirectUri() const { return m_redirectUri; }
    // Valid after finished().
    const Result<SignInResult> &result() const { return *m_result; }

Q_SIGNALS:
    void loginUrlReady(const QUrl &url);
    void finished(); // result() holds the outcome

private:
    class Flow;
    void fail(const Error &error);
    void succeed(SignInResult result);
    void teardown();

    QString m_redirectHost = QStringLiteral("localhost");
    QString m_redirectPath;
    int m_timeoutSeconds = 300;
    bool m_storeInKeychain = true;
    bool m_running = false;
    ConnectionProfile m_profile;
    QUrl m_redirectUri;
    QPointer<QObject> m_session; // parent of the flow, the handler, the relay and the timer
    std::optional<Result<SignInResult>> m_result;
};

} // namespace d365::services
