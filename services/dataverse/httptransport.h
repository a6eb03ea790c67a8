#pragma once

// What carries a Dataverse request to the service and its answer back: HTTP/1.1 exchanges, nothing about
// OData, tokens or retries (DataverseClient does those). The client is built on this interface so that the
// engine's unit tests can put a fake transport under it (a 429, a dropped connection, a half-failed bulk
// request on purpose), while the application uses SocketTransport over real sockets.
//
//   send(request, callback) → callback(reply) exactly once, on the transport's thread
//                              (never after the transport is destroyed)
//
// A reply either carries a complete HTTP answer (error None, any status) or says why there is none. For a
// failed exchange, requestSent tells whether the service may have acted on the request: false means no byte
// of it left this machine (connection refused, host not found), so sending it again is always safe; true
// means the outcome is unknown (the answer was cut off, the connection dropped, nothing came back in time).

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include <functional>

namespace d365::services {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method = "GET";
    QUrl url;            // absolute http:// or https:// URL
    HttpHeaders headers; // besides Host, Content-Length and Connection, which the transport sets
    QByteArray body;
    int timeoutMs = 120000; // no byte of the answer for this long → Timeout
};

enum class TransportError {
    None,
    HostNotFound,      // the name does not resolve
    ConnectionRefused, // nothing listens on the port
    Timeout,           // no byte of the answer for timeoutMs
    ConnectionClosed,  // the connection ended before the answer was complete (reset, drop, cut-off body)
    Tls,               // TLS handshake or certificate failure
    Protocol,          // the peer does not speak HTTP/1.x as we can read it
    Other,
};

QString transportErrorName(TransportError error); // "timeout", "connection-closed", … (logs, reports)

struct HttpReply
{
    int status = 0;      // HTTP status of a complete answer; 0 when there is none
    HttpHeaders headers; // as received; names compared case-insensitively by header()
    QByteArray body;
    TransportError error = TransportError::None;
    QString errorText;        // what the socket said, for the log and messages
    bool requestSent = false; // see the header comment
    qint64 elapsedMs = 0;     // from the request's first byte written to the answer's last byte read

    QByteArray header(QByteArrayView lowerCaseName) const;
};

class HttpTransport
{
public:
    using Callback = std::function<void(HttpReply)>;

    virtual ~HttpTransport() = default;
    virtual void send(HttpRequest request, Callback callback) = 0;
    // Connections to one host that may be open at once (requests beyond that wait in order).
    virtual void setMaxConnectionsPerHost(int connections) = 0;
    virtual int maxConnectionsPerHost() const = 0;
};

} // namespace d365::services
