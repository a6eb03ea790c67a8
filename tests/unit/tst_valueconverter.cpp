// ValueConverter: warehouse values → Web API JSON per Dataverse column type, and the per-value errors.

#include "services/sync/valueconverter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

Q_DECLARE_METATYPE(d365::services::AttributeMetadata)

namespace {

AttributeMetadata attribute(AttributeKind kind, const QString &name = u"col"_s)
{
    AttributeMetadata a;
    a.logicalName = name;
    a.kind = kind;
    a.typeName = attributeKindName(kind);
    a.validForCreate = a.validForUpdate = a.validForRead = true;
    return a;
}

// The JSON text a value becomes, so every case compares one string ("null", "42", "\"x\"").
QString jsonText(const QJsonValue &value)
{
    const QByteArray doc = QJsonDocument(QJsonObject{{u"v"_s, value}}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(doc.mid(5, doc.size() - 6));
}

} // namespace

class TestValueConverter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void convert_data();
    void convert();
    void convert_rejects_data();
    void convert_rejects();
    void dateOnly_neverShiftsWithSourceTimeZone_data();
    void dateOnly_neverShiftsWithSourceTimeZone();
    void userLocal_usesSourceTimeZoneAcrossDst();
    void string_truncatesOnlyWhenAsked();
    void supports_lookupsNotYet();
};

void TestValueConverter::convert_data()
{
    QTest::addColumn<AttributeMetadata>("attr");
    QTest::addColumn<QVariant>("input");
    QTest::addColumn<QString>("expected");

    AttributeMetadata text = attribute(AttributeKind::String);
    text.maxLength = 5;
    QTest::newRow("string within max length") << text << QVariant(u"abcde"_s) << u"\"abcde\""_s;
    QTest::newRow("string empty stays empty") << text << QVariant(u""_s) << u"\"\""_s;
    QTest::newRow("null becomes JSON null") << text << QVariant() << u"null"_s;
    QTest::newRow("number to string") << text << QVariant(42) << u"\"42\""_s;

    AttributeMetadata integer = attribute(AttributeKind::Integer);
    integer.minValue = 0;
    integer.maxValue = 1000;
    QTest::newRow("integer from int") << integer << QVariant(7) << u"7"_s;
    QTest::newRow("integer from text") << integer << QVariant(u" 12 "_s) << u"12"_s;
    QTest::newRow("integer from whole double") << integer << QVariant(3.0) << u"3"_s;
    QTest::newRow("integer at max") << integer << QVariant(1000) << u"1000"_s;
    QTest::newRow("integer empty text is null") << integer << QVariant(u""_s) << u"null"_s;

    AttributeMetadata money = attribute(AttributeKind::Money);
    money.precision = 2;
    QTest::newRow("money rounds half away from zero") << money << QVariant(2.675) << u"2.68"_s;
    QTest::newRow("money from text") << money << QVariant(u"1234.5"_s) << u"1234.5"_s;
    QTest::newRow("money keeps cents exactly") << money << QVariant(u"0.07"_s) << u"0.07"_s;
    QTest::newRow("money negative") << money << QVariant(-10.005) << u"-10.01"_s;

    AttributeMetadata decimal = attribute(AttributeKind::Decimal);
    decimal.precision = 4;
    QTest::newRow("decimal precision 4") << decimal << QVariant(1.23456) << u"1.2346"_s;

    AttributeMetadata boolean = attribute(AttributeKind::Boolean);
    QTest::newRow("bool true") << boolean << QVariant(true) << u"true"_s;
    QTest::newRow("bool 0") << boolean << QVariant(0) << u"false"_s;
    QTest::newRow("bool yes mixed case") << boolean << QVariant(u"Yes"_s) << u"true"_s;
    QTest::newRow("bool no") << boolean << QVariant(u"no"_s) << u"false"_s;

    AttributeMetadata dateOnly = attribute(AttributeKind::DateTime);
    dateOnly.dateTimeBehavior = DateTimeBehavior::DateOnly;
    QTest::newRow("date only from text") << dateOnly << QVariant(u"2024-02-29"_s) << u"\"2024-02-29\""_s;
    QTest::newRow("date only from QDate") << dateOnly << QVariant(QDate(2020, 1, 1)) << u"\"2020-01-01\""_s;
    QTest::newRow("date only drops the time")
        << dateOnly << QVariant(u"2024-03-01 23:30:00"_s) << u"\"2024-03-01\""_s;

    AttributeMetadata userLocal = attribute(AttributeKind::DateTime);
    QTest::newRow("user local with offset to UTC")
        << userLocal << QVariant(u"2024-03-01T10:00:00+02:00"_s) << u"\"2024-03-01T08:00:00Z\""_s;
    QTest::newRow("user local Z stays")
        << userLocal << QVariant(u"2024-03-01T10:00:00Z"_s) << u"\"2024-03-01T10:00:00Z\""_s;

    AttributeMetadata independent = attribute(AttributeKind::DateTime);
    independent.dateTimeBehavior = DateTimeBehavior::TimeZoneIndependent;
    QTest::newRow("time zone independent keeps wall clock")
        << independent << QVariant(u"2024-03-01T10:15:00"_s) << u"\"2024-03-01T10:15:00Z\""_s;

    AttributeMetadata picklist = attribute(AttributeKind::Picklist);
    picklist.options = {{100000000, u"Web"_s}, {100000002, u"Trade Show"_s}};
    QTest::newRow("choice by label") << picklist << QVariant(u"Web"_s) << u"100000000"_s;
    QTest::newRow("choice by label any case") << picklist << QVariant(u"trade SHOW"_s) << u"100000002"_s;
    QTest::newRow("choice by value") << picklist << QVariant(100000002) << u"100000002"_s;
    QTest::newRow("choice by value as text") << picklist << QVariant(u"100000000"_s) << u"100000000"_s;

    AttributeMetadata multi = attribute(AttributeKind::MultiSelectPicklist);
    multi.options = {{1, u"Hiking"_s}, {2, u"Cycling"_s}, {3, u"Sailing"_s}};
    QTest::newRow("multi-select labels") << multi << QVariant(u"Hiking; sailing"_s) << u"\"1,3\""_s;
    QTest::newRow("multi-select values") << multi << QVariant(u"2,1"_s) << u"\"2,1\""_s;

    AttributeMetadata guid = attribute(AttributeKind::Uniqueidentifier);
    QTest::newRow("guid with braces") << guid << QVariant(u"{5F0C1A8E-2B4D-4E6F-9A1B-3C5D7E9F1A2B}"_s)
                                      << u"\"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b\""_s;
}

void TestValueConverter::convert()
{
    QFETCH(AttributeMetadata, attr);
    QFETCH(QVariant, input);
    QFETCH(QString, expected);
    const auto result = ValueConverter::convert(input, attr);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(jsonText(result.value()), expected);
}

void TestValueConverter::convert_rejects_data()
{
    QTest::addColumn<AttributeMetadata>("attr");
    QTest::addColumn<QVariant>("input");
    QTest::addColumn<QString>("messagePart");

    AttributeMetadata text = attribute(AttributeKind::String, u"lastname"_s);
    text.maxLength = 5;
    QTest::newRow("string one over max")
        << text << QVariant(u"abcdef"_s) << u"6 characters long; the column allows at most 5"_s;

    AttributeMetadata integer = attribute(AttributeKind::Integer);
    integer.minValue = 0;
    integer.maxValue = 1000;
    QTest::newRow("integer over max")
        << integer << QVariant(1001) << u"outside the allowed range 0 to 1000"_s;
    QTest::newRow("integer fraction") << integer << QVariant(1.5) << u"not a whole number"_s;
    QTest::newRow("integer text") << integer << QVariant(u"twelve"_s) << u"not a whole number"_s;
    QTest::newRow("integer beyond int32 by default")
        << attribute(AttributeKind::Integer) << QVariant(qint64(3000000000))
        << u"outside the allowed range"_s;

    QTest::newRow("money with comma separator")
        << attribute(AttributeKind::Money) << QVariant(u"12,50"_s) << u"use '.' as the decimal separator"_s;
    QTest::newRow("bool maybe") << attribute(AttributeKind::Boolean) << QVariant(u"maybe"_s)
                                << u"not a yes/no value"_s;
    QTest::newRow("date garbage") << attribute(AttributeKind::DateTime) << QVariant(u"31/12/2024"_s)
                                  << u"not a date (use YYYY-MM-DD"_s;
    QTest::newRow("date impossible") << attribute(AttributeKind::DateTime) << QVariant(u"2023-02-29"_s)
                                     << u"not a date"_s;

    AttributeMetadata picklist = attribute(AttributeKind::Picklist, u"new_leadsource"_s);
    picklist.options = {{100000000, u"Web"_s}, {100000002, u"Trade Show"_s}};
    QTest::newRow("choice unknown label lists valid ones")
        << picklist << QVariant(u"Radio"_s)
        << u"'Radio' is not one of the choices. Valid labels (values): Web (100000000), Trade Show (100000002)"_s;
    QTest::newRow("choice unknown value") << picklist << QVariant(7) << u"'7' is not one of the choices"_s;
    QTest::newRow("guid invalid") << attribute(AttributeKind::Uniqueidentifier) << QVariant(u"not-a-guid"_s)
                                  << u"not a GUID"_s;
}

void TestValueConverter::convert_rejects()
{
    QFETCH(AttributeMetadata, attr);
    QFETCH(QVariant, input);
    QFETCH(QString, messagePart);
    const auto result = ValueConverter::convert(input, attr);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().category, d365::ErrorCategory::Validation);
    QVERIFY2(result.error().message.contains(messagePart), qPrintable(result.error().message));
    QVERIFY2(result.error().message.startsWith(u"Column "_s + attr.logicalName),
             qPrintable(result.error().message));
}

void TestValueConverter::dateOnly_neverShiftsWithSourceTimeZone_data()
{
    QTest::addColumn<QByteArray>("zone");
    QTest::newRow("UTC+14 Kiritimati") << QByteArray("Pacific/Kiritimati");
    QTest::newRow("UTC-12") << QByteArray("Etc/GMT+12");
    QTest::newRow("UTC") << QByteArray("UTC");
}

void TestValueConverter::dateOnly_neverShiftsWithSourceTimeZone()
{
    QFETCH(QByteArray, zone);
    AttributeMetadata dateOnly = attribute(AttributeKind::DateTime);
    dateOnly.dateTimeBehavior = DateTimeBehavior::DateOnly;
    ConversionOptions options;
    options.sourceTimeZone = QTimeZone(zone);
    QVERIFY(options.sourceTimeZone.isValid());
    for (const auto &input : {u"2024-01-01"_s, u"2024-01-01 00:00:00"_s, u"2024-01-01T23:59:59"_s}) {
        const auto result = ValueConverter::convert(input, dateOnly, options);
        QVERIFY(result.ok());
        QCOMPARE(result.value().toString(), u"2024-01-01"_s);
    }
}

void TestValueConverter::userLocal_usesSourceTimeZoneAcrossDst()
{
    AttributeMetadata userLocal = attribute(AttributeKind::DateTime);
    ConversionOptions options;
    options.sourceTimeZone = QTimeZone("Europe/Berlin");
    // Winter: UTC+1; summer (after the last Sunday of March): UTC+2.
    QCOMPARE(ValueConverter::convert(u"2024-03-30 12:00:00"_s, userLocal, options).value().toString(),
             u"2024-03-30T11:00:00Z"_s);
    QCOMPARE(ValueConverter::convert(u"2024-04-01 12:00:00"_s, userLocal, options).value().toString(),
             u"2024-04-01T10:00:00Z"_s);
}

void TestValueConverter::string_truncatesOnlyWhenAsked()
{
    AttributeMetadata text = attribute(AttributeKind::String);
    text.maxLength = 3;
    ConversionOptions options;
    options.truncateStrings = true;
    QCOMPARE(ValueConverter::convert(u"abcdef"_s, text, options).value().toString(), u"abc"_s);
    QVERIFY(!ValueConverter::convert(u"abcdef"_s, text).ok());
}

void TestValueConverter::supports_lookupsNotYet()
{
    QVERIFY(!ValueConverter::supports(AttributeKind::Lookup));
    QVERIFY(!ValueConverter::supports(AttributeKind::Customer));
    QVERIFY(ValueConverter::supports(AttributeKind::Money));
    const auto result = ValueConverter::convert(u"x"_s, attribute(AttributeKind::Lookup));
    QVERIFY(!result.ok());
}

QTEST_GUILESS_MAIN(TestValueConverter)
#include "tst_valueconverter.moc"
