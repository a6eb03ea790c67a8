#include "httpserver.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSocketNotifier>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcHttp, "d365.sandbox.http")

namespace d365::sandbox {

namespace {

constexpr qsizetype MaxHeaderBytes = 64 * 1024;
constexpr qsizetype ReadChunk = 64 * 1024;
// After the server closed its side, how long it keeps reading (and discarding) what the client still sends,
// so that closing the socket with unread data does not reset the connection before the client has read
// the response.
constexpr int LingerMs = 2000;

QByteArray addressText(const sockaddr_storage &a, bool withPort)
{
    const QHostAddress host(reinterpret_cast<const sockaddr *>(&a));
    QByteArray text = host.toString().toLatin1();
    if (withPort) {
        const quint16 port = a.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<const sockaddr_in6 *>(&a)->sin6_port)
                                 : ntohs(reinterpret_cast<const sockaddr_in *>(&a)->sin_port);
        text += ':' + QByteArray::number(port);
    }
    return text;
}

enum class SendResult {
    Done,    // everything is out
    Blocked, // the socket buffer is full: wait for the write notifier
    Broken,  // EPIPE, ECONNRESET: the other end is gone
};

// Sends data[*sent..] on a non-blocking socket as far as it takes it, advancing *sent.
SendResult sendPending(int fd, const QByteArray &data, qsizetype *sent)
{
    while (*sent < data.size()) {
        const ssize_t n = ::send(fd, data.constData() + *sent, size_t(data.size() - *sent), MSG_NOSIGNAL);
        if (n > 0) {
            *sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return SendResult::Blocked;
        return SendResult::Broken;
    }
    return SendResult::Done;
}

// One client connection on a non-blocking socket descriptor: owns it and its buffers, deletes itself when
// the connection is over.
class Connection : public QObject
{
public:
    // Where a bridged connection (one end of a socket pair, the other end a TLS socket) really comes from.
    struct Origin
    {
        QByteArray localHost;
        QByteArray peerAddress;
        bool secure = false;
    };

    // A TCP connection accepted by the server.
    Connection(int fd, HttpServer *server)
        : Connection(fd, server, Origin{})
    {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
            m_localHost = addressText(address, true);
        length = sizeof address;
        if (::getpeername(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
            m_peerAddress = addressText(address, false);
        qCDebug(lcHttp) << "connection from" << m_peerAddress;
    }

    Connection(int fd, HttpServer *server, const Origin &origin)
        : QObject(server)
        , m_fd(fd)
        , m_server(server)
        , m_readNotifier(fd, QSocketNotifier::Read)
        , m_writeNotifier(fd, QSocketNotifier::Write)
        , m_localHost(origin.localHost)
        , m_peerAddress(origin.peerAddress)
        , m_secure(origin.secure)
    {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        m_writeNotifier.setEnabled(false);
        connect(&m_readNotifier, &QSocketNotifier::activated, this, &Connection::onReadable);
        connect(&m_writeNotifier, &QSocketNotifier::activated, this, &Connection::onWritable);
    }

    ~Connection() override
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

private:
    enum class Parse { NeedMore, Done, Fatal };
    enum class State {
        Open,      // reading and answering requests
        Closing,   // no more requests: send what is queued, then shut down the write side
        Lingering, // write side shut down: discard input until the client closes (or LingerMs)
        Aborting,  // send what is queued, then close at once (dropped connection, fault injection)
    };

    void onReadable()
    {
        char chunk[ReadChunk];
        for (;;) {
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                if (m_state == State::Open && !m_peerDone)
                    m_buffer.append(chunk, n);
                continue;
            }
            if (n == 0) { // the client shut down its write side (or closed): no more requests will come
                m_peerDone = true;
                m_readNotifier.setEnabled(false);
                break;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            qCDebug(lcHttp) << "connection from" << m_peerAddress << "failed:" << qt_error_string(errno);
            destroy();
            return;
        }
        if (m_state == State::Lingering) {
            if (m_peerDone)
                destroy();
            return;
        }
        // While a deferred response is pending, later pipelined requests wait in the buffer: responses must
        // go out in request order.
        if (m_state == State::Open && !m_waiting)
            processBuffer();
        finishIfPeerDone();
    }

    void processBuffer()
    {
        qsizetype consumed = 0;
        while (m_state == State::Open && !m_waiting) {
            qsizetype used = 0;
            const Parse p = parseOne(consumed, &used);
            if (p != Parse::Done)
                break;
            consumed += used;
        }
        if (consumed > 0)
            m_buffer.remove(0, consumed);
    }

    // A client that half-closed gets the answers to every complete request it sent; then the server closes
    // (an incomplete request at the end is dropped: the client can no longer finish it).
    void finishIfPeerDone()
    {
        if (m_peerDone && m_state == State::Open && !m_waiting)
            close();
    }

    void fail(int status, const QByteArray &message)
    {
        HttpResponse r;
        r.status = status;
        r.setHeader("Content-Type", "text/plain; charset=utf-8");
        r.body = message;
        queue(r.serialize(false, false, HttpServer::httpDate()));
        close();
    }

    // Orderly close: what is queued still goes out.
    void close()
    {
        if (m_state != State::Open)
            return;
        m_state = State::Closing;
        m_buffer.clear();
        flushOutput();
    }

    // Fault injection: what is queued goes out, then the connection is cut without an orderly shutdown.
    void abort()
    {
        m_state = State::Aborting;
        m_buffer.clear();
        flushOutput();
    }

    void destroy()
    {
        m_readNotifier.setEnabled(false);
        m_writeNotifier.setEnabled(false);
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        m_state = State::Aborting;
        deleteLater();
    }

    void queue(const QByteArray &bytes)
    {
        if (m_fd < 0)
            return;
        m_output += bytes;
        flushOutput();
    }

    void onWritable() { flushOutput(); }

    // Sends as much as the socket takes now; the write notifier sends the rest. When everything is out, a
    // closing connection shuts down its write side (FIN) and lingers, an aborting one is closed.
    void flushOutput()
    {
        if (m_fd < 0)
            return;
        switch (sendPending(m_fd, m_output, &m_written)) {
        case SendResult::Done:
            break;
        case SendResult::Blocked:
            m_writeNotifier.setEnabled(true);
            return;
        case SendResult::Broken:
            // The client is gone; nothing more can be delivered.
            qCDebug(lcHttp) << "connection from" << m_peerAddress << "lost while sending";
            destroy();
            return;
        }
        m_output.clear();
        m_written = 0;
        m_writeNotifier.setEnabled(false);
        if (m_state == State::Aborting) {
            destroy();
        } else if (m_state == State::Closing) {
            ::shutdown(m_fd, SHUT_WR);
            if (m_peerDone) {
                destroy();
                return;
            }
            m_state = State::Lingering;
            m_readNotifier.setEnabled(true);
            QTimer::singleShot(LingerMs, this, [this] { destroy(); });
        }
    }

    // Tries to cut one request starting at `from`. On Done, *used is the number of bytes it took.
    Parse parseOne(qsizetype from, qsizetype *used)
    {
        const QByteArrayView buf = QByteArrayView(m_buffer).sliced(from);
        // Tolerate stray CRLFs between pipelined requests (RFC 9112 §2.2).
        qsizetype start = 0;
        while (start + 1 < buf.size() && buf[start] == '\r' && buf[start + 1] == '\n')
            start += 2;
        const qsizetype headerEnd = buf.indexOf(QByteArrayView("\r\n\r\n"), start);
        if (headerEnd < 0) {
            if (buf.size() > MaxHeaderBytes) {
                fail(431, "Request header section too large");
                return Parse::Fatal;
            }
            return Parse::NeedMore;
        }
        if (!m_headerParsed || m_headerFrom != from) {
            if (!parseHeader(buf.sliced(start, headerEnd - start)))
                return Parse::Fatal;
            m_headerParsed = true;
            m_headerFrom = from;
        }
        const qsizetype bodyStart = headerEnd + 4;
        QByteArray body;
        qsizetype end = 0;
        if (m_chunked) {
            const Parse p = decodeChunked(buf, bodyStart, &body, &end);
            if (p != Parse::Done) {
                if (p == Parse::NeedMore)
                    maybeSendContinue();
                return p;
            }
        } else {
            if (buf.size() - bodyStart < m_contentLength) {
                maybeSendContinue();
                return Parse::NeedMore;
            }
            body = buf.sliced(bodyStart, m_contentLength).toByteArray();
            end = bodyStart + m_contentLength;
        }
        *used = end;
        m_headerParsed = false;
        m_sentContinue = false;
        m_request.body = std::move(body);
        respond();
        return Parse::Done;
    }

    bool parseHeader(QByteArrayView head)
    {
        m_request = HttpRequest();
        m_request.localHost = m_localHost;
        m_request.peerAddress = m_peerAddress;
        m_request.secure = m_secure;
        const qsizetype lineEnd = head.indexOf(QByteArrayView("\r\n"));
        const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
        const qsizetype s1 = requestLine.indexOf(' ');
        const qsizetype s2 = requestLine.lastIndexOf(' ');
        if (s1 <= 0 || s2 <= s1) {
            fail(400, "Malformed request line");
            return false;
        }
        m_request.method = requestLine.first(s1).toByteArray();
        m_request.httpVersion = requestLine.sliced(s2 + 1).toByteArray();
        if (!m_request.httpVersion.startsWith("HTTP/1.")) {
            fail(400, "Only HTTP/1.x is supported");
            return false;
        }
        m_request.setTarget(requestLine.sliced(s1 + 1, s2 - s1 - 1).toByteArray());
        m_chunked = false;
        m_contentLength = 0;
        bool connectionClose = m_request.httpVersion == "HTTP/1.0";
        m_expectContinue = false;
        qsizetype pos = lineEnd < 0 ? head.size() : lineEnd + 2;
        while (pos < head.size()) {
            qsizetype next = head.indexOf(QByteArrayView("\r\n"), pos);
            if (next < 0)
                next = head.size();
            const QByteArrayView line = head.sliced(pos, next - pos);
            pos = next + 2;
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                fail(400, "Malformed header line");
                return false;
            }
            const QByteArray name = line.first(colon).trimmed().toByteArray();
            const QByteArray value = line.sliced(colon + 1).trimmed().toByteArray();
            if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
                bool ok = false;
                m_contentLength = value.toLongLong(&ok);
                if (!ok || m_contentLength < 0) {
                    fail(400, "Invalid Content-Length");
                    return false;
                }
            } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
                m_chunked = value.toLower().contains("chunked");
            } else if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
                const QByteArray v = value.toLower();
                if (v.contains("close"))
                    connectionClose = true;
                else if (v.contains("keep-alive"))
                    connectionClose = false;
            } else if (name.compare("Expect", Qt::CaseInsensitive) == 0) {
                m_expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
            }
            m_request.headers.append({name, value});
        }
        m_keepAlive = !connectionClose;
        if (m_contentLength > m_server->maxBodySize()) {
            fail(413, "Request body too large");
            return false;
        }
        return true;
    }

    void maybeSendContinue()
    {
        if (m_expectContinue && !m_sentContinue && !m_peerDone) {
            m_sentContinue = true;
            queue("HTTP/1.1 100 Continue\r\n\r\n");
        }
    }

    // Decodes a chunked body that starts at `pos`. Restarts from the beginning on every call: bodies are
    // small and this keeps the parser state trivial.
    Parse decodeChunked(QByteArrayView buf, qsizetype pos, QByteArray *body, qsizetype *end)
    {
        for (;;) {
            const qsizetype lineEnd = buf.indexOf(QByteArrayView("\r\n"), pos);
            if (lineEnd < 0)
                return Parse::NeedMore;
            QByteArrayView sizeText = buf.sliced(pos, lineEnd - pos);
            if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
                sizeText = sizeText.first(semi);
            bool ok = false;
            const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0) {
                fail(400, "Malformed chunk size");
                return Parse::Fatal;
            }
            pos = lineEnd + 2;
            if (size == 0) {
                // Skip optional trailers up to the empty line.
                for (;;) {
                    const qsizetype tEnd = buf.indexOf(QByteArrayView("\r\n"), pos);
                    if (tEnd < 0)
                        return Parse::NeedMore;
                    const bool empty = tEnd == pos;
                    pos = tEnd + 2;
                    if (empty)
                        break;
                }
                *end = pos;
                return Parse::Done;
            }
            if (body->size() + size > m_server->maxBodySize()) {
                fail(413, "Request body too large");
                return Parse::Fatal;
            }
            if (buf.size() < pos + size + 2)
                return Parse::NeedMore;
            body->append(buf.sliced(pos, size));
            pos += size + 2;
        }
    }

    void respond()
    {
        HttpResponse response = m_server->dispatch(m_request);
        const bool head = m_request.method == "HEAD";
        if (response.delayMs <= 0 && !response.hold) {
            send(response, head);
            return;
        }
        // Answer later from the event loop, never by blocking it: after the simulated execution time
        // (delayMs) and once the hold released the response (--data: the write's rows are in the file).
        struct Deferred
        {
            HttpResponse response;
            bool head = false;
            int waits = 0;
        };
        auto deferred = std::make_shared<Deferred>();
        HttpResponse::Hold hold = std::move(response.hold);
        response.hold = nullptr;
        const qint64 delay = response.delayMs;
        deferred->response = std::move(response);
        deferred->head = head;
        deferred->waits = (delay > 0 ? 1 : 0) + (hold ? 1 : 0);
        m_waiting = true;
        const QPointer<Connection> self(this);
        const auto release = [self, deferred] {
            if (--deferred->waits > 0 || !self)
                return;
            if (self->m_dispatching) { // released from inside hold(): processBuffer is on the stack
                QTimer::singleShot(0, self, [self, deferred] {
                    if (self)
                        self->sendDeferred(deferred->response, deferred->head);
                });
                return;
            }
            self->sendDeferred(deferred->response, deferred->head);
        };
        if (delay > 0)
            QTimer::singleShot(std::chrono::milliseconds(delay), Qt::PreciseTimer, this, release);
        if (hold) {
            m_dispatching = true;
            hold(release);
            m_dispatching = false;
        }
    }

    void sendDeferred(const HttpResponse &response, bool head)
    {
        m_waiting = false;
        send(response, head);
        if (m_state == State::Open)
            processBuffer();
        finishIfPeerDone();
    }

    void send(const HttpResponse &response, bool head)
    {
        if (m_state != State::Open)
            return;
        switch (response.disposition) {
        case HttpResponse::Disposition::DropWithoutReply:
            abort();
            return;
        case HttpResponse::Disposition::DropMidResponse: {
            const QByteArray bytes = response.serialize(true, head, HttpServer::httpDate());
            const qsizetype headerLen = bytes.indexOf("\r\n\r\n") + 4;
            // Half the body; with no body, half the header section, so the client never sees a whole
            // response.
            const qsizetype cut =
                bytes.size() > headerLen ? headerLen + (bytes.size() - headerLen) / 2 : headerLen / 2;
            m_output += bytes.left(cut);
            abort();
            return;
        }
        case HttpResponse::Disposition::CloseAfterSend:
            m_keepAlive = false;
            break;
        case HttpResponse::Disposition::KeepAlive:
            break;
        }
        queue(response.serialize(m_keepAlive, head, HttpServer::httpDate()));
        if (!m_keepAlive)
            close();
    }

    int m_fd;
    HttpServer *m_server;
    QSocketNotifier m_readNotifier;
    QSocketNotifier m_writeNotifier;
    QByteArray m_buffer;
    QByteArray m_output;
    qsizetype m_written = 0;
    QByteArray m_localHost;
    QByteArray m_peerAddress;
    bool m_secure = false;
    HttpRequest m_request;
    State m_state = State::Open;
    bool m_headerParsed = false;
    qsizetype m_headerFrom = -1;
    bool m_chunked = false;
    qint64 m_contentLength = 0;
    bool m_keepAlive = true;
    bool m_expectContinue = false;
    bool m_sentContinue = false;
    bool m_waiting = false;     // a deferred response has not been sent yet
    bool m_dispatching = false; // inside HttpResponse::hold
    bool m_peerDone = false;    // the client shut down its write side
};

// Hands accepted sockets to Connection instead of wrapping them in QTcpSockets.
class Listener : public QTcpServer
{
public:
    explicit Listener(HttpServer *server)
        : QTcpServer(server)
        , m_server(server)
    {}

protected:
    void incomingConnection(qintptr socketDescriptor) override
    {
        new Connection(int(socketDescriptor), m_server);
    }

private:
    HttpServer *m_server;
};

// One TLS connection: QSslServer did the handshake; the decrypted byte stream is passed through a socket pair
// to a Connection, so https runs the same HTTP code as http (pipelining, deferred answers, drops). Bytes from
// the client go to the pair as they arrive; what the Connection writes goes to the TLS socket. When the
// Connection closes its end (an answered "Connection: close", a drop), the TLS connection is closed too
// (close_notify, then FIN); when the client goes away, the Connection's end is closed.
class TlsBridge : public QObject
{
public:
    TlsBridge(QSslSocket *tls, int fd, HttpServer *server)
        : QObject(server)
        , m_tls(tls)
        , m_fd(fd)
        , m_readNotifier(fd, QSocketNotifier::Read)
        , m_writeNotifier(fd, QSocketNotifier::Write)
    {
        tls->setParent(this);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        const int one = 1;
        ::setsockopt(tls->socketDescriptor(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_writeNotifier.setEnabled(false);
        connect(&m_readNotifier, &QSocketNotifier::activated, this, &TlsBridge::fromConnection);
        connect(&m_writeNotifier, &QSocketNotifier::activated, this, &TlsBridge::toConnection);
        connect(tls, &QSslSocket::readyRead, this, &TlsBridge::fromClient);
        connect(tls, &QSslSocket::disconnected, this, &TlsBridge::clientGone);
        connect(tls, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
            if (error != QAbstractSocket::RemoteHostClosedError)
                qCDebug(lcHttp) << "TLS connection from" << m_tls->peerAddress().toString()
                                << "failed:" << m_tls->errorString();
            clientGone();
        });
        fromClient(); // bytes that arrived with the end of the handshake
    }

    ~TlsBridge() override
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

private:
    void fromClient()
    {
        m_toConnection += m_tls->readAll();
        toConnection();
    }

    void toConnection()
    {
        if (m_fd >= 0 && sendPending(m_fd, m_toConnection, &m_sent) == SendResult::Blocked) {
            m_writeNotifier.setEnabled(true);
            return;
        }
        // Everything is out, or the Connection closed its end: it takes no more requests (what it answered
        // is already read).
        m_toConnection.clear();
        m_sent = 0;
        m_writeNotifier.setEnabled(false);
    }

    void fromConnection()
    {
        char chunk[ReadChunk];
        for (;;) {
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                m_tls->write(chunk, n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            // End of the Connection's output (orderly or cut): end the TLS connection once it is sent.
            m_readNotifier.setEnabled(false);
            m_writeNotifier.setEnabled(false);
            ::close(m_fd);
            m_fd = -1;
            if (m_tls->state() == QAbstractSocket::UnconnectedState)
                deleteLater();
            else
                m_tls->disconnectFromHost(); // -> disconnected -> clientGone
            return;
        }
    }

    void clientGone()
    {
        if (m_gone)
            return;
        m_gone = true;
        // The Connection sees the end of its input and cleans itself up.
        m_readNotifier.setEnabled(false);
        m_writeNotifier.setEnabled(false);
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        deleteLater();
    }

    QSslSocket *m_tls;
    int m_fd;
    QSocketNotifier m_readNotifier;
    QSocketNotifier m_writeNotifier;
    QByteArray m_toConnection;
    qsizetype m_sent = 0;
    bool m_gone = false;
};

} // namespace

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_server(new Listener(this))
{}

HttpServer::~HttpServer() = default;

void HttpServer::setTlsConfiguration(const QSslConfiguration &configuration)
{
    auto *tls = new QSslServer(this);
    tls->setSslConfiguration(configuration);
    connect(tls, &QSslServer::pendingConnectionAvailable, this, [this, tls] {
        while (auto *socket = static_cast<QSslSocket *>(tls->nextPendingConnection())) {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
                qCWarning(lcHttp) << "cannot bridge a TLS connection:" << qt_error_string(errno);
                socket->abort();
                socket->deleteLater();
                continue;
            }
            const Connection::Origin origin{
                (socket->localAddress().toString() + u':' + QString::number(socket->localPort())).toLatin1(),
                socket->peerAddress().toString().toLatin1(), true};
            new Connection(pair[1], this, origin);
            new TlsBridge(socket, pair[0], this);
            qCDebug(lcHttp) << "TLS connection from" << origin.peerAddress;
        }
    });
    // A client that does not trust the certificate ends the handshake with an alert; say so in the log, where
    // someone wondering why their client fails will look.
    connect(tls, &QSslServer::errorOccurred, this, [](QSslSocket *socket, QAbstractSocket::SocketError) {
        qCInfo(lcHttp) << "TLS handshake with" << socket->peerAddress().toString()
                       << "failed:" << socket->errorString();
    });
    connect(tls, &QSslServer::sslErrors, this, [](QSslSocket *socket, const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            qCInfo(lcHttp) << "TLS error with" << socket->peerAddress().toString() << ":" << e.errorString();
    });
    delete m_server;
    m_server = tls;
    m_secure = true;
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    return m_server->listen(address, port);
}

quint16 HttpServer::serverPort() const
{
    return m_server->serverPort();
}

QHostAddress HttpServer::serverAddress() const
{
    return m_server->serverAddress();
}

QString HttpServer::errorString() const
{
    return m_server->errorString();
}

HttpResponse HttpServer::dispatch(const HttpRequest &request) const
{
    if (!m_handler) {
        HttpResponse r;
        r.status = 500;
        return r;
    }
    return m_handler(request);
}

QByteArray HttpServer::httpDate()
{
    // Formatted once per second; the names are fixed English (not the locale's), as HTTP requires.
    static thread_local time_t cachedSecond = -1;
    static thread_local QByteArray cached;
    const time_t now = ::time(nullptr);
    if (now != cachedSecond) {
        static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        tm t{};
        ::gmtime_r(&now, &t);
        char text[32];
        std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[t.tm_wday], t.tm_mday,
                      months[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
        cached = QByteArray(text);
        cachedSecond = now;
    }
    return cached;
}

} // namespace d365::sandbox
