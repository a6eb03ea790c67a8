#pragma once

// A small HTTP/1.1 server on QTcpServer, written for the sandbox because QtHttpServer 6.4 never closes
// connections, answers 404 where 405 is due and cannot drop a connection mid-response (toolchain.md §6).
//
// Flow per connection: bytes arrive -> the parser cuts complete requests out of the buffer (Content-Length or
// chunked bodies; "Expect: 100-continue" is answered) -> the handler runs synchronously -> the response is
// written in request order (so pipelined requests are answered in order), at once or, when the handler asked
// for it, later (HttpResponse::delayMs, HttpResponse::hold) -> the connection stays open (HTTP/1.1
// keep-alive) unless the client or the response asked to close. Everything runs on the thread that owns the
// server; one event loop is plenty for a local test server.
//
// Connections are plain non-blocking sockets watched by QSocketNotifiers, not QTcpSockets: QTcpSocket closes
// the whole connection when the peer half-closes (shutdown(SHUT_WR) after its request), which threw away
// the response (Issue 10 item 14). Here a half-close only means "no more requests": the requests already
// received are answered, then the server closes. Every response carries a Date header (RFC 9110 §6.6.1).
//
// HTTPS (setTlsConfiguration): QSslServer does the handshake, and each encrypted socket is bridged to the
// same Connection code through a socket pair; over TLS a client's half-close is a full close.

#include "httprequest.h"
#include "httpresponse.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>

class QSslConfiguration;
class QTcpServer;

namespace d365::sandbox {

class HttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    // Serves HTTPS instead of HTTP (d365sync-sandbox --tls). Call before listen().
    void setTlsConfiguration(const QSslConfiguration &configuration);
    bool isSecure() const { return m_secure; }

    bool listen(const QHostAddress &address, quint16 port);
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    QString errorString() const;

    // Requests whose body is larger get 413 and the connection is closed.
    void setMaxBodySize(qint64 bytes) { m_maxBodySize = bytes; }
    qint64 maxBodySize() const { return m_maxBodySize; }

    // For the parser: runs the handler and guards against an empty handler.
    HttpResponse dispatch(const HttpRequest &request) const;

    // "Sun, 06 Nov 1994 08:49:37 GMT": the current time as an HTTP date (IMF-fixdate, RFC 9110 §5.6.7).
    static QByteArray httpDate();

private:
    Handler m_handler;
    QTcpServer *m_server = nullptr;
    qint64 m_maxBodySize = 256LL * 1024 * 1024;
    bool m_secure = false;
};

} // namespace d365::sandbox
