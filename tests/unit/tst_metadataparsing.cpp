// MetadataClient's parsers against the recorded Dataverse responses in tests/vectors/05-metadata.json (the
// shapes of the real service), and EntityMetadata's cache JSON round trip.

#include "services/dataverse/metadataclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

QJsonObject vectorBody(const QString &id)
{
    QFile file(QStringLiteral(D365_VECTORS_DIR "/05-metadata.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    for (const auto &entry : QJsonDocument::fromJson(file.readAll()).array()) {
        if (entry.toObject().value("id"_L1).toString() == id) {
            return entry.toObject().value("response"_L1).toObject().value("body"_L1).toObject();
        }
    }
    return {};
}

} // namespace

class TestMetadataParsing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void entityList_vector_parsesNamesKindAndTypeCode();
    void attributes_vector_parsesTypeNameRequiredLevelAndValidity();
    void options_vector_parsesValuesAndLabels();
    void labelText_fallsBackFromUserLabelTo1033ToFirst();
    void cacheJson_roundTripsEveryField();
};

void TestMetadataParsing::entityList_vector_parsesNamesKindAndTypeCode()
{
    const QJsonArray value = vectorBody(u"entitydefinitions-list"_s).value("value"_L1).toArray();
    QVERIFY(!value.isEmpty());
    QList<EntitySummary> list;
    for (const auto &entry : value) {
        list.append(MetadataClient::parseEntitySummary(entry.toObject()));
    }
    const auto account =
        std::find_if(list.cbegin(), list.cend(), [](const auto &s) { return s.logicalName == "account"_L1; });
    QVERIFY(account != list.cend());
    QCOMPARE(account->entitySetName, u"accounts"_s);
    QCOMPARE(account->displayName, u"Account"_s);
    QCOMPARE(account->primaryIdAttribute, u"accountid"_s);
    QCOMPARE(account->objectTypeCode, 1);
    QVERIFY(!account->isCustom);
    for (const auto &summary : list) {
        QVERIFY2(!summary.displayName.isEmpty(), qPrintable(summary.logicalName));
    }
}

void TestMetadataParsing::attributes_vector_parsesTypeNameRequiredLevelAndValidity()
{
    const QJsonArray attributes = vectorBody(u"contact-attributes-expand"_s).value("Attributes"_L1).toArray();
    QVERIFY(!attributes.isEmpty());
    QHash<QString, AttributeMetadata> byName;
    for (const auto &entry : attributes) {
        const AttributeMetadata a = MetadataClient::parseAttribute(entry.toObject());
        byName.insert(a.logicalName, a);
    }
    QVERIFY(byName.contains(u"emailaddress1"_s));
    QCOMPARE(byName.value(u"emailaddress1"_s).kind, AttributeKind::String);
    QVERIFY(byName.value(u"emailaddress1"_s).validForCreate);
    const AttributeMetadata fullname = byName.value(u"fullname"_s);
    QVERIFY(!fullname.isWritable()); // computed
    const AttributeMetadata lastname = byName.value(u"lastname"_s);
    QCOMPARE(lastname.requiredLevel, u"ApplicationRequired"_s);
    QVERIFY(lastname.isRequired());
    // Multi-select reports AttributeType "Virtual"; AttributeTypeName tells the truth (FACTS §5).
    bool sawMultiSelect = false;
    for (const auto &a : std::as_const(byName)) {
        sawMultiSelect = sawMultiSelect || a.kind == AttributeKind::MultiSelectPicklist;
    }
    QVERIFY(sawMultiSelect);
}

void TestMetadataParsing::options_vector_parsesValuesAndLabels()
{
    const QList<OptionMetadata> options =
        MetadataClient::parseOptions(vectorBody(u"picklist-optionset-expand"_s));
    QVERIFY(options.size() >= 2);
    QCOMPARE(options.first().value, 1);
    QVERIFY(!options.first().label.isEmpty());
}

void TestMetadataParsing::labelText_fallsBackFromUserLabelTo1033ToFirst()
{
    const QJsonObject german{{u"Label"_s, u"Konto"_s}, {u"LanguageCode"_s, 1031}};
    const QJsonObject english{{u"Label"_s, u"Account"_s}, {u"LanguageCode"_s, 1033}};
    QCOMPARE(MetadataClient::labelText(QJsonObject{{u"UserLocalizedLabel"_s, german},
                                                   {u"LocalizedLabels"_s, QJsonArray{english, german}}}),
             u"Konto"_s);
    QCOMPARE(MetadataClient::labelText(QJsonObject{{u"UserLocalizedLabel"_s, QJsonValue::Null},
                                                   {u"LocalizedLabels"_s, QJsonArray{german, english}}}),
             u"Account"_s);
    QCOMPARE(MetadataClient::labelText(QJsonObject{{u"LocalizedLabels"_s, QJsonArray{german}}}), u"Konto"_s);
    QCOMPARE(MetadataClient::labelText(QJsonObject{{u"LocalizedLabels"_s, QJsonArray()}}), QString());
    // An unlabelled table shows its logical name.
    QCOMPARE(MetadataClient::parseEntitySummary(QJsonObject{{u"LogicalName"_s, u"x_y"_s}}).displayName,
             u"x_y"_s);
}

void TestMetadataParsing::cacheJson_roundTripsEveryField()
{
    EntityMetadata e;
    e.logicalName = u"contact"_s;
    e.entitySetName = u"contacts"_s;
    e.displayName = u"Contact"_s;
    e.primaryIdAttribute = u"contactid"_s;
    e.primaryNameAttribute = u"fullname"_s;
    e.isCustom = false;
    e.objectTypeCode = 2;
    AttributeMetadata a;
    a.logicalName = u"new_score"_s;
    a.displayName = u"Score"_s;
    a.typeName = u"DecimalType"_s;
    a.kind = AttributeKind::Decimal;
    a.requiredLevel = u"Recommended"_s;
    a.validForCreate = true;
    a.validForRead = true;
    a.maxLength = 7;
    a.minValue = -1.5;
    a.maxValue = 99.25;
    a.precision = 3;
    a.dateTimeBehavior = DateTimeBehavior::TimeZoneIndependent;
    a.format = u"Text"_s;
    a.options = {{1, u"One"_s}};
    a.optionSetName = u"cr5a1_interest"_s;
    a.targets = {u"account"_s};
    a.isCustom = true;
    e.attributes = {a};
    e.keys = {{u"k"_s, {u"a"_s, u"b"_s}, u"Pending"_s}};
    e.manyToOne = {
        {u"rel"_s, u"parentcustomerid"_s, u"account"_s, u"accountid"_s, u"parentcustomerid_account"_s}};
    e.supportsBulkMessages = true;
    const EntityMetadata back = EntityMetadata::fromJson(e.toJson());
    QCOMPARE(QJsonDocument(back.toJson()), QJsonDocument(e.toJson()));
    QCOMPARE(back.attributes.first().kind, AttributeKind::Decimal);
    QCOMPARE(back.attributes.first().minValue, std::optional<double>(-1.5));
    QCOMPARE(back.navigationProperty(u"parentcustomerid"_s, u"account"_s), u"parentcustomerid_account"_s);
    QCOMPARE(back.supportsBulkMessages, std::optional<bool>(true));
    QVERIFY(!EntityMetadata::fromJson({}).supportsBulkMessages.has_value());
}

QTEST_GUILESS_MAIN(TestMetadataParsing)
#include "tst_metadataparsing.moc"
