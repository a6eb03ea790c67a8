// The hand-written JSON writer of the bulk bodies says exactly what QJsonDocument says: every value read back
// equals the original (escapes, non-ASCII, emoji, control characters, whole numbers beyond 2^53, decimals).

#include "services/sync/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendMember_anyValue_readsBackEqual_data();
    void appendMember_anyValue_readsBackEqual();
    void appendString_plainAscii_isCopiedAsIs();
    void splitMembers_commasInsideStringsAndNestedValues_stayInTheirMember();
};

void TestJsonWriter::splitMembers_commasInsideStringsAndNestedValues_stayInTheirMember()
{
    // Members as the writer makes them, with the characters that could fool a split.
    const QList<QPair<QString, QJsonValue>> members{
        {u"firstname"_s, u"Ana, \"the\" first"_s},
        {u"description"_s, u"back\\slash\\"_s},
        {u"new_codes"_s, u"1,2,3"_s},
        {u"parentcustomerid_account@odata.bind"_s, u"/accounts(accountnumber='A,1')"_s},
        {u"new_amount"_s, 12.5},
        {u"new_flag"_s, true},
        {u"new_empty"_s, QJsonValue()},
        {u"new_object"_s, QJsonObject{{u"a"_s, 1}, {u"b"_s, QJsonArray{1, u",]}"_s}}}},
    };
    QByteArray text;
    QList<QByteArray> expected;
    for (const auto &[name, value] : members) {
        QByteArray one;
        json::appendMember(one, name, value);
        expected.append(one);
        if (!text.isEmpty())
            text += ',';
        text += one;
    }
    const QList<QByteArrayView> parts = json::splitMembers(text);
    QCOMPARE(parts.size(), expected.size());
    for (qsizetype i = 0; i < parts.size(); ++i)
        QCOMPARE(parts[i].toByteArray(), expected[i]);
    QVERIFY(json::splitMembers(QByteArrayView()).isEmpty());
    QCOMPARE(json::splitMembers("\"a\":1").size(), 1);
}

void TestJsonWriter::appendMember_anyValue_readsBackEqual_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::newRow("plain") << QJsonValue(u"ana.silva@example.com"_s);
    QTest::newRow("empty") << QJsonValue(u""_s);
    QTest::newRow("quotes and backslash") << QJsonValue(u"O'Brien \"the\" C:\\path"_s);
    QTest::newRow("control characters") << QJsonValue(QString(u"a\tb\nc\rd\u0001e\u001f"_s));
    QTest::newRow("non-ASCII after ASCII") << QJsonValue(u"Grüße – ✓ 日本"_s);
    QTest::newRow("emoji (surrogate pair)") << QJsonValue(u"ok 👍 then \"quote\""_s);
    QTest::newRow("whole number") << QJsonValue(42);
    QTest::newRow("negative") << QJsonValue(-7);
    QTest::newRow("big integer beyond 2^53") << QJsonValue(qint64(9007199254740993));
    QTest::newRow("money") << QJsonValue(1234.57);
    QTest::newRow("small decimal") << QJsonValue(0.1);
    QTest::newRow("true") << QJsonValue(true);
    QTest::newRow("false") << QJsonValue(false);
    QTest::newRow("null") << QJsonValue(QJsonValue::Null);
    QTest::newRow("array") << QJsonValue(QJsonArray{1, u"two"_s});
}

void TestJsonWriter::appendMember_anyValue_readsBackEqual()
{
    QFETCH(QJsonValue, value);
    QByteArray text = "{";
    json::appendMember(text, u"näme \"x\""_s, value);
    text += '}';
    QJsonParseError error;
    const QJsonObject parsed = QJsonDocument::fromJson(text, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, text.constData());
    QCOMPARE(parsed.value(u"näme \"x\""_s), value);
    QCOMPARE(text, QJsonDocument(QJsonObject{{u"näme \"x\""_s, value}}).toJson(QJsonDocument::Compact));
}

void TestJsonWriter::appendString_plainAscii_isCopiedAsIs()
{
    QByteArray text = "prefix:";
    json::appendString(text, u"abc@example.com"_s);
    QCOMPARE(text, QByteArray("prefix:\"abc@example.com\""));
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
