// Dataverse error bodies → typed errors → the destination spec's troubleshooting messages; key segments and
// OData literals; mapping checks against metadata.

#include "services/common/textmatch.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/dataverseerror.h"
#include "services/dataverse/metadataclient.h"
#include "services/dataverse/odata.h"
#include "services/mapping/mappingvalidator.h"

#include <QTest>

Q_DECLARE_METATYPE(d365::services::TransportError)

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ErrorCategory;

Q_DECLARE_METATYPE(d365::ErrorCategory)

class TestDataverseError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromHttp_parsesCodeAndMessage();
    void fromHttp_nonJsonBodyKeepsText();
    void toUserError_data();
    void toUserError();
    void transient_data();
    void transient();
    void keySegment_data();
    void keySegment();
    void closestNames_suggestsPluralAndTypos();
    void checkMapping_reportsEveryProblemWithPath();
    void checkMapping_acceptsSampleShape();
};

void TestDataverseError::fromHttp_parsesCodeAndMessage()
{
    const auto error = ServiceError::fromHttp(
        404, R"({"error":{"code":"0x80040217","message":"contact With Id = 4ab5 Does Not Exist"}})");
    QCOMPARE(error.httpStatus, 404);
    QCOMPARE(error.code, u"0x80040217"_s);
    QCOMPARE(error.message, u"contact With Id = 4ab5 Does Not Exist"_s);
    QVERIFY(!error.isTransport());
}

void TestDataverseError::fromHttp_nonJsonBodyKeepsText()
{
    const auto error = ServiceError::fromHttp(502, "<html>Bad Gateway</html>");
    QCOMPARE(error.code, QString());
    QCOMPARE(error.message, u"Bad Gateway"_s); // tags stripped: a gateway's page reads as its text
}

void TestDataverseError::toUserError_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<TransportError>("transport");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<ErrorCategory>("category");
    QTest::addColumn<QStringList>("messageParts");

    QTest::newRow("401 token expired → reconnect")
        << 401 << TransportError::None
        << QByteArray(R"({"error":{"code":"0x80072560","message":"The user is not authenticated"}})")
        << ErrorCategory::Authentication
        << QStringList{u"token expired or is invalid"_s, u"Reconnect the profile 'prod'"_s};
    QTest::newRow("403 names privilege and table")
        << 403 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x80040220","message":"Principal user (Id=c4b9, type=8, roleCount=1, privilegeCount=318, accessMode=0), is missing prvCreateAccount privilege (Id=e1bc) on OTC=1 for entity 'account'. context.Caller=c4b9"}})")
        << ErrorCategory::Privilege
        << QStringList{u"missing the privilege prvCreateAccount on the table 'account'"_s,
                       u"Settings → Security"_s};
    QTest::newRow("404 unknown entity set")
        << 404 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x8006088a","message":"Resource not found for the segment 'Account'."}})")
        << ErrorCategory::Configuration
        << QStringList{u"Entity not found"_s, u"plural logical"_s, u"new_myentities"_s};
    QTest::newRow("host not found → org URL pattern and where to find it")
        << 0 << TransportError::HostNotFound << QByteArray() << ErrorCategory::Configuration
        << QStringList{u"Organization URL is incorrect"_s, u"https://<environment>.crm<N>.dynamics.com"_s,
                       u"Environments"_s};
    QTest::newRow("connection refused") << 0 << TransportError::ConnectionRefused << QByteArray()
                                        << ErrorCategory::Network << QStringList{u"connection was refused"_s};
    QTest::newRow("400 validation keeps the service text")
        << 400 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'."}})")
        << ErrorCategory::Validation << QStringList{u"exceeded the maximum allowed length of '50'"_s};
    QTest::newRow("429 throttled")
        << 429 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}})")
        << ErrorCategory::Throttled << QStringList{u"service-protection limit"_s};
    QTest::newRow("412 duplicate detection → the rule and what to do")
        << 412 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x80040333","message":"A record was not created or updated because a duplicate of the current record already exists."}})")
        << ErrorCategory::Validation
        << QStringList{u"duplicate detection refused this row"_s, u"table 'accounts'"_s,
                       u"Duplicate detection rules"_s, u"a duplicate of the current record already exists"_s};
    QTest::newRow("500 duplicate detection (older docs) is not a server error")
        << 500 << TransportError::None
        << QByteArray(
               R"({"error":{"code":"0x80040333","message":"A record was not created or updated because a duplicate of the current record already exists."}})")
        << ErrorCategory::Validation << QStringList{u"duplicate detection refused this row"_s};
    QTest::newRow("503 server") << 503 << TransportError::None << QByteArray("unavailable")
                                << ErrorCategory::Server << QStringList{u"server error (HTTP 503)"_s};
}

void TestDataverseError::toUserError()
{
    QFETCH(int, status);
    QFETCH(TransportError, transport);
    QFETCH(QByteArray, body);
    QFETCH(ErrorCategory, category);
    QFETCH(QStringList, messageParts);

    ServiceError error = ServiceError::fromHttp(status, body);
    error.transport = transport;
    if (status == 0) {
        error.message = u"transport failure"_s;
    }
    const auto user =
        d365::services::toUserError(error, {u"prod"_s, u"https://myorg.crm.dynamics.com"_s, u"accounts"_s});
    QCOMPARE(user.category, category);
    for (const auto &part : messageParts) {
        QVERIFY2(user.message.contains(part), qPrintable(user.message));
    }
    QVERIFY(!user.detail.isEmpty());
}

void TestDataverseError::transient_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<TransportError>("transport");
    QTest::addColumn<bool>("transient");
    QTest::newRow("429") << 429 << TransportError::None << true;
    QTest::newRow("503") << 503 << TransportError::None << true;
    QTest::newRow("502") << 502 << TransportError::None << true;
    QTest::newRow("500 has its own, shorter retry count") << 500 << TransportError::None << false;
    QTest::newRow("400") << 400 << TransportError::None << false;
    QTest::newRow("401 handled separately") << 401 << TransportError::None << false;
    QTest::newRow("connection closed") << 0 << TransportError::ConnectionClosed << true;
    QTest::newRow("timeout") << 0 << TransportError::Timeout << true;
    QTest::newRow("refused is retried: the service may be restarting")
        << 0 << TransportError::ConnectionRefused << true;
    QTest::newRow("host not found") << 0 << TransportError::HostNotFound << false;
}

void TestDataverseError::transient()
{
    QFETCH(int, status);
    QFETCH(TransportError, transport);
    QFETCH(bool, transient);
    ServiceError error;
    error.httpStatus = status;
    error.transport = transport;
    QCOMPARE(error.isTransient(), transient);
}

void TestDataverseError::keySegment_data()
{
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QVariantList>("values");
    QTest::addColumn<QString>("expected");
    QTest::newRow("email") << QStringList{u"emailaddress1"_s} << QVariantList{u"ana.silva@example.com"_s}
                           << u"emailaddress1='ana.silva@example.com'"_s;
    QTest::newRow("quote doubled") << QStringList{u"lastname"_s} << QVariantList{u"O'Brien"_s}
                                   << u"lastname='O''Brien'"_s;
    QTest::newRow("two parts, number unquoted")
        << QStringList{u"cr5a1_sourcesystem"_s, u"cr5a1_sourceid"_s} << QVariantList{u"ERP"_s, 10042}
        << u"cr5a1_sourcesystem='ERP',cr5a1_sourceid=10042"_s;
    QTest::newRow("space and hash encoded")
        << QStringList{u"name"_s} << QVariantList{u"A #1"_s} << u"name='A%20%231'"_s;
    QTest::newRow("guid unquoted") << QStringList{u"contactid"_s}
                                   << QVariantList{QUuid(u"5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"_s)}
                                   << u"contactid=5f0c1a8e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"_s;
}

void TestDataverseError::keySegment()
{
    QFETCH(QStringList, names);
    QFETCH(QVariantList, values);
    QFETCH(QString, expected);
    QCOMPARE(odata::keySegment(names, values), expected);
}

void TestDataverseError::closestNames_suggestsPluralAndTypos()
{
    const QStringList sets{u"accounts"_s,      u"contacts"_s,  u"leads"_s,
                           u"opportunities"_s, u"incidents"_s, u"new_loyaltycards"_s};
    QCOMPARE(d365::closestNames(u"contact"_s, sets).value(0), u"contacts"_s);
    QCOMPARE(d365::closestNames(u"Contacts"_s, sets).value(0), u"contacts"_s);
    QCOMPARE(d365::closestNames(u"new_loyaltycard"_s, sets).value(0), u"new_loyaltycards"_s);
    QCOMPARE(d365::closestNames(u"opportunitys"_s, sets).value(0), u"opportunities"_s);
    QVERIFY(d365::closestNames(u"zzzzzzzz"_s, sets).isEmpty());
}

namespace {
EntityMetadata contactMetadata()
{
    EntityMetadata entity;
    entity.logicalName = u"contact"_s;
    entity.entitySetName = u"contacts"_s;
    entity.primaryIdAttribute = u"contactid"_s;
    auto add = [&entity](const QString &name, AttributeKind kind, bool create = true, bool update = true) {
        AttributeMetadata a;
        a.logicalName = name;
        a.kind = kind;
        a.typeName = attributeKindName(kind);
        a.validForCreate = create;
        a.validForUpdate = update;
        entity.attributes.append(a);
    };
    add(u"contactid"_s, AttributeKind::Uniqueidentifier, true, false);
    add(u"emailaddress1"_s, AttributeKind::String);
    add(u"firstname"_s, AttributeKind::String);
    add(u"fullname"_s, AttributeKind::String, false, false);
    add(u"parentcustomerid"_s, AttributeKind::Customer);
    entity.keys.append({u"new_EmailKey"_s, {u"emailaddress1"_s}, u"Active"_s});
    return entity;
}
} // namespace

void TestDataverseError::checkMapping_reportsEveryProblemWithPath()
{
    Mapping mapping;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = {u"firstname"_s};
    mapping.fields = {{u"a"_s, u"emailaddress1"_s},
                      {u"b"_s, u"firstnam"_s},
                      {u"c"_s, u"fullname"_s},
                      {u"d"_s, u"parentcustomerid"_s},
                      {u"e"_s, u"firstname"_s}};
    const QStringList problems =
        MappingValidator::lines(MappingValidator::validate(mapping, contactMetadata()));
    QCOMPARE(problems.size(), 4);
    QVERIFY2(problems.at(0).startsWith("$.fields[1].target"_L1) &&
                 problems.at(0).contains("Did you mean firstname"_L1),
             qPrintable(problems.at(0)));
    QVERIFY2(problems.at(1).startsWith("$.fields[2].target"_L1) &&
                 problems.at(1).contains("cannot be written"_L1),
             qPrintable(problems.at(1)));
    QVERIFY2(problems.at(2).startsWith("$.fields[3].target"_L1) && problems.at(2).contains("CustomerType"_L1),
             qPrintable(problems.at(2)));
    QVERIFY2(problems.at(3).startsWith("$.target.matchKey"_L1) &&
                 problems.at(3).contains("[emailaddress1] (new_EmailKey)"_L1),
             qPrintable(problems.at(3)));
}

void TestDataverseError::checkMapping_acceptsSampleShape()
{
    Mapping mapping;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = {u"emailaddress1"_s};
    mapping.fields = {{u"email"_s, u"emailaddress1"_s}, {u"first"_s, u"firstname"_s}};
    QVERIFY(MappingValidator::lines(MappingValidator::validate(mapping, contactMetadata())).isEmpty());
    mapping.target.matchKey = {u"contactid"_s};
    mapping.fields.append({u"id"_s, u"contactid"_s});
    QVERIFY(MappingValidator::lines(MappingValidator::validate(mapping, contactMetadata())).isEmpty());
}

QTEST_GUILESS_MAIN(TestDataverseError)
#include "tst_dataverseerror.moc"
