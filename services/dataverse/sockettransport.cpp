#include "services/dataverse/sockettransport.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTransport, "d365.dataverse.transport")

namespace d365::services {

namespace {

constexpr qsizetype MaxHeaderBytes = 256 * 1024; // status line + headers; more is not an HTTP server we know

QString originKeyOf(const QUrl &url)
{
    return url.scheme() + u"://"_s + url.host() + u':' +
           QString::number(url.port(url.scheme() == "https"_L1 ? 443 : 80));
}

} // namespace

struct SocketTransport::Job
{
    HttpRequest request;
    Callback callback;
};

// One keep-alive connection: at most one exchange at a time (no pipelining).
class SocketTransport::Connection : public QObject
{
public:
    Connection(SocketTransport *owner, const QString &originKey, const QUrl &url)
        : QObject(owner)
        , m_owner(owner)
        , m_originKey(originKey)
    {
        const bool tls = url.scheme() == "https"_L1;
        m_socket = tls ? new QSslSocket(this) : new QTcpSocket(this);
        m_timer.setSingleShot(true);
        m_idle.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] { onTimeout(); });
        connect(&m_idle, &QTimer::timeout, this, [this] { close(); });
        connect(m_socket, &QAbstractSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QAbstractSocket::bytesWritten, this, [this] {
            if (m_job) {
                m_timer.start(); // an upload in progress is progress
            }
        });
        connect(m_socket, &QAbstractSocket::disconnected, this, [this] { onDisconnected(); });
        connect(m_socket, &QAbstractSocket::errorOccurred, this,
                [this](QAbstractSocket::SocketError error) { onSocketError(error); });
        if (tls) {
            auto *ssl = static_cast<QSslSocket *>(m_socket);
            if (owner->m_ssl)
                ssl->setSslConfiguration(*owner->m_ssl);
            connect(ssl, &QSslSocket::encrypted, this, [this] { onConnected(); });
            ssl->connectToHostEncrypted(url.host(), quint16(url.port(443)));
        } else {
            connect(m_socket, &QAbstractSocket::connected, this, [this] { onConnected(); });
            m_socket->connectToHost(url.host(), quint16(url.port(80)));
        }
    }

    ~Connection() override
    {
        if (m_socket) {
            m_socket->disconnect(this);
        }
    }

    const QString &originKey() const { return m_originKey; }
    bool isFree() const { return m_connected && !m_job && !m_closing; }

    void start(std::unique_ptr<Job> job)
    {
        m_idle.stop();
        m_job = std::move(job);
        m_timer.setInterval(std::max(1, m_job->request.timeoutMs));
        m_timer.start();
        if (m_connected) {
            write();
        }
    }

    void close()
    {
        if (m_closing) {
            return;
        }
        m_closing = true;
        m_idle.stop();
        m_timer.stop();
        m_socket->disconnect(this);
        m_socket->abort();
        m_owner->onConnectionGone(this); // deletes this later
    }

private:
    enum class State { StatusLine, Headers, Body, ChunkSize, ChunkData, ChunkEnd, Trailer, UntilClose, Done };

    void onConnected()
    {
        m_connected = true;
        // The whole request goes out in one write; without Nagle it leaves at once instead of waiting for the
        // server's delayed ACK of an earlier segment.
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_job) {
            write();
        } else {
            m_owner->onConnectionFree(this);
        }
    }

    void write()
    {
        const HttpRequest &request = m_job->request;
        QByteArray target =
            request.url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
        if (target.isEmpty()) {
            target = "/";
        }
        QByteArray wire;
        wire.reserve(request.body.size() + 512);
        wire += request.method + ' ' + target + " HTTP/1.1\r\nHost: " + request.url.host().toUtf8();
        const int defaultPort = request.url.scheme() == "https"_L1 ? 443 : 80;
        if (request.url.port(defaultPort) != defaultPort) {
            wire += ':' + QByteArray::number(request.url.port());
        }
        wire += "\r\n";
        for (const auto &[name, value] : request.headers) {
            wire += name + ": " + value + "\r\n";
        }
        if (!request.body.isEmpty() || request.method == "POST" || request.method == "PATCH" ||
            request.method == "PUT") {
            wire += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\n";
        }
        wire += "\r\n";
        wire += request.body;
        resetParser();
        m_sent = true;
        m_clock.start();
        m_timer.start();
        m_socket->write(wire);
    }

    void resetParser()
    {
        m_state = State::StatusLine;
        m_buffer.clear();
        m_pos = 0;
        m_status = 0;
        m_headers.clear();
        m_body.clear();
        m_remaining = 0;
        m_keepAlive = true;
        m_sent = false;
        m_receivedAny = false;
    }

    void onReadyRead()
    {
        const QByteArray data = m_socket->readAll();
        if (!m_job) {
            // Bytes nobody asked for (or the server closing an idle connection with a message): this
            // connection cannot be trusted with the next request.
            close();
            return;
        }
        m_receivedAny = true;
        m_timer.start();
        if (m_pos > 0 && m_pos == m_buffer.size()) {
            m_buffer.clear();
            m_pos = 0;
        }
        m_buffer += data;
        parse();
    }

    // A line ending in LF (CR stripped), or nullopt when the buffer does not hold a whole line yet.
    std::optional<QByteArrayView> takeLine()
    {
        const qsizetype end = m_buffer.indexOf('\n', m_pos);
        if (end < 0) {
            return std::nullopt;
        }
        QByteArrayView line(m_buffer.constData() + m_pos, end - m_pos);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        m_pos = end + 1;
        return line;
    }

    // Moves up to m_remaining body bytes from the buffer; true once all of them have arrived.
    bool takeBody()
    {
        const qsizetype take = std::min<qsizetype>(m_remaining, m_buffer.size() - m_pos);
        m_body.append(m_buffer.constData() + m_pos, take);
        m_pos += take;
        m_remaining -= take;
        return m_remaining == 0;
    }

    void parse()
    {
        while (m_job && m_state != State::Done) {
            switch (m_state) {
            case State::StatusLine: {
                const auto line = takeLine();
                if (!line) {
                    if (m_buffer.size() - m_pos > MaxHeaderBytes) {
                        return fail(TransportError::Protocol, u"the status line is too long"_s);
                    }
                    return;
                }
                if (line->isEmpty()) {
                    continue; // tolerate a stray CRLF between answers
                }
                const QList<QByteArray> words = line->toByteArray().split(' ');
                bool ok = false;
                const int status = words.size() >= 2 ? words.at(1).toInt(&ok) : 0;
                if (!line->startsWith("HTTP/1.") || !ok || status < 100 || status > 999) {
                    return fail(
                        TransportError::Protocol,
                        u"the answer does not start with an HTTP status line: '%1'"_s.arg(QString::fromLatin1(
                            line->first(std::min<qsizetype>(60, line->size())).toByteArray())));
                }
                m_status = status;
                m_keepAlive = !line->startsWith("HTTP/1.0");
                m_headers.clear();
                m_state = State::Headers;
                break;
            }
            case State::Headers: {
                const auto line = takeLine();
                if (!line) {
                    if (m_buffer.size() - m_pos > MaxHeaderBytes) {
                        return fail(TransportError::Protocol, u"the response headers are too long"_s);
                    }
                    return;
                }
                if (!line->isEmpty()) {
                    const qsizetype colon = line->indexOf(':');
                    if (colon <= 0) {
                        return fail(TransportError::Protocol, u"a response header has no name"_s);
                    }
                    m_headers.append(qMakePair(line->first(colon).toByteArray().trimmed().toLower(),
                                               line->sliced(colon + 1).toByteArray().trimmed()));
                    continue;
                }
                headersDone();
                break;
            }
            case State::Body:
                if (!takeBody()) {
                    return;
                }
                complete();
                break;
            case State::ChunkSize: {
                const auto line = takeLine();
                if (!line) {
                    return;
                }
                const qsizetype semicolon = line->indexOf(';');
                const QByteArrayView size = semicolon < 0 ? *line : line->first(semicolon);
                bool ok = false;
                m_remaining = size.trimmed().toLongLong(&ok, 16);
                if (!ok || m_remaining < 0) {
                    return fail(TransportError::Protocol, u"a chunk size is not hexadecimal"_s);
                }
                m_state = m_remaining == 0 ? State::Trailer : State::ChunkData;
                break;
            }
            case State::ChunkData:
                if (!takeBody()) {
                    return;
                }
                m_state = State::ChunkEnd;
                break;
            case State::ChunkEnd: {
                const auto line = takeLine();
                if (!line) {
                    return;
                }
                if (!line->isEmpty()) {
                    return fail(TransportError::Protocol, u"a chunk does not end with CRLF"_s);
                }
                m_state = State::ChunkSize;
                break;
            }
            case State::Trailer: {
                const auto line = takeLine();
                if (!line) {
                    return;
                }
                if (line->isEmpty()) {
                    complete();
                }
                break;
            }
            case State::UntilClose:
                m_body.append(m_buffer.constData() + m_pos, m_buffer.size() - m_pos);
                m_pos = m_buffer.size();
                return;
            case State::Done:
                return;
            }
        }
    }

    void headersDone()
    {
        QByteArray connection;
        QByteArray transferEncoding;
        QByteArray contentLength;
        for (const auto &[name, value] : std::as_const(m_headers)) {
            if (name == "connection") {
                connection = value.toLower();
            } else if (name == "transfer-encoding") {
                transferEncoding = value.toLower();
            } else if (name == "content-length") {
                contentLength = value;
            }
        }
        if (connection.contains("close")) {
            m_keepAlive = false;
        } else if (connection.contains("keep-alive")) {
            m_keepAlive = true;
        }
        if (m_status >= 100 && m_status < 200) {
            m_state = State::StatusLine; // 100 Continue and friends: the real answer follows
            return;
        }
        if (m_job->request.method == "HEAD" || m_status == 204 || m_status == 304) {
            complete();
            return;
        }
        if (transferEncoding.contains("chunked")) {
            m_state = State::ChunkSize;
            return;
        }
        if (!contentLength.isEmpty()) {
            bool ok = false;
            m_remaining = contentLength.trimmed().toLongLong(&ok);
            if (!ok || m_remaining < 0) {
                fail(TransportError::Protocol, u"Content-Length is not a number"_s);
                return;
            }
            m_body.reserve(m_remaining);
            m_state = State::Body;
            if (m_remaining == 0) {
                complete();
            }
            return;
        }
        // Neither length nor chunks: the body ends when the server closes the connection.
        m_keepAlive = false;
        m_state = State::UntilClose;
    }

    void complete()
    {
        m_state = State::Done;
        HttpReply reply;
        reply.status = m_status;
        reply.headers = std::move(m_headers);
        reply.body = std::move(m_body);
        reply.requestSent = true;
        reply.elapsedMs = m_clock.elapsed();
        const bool reusable = m_keepAlive && m_pos == m_buffer.size();
        finishJob(std::move(reply), reusable);
    }

    void fail(TransportError error, const QString &text)
    {
        HttpReply reply;
        reply.error = error;
        reply.errorText = text;
        reply.requestSent = m_sent;
        reply.elapsedMs = m_sent ? m_clock.elapsed() : 0;
        finishJob(std::move(reply), false);
    }

    void finishJob(HttpReply reply, bool reusable)
    {
        m_timer.stop();
        std::unique_ptr<Job> job = std::move(m_job);
        resetParser();
        QPointer<Connection> self(this);
        if (reusable) {
            m_idle.start(m_owner->m_idleTimeoutMs);
        } else {
            close();
        }
        if (job && job->callback) {
            job->callback(std::move(reply)); // may send() again and take this very connection
        }
        if (self && reusable && !m_job && !m_closing) {
            m_owner->onConnectionFree(this);
        }
    }

    void onTimeout()
    {
        if (!m_job) {
            return;
        }
        qCInfo(lcTransport).noquote()
            << "no answer from" << m_job->request.url.host() << "within" << m_job->request.timeoutMs << "ms";
        fail(TransportError::Timeout,
             m_connected
                 ? u"no answer within %1 s"_s.arg(m_job->request.timeoutMs / 1000.0, 0, 'f', 1)
                 : u"could not connect within %1 s"_s.arg(m_job->request.timeoutMs / 1000.0, 0, 'f', 1));
    }

    void onDisconnected()
    {
        if (m_job && m_state == State::UntilClose) {
            complete(); // the close was the end of the body
            return;
        }
        if (m_job) {
            fail(TransportError::ConnectionClosed,
                 m_receivedAny ? u"the connection closed before the answer was complete"_s
                               : u"the connection closed before any answer arrived"_s);
            return;
        }
        close();
    }

    void onSocketError(QAbstractSocket::SocketError error)
    {
        if (!m_job) {
            close();
            return;
        }
        if (error == QAbstractSocket::RemoteHostClosedError) {
            onDisconnected();
            return;
        }
        TransportError kind = TransportError::Other;
        switch (error) {
        case QAbstractSocket::ConnectionRefusedError:
            kind = TransportError::ConnectionRefused;
            break;
        case QAbstractSocket::HostNotFoundError:
            kind = TransportError::HostNotFound;
            break;
        case QAbstractSocket::SocketTimeoutError:
            kind = TransportError::Timeout;
            break;
        case QAbstractSocket::SslHandshakeFailedError:
        case QAbstractSocket::SslInternalError:
        case QAbstractSocket::SslInvalidUserDataError:
            kind = TransportError::Tls;
            break;
        default:
            kind = m_connected ? TransportError::ConnectionClosed : TransportError::Other;
            break;
        }
        fail(kind, m_socket->errorString());
    }

    SocketTransport *m_owner;
    QString m_originKey;
    QTcpSocket *m_socket = nullptr;
    QTimer m_timer; // no progress for the request's timeout
    QTimer m_idle;  // unused keep-alive connection
    QElapsedTimer m_clock;
    std::unique_ptr<Job> m_job;
    bool m_connected = false;
    bool m_closing = false;
    bool m_sent = false;
    bool m_receivedAny = false;

    State m_state = State::StatusLine;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    int m_status = 0;
    HttpHeaders m_headers;
    QByteArray m_body;
    qint64 m_remaining = 0;
    bool m_keepAlive = true;
};

SocketTransport::SocketTransport(QObject *parent)
    : QObject(parent)
{}

SocketTransport::~SocketTransport()
{
    // Callbacks of unfinished requests never run: their owner is going away with us.
    for (auto &[key, origin] : m_origins) {
        origin.queue.clear();
        for (Connection *connection : std::as_const(origin.connections)) {
            connection->disconnect();
        }
    }
}

void SocketTransport::setMaxConnectionsPerHost(int connections)
{
    m_maxConnections = std::max(1, connections);
    for (const auto &[key, origin] : m_origins) {
        QMetaObject::invokeMethod(
            this, [this, key = key] { dispatch(key); }, Qt::QueuedConnection);
    }
}

int SocketTransport::openConnections() const
{
    int count = 0;
    for (const auto &[key, origin] : m_origins) {
        count += int(origin.connections.size());
    }
    return count;
}

void SocketTransport::send(HttpRequest request, Callback callback)
{
    if (!m_tlsSetupError.isEmpty() && request.url.scheme() == "https"_L1) {
        // Never sent: answered from the event loop like any other failure, not from inside send().
        QMetaObject::invokeMethod(
            this,
            [message = m_tlsSetupError, callback = std::move(callback)] {
                HttpReply reply;
                reply.error = TransportError::Tls;
                reply.errorText = message;
                callback(std::move(reply));
            },
            Qt::QueuedConnection);
        return;
    }
    const QString key = originKeyOf(request.url);
    auto job = std::make_unique<Job>();
    job->request = std::move(request);
    job->callback = std::move(callback);
    m_origins[key].queue.push_back(std::move(job));
    dispatch(key);
}

void SocketTransport::dispatch(const QString &originKey)
{
    auto it = m_origins.find(originKey);
    if (it == m_origins.end()) {
        return;
    }
    Origin &origin = it->second;
    while (!origin.queue.empty()) {
        Connection *free = nullptr;
        for (Connection *connection : std::as_const(origin.connections)) {
            if (connection->isFree()) {
                free = connection;
                break;
            }
        }
        if (!free) {
            if (origin.connections.size() >= m_maxConnections) {
                return; // the next free connection calls dispatch() again
            }
            const QUrl url = origin.queue.front()->request.url;
            free = new Connection(this, originKey, url);
            origin.connections.append(free);
            qCDebug(lcTransport).noquote()
                << "new connection to" << originKey << "(" << origin.connections.size() << "open)";
        }
        std::unique_ptr<Job> job = std::move(origin.queue.front());
        origin.queue.pop_front();
        free->start(std::move(job));
    }
}

void SocketTransport::onConnectionFree(Connection *connection)
{
    dispatch(connection->originKey());
}

void SocketTransport::onConnectionGone(Connection *connection)
{
    const QString key = connection->originKey();
    if (auto it = m_origins.find(key); it != m_origins.end()) {
        it->second.connections.removeAll(connection);
    }
    connection->deleteLater();
    // A request may be waiting for a connection slot that just opened.
    QMetaObject::invokeMethod(
        this, [this, key] { dispatch(key); }, Qt::QueuedConnection);
}

} // namespace d365::services
