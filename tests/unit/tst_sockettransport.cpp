// SocketTransport against a scripted peer on loopback (a QTcpServer that answers each request with bytes the
// test chooses): keep-alive reuse, chunked and close-delimited bodies, an answer cut off mid-body, a peer
// that never answers, refused connections, the connection limit, and a request that leaves in one piece.

#include "services/dataverse/sockettransport.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

// Answers every complete request (headers + Content-Length body) with answer(n), n counting from 1.
class ScriptedPeer : public QObject
{
public:
    std::function<QByteArray(int)> answer;
    std::function<bool(int)> closeAfter = [](int) { return false; };
    int connections = 0;
    int maxOpen = 0;
    int open = 0;
    QList<QByteArray> requests;

    ScriptedPeer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                maxOpen = std::max(maxOpen, ++open);
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    --open;
                    socket->deleteLater();
                });
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                    *buffer += socket->readAll();
                    for (;;) {
                        const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
                        if (headerEnd < 0) {
                            return;
                        }
                        qsizetype length = 0;
                        for (const QByteArray &line : buffer->left(headerEnd).split('\n')) {
                            if (line.toLower().startsWith("content-length:")) {
                                length = line.mid(15).trimmed().toLongLong();
                            }
                        }
                        if (buffer->size() < headerEnd + 4 + length) {
                            return;
                        }
                        requests.append(buffer->left(headerEnd + 4 + length));
                        buffer->remove(0, headerEnd + 4 + length);
                        const int n = int(requests.size());
                        const QByteArray bytes = answer ? answer(n) : QByteArray();
                        if (!bytes.isEmpty()) {
                            socket->write(bytes);
                        }
                        if (closeAfter(n)) {
                            socket->flush();
                            socket->disconnectFromHost();
                            return;
                        }
                    }
                });
            }
        });
    }
    QUrl url(const QString &path = u"/api/data/v9.2/WhoAmI"_s) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_server.serverPort()).arg(path));
    }

private:
    QTcpServer m_server;
};

QByteArray ok(const QByteArray &body)
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

HttpReply exchange(SocketTransport &transport, HttpRequest request)
{
    std::optional<HttpReply> reply;
    transport.send(std::move(request), [&reply](HttpReply r) { reply = std::move(r); });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, 10000)) {
        qWarning("no answer within 10 s");
    }
    return reply.value_or(HttpReply{});
}

HttpRequest get(const QUrl &url)
{
    HttpRequest request;
    request.url = url;
    return request;
}

} // namespace

class TestSocketTransport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void send_twoRequests_reuseOneKeepAliveConnection();
    void send_postWithBody_arrivesWholeWithHostAndLength();
    void send_chunkedAnswer_isJoined();
    void send_answerWithoutLength_endsAtClose();
    void send_answerCutOffMidBody_isConnectionClosedAndMaybeCarriedOut();
    void send_peerNeverAnswers_timesOut();
    void send_nothingListens_isRefusedAndNeverSent();
    void send_manyAtOnce_openAtMostTheConnectionLimit();
    void send_connectionCloseAnswer_nextRequestOpensANewConnection();
    void send_garbageAnswer_isProtocolError();
};

void TestSocketTransport::send_twoRequests_reuseOneKeepAliveConnection()
{
    ScriptedPeer peer;
    peer.answer = [](int n) { return ok("{\"n\":" + QByteArray::number(n) + "}"); };
    SocketTransport transport;
    const HttpReply first = exchange(transport, get(peer.url()));
    const HttpReply second = exchange(transport, get(peer.url()));
    QCOMPARE(first.error, TransportError::None);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray("{\"n\":1}"));
    QCOMPARE(second.body, QByteArray("{\"n\":2}"));
    QCOMPARE(first.header("content-type"), QByteArray("application/json"));
    QCOMPARE(peer.connections, 1);
}

void TestSocketTransport::send_postWithBody_arrivesWholeWithHostAndLength()
{
    ScriptedPeer peer;
    peer.answer = [](int) { return QByteArray("HTTP/1.1 204 No Content\r\n\r\n"); };
    SocketTransport transport;
    HttpRequest request = get(peer.url(u"/api/data/v9.2/contacts(emailaddress1='a%40b.c')"_s));
    request.method = "PATCH";
    request.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    request.body = QByteArray(70000, 'x'); // larger than one TCP segment
    const HttpReply reply = exchange(transport, request);
    QCOMPARE(reply.status, 204);
    QCOMPARE(peer.requests.size(), 1);
    const QByteArray &wire = peer.requests.first();
    QVERIFY(wire.startsWith("PATCH /api/data/v9.2/contacts(emailaddress1='a%40b.c') HTTP/1.1\r\n"));
    QVERIFY(wire.contains("\r\nHost: 127.0.0.1:"));
    QVERIFY(wire.contains("\r\nContent-Length: 70000\r\n"));
    QVERIFY(wire.endsWith(QByteArray(70000, 'x')));
}

void TestSocketTransport::send_chunkedAnswer_isJoined()
{
    ScriptedPeer peer;
    peer.answer = [](int) {
        return QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n");
    };
    SocketTransport transport;
    const HttpReply reply = exchange(transport, get(peer.url()));
    QCOMPARE(reply.error, TransportError::None);
    QCOMPARE(reply.body, QByteArray("hello, world"));
    // The connection stays usable after a chunked answer.
    QCOMPARE(exchange(transport, get(peer.url())).body, QByteArray("hello, world"));
    QCOMPARE(peer.connections, 1);
}

void TestSocketTransport::send_answerWithoutLength_endsAtClose()
{
    ScriptedPeer peer;
    peer.answer = [](int) {
        return QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
    };
    peer.closeAfter = [](int) { return true; };
    SocketTransport transport;
    const HttpReply reply = exchange(transport, get(peer.url()));
    QCOMPARE(reply.error, TransportError::None);
    QCOMPARE(reply.body, QByteArray("until the end"));
}

void TestSocketTransport::send_answerCutOffMidBody_isConnectionClosedAndMaybeCarriedOut()
{
    ScriptedPeer peer;
    peer.answer = [](int) {
        return QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"value\":[{\"Logi");
    };
    peer.closeAfter = [](int) { return true; };
    SocketTransport transport;
    const HttpReply reply = exchange(transport, get(peer.url()));
    QCOMPARE(reply.error, TransportError::ConnectionClosed); // not a 200 with half a body
    QCOMPARE(reply.status, 0);
    QVERIFY(reply.requestSent);
}

void TestSocketTransport::send_peerNeverAnswers_timesOut()
{
    ScriptedPeer peer; // reads the request, writes nothing
    SocketTransport transport;
    HttpRequest request = get(peer.url());
    request.timeoutMs = 300;
    const HttpReply reply = exchange(transport, request);
    QCOMPARE(reply.error, TransportError::Timeout);
    QVERIFY(reply.requestSent);
    QVERIFY2(reply.errorText.contains("0.3 s"_L1), qPrintable(reply.errorText));
}

void TestSocketTransport::send_nothingListens_isRefusedAndNeverSent()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close(); // the port is free now: nobody listens
    SocketTransport transport;
    const HttpReply reply = exchange(transport, get(QUrl(u"http://127.0.0.1:%1/"_s.arg(port))));
    QCOMPARE(reply.error, TransportError::ConnectionRefused);
    QVERIFY(!reply.requestSent);
}

void TestSocketTransport::send_manyAtOnce_openAtMostTheConnectionLimit()
{
    ScriptedPeer peer;
    peer.answer = [](int n) { return ok(QByteArray::number(n)); };
    SocketTransport transport;
    transport.setMaxConnectionsPerHost(3);
    int done = 0;
    for (int i = 0; i < 12; ++i) {
        transport.send(get(peer.url()), [&done](HttpReply reply) {
            QCOMPARE(reply.error, TransportError::None);
            ++done;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 12, 10000);
    QCOMPARE(peer.connections, 3);
    QVERIFY(peer.maxOpen <= 3);

    // Beyond Qt's six per host when the service's hint asks for it.
    ScriptedPeer wide;
    wide.answer = [](int) { return QByteArray(); }; // holds every request: all 10 must be on the wire at once
    SocketTransport many;
    many.setMaxConnectionsPerHost(10);
    for (int i = 0; i < 10; ++i) {
        many.send(get(wide.url()), [](HttpReply) {});
    }
    QTRY_COMPARE_WITH_TIMEOUT(wide.requests.size(), 10, 10000);
    QCOMPARE(wide.connections, 10);
}

void TestSocketTransport::send_connectionCloseAnswer_nextRequestOpensANewConnection()
{
    ScriptedPeer peer;
    peer.answer = [](int) {
        return QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
    };
    SocketTransport transport;
    QCOMPARE(exchange(transport, get(peer.url())).status, 200);
    QCOMPARE(exchange(transport, get(peer.url())).status, 200);
    QCOMPARE(peer.connections, 2);
}

void TestSocketTransport::send_garbageAnswer_isProtocolError()
{
    ScriptedPeer peer;
    peer.answer = [](int) { return QByteArray("SSH-2.0-OpenSSH_9.2\r\n"); };
    SocketTransport transport;
    const HttpReply reply = exchange(transport, get(peer.url()));
    QCOMPARE(reply.error, TransportError::Protocol);
    QVERIFY2(reply.errorText.contains("SSH-2.0"_L1), qPrintable(reply.errorText));
}

QTEST_GUILESS_MAIN(TestSocketTransport)
#include "tst_sockettransport.moc"
