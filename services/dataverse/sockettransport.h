#pragma once

// HTTP/1.1 over our own keep-alive sockets: the transport DataverseClient uses against a real org and the
// sandbox. It exists instead of QNetworkAccessManager for three measured reasons (issue 9):
//   - QNAM opens at most 6 connections per host, so the parallelism Dataverse recommends (x-ms-dop-hint,
//     often more than 6) was out of reach;
//   - QNAM writes a request's headers and body in separate segments with Nagle's algorithm on, so every
//     request with a body waited ≈ 40 ms for the server's delayed ACK; here each request leaves in one write
//     on a TCP_NODELAY socket;
//   - Qt 6.4's HTTP parser reads response headers one byte per read() system call.
// It also knows exactly how an exchange ended (complete, cut off mid-body, never sent), which the client
// needs to tell a failed write from one whose outcome is unknown.
//
//   send() → a free connection to the origin, else a new one (up to maxConnectionsPerHost), else queued
//          → connect (TLS for https) → one write of the whole request → parse the answer as it arrives
//            (Content-Length, chunked, or until close) → callback → the connection waits for the next
//            request (keep-alive) or closes (Connection: close); idle connections close after idleTimeoutMs
//
// Lives on one thread (the client's); not thread-safe. Proxies: the application proxy applies to the sockets
// (an HTTP proxy tunnels with CONNECT).

#include "services/dataverse/httptransport.h"

#include <QObject>
#include <QSslConfiguration>

#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>

namespace d365::services {

class SocketTransport : public QObject, public HttpTransport
{
    Q_OBJECT
public:
    explicit SocketTransport(QObject *parent = nullptr);
    ~SocketTransport() override;

    void send(HttpRequest request, Callback callback) override;
    void setMaxConnectionsPerHost(int connections) override;
    int maxConnectionsPerHost() const override { return m_maxConnections; }
    // An unused keep-alive connection is closed after this long (default 30 s, below the keep-alive timeouts
    // of IIS and Azure's load balancers, so we never write into a connection the server is closing).
    void setIdleTimeoutMs(int ms) { m_idleTimeoutMs = ms; }
    // Connections open or opening now, all origins (tests).
    int openConnections() const;
    // The TLS settings of https connections (the CAs a sandbox profile trusts, tlstrust.h); the socket's
    // default when never set.
    void setSslConfiguration(const QSslConfiguration &configuration) { m_ssl = configuration; }
    // When the profile's TLS settings could not be made: every https request fails at once with this message
    // (TransportError::Tls) instead of connecting with settings the user did not ask for.
    void setTlsSetupError(const QString &message) { m_tlsSetupError = message; }

private:
    class Connection;
    struct Job;
    struct Origin
    {
        std::deque<std::unique_ptr<Job>> queue;
        QList<Connection *> connections;
    };

    void dispatch(const QString &originKey);
    void onConnectionFree(Connection *connection);
    void onConnectionGone(Connection *connection);

    std::unordered_map<QString, Origin> m_origins;
    int m_maxConnections = 8;
    int m_idleTimeoutMs = 30000;
    // Unset: a QSslSocket's own default. Not QSslConfiguration::defaultConfiguration() here: that would load
    // OpenSSL's per-thread state on the sync worker even for a plain-http sandbox, and its thread-exit
    // cleanup is what ASan reported as a double free.
    std::optional<QSslConfiguration> m_ssl;
    QString m_tlsSetupError;
};

} // namespace d365::services
