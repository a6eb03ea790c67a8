// Scenario tests of d365sync-sandbox beyond the vectors: authentication, paging, upsert by alternate key,
// write validation, conditional writes, method rules, and the HTTP layer (keep-alive, pipelining, chunked and
// 1 MB bodies, a client that half-closes its socket, the Date header). Everything goes over real HTTP to a
// sandbox process.

#include "common/sandboxprocess.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

// What a client that half-closes gets: everything the server sent, and whether the server then closed.
struct HalfCloseResult
{
    QByteArray received;
    bool serverClosed = false;
    QString error;
};

// Plain POSIX on purpose (QTcpSocket cannot half-close): connect, send `bytes`, shutdown(SHUT_WR), read until
// the server closes or the timeout passes.
HalfCloseResult halfCloseExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 15000)
{
    HalfCloseResult result;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        result.error = u"cannot connect: %1"_s.arg(qt_error_string(errno));
        if (fd >= 0)
            ::close(fd);
        return result;
    }
    for (qsizetype sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
        if (n <= 0) {
            result.error = u"send failed: %1"_s.arg(qt_error_string(errno));
            ::close(fd);
            return result;
        }
        sent += n;
    }
    ::shutdown(fd, SHUT_WR);
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(qMax<qint64>(1, deadline.remainingTime()))) <= 0)
            continue;
        char buffer[16384];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            result.received.append(buffer, n);
            continue;
        }
        if (n == 0)
            result.serverClosed = true;
        else
            result.error = u"recv failed: %1"_s.arg(qt_error_string(errno));
        break;
    }
    ::close(fd);
    return result;
}

// The status codes of the complete responses in `in` (by Content-Length; 204 has no body); -1 marks a cut
// off one at the end.
QList<int> responseStatuses(const QByteArray &in)
{
    QList<int> statuses;
    qsizetype pos = 0;
    while (pos < in.size()) {
        const qsizetype end = in.indexOf("\r\n\r\n", pos);
        if (end < 0 || !in.mid(pos, 9).startsWith("HTTP/1.1 ")) {
            statuses.append(-1);
            break;
        }
        const QByteArray head = in.mid(pos, end - pos).toLower();
        const qsizetype cl = head.indexOf("content-length: ");
        const qsizetype len = cl < 0 ? 0 : head.mid(cl + 16, head.indexOf("\r\n", cl) - cl - 16).toLongLong();
        if (in.size() < end + 4 + len) {
            statuses.append(-1);
            break;
        }
        statuses.append(in.mid(pos + 9, 3).toInt());
        pos = end + 4 + len;
    }
    return statuses;
}

// An RFC 9110 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") within a few seconds of now.
bool isCurrentHttpDate(const QByteArray &value, QString *why)
{
    static const QRegularExpression format(u"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} "
                                           u"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} "
                                           u"\\d{2}:\\d{2}:\\d{2} GMT$"_s);
    const QString text = QString::fromLatin1(value);
    if (!format.match(text).hasMatch()) {
        *why = u"Date '%1' is not an IMF-fixdate"_s.arg(text);
        return false;
    }
    QDateTime date = QLocale::c().toDateTime(text.chopped(4), u"ddd, dd MMM yyyy hh:mm:ss"_s);
    date.setTimeSpec(Qt::UTC);
    const qint64 skew = qAbs(date.secsTo(QDateTime::currentDateTimeUtc()));
    if (!date.isValid() || skew > 5) {
        *why = u"Date '%1' is %2 s away from now"_s.arg(text).arg(skew);
        return false;
    }
    return true;
}

} // namespace

class tst_SandboxApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void request_withoutValidToken_returns401WithChallenge_data();
    void request_withoutValidToken_returns401WithChallenge();
    void list_withMaxPageSize_pagesThroughAllRows();
    void upsertByAlternateKey_createsThenUpdates();
    void write_withInvalidValue_isRejectedAndNothingWritten_data();
    void write_withInvalidValue_isRejectedAndNothingWritten();
    void patch_withConditionalHeaders_honoursThem();
    void collection_deleteOrPatch_returns405_data();
    void collection_deleteOrPatch_returns405();
    void dates_roundTripAsDateOnlyAndUtc();
    void connection_keepAliveAndPipelining_answerInOrder();
    void create_withChunkedBody_succeeds();
    void halfClose_afterCompleteRequests_stillGetsEveryResponse_data();
    void halfClose_afterCompleteRequests_stillGetsEveryResponse();
    void everyResponse_carriesCurrentHttpDate_data();
    void everyResponse_carriesCurrentHttpDate();
    void create_withOneMegabyteBody_storesItCompletely();
    void deepInsert_childViolatesKey_writesNothing();
    void list_withFilterOrderbyCount_returnsMatchingRowsInOrder_data();
    void list_withFilterOrderbyCount_returnsMatchingRowsInOrder();
    void list_withBadOrderbyOrCount_returns400_data();
    void list_withBadOrderbyOrCount_returns400();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   Headers headers = {});
    QByteArray rawExchange(const QByteArray &bytes, int expectedResponses);

    SandboxProcess m_sandbox;
};

HttpResult tst_SandboxApi::api(const QByteArray &method, const QString &path, const QByteArray &body,
                               Headers headers)
{
    headers.append(qMakePair(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer test")));
    return d365::testsupport::request(
        method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()), headers, body);
}

// Writes raw bytes on one connection and reads until `expectedResponses` complete responses (by
// Content-Length).
QByteArray tst_SandboxApi::rawExchange(const QByteArray &bytes, int expectedResponses)
{
    QTcpSocket socket;
    socket.connectToHost(m_sandbox.baseUrl().host(), quint16(m_sandbox.baseUrl().port()));
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(bytes);
    QByteArray in;
    int complete = 0;
    while (complete < expectedResponses && socket.waitForReadyRead(5000)) {
        in += socket.readAll();
        complete = 0;
        qsizetype pos = 0;
        for (;;) {
            const qsizetype end = in.indexOf("\r\n\r\n", pos);
            if (end < 0)
                break;
            const QByteArray head = in.mid(pos, end - pos).toLower();
            const qsizetype cl = head.indexOf("content-length: ");
            const qsizetype len =
                cl < 0 ? 0 : head.mid(cl + 16, head.indexOf("\r\n", cl) - cl - 16).toLongLong();
            if (in.size() < end + 4 + len)
                break;
            pos = end + 4 + len;
            ++complete;
        }
    }
    return in;
}

void tst_SandboxApi::initTestCase()
{
    QVERIFY(m_sandbox.start());
}

void tst_SandboxApi::request_withoutValidToken_returns401WithChallenge_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::newRow("no header") << QByteArray();
    QTest::newRow("empty bearer") << QByteArray("Bearer ");
    QTest::newRow("basic scheme") << QByteArray("Basic dXNlcjpwYXNz");
}

void tst_SandboxApi::request_withoutValidToken_returns401WithChallenge()
{
    QFETCH(QByteArray, authorization);
    Headers headers;
    if (!authorization.isNull())
        headers.append(qMakePair(QByteArrayLiteral("Authorization"), authorization));
    const HttpResult r =
        d365::testsupport::request("GET", m_sandbox.webApiUrl().resolved(QUrl(u"WhoAmI"_s)), headers);
    QCOMPARE(r.status, 401);
    QVERIFY(r.header("WWW-Authenticate")
                .startsWith("Bearer authorization_uri=https://login.microsoftonline.com/"));
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80072560"_s);
    QVERIFY(!r.json()[u"error"][u"message"].toString().isEmpty());
}

void tst_SandboxApi::list_withMaxPageSize_pagesThroughAllRows()
{
    QSet<QString> created;
    for (int i = 0; i < 12; ++i) {
        const HttpResult r =
            api("POST", u"opportunities"_s,
                u"{\"name\":\"Deal %1\",\"estimatedvalue\":%2}"_s.arg(i).arg(1000 + i).toUtf8());
        QCOMPARE(r.status, 204);
        created.insert(QString::fromUtf8(r.header("OData-EntityId")).section(u'(', 1).chopped(1));
    }
    QSet<QString> seen;
    QList<int> pageSizes;
    QString next = m_sandbox.webApiUrl().toString() + u"opportunities?$select=name"_s;
    while (!next.isEmpty()) {
        const HttpResult r = d365::testsupport::request(
            "GET", QUrl::fromEncoded(next.toUtf8()),
            {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer test")},
             {QByteArrayLiteral("Prefer"), QByteArrayLiteral("odata.maxpagesize=5")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Preference-Applied"), QByteArray("odata.maxpagesize=5"));
        const QJsonArray value = r.json()[u"value"].toArray();
        pageSizes.append(int(value.size()));
        for (const QJsonValue &row : value) {
            QVERIFY(row[u"@odata.etag"].toString().startsWith(u"W/\""_s));
            seen.insert(row[u"opportunityid"].toString());
        }
        next = r.json()[u"@odata.nextLink"].toString();
        QVERIFY(pageSizes.size() <= 3);
    }
    QCOMPARE(pageSizes, (QList<int>{5, 5, 2}));
    QCOMPARE(seen, created);
}

void tst_SandboxApi::upsertByAlternateKey_createsThenUpdates()
{
    const QString path = u"accounts(accountnumber='UP-1')?$select=name,accountnumber"_s;
    const Headers prefer{{QByteArrayLiteral("Prefer"), QByteArrayLiteral("return=representation")}};
    const HttpResult created = api("PATCH", path, R"({"name":"Upsert One"})", prefer);
    QCOMPARE(created.status, 201);
    QCOMPARE(created.json()[u"accountnumber"].toString(), u"UP-1"_s); // copied from the URL key
    const HttpResult updated =
        api("PATCH", path, R"({"name":"Upsert One Renamed","accountnumber":"IGNORED"})", prefer);
    QCOMPARE(updated.status, 200);
    QCOMPARE(updated.json()[u"accountid"], created.json()[u"accountid"]);
    QCOMPARE(updated.json()[u"name"].toString(), u"Upsert One Renamed"_s);
    QCOMPARE(updated.json()[u"accountnumber"].toString(), u"UP-1"_s); // key columns in the body are discarded
    QVERIFY(updated.header("ETag") != created.header("ETag"));
    // Without Prefer both outcomes are 204 with the key form echoed.
    const HttpResult plain = api("PATCH", u"accounts(accountnumber='UP-1')"_s, R"({"telephone1":"555"})");
    QCOMPARE(plain.status, 204);
    QVERIFY(plain.header("OData-EntityId").endsWith("/accounts(accountnumber='UP-1')"));
}

void tst_SandboxApi::write_withInvalidValue_isRejectedAndNothingWritten_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("string too long")
        << u"{\"lastname\":\"%1\"}"_s.arg(QString(51, u'x')) << u"0x80044331"_s
        << u"The length of the 'lastname' attribute of the 'contact' entity exceeded "
           u"the maximum allowed length of '50'."_s;
    QTest::newRow("picklist out of range")
        << u"{\"lastname\":\"P\",\"gendercode\":3}"_s << u"0x8004431A"_s << u"Accepted Values: 1,2"_s;
    QTest::newRow("string for integer")
        << u"{\"lastname\":\"P\",\"numberofchildren\":\"two\"}"_s << u"0x80048d19"_s
        << u"Cannot convert the literal 'two' to the expected type 'Edm.Int32'."_s;
    QTest::newRow("string for money")
        << u"{\"lastname\":\"P\",\"new_lifetimevalue\":\"12.5\"}"_s << u"0x80048d19"_s << u"'Edm.Decimal'"_s;
    QTest::newRow("non-ISO date")
        << u"{\"lastname\":\"P\",\"birthdate\":\"14/03/1990\"}"_s << u"0x80048d19"_s
        << u"Cannot convert the literal '14/03/1990' to the expected type 'Edm.Date'."_s;
    QTest::newRow("integer below minimum")
        << u"{\"lastname\":\"P\",\"numberofchildren\":-1}"_s << u"0x80040203"_s
        << u"is outside the valid range. Accepted range: 0 to 1000000000"_s;
    QTest::newRow("unknown column") << u"{\"lastname\":\"P\",\"LastName\":\"Q\"}"_s << u"0x0"_s
                                    << u"Invalid property 'LastName' was found in entity "
                                       u"'Microsoft.Dynamics.CRM.contact'"_s;
}

void tst_SandboxApi::write_withInvalidValue_isRejectedAndNothingWritten()
{
    QFETCH(QString, body);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    static int n = 0;
    const QString id = u"00000000-0000-4000-8000-"_s + QString::number(++n).rightJustified(12, u'0');
    QJsonObject object = QJsonDocument::fromJson(body.toUtf8()).object();
    object.insert(u"contactid"_s, id);
    const HttpResult r = api("POST", u"contacts"_s, QJsonDocument(object).toJson(QJsonDocument::Compact));
    QCOMPARE(r.status, 400);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), code);
    const QString message = r.json()[u"error"][u"message"].toString();
    QVERIFY2(message.contains(messagePart), qPrintable(message));
    QCOMPARE(api("GET", u"contacts(%1)"_s.arg(id)).status, 404);
}

void tst_SandboxApi::patch_withConditionalHeaders_honoursThem()
{
    const QString path = u"contacts(7d1e0a52-0000-4000-8000-000000000001)"_s;
    const auto header = [](const char *name, const QByteArray &value) {
        return Headers{{QByteArray(name), value}};
    };
    // Update-only on a missing row: 404, nothing created.
    HttpResult r = api("PATCH", path, R"({"lastname":"Cond"})", header("If-Match", "*"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80040217"_s);
    QCOMPARE(api("GET", path).status, 404);
    // Create-only: first succeeds, second is a duplicate.
    QCOMPARE(api("PATCH", path, R"({"lastname":"Cond"})", header("If-None-Match", "*")).status, 204);
    r = api("PATCH", path, R"({"lastname":"Again"})", header("If-None-Match", "*"));
    QCOMPARE(r.status, 412);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80040237"_s);
    // Optimistic concurrency: a stale ETag fails, the current one succeeds.
    const QByteArray etag = api("GET", path + u"?$select=lastname"_s).header("ETag");
    QVERIFY(etag.startsWith("W/\""));
    QCOMPARE(api("PATCH", path, R"({"lastname":"Changed"})", header("If-Match", etag)).status, 204);
    r = api("PATCH", path, R"({"lastname":"Stale"})", header("If-Match", etag));
    QCOMPARE(r.status, 412);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80060882"_s);
    QCOMPARE(api("GET", path + u"?$select=lastname"_s).json()[u"lastname"].toString(), u"Changed"_s);
}

void tst_SandboxApi::collection_deleteOrPatch_returns405_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::newRow("DELETE") << QByteArray("DELETE");
    QTest::newRow("PATCH") << QByteArray("PATCH");
}

void tst_SandboxApi::collection_deleteOrPatch_returns405()
{
    QFETCH(QByteArray, method);
    const HttpResult r =
        api(method, u"contacts"_s, method == "PATCH" ? QByteArray(R"({"lastname":"x"})") : QByteArray());
    QCOMPARE(r.status, 405);
    QVERIFY(!r.header("Allow").isEmpty());
}

void tst_SandboxApi::dates_roundTripAsDateOnlyAndUtc()
{
    const HttpResult r =
        api("POST", u"contacts?$select=birthdate,new_signupdate,createdon"_s,
            R"({"lastname":"Dates","birthdate":"1990-05-17","new_signupdate":"2024-01-02T23:30:00-02:00"})",
            {{QByteArrayLiteral("Prefer"), QByteArrayLiteral("return=representation")}});
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[u"birthdate"].toString(), u"1990-05-17"_s);
    QCOMPARE(r.json()[u"new_signupdate"].toString(), u"2024-01-03"_s); // converted to UTC, then the date kept
    QVERIFY(r.json()[u"createdon"].toString().endsWith(u'Z'));
}

void tst_SandboxApi::connection_keepAliveAndPipelining_answerInOrder()
{
    const QByteArray host = m_sandbox.baseUrl().authority().toUtf8();
    const QByteArray get =
        "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer t\r\n\r\n";
    const QByteArray missing = "GET /api/data/v9.2/Nope HTTP/1.1\r\nHost: " + host +
                               "\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n";
    // Three pipelined requests on one connection: answered in order; the last asks to close.
    const QByteArray in = rawExchange(get + get + missing, 3);
    QCOMPARE(in.count("HTTP/1.1 200 OK"), 2);
    QVERIFY(in.indexOf("HTTP/1.1 404 Not Found") > in.lastIndexOf("HTTP/1.1 200 OK"));
    QVERIFY(in.contains("Connection: close"));
}

// Issue 10 item 14: a client that sends complete requests and then shuts down its write side
// (shutdown(SHUT_WR)) gets every response, then the server closes; also when the response is sent late
// (simulated execution time, or held until a --data write is in the file).
void tst_SandboxApi::halfClose_afterCompleteRequests_stillGetsEveryResponse_data()
{
    QTest::addColumn<QStringList>("args"); // empty: the shared sandbox
    QTest::addColumn<QByteArray>("requests");
    QTest::addColumn<QList<int>>("statuses");
    const QByteArray get = "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n";
    const auto post = [](const QByteArray &lastname) -> QByteArray {
        const QByteArray body = R"({"lastname":")" + lastname + R"("})";
        return "POST /api/data/v9.2/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
               "Content-Type: application/json\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    QTest::newRow("GET") << QStringList() << get << QList<int>{200};
    QTest::newRow("POST") << QStringList() << post("HalfClose") << QList<int>{204};
    QTest::newRow("pipelined GET, POST, GET")
        << QStringList() << get + post("HalfClosePipe") + get << QList<int>{200, 204, 200};
    QTest::newRow("incomplete request after a complete one")
        << QStringList() << get + "GET /api/data/v9.2/Who" << QList<int>{200};
    QTest::newRow("delayed response (realistic profile)")
        << QStringList{u"--profile"_s, u"realistic"_s, u"--time-scale"_s, u"0.5"_s} << post("HalfCloseSlow")
        << QList<int>{204};
    QTest::newRow("held write (--data)")
        << QStringList{u"--data"_s, u"<temp>"_s} << post("HalfCloseData") + get << QList<int>{204, 200};
}

void tst_SandboxApi::halfClose_afterCompleteRequests_stillGetsEveryResponse()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, requests);
    QFETCH(QList<int>, statuses);
    QTemporaryDir dir;
    SandboxProcess own;
    SandboxProcess *sandbox = &m_sandbox;
    if (!args.isEmpty()) {
        args.replaceInStrings(u"<temp>"_s, dir.filePath(u"org.db"_s));
        QVERIFY(own.start(args));
        sandbox = &own;
    }
    const HalfCloseResult r = halfCloseExchange(quint16(sandbox->baseUrl().port()), requests);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY2(r.serverClosed, r.received.constData()); // answered, then closed: no hanging connection
    QCOMPARE(responseStatuses(r.received), statuses);
    QVERIFY2(!r.received.contains("Connection: close"), r.received.constData()); // a normal keep-alive answer
    QCOMPARE(r.received.count("\r\nDate: "), statuses.size());                   // late answers are dated too
}

void tst_SandboxApi::everyResponse_carriesCurrentHttpDate_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("authorized");
    QTest::addColumn<int>("status");
    QTest::newRow("200 WhoAmI") << QByteArray("GET") << u"WhoAmI"_s << QByteArray() << true << 200;
    QTest::newRow("204 create") << QByteArray("POST") << u"contacts"_s
                                << QByteArray(R"({"lastname":"Dated"})") << true << 204;
    QTest::newRow("400 bad $filter") << QByteArray("GET") << u"contacts?$filter=lastname eq"_s << QByteArray()
                                     << true << 400;
    QTest::newRow("401 no token") << QByteArray("GET") << u"WhoAmI"_s << QByteArray() << false << 401;
    QTest::newRow("404 unknown set") << QByteArray("GET") << u"nosuchset"_s << QByteArray() << true << 404;
    QTest::newRow("405 PATCH collection")
        << QByteArray("PATCH") << u"contacts"_s << QByteArray("{}") << true << 405;
    QTest::newRow("200 metadata") << QByteArray("GET") << u"EntityDefinitions?$select=LogicalName"_s
                                  << QByteArray() << true << 200;
}

// The client learns the server's clock from the Date header (RFC 9110 §6.6.1), as from Dataverse/IIS.
void tst_SandboxApi::everyResponse_carriesCurrentHttpDate()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(bool, authorized);
    QFETCH(int, status);
    const HttpResult r =
        authorized ? api(method, path, body)
                   : d365::testsupport::request(
                         method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()));
    QCOMPARE(r.status, status);
    QString why;
    QVERIFY2(isCurrentHttpDate(r.header("Date"), &why), qPrintable(why));
}

void tst_SandboxApi::create_withChunkedBody_succeeds()
{
    const QByteArray json = R"({"lastname":"Chunked","firstname":"Ch"})";
    const QByteArray chunked = QByteArray::number(10, 16) + "\r\n" + json.left(10) + "\r\n" +
                               QByteArray::number(json.size() - 10, 16) + "\r\n" + json.mid(10) +
                               "\r\n0\r\n\r\n";
    const QByteArray in =
        rawExchange("POST /api/data/v9.2/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        chunked,
                    1);
    QVERIFY2(in.startsWith("HTTP/1.1 204"), in.constData());
    QVERIFY(in.contains("OData-EntityId: http://x/api/data/v9.2/contacts("));
}

void tst_SandboxApi::create_withOneMegabyteBody_storesItCompletely()
{
    const QString query(1000 * 1000, u'q');
    QJsonObject body{{u"listname"_s, u"Big"_s}, {u"createdfromcode"_s, 2}, {u"query"_s, query}};
    const HttpResult r =
        api("POST", u"lists?$select=query"_s, QJsonDocument(body).toJson(QJsonDocument::Compact),
            {{QByteArrayLiteral("Prefer"), QByteArrayLiteral("return=representation")}});
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json()[u"query"].toString().size(), query.size());
}

void tst_SandboxApi::deepInsert_childViolatesKey_writesNothing()
{
    const QByteArray existing =
        R"({"firstname":"Deep","lastname":"Existing","emailaddress1":"deep.key@example.com"})";
    QCOMPARE(api("POST", u"contacts"_s, existing, {{"Content-Type", "application/json"}}).status, 204);

    // The nested contact collides with the contact above on the emailaddress1 alternate key.
    const QByteArray deep =
        R"({"name":"Deep Insert Ltd","accountnumber":"DEEP-1",)"
        R"("primarycontactid":{"lastname":"Clash","emailaddress1":"deep.key@example.com"}})";
    const HttpResult created = api("POST", u"accounts"_s, deep, {{"Content-Type", "application/json"}});
    QCOMPARE(created.status, 412);
    QCOMPARE(created.json().object().value("error"_L1).toObject().value("code"_L1).toString(),
             u"0x80060892"_s);

    // All or nothing: neither the account nor the nested contact exists.
    QCOMPARE(api("GET", u"accounts(accountnumber='DEEP-1')"_s).status, 404);
    const HttpResult clash = api("GET", u"contacts?$select=lastname&$filter=lastname%20eq%20'Clash'"_s);
    QCOMPARE(clash.status, 200);
    QCOMPARE(clash.json().object().value("value"_L1).toArray().size(), 0);
}

void tst_SandboxApi::list_withFilterOrderbyCount_returnsMatchingRowsInOrder_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("orderby");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("gt") << u"creditlimit gt 100"_s << u"name"_s << QStringList{u"Q beta"_s, u"Q Gamma"_s};
    QTest::newRow("le") << u"creditlimit le 250"_s << u"name"_s << QStringList{u"Q Alpha"_s, u"Q beta"_s};
    QTest::newRow("ge and lt") << u"creditlimit ge 250 and creditlimit lt 400"_s << u"name"_s
                               << QStringList{u"Q beta"_s};
    QTest::newRow("contains") << u"contains(name,'ta')"_s << u"name"_s
                              << QStringList{u"Q beta"_s, u"Q delta"_s};
    QTest::newRow("endswith, case-insensitive")
        << u"endswith(name,'MMA')"_s << u"name"_s << QStringList{u"Q Gamma"_s};
    QTest::newRow("ne null") << u"creditlimit ne null"_s << u"name desc"_s
                             << QStringList{u"Q Gamma"_s, u"Q beta"_s, u"Q Alpha"_s};
    QTest::newRow("Microsoft.Dynamics.CRM.In")
        << u"Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['q alpha','Q Gamma','Nobody'])"_s
        << u"name"_s << QStringList{u"Q Alpha"_s, u"Q Gamma"_s};
    QTest::newRow("orderby desc, null last")
        << u"name ne 'x'"_s << u"creditlimit desc,name"_s
        << QStringList{u"Q Gamma"_s, u"Q beta"_s, u"Q Alpha"_s, u"Q delta"_s};
}

void tst_SandboxApi::list_withFilterOrderbyCount_returnsMatchingRowsInOrder()
{
    QFETCH(QString, filter);
    QFETCH(QString, orderby);
    QFETCH(QStringList, names);
    if (api("GET", u"accounts?$filter=name%20eq%20'Q%20Alpha'"_s).json()[u"value"].toArray().isEmpty()) {
        QCOMPARE(api("POST", u"accounts"_s, R"({"name":"Q Alpha","creditlimit":100})").status, 204);
        QCOMPARE(api("POST", u"accounts"_s, R"({"name":"Q beta","creditlimit":250})").status, 204);
        QCOMPARE(api("POST", u"accounts"_s, R"({"name":"Q Gamma","creditlimit":400})").status, 204);
        QCOMPARE(api("POST", u"accounts"_s, R"({"name":"Q delta"})").status, 204);
    }
    const QString query = u"accounts?$select=name&$filter=startswith(name,'Q ') and "_s + filter +
                          u"&$orderby="_s + orderby + u"&$count=true"_s;
    const HttpResult r = api("GET", QString(query).replace(u' ', u"%20"_s));
    QVERIFY2(r.status == 200, r.body.constData());
    QStringList got;
    for (const QJsonValue &row : r.json()[u"value"].toArray())
        got.append(row[u"name"].toString());
    QCOMPARE(got, names);
    QCOMPARE(r.json()[u"@odata.count"].toInt(), names.size());
}

void tst_SandboxApi::list_withBadOrderbyOrCount_returns400_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown orderby property")
        << u"$orderby=Name"_s << u"Could not find a property named 'Name'"_s;
    QTest::newRow("bad direction") << u"$orderby=name%20down"_s << u"Syntax error in $orderby"_s;
    QTest::newRow("bad count") << u"$count=yes"_s << u"Invalid value 'yes' for $count"_s;
    QTest::newRow("string function on a number")
        << u"$filter=contains(creditlimit,'1')"_s << u"incompatible types"_s;
    QTest::newRow("dangling or") << u"$filter=name%20eq%20'a'%20or"_s << u"expected a condition"_s;
}

void tst_SandboxApi::list_withBadOrderbyOrCount_returns400()
{
    QFETCH(QString, query);
    QFETCH(QString, message);
    const HttpResult r = api("GET", u"accounts?"_s + query);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.json()[u"error"][u"message"].toString().contains(message), r.body.constData());
}

QTEST_GUILESS_MAIN(tst_SandboxApi)
#include "tst_sandboxapi.moc"
