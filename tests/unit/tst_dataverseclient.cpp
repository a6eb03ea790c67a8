// DataverseClient over a fake transport: what it makes of every kind of answer and failure — a cut-off answer
// is never a success, a timeout is retried and then named, sign-in errors pass through untouched, 401s make
// the waiting requests share one refresh.

#include "common/fakeorg.h"
#include "services/dataverse/dataverseclient.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365;
using namespace d365::services;
using namespace d365::testsupport;

class TestDataverseClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void send_answerCutOff_idempotentSentAgainOtherwiseOutcomeUnknown();
    void send_htmlPageWith200_isAnErrorNamingTheOrganizationUrl();
    void send_invalidJsonWith200_isNeverASuccess();
    void send_redirect_isAnErrorNotASuccess();
    void send_connectionRefused_retriedUntilTheServiceIsBack();
    void send_connectionRefusedAtFirstContact_givesUpAfterTwoRetries();
    void send_noAnswer_retriedThenNetworkErrorNamingHostAndTimeout();
    void send_throttled_waitsRetryAfterThenSucceeds();
    void send_throttled_otherRequestsWaitTheRetryAfterToo();
    void send_serverError500_retriedTwiceThenReported();
    void send_tokenRefusedMidRun_parallelRequestsShareRefreshesAndAllSucceed();
    void send_noToken_providerErrorPassesThroughUnchanged();
    void send_dateHeader_givesTheServiceClock();

private:
    struct Harness
    {
        FakeTransport *transport = nullptr;
        FakeTokenProvider tokens;
        std::unique_ptr<DataverseClient> client;
    };
    static std::unique_ptr<Harness> harness(std::function<HttpReply(const HttpRequest &)> handler);
    static DataverseResponse sendAndWait(DataverseClient &client, const DataverseRequest &request);
};

std::unique_ptr<TestDataverseClient::Harness>
TestDataverseClient::harness(std::function<HttpReply(const HttpRequest &)> handler)
{
    auto h = std::make_unique<Harness>();
    auto transport = std::make_unique<FakeTransport>();
    h->transport = transport.get();
    transport->handler = std::move(handler);
    ConnectionProfile profile;
    profile.name = u"prod"_s;
    profile.orgUrl = QUrl(u"https://contoso.crm.dynamics.com"_s);
    h->client = std::make_unique<DataverseClient>(profile, &h->tokens, std::move(transport));
    RetryPolicy policy;
    policy.baseDelayMs = 1;
    policy.maxDelayMs = 5;
    h->client->setRetryPolicy(policy);
    return h;
}

DataverseResponse TestDataverseClient::sendAndWait(DataverseClient &client, const DataverseRequest &request)
{
    std::optional<DataverseResponse> answer;
    client.send(request, nullptr, [&answer](const DataverseResponse &r) { answer = r; });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }, 10000)) {
        qWarning("no answer within 10 s");
    }
    return answer.value_or(DataverseResponse{});
}

void TestDataverseClient::send_answerCutOff_idempotentSentAgainOtherwiseOutcomeUnknown()
{
    int calls = 0;
    auto h = harness([&calls](const HttpRequest &) {
        return ++calls == 1 ? transportFailure(TransportError::ConnectionClosed, true)
                            : jsonReply(200, {{u"value"_s, QJsonArray{}}});
    });
    const DataverseResponse get = sendAndWait(*h->client, DataverseRequest::get(u"contacts"_s));
    QVERIFY(get.ok());
    QCOMPARE(calls, 2);
    QVERIFY(get.resent); // the first attempt may have been carried out

    calls = 0;
    DataverseRequest create;
    create.method = "POST";
    create.path = u"contacts/Microsoft.Dynamics.CRM.CreateMultiple"_s;
    create.body = "{}";
    create.idempotent = false;
    const DataverseResponse post = sendAndWait(*h->client, create);
    QCOMPARE(calls, 1); // never sent blindly a second time
    QVERIFY(!post.ok());
    QVERIFY(post.error->outcomeUnknown);
    QCOMPARE(post.error->transport, TransportError::ConnectionClosed);
}

void TestDataverseClient::send_htmlPageWith200_isAnErrorNamingTheOrganizationUrl()
{
    auto h = harness([](const HttpRequest &) {
        HttpReply reply = emptyReply(200);
        reply.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("text/html; charset=utf-8")));
        reply.body = "<html><body>Sign in to your network</body></html>";
        return reply;
    });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"EntityDefinitions"_s));
    QVERIFY(!r.ok());
    const Error user = toUserError(*r.error, h->client->errorContext(u"contacts"_s));
    QCOMPARE(user.category, ErrorCategory::Configuration);
    QVERIFY2(user.message.contains("not answering like the Dataverse Web API"_L1) &&
                 user.message.contains("text/html"_L1) && user.message.contains("Environments"_L1),
             qPrintable(user.message));
    QVERIFY2(!user.message.contains("Entity not found"_L1), qPrintable(user.message));
}

void TestDataverseClient::send_invalidJsonWith200_isNeverASuccess()
{
    auto h = harness([](const HttpRequest &) {
        HttpReply reply = emptyReply(200);
        reply.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        reply.body = R"({"value":[{"LogicalName":"cont)";
        return reply;
    });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"EntityDefinitions"_s));
    QVERIFY(!r.ok());
    QCOMPARE(r.error->code, u"invalid-json"_s);
    QCOMPARE(h->transport->requests.size(), 1 + h->client->retryPolicy().maxRetries); // a GET is retried
    QCOMPARE(toUserError(*r.error, h->client->errorContext()).category, ErrorCategory::Server);
}

void TestDataverseClient::send_redirect_isAnErrorNotASuccess()
{
    auto h = harness([](const HttpRequest &) {
        HttpReply reply = emptyReply(302);
        reply.headers.append(
            qMakePair(QByteArray("Location"), QByteArray("https://login.example.com/portal")));
        return reply;
    });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(!r.ok());
    QCOMPARE(h->transport->requests.size(), 1); // never followed: it could carry the token elsewhere
    const Error user = toUserError(*r.error, h->client->errorContext());
    QVERIFY2(user.message.contains("https://login.example.com/portal"_L1) && user.message.contains("302"_L1),
             qPrintable(user.message));
}

void TestDataverseClient::send_connectionRefused_retriedUntilTheServiceIsBack()
{
    // The service answered once, then restarts: refusals are waited out.
    int calls = 0;
    auto h = harness([&calls](const HttpRequest &) {
        ++calls;
        return calls >= 2 && calls <= 6 ? transportFailure(TransportError::ConnectionRefused, false)
                                        : jsonReply(200, {{u"UserId"_s, u"x"_s}});
    });
    QVERIFY(sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s)).ok());
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY2(r.ok(), qPrintable(r.error ? r.error->message : QString()));
    QCOMPARE(calls, 7); // five refusals, more than a first contact is given
    QVERIFY(!r.resent); // nothing reached the service before
}

void TestDataverseClient::send_connectionRefusedAtFirstContact_givesUpAfterTwoRetries()
{
    // Nothing ever answered: most likely a wrong address; the user hears it in seconds.
    auto h = harness(
        [](const HttpRequest &) { return transportFailure(TransportError::ConnectionRefused, false); });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(!r.ok());
    QCOMPARE(h->transport->requests.size(), 3);
    QCOMPARE(toUserError(*r.error, h->client->errorContext()).category, ErrorCategory::Network);
}

void TestDataverseClient::send_noAnswer_retriedThenNetworkErrorNamingHostAndTimeout()
{
    auto h = harness([](const HttpRequest &request) {
        HttpReply reply = transportFailure(TransportError::Timeout, true);
        reply.errorText = u"no answer within %1 s"_s.arg(request.timeoutMs / 1000.0, 0, 'f', 1);
        return reply;
    });
    RetryPolicy policy = h->client->retryPolicy();
    policy.requestTimeoutMs = 7000;
    h->client->setRetryPolicy(policy);
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(!r.ok());
    QCOMPARE(h->transport->requests.size(), 1 + policy.maxTimeoutRetries); // each waited the whole timeout
    QCOMPARE(h->transport->requests.first().timeoutMs, 7000);
    const Error user = toUserError(*r.error, h->client->errorContext());
    QCOMPARE(user.category, ErrorCategory::Network); // a timeout is not a cancel
    QVERIFY2(user.message.contains("contoso.crm.dynamics.com"_L1) && user.message.contains("7.0 s"_L1),
             qPrintable(user.message));
}

void TestDataverseClient::send_throttled_waitsRetryAfterThenSucceeds()
{
    int calls = 0;
    auto h = harness([&calls](const HttpRequest &) {
        if (++calls <= 2) {
            return errorReply(429, u"0x80072322"_s, u"Number of requests exceeded the limit of 6000"_s,
                              {qMakePair(QByteArray("Retry-After"), QByteArray("0"))});
        }
        return jsonReply(200, {{u"UserId"_s, u"x"_s}});
    });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(r.ok());
    QCOMPARE(calls, 3);
    QCOMPARE(h->client->stats().throttled, 2);
}

void TestDataverseClient::send_throttled_otherRequestsWaitTheRetryAfterToo()
{
    // The first request is refused with Retry-After: 1. A request sent while that second runs must not reach
    // the service before it is over (it would be refused and lengthen the wait, FACTS §9): it leaves
    // together with the retry, after the refused request's answer.
    int calls = 0;
    auto h = harness([&calls](const HttpRequest &) {
        if (++calls == 1) {
            return errorReply(429, u"0x80072321"_s, u"Combined execution time exceeded"_s,
                              {qMakePair(QByteArray("Retry-After"), QByteArray("1"))});
        }
        return jsonReply(200, {{u"UserId"_s, u"x"_s}});
    });
    std::optional<DataverseResponse> first;
    h->client->send(DataverseRequest::get(u"WhoAmI"_s), nullptr,
                    [&first](const DataverseResponse &r) { first = r; });
    QTRY_VERIFY(h->client->throttledForMs() > 0); // the 429 arrived
    QCOMPARE(h->transport->requests.size(), 1);

    std::optional<DataverseResponse> second;
    h->client->send(DataverseRequest::get(u"contacts"_s), nullptr,
                    [&second](const DataverseResponse &r) { second = r; });
    QCoreApplication::processEvents();
    QCOMPARE(h->transport->requests.size(), 1); // held back, not sent
    QVERIFY(!second);

    QTRY_VERIFY_WITH_TIMEOUT(first && second, 10000);
    QVERIFY(first->ok() && second->ok());
    QCOMPARE(h->transport->requests.size(), 3);
    QCOMPARE(h->client->throttledForMs(), 0);
}

void TestDataverseClient::send_serverError500_retriedTwiceThenReported()
{
    auto h = harness([](const HttpRequest &) { return errorReply(500, u"0x80044150"_s, u"SQL deadlock"_s); });
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(!r.ok());
    QCOMPARE(h->transport->requests.size(), 1 + h->client->retryPolicy().maxServerErrorRetries);
    QCOMPARE(r.error->code, u"0x80044150"_s);
}

void TestDataverseClient::send_tokenRefusedMidRun_parallelRequestsShareRefreshesAndAllSucceed()
{
    // Each token works for 5 requests (like the sandbox's expireTokenAfter); 16 requests are in flight at
    // once.
    QHash<QByteArray, int> uses;
    auto h = harness([&uses](const HttpRequest &request) {
        QByteArray token;
        for (const auto &[name, value] : request.headers) {
            if (name == "Authorization") {
                token = value;
            }
        }
        if (++uses[token] > 5) {
            return errorReply(401, u"0x80072560"_s, u"The user is not authenticated."_s);
        }
        return jsonReply(200, {{u"UserId"_s, u"x"_s}});
    });
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < 16; ++i) {
        h->client->send(DataverseRequest::get(u"WhoAmI"_s), nullptr,
                        [&](const DataverseResponse &r) { r.ok() ? ++ok : ++failed; });
    }
    QTRY_COMPARE_WITH_TIMEOUT(ok + failed, 16, 10000);
    QCOMPARE(failed, 0);
    // One refresh per spent token, shared by everyone who was refused with it.
    QVERIFY2(h->tokens.refreshes <= 5, qPrintable(QString::number(h->tokens.refreshes)));
}

void TestDataverseClient::send_noToken_providerErrorPassesThroughUnchanged()
{
    auto h = harness([](const HttpRequest &) { return jsonReply(200, {}); });
    const Error refused = Error::make(ErrorCategory::Authentication,
                                      u"The client secret for profile 'prod' was refused (AADSTS7000215)."_s);
    h->tokens.failure = refused;
    const DataverseResponse r = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QVERIFY(!r.ok());
    QCOMPARE(h->transport->requests.size(), 0); // nothing is sent without a token
    const Error user = toUserError(*r.error, h->client->errorContext());
    QCOMPARE(user.category, ErrorCategory::Authentication);
    QCOMPARE(user.message, refused.message); // not "the token expired or is invalid"

    h->tokens.failure = Error::make(ErrorCategory::Network, u"The sign-in service did not answer."_s);
    const DataverseResponse offline = sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s));
    QCOMPARE(toUserError(*offline.error, h->client->errorContext()).category, ErrorCategory::Network);
}

void TestDataverseClient::send_dateHeader_givesTheServiceClock()
{
    auto h = harness([](const HttpRequest &) {
        return jsonReply(200, {{u"UserId"_s, u"x"_s}},
                         {qMakePair(QByteArray("Date"), QByteArray("Tue, 15 Nov 1994 08:12:31 GMT"))});
    });
    QVERIFY(!h->client->serverNow().isValid());
    QVERIFY(sendAndWait(*h->client, DataverseRequest::get(u"WhoAmI"_s)).ok());
    const QDateTime now = h->client->serverNow();
    QVERIFY(now.isValid());
    QVERIFY(now >= QDateTime(QDate(1994, 11, 15), QTime(8, 12, 31), Qt::UTC));
    QVERIFY(now < QDateTime(QDate(1994, 11, 15), QTime(8, 13, 31), Qt::UTC));
}

QTEST_GUILESS_MAIN(TestDataverseClient)
#include "tst_dataverseclient.moc"
