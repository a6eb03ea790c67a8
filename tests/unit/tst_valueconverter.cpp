// ValueConverter: warehouse values → Web API JSON per Dataverse column type, and the per-value errors.

#include "services/dataverse/valueconverter.h"

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
    void string_maxLengthBoundaries_data();
    void string_maxLengthBoundaries();
    void userLocal_autumnFallBack_usesStandardTimeAfterTheChange();
    void lookups_convertOnlyThroughBindLookup();
    void bindLookup_data();
    void bindLookup();
    void bindLookup_rejects_data();
    void bindLookup_rejects();
    void isNullValue_distinguishesEmptyTextFromNull();
    void fromJson_constantsKeepTheirType();
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

    QTest::newRow("user local without seconds")
        << userLocal << QVariant(u"2024-03-01T10:00"_s) << u"\"2024-03-01T10:00:00Z\""_s;
    QTest::newRow("user local compact offset and millis")
        << userLocal << QVariant(u"2024-03-01 10:00:00.250+0530"_s) << u"\"2024-03-01T04:30:00Z\""_s;
    QTest::newRow("user local negative offset crosses midnight")
        << userLocal << QVariant(u"2024-12-31T22:00:00-03:00"_s) << u"\"2025-01-01T01:00:00Z\""_s;
    QTest::newRow("user local from UTC QDateTime")
        << userLocal << QVariant(QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), QTimeZone::utc()))
        << u"\"2024-05-06T07:08:09Z\""_s;
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
    QTest::newRow("time impossible") << attribute(AttributeKind::DateTime)
                                     << QVariant(u"2024-01-01T24:30:00"_s) << u"not a date"_s;
    QTest::newRow("offset garbage") << attribute(AttributeKind::DateTime)
                                    << QVariant(u"2024-01-01T10:00:00+2"_s) << u"not a date"_s;
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

void TestValueConverter::string_maxLengthBoundaries_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("empty") << 0 << true;
    QTest::newRow("one below max") << 99 << true;
    QTest::newRow("exactly max") << 100 << true;
    QTest::newRow("one over max") << 101 << false;
}

void TestValueConverter::string_maxLengthBoundaries()
{
    QFETCH(int, length);
    QFETCH(bool, accepted);
    AttributeMetadata text = attribute(AttributeKind::String);
    text.maxLength = 100;
    // Non-ASCII characters count once each, as Dataverse counts them (UTF-16 code units here: BMP only).
    const QString value(length, u'é');
    const auto result = ValueConverter::convert(value, text);
    QCOMPARE(result.ok(), accepted);
    if (accepted) {
        QCOMPARE(result.value().toString().size(), length);
    }
}

void TestValueConverter::userLocal_autumnFallBack_usesStandardTimeAfterTheChange()
{
    AttributeMetadata userLocal = attribute(AttributeKind::DateTime);
    ConversionOptions options;
    options.sourceTimeZone = QTimeZone("America/New_York");
    // 2024-11-03: clocks go back at 02:00 EDT (UTC-4) to 01:00 EST (UTC-5).
    QCOMPARE(ValueConverter::convert(u"2024-11-02T12:00:00"_s, userLocal, options).value().toString(),
             u"2024-11-02T16:00:00Z"_s);
    QCOMPARE(ValueConverter::convert(u"2024-11-04T12:00:00"_s, userLocal, options).value().toString(),
             u"2024-11-04T17:00:00Z"_s);
    // An explicit offset wins over the source time zone.
    QCOMPARE(ValueConverter::convert(u"2024-11-04T12:00:00+01:00"_s, userLocal, options).value().toString(),
             u"2024-11-04T11:00:00Z"_s);
}

void TestValueConverter::lookups_convertOnlyThroughBindLookup()
{
    QVERIFY(ValueConverter::supports(AttributeKind::Lookup));
    QVERIFY(ValueConverter::supports(AttributeKind::Customer));
    QVERIFY(!ValueConverter::supports(AttributeKind::Other));
    const auto result = ValueConverter::convert(u"x"_s, attribute(AttributeKind::Lookup));
    QVERIFY(!result.ok());
    QVERIFY(result.error().message.contains("bindLookup"_L1));
}

namespace {

LookupTarget guidTarget(const QString &table, const QString &set, const QString &nav)
{
    return {table, set, nav, {}};
}

LookupTarget keyTarget(const QString &table, const QString &set, const QString &nav,
                       const QList<AttributeMetadata> &keys)
{
    return {table, set, nav, keys};
}

AttributeMetadata stringKey(const QString &name)
{
    AttributeMetadata a = attribute(AttributeKind::String, name);
    a.maxLength = 100;
    return a;
}

} // namespace

Q_DECLARE_METATYPE(QList<d365::services::LookupTarget>)

void TestValueConverter::bindLookup_data()
{
    QTest::addColumn<QList<LookupTarget>>("targets");
    QTest::addColumn<QVariantList>("parts");
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("annotation");
    QTest::addColumn<QString>("expected");

    const QList<LookupTarget> byGuid = {guidTarget(u"account"_s, u"accounts"_s, u"parentaccountid"_s)};
    QTest::newRow("guid") << byGuid << QVariantList{u"{5F0C1A8E-2B4D-4E6F-9A1B-3C5D7E9F1A2B}"_s} << QString()
                          << u"parentaccountid@odata.bind"_s
                          << u"\"/accounts(5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b)\""_s;
    QTest::newRow("null clears") << byGuid << QVariantList{QVariant()} << QString()
                                 << u"parentaccountid@odata.bind"_s << u"null"_s;
    QTest::newRow("empty text clears")
        << byGuid << QVariantList{u"  "_s} << QString() << u"parentaccountid@odata.bind"_s << u"null"_s;

    const QList<LookupTarget> byNumber = {
        keyTarget(u"account"_s, u"accounts"_s, u"parentaccountid"_s, {stringKey(u"accountnumber"_s)})};
    QTest::newRow("alternate key") << byNumber << QVariantList{u"A-100"_s} << QString()
                                   << u"parentaccountid@odata.bind"_s
                                   << u"\"/accounts(accountnumber='A-100')\""_s;
    QTest::newRow("alternate key with a quote is doubled")
        << byNumber << QVariantList{u"O'Bryan"_s} << QString() << u"parentaccountid@odata.bind"_s
        << u"\"/accounts(accountnumber='O''Bryan')\""_s;
    QTest::newRow("alternate key with a space is percent-encoded")
        << byNumber << QVariantList{u"A 1"_s} << QString() << u"parentaccountid@odata.bind"_s
        << u"\"/accounts(accountnumber='A%201')\""_s;
    QTest::newRow("alternate key from a number column")
        << byNumber << QVariantList{QVariant(42)} << QString() << u"parentaccountid@odata.bind"_s
        << u"\"/accounts(accountnumber='42')\""_s;

    AttributeMetadata sourceId = attribute(AttributeKind::Integer, u"cr5a1_sourceid"_s);
    const QList<LookupTarget> twoColumns = {keyTarget(u"cr5a1_warehouserow"_s, u"cr5a1_warehouserows"_s,
                                                      u"cr5a1_RowId"_s,
                                                      {stringKey(u"cr5a1_sourcesystem"_s), sourceId})};
    QTest::newRow("two-column key, number unquoted")
        << twoColumns << QVariantList{u"ERP"_s, u"17"_s} << QString() << u"cr5a1_RowId@odata.bind"_s
        << u"\"/cr5a1_warehouserows(cr5a1_sourcesystem='ERP',cr5a1_sourceid=17)\""_s;

    const QList<LookupTarget> customer = {
        keyTarget(u"account"_s, u"accounts"_s, u"parentcustomerid_account"_s,
                  {stringKey(u"accountnumber"_s)}),
        keyTarget(u"contact"_s, u"contacts"_s, u"parentcustomerid_contact"_s,
                  {stringKey(u"emailaddress1"_s)})};
    QTest::newRow("polymorphic account")
        << customer << QVariantList{u"A-1"_s} << u"account"_s << u"parentcustomerid_account@odata.bind"_s
        << u"\"/accounts(accountnumber='A-1')\""_s;
    QTest::newRow("polymorphic contact by set name, any case")
        << customer << QVariantList{u"x@y.com"_s} << u"Contacts"_s << u"parentcustomerid_contact@odata.bind"_s
        << u"\"/contacts(emailaddress1='x@y.com')\""_s;
    QTest::newRow("polymorphic null without table clears the first")
        << customer << QVariantList{QVariant()} << QString() << u"parentcustomerid_account@odata.bind"_s
        << u"null"_s;
}

void TestValueConverter::bindLookup()
{
    QFETCH(QList<LookupTarget>, targets);
    QFETCH(QVariantList, parts);
    QFETCH(QString, table);
    QFETCH(QString, annotation);
    QFETCH(QString, expected);
    const auto result = ValueConverter::bindLookup(parts, table, attribute(AttributeKind::Lookup), targets);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(result.value().annotation(), annotation);
    QCOMPARE(jsonText(result.value().value), expected);
}

void TestValueConverter::bindLookup_rejects_data()
{
    QTest::addColumn<QList<LookupTarget>>("targets");
    QTest::addColumn<QVariantList>("parts");
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("messagePart");

    const QList<LookupTarget> byGuid = {guidTarget(u"account"_s, u"accounts"_s, u"parentaccountid"_s)};
    QTest::newRow("not a guid") << byGuid << QVariantList{u"A-1"_s} << QString()
                                << u"'A-1' is not a GUID of a account record"_s;
    const QList<LookupTarget> byNumber = {
        keyTarget(u"account"_s, u"accounts"_s, u"parentaccountid"_s, {stringKey(u"accountnumber"_s)})};
    for (const auto &bad :
         {u"A/1"_s, u"A&B"_s, u"50%"_s, u"a:b"_s, u"1+1"_s, u"x?y"_s, u"a\\b"_s, u"<x>"_s, u"a*"_s}) {
        QTest::newRow(qPrintable(u"forbidden key character in "_s + bad))
            << byNumber << QVariantList{bad} << QString()
            << u"Dataverse cannot find a record by such a key"_s;
    }
    AttributeMetadata sourceId = attribute(AttributeKind::Integer, u"cr5a1_sourceid"_s);
    const QList<LookupTarget> twoColumns = {keyTarget(u"cr5a1_warehouserow"_s, u"cr5a1_warehouserows"_s,
                                                      u"cr5a1_RowId"_s,
                                                      {stringKey(u"cr5a1_sourcesystem"_s), sourceId})};
    QTest::newRow("two-column key with one part empty")
        << twoColumns << QVariantList{u"ERP"_s, QVariant()} << QString()
        << u"part of the cr5a1_warehouserow key is empty"_s;
    QTest::newRow("two-column key with a text number part")
        << twoColumns << QVariantList{u"ERP"_s, u"seventeen"_s} << QString() << u"not a whole number"_s;
    QTest::newRow("wrong number of parts")
        << twoColumns << QVariantList{u"ERP"_s} << QString() << u"has 2 column(s) but 1 value(s)"_s;
    const QList<LookupTarget> customer = {
        guidTarget(u"account"_s, u"accounts"_s, u"parentcustomerid_account"_s),
        guidTarget(u"contact"_s, u"contacts"_s, u"parentcustomerid_contact"_s)};
    QTest::newRow("polymorphic unknown table")
        << customer << QVariantList{u"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"_s} << u"lead"_s
        << u"'lead' is not one this lookup can point at. Valid tables: account, contact"_s;
    QTest::newRow("polymorphic without table")
        << customer << QVariantList{u"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"_s} << QString()
        << u"Valid tables: account, contact"_s;
    QTest::newRow("no targets") << QList<LookupTarget>{} << QVariantList{u"x"_s} << QString()
                                << u"no target table"_s;
}

void TestValueConverter::bindLookup_rejects()
{
    QFETCH(QList<LookupTarget>, targets);
    QFETCH(QVariantList, parts);
    QFETCH(QString, table);
    QFETCH(QString, messagePart);
    const auto result = ValueConverter::bindLookup(
        parts, table, attribute(AttributeKind::Lookup, u"parentaccountid"_s), targets);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().category, d365::ErrorCategory::Validation);
    QVERIFY2(result.error().message.contains(messagePart), qPrintable(result.error().message));
    QVERIFY2(result.error().message.startsWith("Column parentaccountid"_L1),
             qPrintable(result.error().message));
}

void TestValueConverter::isNullValue_distinguishesEmptyTextFromNull()
{
    const AttributeMetadata text = attribute(AttributeKind::String);
    const AttributeMetadata number = attribute(AttributeKind::Integer);
    QVERIFY(ValueConverter::isNullValue(QVariant(), text));
    QVERIFY(ValueConverter::isNullValue(QVariant(QMetaType(QMetaType::QString)), text)); // SQL NULL text
    QVERIFY(!ValueConverter::isNullValue(u""_s, text)); // an empty string is a value for text columns
    QVERIFY(ValueConverter::isNullValue(u" "_s, number));
    QVERIFY(!ValueConverter::isNullValue(0, number));
}

void TestValueConverter::fromJson_constantsKeepTheirType()
{
    QCOMPARE(ValueConverter::fromJson(QJsonValue(7)).typeId(), QMetaType::LongLong);
    QCOMPARE(ValueConverter::fromJson(QJsonValue(7.5)).toDouble(), 7.5);
    QCOMPARE(ValueConverter::fromJson(QJsonValue(true)).typeId(), QMetaType::Bool);
    QCOMPARE(ValueConverter::fromJson(QJsonValue(u"Web"_s)).toString(), u"Web"_s);
    QVERIFY(ValueConverter::fromJson(QJsonValue(QJsonValue::Null)).isNull());
}

QTEST_GUILESS_MAIN(TestValueConverter)
#include "tst_valueconverter.moc"
