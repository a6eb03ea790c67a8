// AutoMapper: warehouse columns paired with table columns by logical name, display name and normalised name
// (publisher prefix dropped from custom columns), only where the mode can write, with a report of what was
// left and why.

#include "common/samplemetadata.h"
#include "services/editor/automapper.h"

#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::AutoMapper;
using d365::services::AutoMapReport;
using d365::services::FieldMapping;
using d365::services::Mapping;
using d365::services::SyncMode;

namespace {

Mapping contactsMapping(SyncMode mode = SyncMode::Upsert)
{
    Mapping mapping;
    mapping.target.entitySet = u"contacts"_s;
    mapping.mode = mode;
    return mapping;
}

QString targetOf(const AutoMapReport &report, const QString &source)
{
    for (const auto &match : report.matches) {
        if (match.source == source)
            return match.target;
    }
    return {};
}

} // namespace

class TestAutoMapper : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalise_names_data();
    void normalise_names();
    void map_sampleCustomersOntoContacts_mapsSevenAndLeavesFour();
    void map_publisherPrefix_droppedFromCustomColumnsOnly();
    void map_sameDisplayNameTwice_leavesTheColumnAsAmbiguous();
    void map_tableColumnAlreadyMapped_reportsWhichFieldHasIt();
    void map_sourceAlreadyMapped_isNotOfferedAgain();
    void map_insertMode_skipsColumnsThatCannotBeCreated();
    void map_lookupByDisplayName_isNotMapped();
    void map_requiredColumnLeftOut_isReported();
    void summary_namesEveryPairAndEveryColumnLeft();
};

void TestAutoMapper::normalise_names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("normalised");
    QTest::newRow("snake case") << u"first_name"_s << u"firstname"_s;
    QTest::newRow("display name") << u"Address 1: City"_s << u"address1city"_s;
    QTest::newRow("camel case") << u"JobTitle"_s << u"jobtitle"_s;
    QTest::newRow("hyphens and dots") << u"e-mail.address"_s << u"emailaddress"_s;
    QTest::newRow("accents kept as letters") << u"Prénom"_s << u"prénom"_s;
    QTest::newRow("empty") << QString() << QString();
}

void TestAutoMapper::normalise_names()
{
    QFETCH(QString, name);
    QFETCH(QString, normalised);
    QCOMPARE(AutoMapper::normalise(name), normalised);
}

void TestAutoMapper::map_sampleCustomersOntoContacts_mapsSevenAndLeavesFour()
{
    const AutoMapReport report = AutoMapper::map(contactsMapping(), d365::testsupport::sampleContactEntity(),
                                                 d365::testsupport::sampleCustomerColumns());
    QCOMPARE(report.matches.size(), 7);
    QCOMPARE(targetOf(report, u"first_name"_s), u"firstname"_s);
    QCOMPARE(targetOf(report, u"last_name"_s), u"lastname"_s);
    QCOMPARE(targetOf(report, u"email"_s), u"emailaddress1"_s); // display name "Email"
    QCOMPARE(targetOf(report, u"job_title"_s), u"jobtitle"_s);
    QCOMPARE(targetOf(report, u"lifetime_value"_s), u"new_lifetimevalue"_s); // prefix dropped
    QCOMPARE(targetOf(report, u"lead_source"_s), u"new_leadsource"_s);
    QCOMPARE(targetOf(report, u"signup_date"_s), u"new_signupdate"_s);
    QStringList left;
    for (const auto &item : report.left)
        left << item.source;
    QCOMPARE(left, QStringList({u"customer_id"_s, u"phone"_s, u"company"_s, u"city"_s}));
    QVERIFY(report.requiredUnmapped.isEmpty()); // lastname is mapped; owner and state are Dataverse's
    QCOMPARE(report.fields().size(), 7);
    QCOMPARE(report.fields().first().source, u"first_name"_s);
}

void TestAutoMapper::map_publisherPrefix_droppedFromCustomColumnsOnly()
{
    // "address1_city" is a system column: its "address1_" is part of the name, not a publisher prefix.
    const AutoMapReport report = AutoMapper::map(contactsMapping(), d365::testsupport::sampleContactEntity(),
                                                 {u"city"_s, u"companyname"_s, u"address1_city"_s});
    QCOMPARE(targetOf(report, u"city"_s), QString());
    QCOMPARE(targetOf(report, u"companyname"_s), u"new_companyname"_s);
    QCOMPARE(targetOf(report, u"address1_city"_s), u"address1_city"_s);
    QCOMPARE(report.matches.at(1).rule, AutoMapReport::Rule::LogicalName); // address1_city, by logical name
}

void TestAutoMapper::map_sameDisplayNameTwice_leavesTheColumnAsAmbiguous()
{
    auto entity = d365::testsupport::sampleContactEntity();
    entity.attributes.append(d365::testsupport::sampleAttribute(
        u"emailaddress2"_s, u"Email"_s, d365::services::AttributeKind::String, u"StringType"_s));
    const AutoMapReport report = AutoMapper::map(contactsMapping(), entity, {u"email"_s});
    QVERIFY(report.matches.isEmpty());
    QCOMPARE(report.left.size(), 1);
    QCOMPARE(report.left.first().candidates, QStringList({u"emailaddress1"_s, u"emailaddress2"_s}));
    QVERIFY2(report.summary().contains(u"could be emailaddress1 or emailaddress2"_s),
             qPrintable(report.summary()));
}

void TestAutoMapper::map_tableColumnAlreadyMapped_reportsWhichFieldHasIt()
{
    Mapping mapping = contactsMapping();
    mapping.fields = {FieldMapping{u"given_name"_s, u"firstname"_s}};
    const AutoMapReport report = AutoMapper::map(mapping, d365::testsupport::sampleContactEntity(),
                                                 {u"given_name"_s, u"first_name"_s});
    QVERIFY(report.matches.isEmpty());
    QCOMPARE(report.left.size(), 1);
    QCOMPARE(report.left.first().source, u"first_name"_s);
    QCOMPARE(report.left.first().takenBy, u"firstname"_s);
}

void TestAutoMapper::map_sourceAlreadyMapped_isNotOfferedAgain()
{
    Mapping mapping = contactsMapping();
    mapping.fields = {FieldMapping{u"email"_s, u"emailaddress1"_s}};
    const AutoMapReport report =
        AutoMapper::map(mapping, d365::testsupport::sampleContactEntity(), {u"email"_s, u"job_title"_s});
    QCOMPARE(report.matches.size(), 1);
    QCOMPARE(report.matches.first().source, u"job_title"_s);
    QVERIFY(report.left.isEmpty());
}

void TestAutoMapper::map_insertMode_skipsColumnsThatCannotBeCreated()
{
    auto entity = d365::testsupport::sampleContactEntity();
    for (auto &attribute : entity.attributes) {
        if (attribute.logicalName == "jobtitle"_L1)
            attribute.validForCreate = false; // update only
    }
    const AutoMapReport insert =
        AutoMapper::map(contactsMapping(SyncMode::Insert), entity, {u"job_title"_s, u"full_name"_s});
    QVERIFY(insert.matches.isEmpty()); // fullname is never writable, jobtitle not on create
    const AutoMapReport update = AutoMapper::map(contactsMapping(SyncMode::Update), entity, {u"job_title"_s});
    QCOMPARE(targetOf(update, u"job_title"_s), u"jobtitle"_s);
}

void TestAutoMapper::map_lookupByDisplayName_isNotMapped()
{
    // parentcustomerid is displayed "Company Name" but takes a GUID or a key, not a company's name.
    auto entity = d365::testsupport::sampleContactEntity();
    entity.attributes.removeIf([](const auto &a) { return a.logicalName == "new_companyname"_L1; });
    const AutoMapReport report =
        AutoMapper::map(contactsMapping(), entity, {u"company_name"_s, u"parentcustomerid"_s});
    QCOMPARE(targetOf(report, u"company_name"_s), QString());
    QCOMPARE(targetOf(report, u"parentcustomerid"_s), u"parentcustomerid"_s); // its own logical name
}

void TestAutoMapper::map_requiredColumnLeftOut_isReported()
{
    const AutoMapReport report =
        AutoMapper::map(contactsMapping(), d365::testsupport::sampleContactEntity(), {u"email"_s});
    QCOMPARE(report.requiredUnmapped, QStringList({u"lastname"_s}));
    QVERIFY(AutoMapper::requiredUnmapped(contactsMapping(SyncMode::Update),
                                         d365::testsupport::sampleContactEntity())
                .isEmpty()); // an update never creates a record
}

void TestAutoMapper::summary_namesEveryPairAndEveryColumnLeft()
{
    const AutoMapReport report = AutoMapper::map(contactsMapping(), d365::testsupport::sampleContactEntity(),
                                                 {u"email"_s, u"phone"_s, u"last_name"_s});
    const QString summary = report.summary();
    QVERIFY2(summary.contains(u"email → emailaddress1"_s), qPrintable(summary));
    QVERIFY2(summary.contains(u"last_name → lastname"_s), qPrintable(summary));
    QVERIFY2(summary.contains(u"phone (no table column of that name)"_s), qPrintable(summary));
    QVERIFY(AutoMapReport().summary().startsWith(u"Auto-map found no new pairs."_s));
}

QTEST_GUILESS_MAIN(TestAutoMapper)
#include "tst_automapper.moc"
