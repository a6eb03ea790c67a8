// BatchRequest: the $batch body the sync worker sends and the reading of the service's multipart answer,
// against the documented responses of tests/vectors/06-batch.json and against broken answers.

#include "services/dataverse/batchrequest.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::BatchPartResponse;
using d365::services::BatchRequest;
using d365::services::DataverseRequest;

class TestBatchRequest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encode_twoRequests_crlfAbsoluteUrlsAndOuterHeaders();
    void encode_allIdempotent_batchIsIdempotentOtherwiseNot();
    void decode_documentedResponses_onePartPerRequestInOrder_data();
    void decode_documentedResponses_onePartPerRequestInOrder();
    void decode_lfOnlyAnswer_isToleratedToo();
    void decode_brokenAnswer_isAnErrorNotAGuess_data();
    void decode_brokenAnswer_isAnErrorNotAGuess();
};

namespace {

DataverseRequest patch(const QString &path, const QByteArray &body)
{
    DataverseRequest r;
    r.method = "PATCH";
    r.path = path;
    r.body = body;
    r.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("return=representation")));
    return r;
}

QByteArray header(const DataverseRequest &r, const QByteArray &name)
{
    for (const auto &[n, v] : r.headers) {
        if (n.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

} // namespace

void TestBatchRequest::encode_twoRequests_crlfAbsoluteUrlsAndOuterHeaders()
{
    const QUrl base(u"https://contoso.crm.dynamics.com/api/data/v9.2/"_s);
    const BatchRequest batch = BatchRequest::encode(
        {patch(u"contacts(emailaddress1='a%40x.com')?$select=contactid"_s, R"({"firstname":"A"})"),
         patch(u"contacts(emailaddress1='b%40x.com')?$select=contactid"_s, R"({"firstname":"B"})")},
        base);

    QCOMPARE(batch.request.method, QByteArray("POST"));
    QCOMPARE(batch.request.path, u"$batch"_s);
    QCOMPARE(header(batch.request, "Prefer"), QByteArray("odata.continue-on-error"));
    const QByteArray contentType = header(batch.request, "Content-Type");
    QVERIFY2(contentType.startsWith("multipart/mixed; boundary=batch_"), contentType.constData());
    const QByteArray boundary = contentType.mid(contentType.indexOf('=') + 1);

    const QByteArray &body = batch.request.body;
    // FACTS §6: CRLF on every line, the last one included.
    QVERIFY(body.endsWith(QByteArray("--" + boundary + "--\r\n")));
    QCOMPARE(body.count('\n'), body.count("\r\n"));
    QCOMPARE(body.count(QByteArray("--" + boundary + "\r\n")), 2);
    QVERIFY(
        body.startsWith(QByteArray("--" + boundary +
                                   "\r\nContent-Type: application/http\r\n"
                                   "Content-Transfer-Encoding: binary\r\n\r\n"
                                   "PATCH https://contoso.crm.dynamics.com/api/data/v9.2/"
                                   "contacts(emailaddress1='a%40x.com')?$select=contactid HTTP/1.1\r\n")));
    QVERIFY(body.contains(
        QByteArray("Content-Type: application/json;type=entry\r\nPrefer: return=representation\r\n\r\n"
                   R"({"firstname":"B"})"
                   "\r\n--" +
                   boundary + "--\r\n")));
    // No change set: a failing row must not roll back the others.
    QVERIFY(!body.contains("changeset"));
}

void TestBatchRequest::encode_allIdempotent_batchIsIdempotentOtherwiseNot()
{
    const QUrl base(u"http://127.0.0.1:1/api/data/v9.2/"_s);
    DataverseRequest post = patch(u"contacts"_s, "{}");
    post.method = "POST";
    post.idempotent = false;
    QVERIFY(BatchRequest::encode({patch(u"contacts(1)"_s, "{}"), patch(u"contacts(2)"_s, "{}")}, base)
                .request.idempotent);
    QVERIFY(!BatchRequest::encode({patch(u"contacts(1)"_s, "{}"), post}, base).request.idempotent);
    QCOMPARE(header(BatchRequest::encode({post}, base, false).request, "Prefer"), QByteArray());
}

void TestBatchRequest::decode_documentedResponses_onePartPerRequestInOrder_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<int>>("statuses");

    QFile file(QStringLiteral(D365_VECTORS_DIR "/06-batch.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    static const QRegularExpression statusLine(u"\\r\\nHTTP/1\\.1 (\\d{3}) "_s);
    int rows = 0;
    for (const QJsonValue &v : QJsonDocument::fromJson(file.readAll()).array()) {
        const QJsonObject response = v[u"response"].toObject();
        const QString text = response.value("body_text"_L1).toString();
        if (!text.startsWith(u"--batchresponse_"_s))
            continue; // e.g. the forward-reference vector answers with a plain JSON error
        // The statuses the vector's author wrote, in order, independently of the decoder.
        QList<int> statuses;
        for (auto it = statusLine.globalMatch(text); it.hasNext();)
            statuses.append(it.next().captured(1).toInt());
        QVERIFY(!statuses.isEmpty());
        QTest::newRow(qPrintable(v[u"id"].toString()))
            << response.value("headers"_L1)[u"Content-Type"].toString().toUtf8() << text.toUtf8() << statuses;
        ++rows;
    }
    QVERIFY(rows >= 4);
}

void TestBatchRequest::decode_documentedResponses_onePartPerRequestInOrder()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QList<int>, statuses);

    const auto parts = BatchRequest::decode(contentType, body);
    QVERIFY2(parts.ok(), qPrintable(parts.ok() ? QString() : parts.error().detail));
    QCOMPARE(parts->size(), statuses.size());
    for (qsizetype i = 0; i < statuses.size(); ++i) {
        const BatchPartResponse &part = parts->at(i);
        QCOMPARE(part.status, statuses.at(i));
        if (part.headers.value("content-type").startsWith("application/json")) {
            QJsonParseError error;
            QJsonDocument::fromJson(part.body, &error);
            QVERIFY2(error.error == QJsonParseError::NoError, part.body.constData());
        } else {
            QVERIFY2(part.body.isEmpty(), part.body.constData()); // 204: nothing, not the next boundary
        }
        if (part.status == 201 || (part.status == 204 && part.headers.contains("location")))
            QVERIFY(part.headers.value("odata-entityid").startsWith("https://"));
    }
}

void TestBatchRequest::decode_lfOnlyAnswer_isToleratedToo()
{
    const QByteArray body = "--batchresponse_x\n"
                            "Content-Type: application/http\n"
                            "Content-Transfer-Encoding: binary\n"
                            "\n"
                            "HTTP/1.1 201 Created\n"
                            "Content-Type: application/json; odata.metadata=minimal\n"
                            "\n"
                            "{\"contactid\":\"1\"}\n"
                            "--batchresponse_x\n"
                            "Content-Type: application/http\n"
                            "\n"
                            "HTTP/1.1 412 Precondition Failed\n"
                            "\n"
                            "--batchresponse_x--\n";
    const auto parts = BatchRequest::decode("multipart/mixed; boundary=\"batchresponse_x\"", body);
    QVERIFY2(parts.ok(), qPrintable(parts.ok() ? QString() : parts.error().detail));
    QCOMPARE(parts->size(), 2);
    QCOMPARE(parts->at(0).status, 201);
    QCOMPARE(parts->at(0).body, QByteArray("{\"contactid\":\"1\"}"));
    QCOMPARE(parts->at(1).status, 412);
    QVERIFY(parts->at(1).body.isEmpty());
}

void TestBatchRequest::decode_brokenAnswer_isAnErrorNotAGuess_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("detail");
    const QByteArray part =
        "--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n\r\n";
    QTest::newRow("json instead of multipart")
        << QByteArray("application/json") << QByteArray(R"({"error":{}})") << u"content type"_s;
    QTest::newRow("no boundary") << QByteArray("multipart/mixed") << part << u"no boundary"_s;
    QTest::newRow("other boundary") << QByteArray("multipart/mixed; boundary=c") << part << u"not found"_s;
    QTest::newRow("cut off") << QByteArray("multipart/mixed; boundary=b") << part << u"close delimiter"_s;
    QTest::newRow("not an HTTP status")
        << QByteArray("multipart/mixed; boundary=b")
        << QByteArray("--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 OK\r\n\r\n\r\n--b--\r\n")
        << u"bad status line"_s;
}

void TestBatchRequest::decode_brokenAnswer_isAnErrorNotAGuess()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QString, detail);
    const auto parts = BatchRequest::decode(contentType, body);
    QVERIFY(!parts.ok());
    QVERIFY2(parts.error().detail.contains(detail), qPrintable(parts.error().detail));
    QVERIFY(!parts.error().message.isEmpty());
}

QTEST_GUILESS_MAIN(TestBatchRequest)
#include "tst_batchrequest.moc"
