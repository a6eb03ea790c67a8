// Scenario tests of the sandbox's service model: the execution-cost profiles and --time-scale, the
// service-protection limits (FACTS §9) at a time scale, the rate-limit headers, fault injection (flags, the
// /_sandbox/faults admin endpoint, determinism with --seed) and the --request-log file. Each test starts its
// own sandbox with the flags it needs.

#include "common/sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

class tst_SandboxService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void realisticProfile_delaysResponsesByScaledCost_data();
    void realisticProfile_delaysResponsesByScaledCost();
    void delayedResponse_doesNotBlockOtherConnections();
    void executionTimeLimit_returns429WithRetryAfter();
    void requestCountLimit_slidesWithTheWindow();
    void requestsDuringRetryAfter_lengthenTheWait();
    void rateLimitHeaders_countDownPerRequest();
    void badServiceFlags_exitWithCode2_data();
    void badServiceFlags_exitWithCode2();
    void faults_errorRate_answersConfiguredStatusUntilCleared();
    void faults_sameSeed_sameFaultSequence();
    void faults_drop_closesConnectionAfterExecuting();
    void faults_expireTokenAfter_rejectsTokenAfterKRequests();
    void faults_throttleStorm_answers429ThenRecovers();
    void faults_delay_slowsResponses();
    void faultsAdmin_badConfig_returns400();
    void requestLog_writesOneJsonLinePerRequest();

private:
    static HttpResult api(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                          const QByteArray &body = {}, const QByteArray &token = "test");
    static HttpResult admin(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                            const QByteArray &body = {});
    static QList<int> statusSequence(const QStringList &args, int requests);
    // The only line of a --request-log file (one request was sent).
    static QJsonObject onlyLogLine(const QString &path);
};

HttpResult tst_SandboxService::api(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                                   const QByteArray &body, const QByteArray &token)
{
    return d365::testsupport::request(method,
                                      QUrl::fromEncoded((sandbox.webApiUrl().toString() + path).toUtf8()),
                                      {{"Authorization", "Bearer " + token}}, body);
}

HttpResult tst_SandboxService::admin(SandboxProcess &sandbox, const QByteArray &method, const QString &path,
                                     const QByteArray &body)
{
    return d365::testsupport::request(method, sandbox.baseUrl().resolved(QUrl(path)), {}, body);
}

QJsonObject tst_SandboxService::onlyLogLine(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    return lines.size() == 1 ? QJsonDocument::fromJson(lines.first()).object() : QJsonObject();
}

void tst_SandboxService::realisticProfile_delaysResponsesByScaledCost_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<double>("timeScale");
    QTest::addColumn<double>("expectedMs");           // service time
    QTest::addColumn<QByteArray>("expectedTimeLeft"); // x-ms-ratelimit-time-remaining-xrm-requests after it
    QTest::newRow("single create: 20 ms + 100 ms")
        << u"contacts"_s << QByteArray(R"({"lastname":"Cost"})") << 1.0 << 120.0 << QByteArray("1,199.88");
    QByteArray targets;
    for (int i = 0; i < 200; ++i)
        targets += QByteArray(i ? "," : "") +
                   R"({"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"Bulk"})";
    QTest::newRow("CreateMultiple of 200: 20 ms + 200 x 6.5 ms")
        << u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s
        << QByteArray(R"({"Targets":[)" + targets + "]}") << 10.0 << 1320.0 << QByteArray("1,198.68");
}

// No client-side stopwatch (a loaded machine makes any bound on elapsed time pass or fail by accident): the
// price is read back from the rate-limit header, which the cost model computes exactly, and the delay the
// server scheduled from its request log, whose durationMs is handler time + that delay (without the delay it
// would be the handler time alone, about a millisecond). That the delayed response really is held back is
// tested by delayedResponse_doesNotBlockOtherConnections through the order of the answers.
void tst_SandboxService::realisticProfile_delaysResponsesByScaledCost()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(double, timeScale);
    QFETCH(double, expectedMs);
    QFETCH(QByteArray, expectedTimeLeft);
    QTemporaryDir dir;
    const QString log = dir.filePath(u"requests.jsonl"_s);
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--profile"_s, u"realistic"_s, u"--time-scale"_s, QString::number(timeScale),
                           u"--request-log"_s, log}));
    const HttpResult r = api(sandbox, "POST", path, body);
    QVERIFY2(r.status == 200 || r.status == 204, qPrintable(QString::number(r.status)));
    QCOMPARE(r.header("x-ms-ratelimit-time-remaining-xrm-requests"), expectedTimeLeft);
    const QJsonObject line = onlyLogLine(log);
    QCOMPARE(line[u"path"].toString(), u"/api/data/v9.2/"_s + path);
    const double durationMs = line[u"durationMs"].toDouble();
    QVERIFY2(durationMs >= expectedMs / timeScale - 1,
             qPrintable(
                 u"scheduled %1 ms, expected at least %2 ms"_s.arg(durationMs).arg(expectedMs / timeScale)));
}

void tst_SandboxService::delayedResponse_doesNotBlockOtherConnections()
{
    SandboxProcess sandbox;
    // 10x slower than real time: the create stays in flight for 1.2 s, WhoAmI (overhead only) 0.2 s.
    QVERIFY(sandbox.start({u"--profile"_s, u"realistic"_s, u"--time-scale"_s, u"0.1"_s}));
    QTcpSocket slow;
    slow.connectToHost(sandbox.baseUrl().host(), quint16(sandbox.baseUrl().port()));
    QVERIFY(slow.waitForConnected(5000));
    const QByteArray body = R"({"lastname":"Slow"})";
    slow.write("POST /api/data/v9.2/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
               "Content-Type: application/json\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QVERIFY(slow.waitForBytesWritten(5000));
    // The create has been read once the sandbox counts it: the k-th WhoAmI then leaves 6000 - 1 - k requests.
    int whoAmIs = 0;
    const auto createCounted = [&] {
        ++whoAmIs;
        return api(sandbox, "GET", u"WhoAmI"_s)
                   .header("x-ms-ratelimit-burst-remaining-xrm-requests")
                   .toInt() == 5999 - whoAmIs;
    };
    QTRY_VERIFY_WITH_TIMEOUT(createCounted(), 5000);
    // Order, not duration: WhoAmI was answered while the create is still in flight. Had the server waited
    // for the create, its answer would have been written (to this loopback socket) before WhoAmI's.
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
    QVERIFY(!slow.waitForReadyRead(0));
    QCOMPARE(slow.bytesAvailable(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(slow.bytesAvailable() > 0 || slow.waitForReadyRead(100), 10000);
    QVERIFY(slow.readAll().startsWith("HTTP/1.1 204"));
}

void tst_SandboxService::executionTimeLimit_returns429WithRetryAfter()
{
    SandboxProcess sandbox;
    // 1 s of execution time per window: the 9th single create (9 x 120 ms) is over it.
    QVERIFY(sandbox.start(
        {u"--profile"_s, u"realistic"_s, u"--time-scale"_s, u"1000"_s, u"--limits"_s, u"time=1"_s}));
    for (int i = 0; i < 9; ++i)
        QCOMPARE(api(sandbox, "POST", u"contacts"_s, R"({"lastname":"Budget"})").status, 204);
    const HttpResult r = api(sandbox, "POST", u"contacts"_s, R"({"lastname":"Over"})");
    QCOMPARE(r.status, 429);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80072321"_s);
    QCOMPARE(
        r.json()[u"error"][u"message"].toString(),
        u"Combined execution time of incoming requests exceeded limit of 1,000 milliseconds over time window "
        u"of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try "
        u"again later."_s);
    QVERIFY(r.header("Retry-After").toInt() >= 1);
    // The throttled request was not executed.
    QCOMPARE(
        api(sandbox, "GET", u"contacts?$filter=lastname%20eq%20'Over'"_s).json()[u"value"].toArray().size(),
        0);
}

void tst_SandboxService::requestCountLimit_slidesWithTheWindow()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--service-protection"_s, u"on"_s, u"--limits"_s, u"requests=3,window=1"_s}));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
    const HttpResult r = api(sandbox, "GET", u"WhoAmI"_s);
    QCOMPARE(r.status, 429);
    QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80072322"_s);
    QCOMPARE(r.json()[u"error"][u"message"].toString(),
             u"Number of requests exceeded the limit of 3 over time window of 1 seconds."_s);
    QCOMPARE(r.header("Retry-After"), QByteArray("1"));
    // What a client must do: wait the Retry-After it was given (a request sent earlier would lengthen it).
    QTest::qWait(r.header("Retry-After").toInt() * 1000);
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
}

void tst_SandboxService::requestsDuringRetryAfter_lengthenTheWait()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--service-protection"_s, u"on"_s, u"--limits"_s, u"requests=3,window=5"_s}));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
    const HttpResult first = api(sandbox, "GET", u"WhoAmI"_s);
    QCOMPARE(first.status, 429);
    const int firstWait = first.header("Retry-After").toInt();
    QVERIFY2(firstWait >= 1 && firstWait <= 5, first.header("Retry-After").constData());
    // FACTS §9: continuing to send during the wait lengthens Retry-After; each request adds a second (our
    // number). Without that the wait could only shrink as the window slides.
    HttpResult last;
    for (int i = 0; i < 10; ++i) {
        last = api(sandbox, "GET", u"WhoAmI"_s);
        QCOMPARE(last.status, 429);
        QCOMPARE(last.json()[u"error"][u"code"].toString(), u"0x80072322"_s);
    }
    QVERIFY2(last.header("Retry-After").toInt() >= firstWait + 9,
             qPrintable(u"first %1, after 10 more requests %2"_s.arg(firstWait).arg(
                 QString::fromLatin1(last.header("Retry-After")))));
    // Forgetting the windows (admin) ends the wait.
    QCOMPARE(admin(sandbox, "DELETE", u"/_sandbox/limits"_s).status / 100, 2);
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
}

void tst_SandboxService::rateLimitHeaders_countDownPerRequest()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start());
    const HttpResult first = api(sandbox, "GET", u"WhoAmI"_s);
    const HttpResult second = api(sandbox, "GET", u"WhoAmI"_s);
    QCOMPARE(first.header("x-ms-ratelimit-burst-remaining-xrm-requests"), QByteArray("5999"));
    QCOMPARE(second.header("x-ms-ratelimit-burst-remaining-xrm-requests"), QByteArray("5998"));
    QCOMPARE(first.header("x-ms-ratelimit-time-remaining-xrm-requests"),
             QByteArray("1,200.00")); // fast: no cost
    QCOMPARE(first.header("x-ms-dop-hint"), QByteArray("8"));
}

void tst_SandboxService::badServiceFlags_exitWithCode2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown profile") << QStringList{u"--profile"_s, u"slow"_s}
                                     << QByteArray("--profile must be");
    QTest::newRow("zero time scale") << QStringList{u"--time-scale"_s, u"0"_s}
                                     << QByteArray("--time-scale must");
    QTest::newRow("unknown limit") << QStringList{u"--limits"_s, u"burst=1"_s} << QByteArray("unknown limit");
    QTest::newRow("faults not JSON") << QStringList{u"--faults"_s, u"errorRate=1"_s}
                                     << QByteArray("--faults:");
    QTest::newRow("fault rate above 1")
        << QStringList{u"--faults"_s, uR"({"dropRate":2})"_s} << QByteArray("share of requests");
}

void tst_SandboxService::badServiceFlags_exitWithCode2()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    SandboxProcess sandbox;
    QVERIFY(!sandbox.start(args, 5000));
    QTRY_VERIFY(!sandbox.isRunning());
    QVERIFY2(sandbox.standardError().contains(message), sandbox.standardError().constData());
}

void tst_SandboxService::faults_errorRate_answersConfiguredStatusUntilCleared()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--faults"_s, uR"({"errorRate":1,"errorStatuses":[503]})"_s}));
    const HttpResult r = api(sandbox, "POST", u"accounts"_s, R"({"name":"Never written"})");
    QCOMPARE(r.status, 503);
    QCOMPARE(admin(sandbox, "DELETE", u"/_sandbox/faults"_s).status, 200);
    QCOMPARE(api(sandbox, "GET", u"accounts?$filter=name%20eq%20'Never%20written'"_s)
                 .json()[u"value"]
                 .toArray()
                 .size(),
             0);
    QCOMPARE(admin(sandbox, "PUT", u"/_sandbox/faults"_s, R"({"errorRate":1,"errorStatuses":[502]})").status,
             200);
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 502);
    QCOMPARE(admin(sandbox, "GET", u"/_sandbox/faults"_s).json()[u"errorStatuses"].toArray(),
             QJsonArray{502});
}

QList<int> tst_SandboxService::statusSequence(const QStringList &args, int requests)
{
    SandboxProcess sandbox;
    if (!sandbox.start(args))
        return {};
    QList<int> statuses;
    for (int i = 0; i < requests; ++i)
        statuses.append(api(sandbox, "GET", u"WhoAmI"_s).status);
    return statuses;
}

void tst_SandboxService::faults_sameSeed_sameFaultSequence()
{
    const QString faults = uR"({"errorRate":0.5,"errorStatuses":[502,503]})"_s;
    const QList<int> a = statusSequence({u"--seed"_s, u"7"_s, u"--faults"_s, faults}, 30);
    const QList<int> b = statusSequence({u"--seed"_s, u"7"_s, u"--faults"_s, faults}, 30);
    const QList<int> c = statusSequence({u"--seed"_s, u"8"_s, u"--faults"_s, faults}, 30);
    QCOMPARE(a.size(), 30);
    QCOMPARE(a, b);
    QVERIFY(a != c);
    QVERIFY(a.contains(200) && (a.contains(502) || a.contains(503)));
}

void tst_SandboxService::faults_drop_closesConnectionAfterExecuting()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--faults"_s, uR"({"dropRate":1})"_s}));
    // A raw socket, because QNetworkAccessManager silently re-sends a request whose connection dropped.
    QTcpSocket socket;
    socket.connectToHost(sandbox.baseUrl().host(), quint16(sandbox.baseUrl().port()));
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray body = R"({"name":"Dropped but written"})";
    socket.write("POST /api/data/v9.2/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n"
                 "Content-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray received;
    while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(2000))
        received += socket.readAll();
    received += socket.readAll();
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(!received.contains("\r\n\r\n"), received.constData()); // never a complete response
    QCOMPARE(admin(sandbox, "DELETE", u"/_sandbox/faults"_s).status, 200);
    QCOMPARE(api(sandbox, "GET", u"accounts?$filter=name%20eq%20'Dropped%20but%20written'"_s)
                 .json()[u"value"]
                 .toArray()
                 .size(),
             1);
}

void tst_SandboxService::faults_expireTokenAfter_rejectsTokenAfterKRequests()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--faults"_s, uR"({"expireTokenAfter":2})"_s}));
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s, {}, "token-a").status, 200);
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s, {}, "token-a").status, 200);
    const HttpResult expired = api(sandbox, "GET", u"WhoAmI"_s, {}, "token-a");
    QCOMPARE(expired.status, 401);
    QVERIFY(expired.header("WWW-Authenticate").contains("invalid_token"));
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s, {}, "token-b").status, 200); // a refreshed token works
}

void tst_SandboxService::faults_throttleStorm_answers429ThenRecovers()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--faults"_s, uR"({"throttleNext":2,"retryAfter":7})"_s}));
    for (int i = 0; i < 2; ++i) {
        const HttpResult r = api(sandbox, "GET", u"WhoAmI"_s);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.header("Retry-After"), QByteArray("7"));
        QCOMPARE(r.json()[u"error"][u"code"].toString(), u"0x80072322"_s);
    }
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
}

void tst_SandboxService::faults_delay_slowsResponses()
{
    QTemporaryDir dir;
    const QString log = dir.filePath(u"requests.jsonl"_s);
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--faults"_s, uR"({"delayRate":1,"delayMs":300})"_s, u"--request-log"_s, log}));
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 200);
    // The delay the server added, from its log (no client stopwatch: see realisticProfile_…).
    const QJsonObject line = onlyLogLine(log);
    QCOMPARE(line[u"path"].toString(), u"/api/data/v9.2/WhoAmI"_s);
    QVERIFY2(line[u"durationMs"].toDouble() >= 300,
             qPrintable(QString::number(line[u"durationMs"].toDouble())));
}

void tst_SandboxService::faultsAdmin_badConfig_returns400()
{
    SandboxProcess sandbox;
    QVERIFY(sandbox.start());
    const HttpResult r = admin(sandbox, "PUT", u"/_sandbox/faults"_s, R"({"errorRate":0.1,"bogus":1})");
    QCOMPARE(r.status, 400);
    QVERIFY(r.json()[u"error"][u"message"].toString().contains(u"unknown key 'bogus'"_s));
    QCOMPARE(admin(sandbox, "PATCH", u"/_sandbox/faults"_s, "{}").status, 405);
}

void tst_SandboxService::requestLog_writesOneJsonLinePerRequest()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"requests.jsonl"_s);
    SandboxProcess sandbox;
    QVERIFY(sandbox.start({u"--request-log"_s, path, u"--faults"_s, uR"({"throttleNext":1})"_s}));
    QCOMPARE(api(sandbox, "GET", u"WhoAmI"_s).status, 429);
    QCOMPARE(api(sandbox, "POST", u"accounts"_s, R"({"name":"Logged"})").status, 204);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
    const QJsonObject second = QJsonDocument::fromJson(lines[1]).object();
    QCOMPARE(first[u"status"].toInt(), 429);
    QCOMPARE(first[u"method"].toString(), u"GET"_s);
    QCOMPARE(second[u"path"].toString(), u"/api/data/v9.2/accounts"_s);
    QCOMPARE(second[u"status"].toInt(), 204);
    QVERIFY(!second[u"caller"].toString().isEmpty());
    QVERIFY(second[u"durationMs"].isDouble() && second[u"bytes"].isDouble());
    QVERIFY(!QDateTime::fromString(second[u"time"].toString(), Qt::ISODateWithMs).isNull());
    QVERIFY(!lines[1].contains("Bearer")); // never a token
}

QTEST_GUILESS_MAIN(tst_SandboxService)
#include "tst_sandboxservice.moc"
