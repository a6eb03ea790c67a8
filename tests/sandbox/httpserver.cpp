#include "httpserver.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <chrono>

Q_LOGGING_CATEGORY(lcHttp, "d365.sandbox.http")

namespace d365::sandbox {

namespace {

constexpr qsizetype MaxHeaderBytes = 64 * 1024;

// One client connection: owns its socket and its receive buffer, deletes itself when the socket goes away.
class Connection : public QObject
{
public:
    Connection(QTcpSocket *socket, HttpServer *server)
        : QObject(server)
        , m_socket(socket)
        , m_server(server)
    {
        socket->setParent(this);
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_localHost =
            socket->localAddress().toString().toLatin1() + ':' + QByteArray::number(socket->localPort());
        m_peerAddress = socket->peerAddress().toString().toLatin1();
        connect(socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    }

private:
    enum class Parse { NeedMore, Done, Fatal };

    void onReadyRead()
    {
        if (m_closing) {
            m_socket->readAll();
            return;
        }
        m_buffer += m_socket->readAll();
        // While a delayed response is pending, later pipelined requests wait in the buffer: responses must
        // go out in request order.
        if (!m_waiting)
            processBuffer();
    }

    void processBuffer()
    {
        qsizetype consumed = 0;
        while (!m_closing && !m_waiting) {
            qsizetype used = 0;
            const Parse p = parseOne(consumed, &used);
            if (p != Parse::Done)
                break;
            consumed += used;
        }
        if (consumed > 0)
            m_buffer.remove(0, consumed);
    }

    void fail(int status, const QByteArray &message)
    {
        HttpResponse r;
        r.status = status;
        r.setHeader("Content-Type", "text/plain; charset=utf-8");
        r.body = message;
        m_socket->write(r.serialize(false, false));
        close();
    }

    void close()
    {
        m_closing = true;
        m_socket->disconnectFromHost();
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
        if (m_expectContinue && !m_sentContinue) {
            m_sentContinue = true;
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
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
        if (response.delayMs > 0) {
            // Simulated execution time: answer later from the event loop, never by blocking it.
            m_waiting = true;
            const qint64 delay = response.delayMs;
            QTimer::singleShot(std::chrono::milliseconds(delay), Qt::PreciseTimer, this,
                               [this, response = std::move(response), head]() {
                                   m_waiting = false;
                                   send(response, head);
                                   if (!m_closing)
                                       processBuffer();
                               });
            return;
        }
        send(response, head);
    }

    void send(const HttpResponse &response, bool head)
    {
        switch (response.disposition) {
        case HttpResponse::Disposition::DropWithoutReply:
            m_closing = true;
            m_socket->abort();
            return;
        case HttpResponse::Disposition::DropMidResponse: {
            const QByteArray bytes = response.serialize(true, head);
            const qsizetype headerLen = bytes.indexOf("\r\n\r\n") + 4;
            // Half the body; with no body, half the header section, so the client never sees a whole
            // response.
            const qsizetype cut =
                bytes.size() > headerLen ? headerLen + (bytes.size() - headerLen) / 2 : headerLen / 2;
            m_socket->write(bytes.left(cut));
            m_socket->flush();
            m_closing = true;
            m_socket->abort();
            return;
        }
        case HttpResponse::Disposition::CloseAfterSend:
            m_keepAlive = false;
            break;
        case HttpResponse::Disposition::KeepAlive:
            break;
        }
        m_socket->write(response.serialize(m_keepAlive, head));
        if (!m_keepAlive)
            close();
    }

    QTcpSocket *m_socket;
    HttpServer *m_server;
    QByteArray m_buffer;
    QByteArray m_localHost;
    HttpRequest m_request;
    bool m_headerParsed = false;
    qsizetype m_headerFrom = -1;
    bool m_chunked = false;
    qint64 m_contentLength = 0;
    bool m_keepAlive = true;
    bool m_expectContinue = false;
    bool m_sentContinue = false;
    bool m_closing = false;
    bool m_waiting = false; // a delayed response has not been sent yet
    QByteArray m_peerAddress;
};

} // namespace

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer() = default;

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

void HttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        qCDebug(lcHttp) << "connection from" << socket->peerAddress().toString() << socket->peerPort();
        new Connection(socket, this);
    }
}

} // namespace d365::sandbox
