// MappingValidator: a mapping against a table's metadata — every problem with its JSON path and a fix — and
// LookupResolver::targetsFor, which turns lookup fields into bind targets.

#include "services/mapping/mappingvalidator.h"
#include "services/sync/lookupresolver.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

AttributeMetadata column(const QString &name, AttributeKind kind, const QString &required = u"None"_s,
                         bool create = true, bool update = true)
{
    AttributeMetadata a;
    a.logicalName = name;
    a.kind = kind;
    a.typeName = attributeKindName(kind);
    a.requiredLevel = required;
    a.validForCreate = create;
    a.validForUpdate = update;
    a.validForRead = true;
    return a;
}

EntityMetadata contact()
{
    EntityMetadata e;
    e.logicalName = u"contact"_s;
    e.entitySetName = u"contacts"_s;
    e.primaryIdAttribute = u"contactid"_s;
    e.attributes = {column(u"contactid"_s, AttributeKind::Uniqueidentifier, u"SystemRequired"_s, true, false),
                    column(u"emailaddress1"_s, AttributeKind::String),
                    column(u"lastname"_s, AttributeKind::String, u"ApplicationRequired"_s),
                    column(u"fullname"_s, AttributeKind::String, u"None"_s, false, false),
                    column(u"annualincome"_s, AttributeKind::Money),
                    column(u"birthdate"_s, AttributeKind::DateTime),
                    column(u"ownerid"_s, AttributeKind::Owner, u"SystemRequired"_s),
                    column(u"statecode"_s, AttributeKind::State, u"SystemRequired"_s)};
    AttributeMetadata source = column(u"new_leadsource"_s, AttributeKind::Picklist);
    source.options = {{1, u"Web"_s}, {2, u"Trade Show"_s}};
    e.attributes.append(source);
    AttributeMetadata customer = column(u"parentcustomerid"_s, AttributeKind::Customer);
    customer.targets = {u"account"_s, u"contact"_s};
    e.attributes.append(customer);
    AttributeMetadata parent = column(u"parentaccountid"_s, AttributeKind::Lookup);
    parent.targets = {u"account"_s};
    e.attributes.append(parent);
    e.keys = {{u"new_EmailKey"_s, {u"emailaddress1"_s}, u"Active"_s},
              {u"new_NameKey"_s, {u"lastname"_s, u"birthdate"_s}, u"Pending"_s}};
    e.manyToOne = {{u"contact_customer_accounts"_s, u"parentcustomerid"_s, u"account"_s, u"accountid"_s,
                    u"parentcustomerid_account"_s},
                   {u"contact_customer_contacts"_s, u"parentcustomerid"_s, u"contact"_s, u"contactid"_s,
                    u"parentcustomerid_contact"_s}};
    return e;
}

EntityMetadata account()
{
    EntityMetadata e;
    e.logicalName = u"account"_s;
    e.entitySetName = u"accounts"_s;
    e.primaryIdAttribute = u"accountid"_s;
    e.attributes = {column(u"accountid"_s, AttributeKind::Uniqueidentifier),
                    column(u"accountnumber"_s, AttributeKind::String),
                    column(u"name"_s, AttributeKind::String)};
    e.keys = {{u"new_AccountNumberKey"_s, {u"accountnumber"_s}, u"Active"_s}};
    return e;
}

FieldMapping field(const QString &source, const QString &target)
{
    FieldMapping f;
    f.source = source;
    f.target = target;
    return f;
}

Mapping baseMapping()
{
    Mapping m;
    m.target.entitySet = u"contacts"_s;
    m.target.matchKey = {u"emailaddress1"_s};
    m.fields = {field(u"email"_s, u"emailaddress1"_s), field(u"last"_s, u"lastname"_s)};
    return m;
}

} // namespace

Q_DECLARE_METATYPE(d365::services::Mapping)
Q_DECLARE_METATYPE(d365::services::SourceColumns)

class TestMappingValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validate_reportsProblemWithPathAndFix_data();
    void validate_reportsProblemWithPathAndFix();
    void validate_validMappings_haveNoProblems_data();
    void validate_validMappings_haveNoProblems();
    void targetsFor_resolvesSetNavigationPropertyAndKey();
    void targetsFor_keyThatIsNotAnAlternateKey_isReportedWithTheKeys();
};

void TestMappingValidator::validate_reportsProblemWithPathAndFix_data()
{
    QTest::addColumn<Mapping>("mapping");
    QTest::addColumn<SourceColumns>("source");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("messagePart");

    Mapping m = baseMapping();
    m.fields.append(field(u"x"_s, u"lastnam"_s));
    QTest::newRow("unknown column with suggestion") << m << SourceColumns{} << u"$.fields[2].target"_s
                                                    << u"no column 'lastnam'. Did you mean lastname?"_s;

    m = baseMapping();
    m.fields.append(field(u"x"_s, u"fullname"_s));
    QTest::newRow("read-only column")
        << m << SourceColumns{} << u"$.fields[2].target"_s << u"cannot be written in upsert mode"_s;

    m = baseMapping();
    m.fields.append(field(u"x"_s, u"parentcustomerid"_s));
    QTest::newRow("polymorphic lookup without a table")
        << m << SourceColumns{} << u"$.fields[2].target"_s << u"can point at account, contact: say which"_s;

    m = baseMapping();
    m.fields.append(field(u"x"_s, u"parentcustomerid"_s));
    m.fields.last().lookup = LookupSpec{u"lead"_s, {}, {}, {}};
    QTest::newRow("lookup table not a target")
        << m << SourceColumns{} << u"$.fields[2].lookup.table"_s << u"'lead' is not a table the lookup"_s;

    m = baseMapping();
    m.fields.append(field(u"x"_s, u"annualincome"_s));
    m.fields.last().lookup = LookupSpec{u"account"_s, {}, {}, {}};
    QTest::newRow("lookup on a money column")
        << m << SourceColumns{} << u"$.fields[2].lookup"_s << u"not a lookup; remove \"lookup\""_s;

    m = baseMapping();
    FieldMapping constant;
    constant.target = u"new_leadsource"_s;
    constant.constant = QJsonValue(u"Radio"_s);
    m.fields.append(constant);
    QTest::newRow("constant that is not a choice")
        << m << SourceColumns{} << u"$.fields[2].constant"_s << u"'Radio' is not one of the choices"_s;

    m = baseMapping();
    m.fields.append(field(u"joined"_s, u"annualincome"_s));
    SourceColumns typed;
    typed.types.insert(u"joined"_s, QMetaType::QDate);
    QTest::newRow("type mismatch date into money")
        << m << typed << u"$.fields[2].source"_s << u"holds dates but 'annualincome' is a MoneyType column"_s;

    m = baseMapping();
    m.fields.append(field(u"income"_s, u"birthdate"_s));
    typed.types.insert(u"income"_s, QMetaType::Double);
    QTest::newRow("type mismatch number into date")
        << m << typed << u"$.fields[2].source"_s << u"holds numbers but 'birthdate' is a DateTimeType"_s;

    m = baseMapping();
    SourceColumns names;
    names.names = {u"email"_s, u"surname"_s};
    QTest::newRow("source column not in the query")
        << m << names << u"$.fields[1].source"_s << u"returns no column 'last'. It returns: email, surname"_s;

    m = baseMapping();
    m.mode = SyncMode::Insert;
    m.fields.removeLast();
    QTest::newRow("insert without a required column")
        << m << SourceColumns{} << u"$.fields"_s << u"need lastname (ApplicationRequired)"_s;

    m = baseMapping();
    m.target.matchKey = {u"lastname"_s};
    QTest::newRow("match key not an alternate key")
        << m << SourceColumns{} << u"$.target.matchKey"_s
        << u"[lastname] is not an alternate key of the table contact. Its keys are: [emailaddress1] (new_EmailKey)"_s;

    m = baseMapping();
    m.fields.append(field(u"born"_s, u"birthdate"_s));
    m.target.matchKey = {u"birthdate"_s, u"lastname"_s};
    QTest::newRow("match key not active")
        << m << SourceColumns{} << u"$.target.matchKey"_s << u"not active yet (status Pending)"_s;
}

void TestMappingValidator::validate_reportsProblemWithPathAndFix()
{
    QFETCH(Mapping, mapping);
    QFETCH(SourceColumns, source);
    QFETCH(QString, path);
    QFETCH(QString, messagePart);
    const QList<MappingProblem> problems = MappingValidator::validate(mapping, contact(), source);
    const QString text = MappingValidator::lines(problems).join(u'\n');
    QCOMPARE(problems.size(), 1);
    QVERIFY2(problems.first().path == path, qPrintable(text));
    QVERIFY2(problems.first().message.contains(messagePart), qPrintable(text));
}

void TestMappingValidator::validate_validMappings_haveNoProblems_data()
{
    QTest::addColumn<Mapping>("mapping");
    QTest::newRow("upsert by alternate key") << baseMapping();
    Mapping insert = baseMapping();
    insert.mode = SyncMode::Insert; // ownerid and statecode are filled by Dataverse
    QTest::newRow("insert with the required columns") << insert;
    Mapping lookups = baseMapping();
    lookups.fields.append(field(u"account_guid"_s, u"parentaccountid"_s)); // single target: by GUID
    lookups.fields.append(field(u"customer"_s, u"parentcustomerid"_s));
    lookups.fields.last().lookup = LookupSpec{{}, u"customer_kind"_s, {}, {}};
    FieldMapping constant;
    constant.target = u"new_leadsource"_s;
    constant.constant = QJsonValue(u"trade show"_s);
    lookups.fields.append(constant);
    QTest::newRow("lookups and a constant label") << lookups;
    Mapping byId = baseMapping();
    byId.target.matchKey = {u"contactid"_s};
    byId.fields.append(field(u"id"_s, u"contactid"_s));
    QTest::newRow("match by primary key") << byId;
}

void TestMappingValidator::validate_validMappings_haveNoProblems()
{
    QFETCH(Mapping, mapping);
    const auto problems = MappingValidator::validate(mapping, contact());
    QVERIFY2(problems.isEmpty(), qPrintable(MappingValidator::lines(problems).join(u'\n')));
}

void TestMappingValidator::targetsFor_resolvesSetNavigationPropertyAndKey()
{
    Mapping m = baseMapping();
    m.fields.append(field(u"customer"_s, u"parentcustomerid"_s));
    m.fields.last().lookup = LookupSpec{u"account"_s, {}, {u"accountnumber"_s}, {}};
    m.fields.append(field(u"account_guid"_s, u"parentaccountid"_s));
    const QList<EntitySummary> tables = {account().summary(), contact().summary()};
    const ResolvedLookups resolved =
        LookupResolver::targetsFor(m, contact(), tables, {{u"account"_s, account()}});
    QVERIFY2(resolved.problems.isEmpty(), qPrintable(MappingValidator::lines(resolved.problems).join(u'\n')));
    QCOMPARE(resolved.targets.size(), 2);
    const QList<LookupTarget> customer = resolved.targets.value(2);
    QCOMPARE(customer.size(), 1);
    QCOMPARE(customer.first().entitySet, u"accounts"_s);
    QCOMPARE(customer.first().navigationProperty, u"parentcustomerid_account"_s); // from the relationship
    QCOMPARE(customer.first().keyAttributes.size(), 1);
    QCOMPARE(customer.first().keyAttributes.first().logicalName, u"accountnumber"_s);
    const QList<LookupTarget> parent = resolved.targets.value(3);
    QCOMPARE(parent.size(), 1);
    QCOMPARE(parent.first().navigationProperty, u"parentaccountid"_s); // no relationship: the column name
    QVERIFY(parent.first().keyAttributes.isEmpty());
}

void TestMappingValidator::targetsFor_keyThatIsNotAnAlternateKey_isReportedWithTheKeys()
{
    Mapping m = baseMapping();
    m.fields.append(field(u"customer"_s, u"parentcustomerid"_s));
    m.fields.last().lookup = LookupSpec{u"account"_s, {}, {u"name"_s}, {}};
    const ResolvedLookups resolved = LookupResolver::targetsFor(
        m, contact(), {account().summary(), contact().summary()}, {{u"account"_s, account()}});
    QCOMPARE(resolved.problems.size(), 1);
    QCOMPARE(resolved.problems.first().path, u"$.fields[2].lookup.key"_s);
    QVERIFY2(resolved.problems.first().message.contains("[name] is not an alternate key of account. Its keys "
                                                        "are: [accountnumber]"_L1),
             qPrintable(resolved.problems.first().message));
}

QTEST_GUILESS_MAIN(TestMappingValidator)
#include "tst_mappingvalidator.moc"
