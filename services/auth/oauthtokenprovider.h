#pragma once

// Access tokens from the Microsoft identity platform for one profile, for any thread.
//
//   GUI sign-in / keychain -> refresh token ──┐
//   D365SYNC_CLIENT_SECRET / keychain secret ─┴-> OAuthTokenProvider
//        accessToken(): cached token, or one refresh (refresh_token or client_credentials grant) on the
//                       provider's own thread while the caller waits (other callers share that refresh)
//        ahead of expiry: a timer refreshes in the background, so callers rarely wait
//        invalidate() after a 401: the next accessToken() refreshes once
//        rotated refresh token -> CredentialStore (keychain)
//        invalid_grant (expired / revoked) -> "reconnect required": every later call fails fast with the
//                       reconnect message until the profile signs in again
//
// Tokens are never logged.

#include "services/auth/tokenprovider.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QThread>

#include <functional>
#include <future>
#include <memory>
#include <optional>

namespace d365::services {

class OAuthTokenProvider final : public TokenProvider
{
public:
    enum class Grant { RefreshToken, ClientCredentials };

    // credential: the refresh token (Grant::RefreshToken) or the client secret (Grant::ClientCredentials).
    // With persistRotation, every new refresh token is written to the keychain entry of the profile.
    OAuthTokenProvider(const ConnectionProfile &profile, Grant grant, const QString &credential,
                       bool persistRotation = true);
    ~OAuthTokenProvider() override;

    Result<QByteArray> accessToken(const ConnectionProfile &profile) override;
    void invalidate(const QByteArray &token) override;
    // Why no token can be had now (reconnect required, or the last token request's error), never waiting.
    std::optional<Error> lastError() const override;

    // Gets a token in the background (no waiting): `done` runs on context's thread once a token is cached
    // or the attempt failed. The GUI calls this before its first request, so its thread never waits.
    void prefetch(QObject *context, std::function<void()> done);
    // Use an access token obtained elsewhere (the interactive sign-in) until it expires.
    void seed(const QByteArray &accessToken, const QDateTime &expiresAt);
    bool reconnectRequired() const;
    Grant grant() const { return m_grant; }
    // Refresh this many seconds before expiry (default 300; at most half the token's lifetime).
    void setRefreshMargin(int seconds);
    // Called on the provider's thread after each attempt to store a rotated refresh token.
    void setPersistCallback(std::function<void(Result<void>)> callback);
    // How many token requests were sent (tests).
    int tokenRequestCount() const;

private:
    class Worker;
    struct Reply
    {
        int status = 0;
        QByteArray body;
        int networkError = 0; // QNetworkReply::NetworkError when no HTTP answer arrived
        QString transportError;
    };
    std::shared_future<void> startRefreshLocked();
    void apply(const Reply &reply);
    bool validLocked() const;
    void scheduleAheadLocked();
    void notifyWaitersLocked();

    const ConnectionProfile m_profile;
    const Grant m_grant;
    const bool m_persistRotation;
    QThread m_thread;
    Worker *m_worker = nullptr;

    mutable QMutex m_mutex;
    QString m_credential;
    QByteArray m_accessToken;
    QDateTime m_expiresAt;
    std::optional<Error> m_reconnect;
    std::optional<Error> m_lastError;
    std::shared_future<void> m_inflight;
    int m_margin = 300;
    int m_requests = 0;
    std::function<void(Result<void>)> m_persistCallback;
    QList<QPair<QPointer<QObject>, std::function<void()>>> m_waiters;
};

} // namespace d365::services
