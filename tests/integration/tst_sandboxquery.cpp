// Scenario tests of the sandbox's query surface beyond plain comparisons: $filter with or/not/parentheses
// and lookups, $expand on rows (single- and collection-valued navigation properties with nested options),
// navigation-property reads, single-property GET/PUT/DELETE (also inside $batch), and single-valued $ref.
// Everything goes over real HTTP to a sandbox process; the rows are created in initTestCase.

#include "common/batchbody.h"
#include "common/sandboxprocess.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;
using d365::testsupport::batchPart;
using d365::testsupport::Headers;
using d365::testsupport::HttpResult;
using d365::testsupport::SandboxProcess;

namespace {

const QString AccountAlpha = u"a1a1a1a1-0000-4000-8000-000000000001"_s;
const QString AccountBeta = u"a1a1a1a1-0000-4000-8000-000000000002"_s;
const QString Ann = u"c0c0c0c0-0000-4000-8000-000000000001"_s;
const QString Bob = u"c0c0c0c0-0000-4000-8000-000000000002"_s;
const QString Cid = u"c0c0c0c0-0000-4000-8000-000000000003"_s;
const QString Dee = u"c0c0c0c0-0000-4000-8000-000000000004"_s;
const QString Eve = u"c0c0c0c0-0000-4000-8000-000000000005"_s;
const QString PropRow = u"c0c0c0c0-0000-4000-8000-000000000010"_s;
const QString RefRow = u"c0c0c0c0-0000-4000-8000-000000000011"_s;
const QString Missing = u"deadbeef-0000-4000-8000-000000000000"_s;

QString enc(const QString &s)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(s, "(),'=$;"));
}

QStringList field(const QJsonArray &rows, const QString &name)
{
    QStringList out;
    for (const QJsonValue &v : rows)
        out.append(v.toObject().value(name).toString());
    return out;
}

} // namespace

class tst_SandboxQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void filter_withOrNotParentheses_returnsMatchingRows_data();
    void filter_withOrNotParentheses_returnsMatchingRows();
    void filter_keyLookup_pagesInInsertionOrder();
    void filter_malformed_returns400NamingTheProblem_data();
    void filter_malformed_returns400NamingTheProblem();
    void expand_singleValued_returnsRelatedRowWithNestedSelect();
    void expand_polymorphicLookup_onlyTheStoredTargetIsExpanded();
    void expand_collectionValued_appliesNestedFilterOrderbyTop_data();
    void expand_collectionValued_appliesNestedFilterOrderbyTop();
    void expand_onCollectionQuery_expandsEveryRow();
    void expand_badOption_returns400_data();
    void expand_badOption_returns400();
    void navigationRead_returnsRelatedRowOrRows();
    void property_getPutDelete_roundTrips();
    void property_badWrite_isRejectedAndRowUnchanged_data();
    void property_badWrite_isRejectedAndRowUnchanged();
    void property_putInBatchByContentId_updatesNewRow();
    void ref_putAndDelete_associatesAndDisassociates();
    void ref_badTarget_isRejected_data();
    void ref_badTarget_isRejected();
    void upsertMultiple_targetNamesRowCreatedByEarlierTarget_updatesIt();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QByteArray &body = {},
                   Headers headers = {});
    QJsonObject getRow(const QString &path);
    void upsert(const QString &path, const QJsonObject &body);

    SandboxProcess m_sandbox;
};

HttpResult tst_SandboxQuery::api(const QByteArray &method, const QString &path, const QByteArray &body,
                                 Headers headers)
{
    headers.append(qMakePair(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer test")));
    const bool hasType = std::any_of(headers.cbegin(), headers.cend(), [](const auto &h) {
        return h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    });
    if (!body.isEmpty() && !hasType)
        headers.append(qMakePair(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")));
    return d365::testsupport::request(
        method, QUrl::fromEncoded((m_sandbox.webApiUrl().toString() + path).toUtf8()), headers, body);
}

QJsonObject tst_SandboxQuery::getRow(const QString &path)
{
    const HttpResult r = api("GET", path);
    if (r.status != 200)
        qWarning() << path << r.status << r.body;
    return r.json().object();
}

void tst_SandboxQuery::upsert(const QString &path, const QJsonObject &body)
{
    const HttpResult r = api("PATCH", path, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QVERIFY2(r.status == 204, r.body.constData());
}

void tst_SandboxQuery::initTestCase()
{
    QVERIFY(m_sandbox.start({u"--quiet"_s}));
    upsert(u"accounts("_s + AccountAlpha + u')', {{u"name"_s, u"Qry Alpha"_s}});
    upsert(u"accounts("_s + AccountBeta + u')', {{u"name"_s, u"Qry Beta"_s}});
    struct Person
    {
        QString id, first, last;
        QJsonValue children;
        QString parent; // "accounts(..)" or "contacts(..)" or empty
    };
    const QList<Person> people = {
        {Ann, u"Ann"_s, u"Able"_s, 1, u"accounts("_s + AccountAlpha + u')'},
        {Bob, u"Bob"_s, u"Baker"_s, 2, u"accounts("_s + AccountAlpha + u')'},
        {Cid, u"Cid"_s, u"Cole"_s, 3, u"accounts("_s + AccountBeta + u')'},
        {Dee, u"Dee"_s, u"Dale"_s, QJsonValue::Null, QString()},
        {Eve, u"Eve"_s, u"Eton"_s, 5, u"contacts("_s + Ann + u')'},
    };
    for (const Person &p : people) {
        QJsonObject body{{u"firstname"_s, p.first},
                         {u"lastname"_s, p.last},
                         {u"numberofchildren"_s, p.children},
                         {u"jobtitle"_s, u"qtest"_s},
                         {u"emailaddress1"_s, QString(p.first.toLower() + u"@q.example"_s)}};
        if (p.parent.startsWith(u"accounts"_s))
            body.insert(u"parentcustomerid_account@odata.bind"_s, p.parent);
        else if (!p.parent.isEmpty())
            body.insert(u"parentcustomerid_contact@odata.bind"_s, p.parent);
        upsert(u"contacts("_s + p.id + u')', body);
    }
    upsert(u"accounts("_s + AccountAlpha + u')',
           {{u"primarycontactid@odata.bind"_s, QString(u"/contacts("_s + Bob + u')')}});
    upsert(u"contacts("_s + PropRow + u')', {{u"lastname"_s, u"Prop"_s}, {u"jobtitle"_s, u"qprop"_s}});
    upsert(u"contacts("_s + RefRow + u')', {{u"lastname"_s, u"Ref"_s}, {u"jobtitle"_s, u"qref"_s}});
}

// ---- $filter

void tst_SandboxQuery::filter_withOrNotParentheses_returnsMatchingRows_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QStringList>("expected"); // firstnames, ordered
    QTest::newRow("or") << u"firstname eq 'Ann' or firstname eq 'Cid'"_s << QStringList{u"Ann"_s, u"Cid"_s};
    QTest::newRow("not with parentheses (null fails gt, so not matches it)")
        << u"not (numberofchildren gt 1)"_s << QStringList{u"Ann"_s, u"Dee"_s};
    QTest::newRow("and binds tighter than or")
        << u"firstname eq 'Ann' or firstname eq 'Bob' and numberofchildren eq 3"_s << QStringList{u"Ann"_s};
    QTest::newRow("parentheses override precedence")
        << u"(firstname eq 'Ann' or firstname eq 'Bob') and numberofchildren eq 2"_s << QStringList{u"Bob"_s};
    QTest::newRow("not binds tighter than and")
        << u"not firstname eq 'Ann' and numberofchildren le 2"_s << QStringList{u"Bob"_s};
    QTest::newRow("double not") << u"not (not (firstname eq 'Eve'))"_s << QStringList{u"Eve"_s};
    QTest::newRow("nested groups")
        << u"((firstname eq 'Ann' or (firstname eq 'Eve')) and (not (numberofchildren eq 1)))"_s
        << QStringList{u"Eve"_s};
    QTest::newRow("lookup eq guid") << u"_parentcustomerid_value eq "_s + AccountAlpha
                                    << QStringList{u"Ann"_s, u"Bob"_s};
    QTest::newRow("lookup eq null") << u"_parentcustomerid_value eq null"_s << QStringList{u"Dee"_s};
    QTest::newRow("lookup ne null or") << u"_parentcustomerid_value ne null and not (firstname eq 'Cid')"_s
                                       << QStringList{u"Ann"_s, u"Bob"_s, u"Eve"_s};
    QTest::newRow("In or contains")
        << u"Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=['Cid','Eve']) or contains(lastname,'aker')"_s
        << QStringList{u"Bob"_s, u"Cid"_s, u"Eve"_s};
    QTest::newRow("not function") << u"not startswith(lastname,'D')"_s
                                  << QStringList{u"Ann"_s, u"Bob"_s, u"Cid"_s, u"Eve"_s};
    // emailaddress1 is an alternate key: these are answered from its index (rowfilter.h), with the same rows.
    QTest::newRow("key eq or eq, other case")
        << u"emailaddress1 eq 'ANN@Q.EXAMPLE' or emailaddress1 eq 'cid@q.example'"_s
        << QStringList{u"Ann"_s, u"Cid"_s};
    QTest::newRow("key In")
        << u"Microsoft.Dynamics.CRM.In(PropertyName='emailaddress1',PropertyValues=['bob@q.example','x@q.example'])"_s
        << QStringList{u"Bob"_s};
    QTest::newRow("key eq and another term")
        << u"emailaddress1 eq 'eve@q.example' and numberofchildren eq 4"_s << QStringList{};
    QTest::newRow("key eq or a scan")
        << u"emailaddress1 eq 'ann@q.example' or firstname eq 'Dee'"_s << QStringList{u"Ann"_s, u"Dee"_s};
    QTest::newRow("key ne is a scan")
        << u"emailaddress1 ne 'ann@q.example' and numberofchildren le 2"_s << QStringList{u"Bob"_s};
    QTest::newRow("quoted or/and/not are text")
        << u"firstname eq 'or' or lastname eq 'not (x) and'"_s << QStringList{};
}

void tst_SandboxQuery::filter_withOrNotParentheses_returnsMatchingRows()
{
    QFETCH(QString, filter);
    QFETCH(QStringList, expected);
    const HttpResult r = api("GET", u"contacts?$select=firstname&$orderby=firstname&$filter="_s +
                                        enc(u"jobtitle eq 'qtest' and ("_s + filter + u')'));
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(field(r.json().object().value(u"value"_s).toArray(), u"firstname"_s), expected);
}

void tst_SandboxQuery::filter_keyLookup_pagesInInsertionOrder()
{
    // A key lookup answered from the index pages like a scan: insertion order, one row per page here.
    QStringList seen;
    QString next = u"contacts?$select=firstname&$filter="_s +
                   enc(u"emailaddress1 eq 'eve@q.example' or emailaddress1 eq 'ann@q.example' or "
                       "emailaddress1 eq 'cid@q.example'"_s);
    for (int page = 0; page < 5 && !next.isEmpty(); ++page) {
        const HttpResult r = api("GET", next, {}, {{"Prefer", "odata.maxpagesize=1"}});
        QVERIFY2(r.status == 200, r.body.constData());
        seen += field(r.json().object().value(u"value"_s).toArray(), u"firstname"_s);
        next = r.json().object().value(u"@odata.nextLink"_s).toString();
        next = next.mid(next.indexOf(u"contacts?"_s));
    }
    QCOMPARE(seen, (QStringList{u"Ann"_s, u"Cid"_s, u"Eve"_s}));
}

void tst_SandboxQuery::filter_malformed_returns400NamingTheProblem_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("dangling or") << u"firstname eq 'Ann' or"_s << u"expected a condition"_s;
    QTest::newRow("unclosed parenthesis") << u"(firstname eq 'Ann'"_s << u"expected ')'"_s;
    QTest::newRow("extra parenthesis") << u"firstname eq 'Ann')"_s << u"unexpected ')'"_s;
    QTest::newRow("bare not") << u"not"_s << u"expected a condition"_s;
    QTest::newRow("upper-case OR") << u"firstname eq 'Ann' OR lastname eq 'Able'"_s << u"unexpected 'OR"_s;
    QTest::newRow("unterminated string") << u"firstname eq 'Ann"_s << u"unterminated string"_s;
    QTest::newRow("missing value") << u"firstname eq"_s << u"expected a value"_s;
    QTest::newRow("wrong-case property in or")
        << u"firstname eq 'Ann' or Firstname eq 'Bob'"_s
        << u"Could not find a property named 'Firstname' on type 'Microsoft.Dynamics.CRM.contact'"_s;
    QTest::newRow("wrong literal type under not")
        << u"not (numberofchildren eq 'two')"_s << u"incompatible types"_s;
    QTest::newRow("unknown function") << u"endswithx(lastname,'e') or firstname eq 'Ann'"_s
                                      << u"cannot evaluate 'endswithx(lastname,'e')'"_s;
    QTest::newRow("empty") << u" "_s << u"empty"_s;
}

void tst_SandboxQuery::filter_malformed_returns400NamingTheProblem()
{
    QFETCH(QString, filter);
    QFETCH(QString, messagePart);
    const HttpResult r = api("GET", u"contacts?$filter="_s + enc(filter));
    QCOMPARE(r.status, 400);
    const QJsonObject error = r.json().object().value(u"error"_s).toObject();
    QCOMPARE(error.value(u"code"_s).toString(), u"0x0"_s);
    QVERIFY2(error.value(u"message"_s).toString().contains(messagePart), r.body.constData());
}

// ---- $expand

void tst_SandboxQuery::expand_singleValued_returnsRelatedRowWithNestedSelect()
{
    const HttpResult r = api("GET", u"accounts("_s + AccountAlpha +
                                        u")?$select=name&$expand=primarycontactid($select=fullname)"_s);
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonObject row = r.json().object();
    QVERIFY(row.value(u"@odata.context"_s)
                .toString()
                .endsWith(u"$metadata#accounts(name,primarycontactid(fullname))/$entity"_s));
    QCOMPARE(row.value(u"name"_s).toString(), u"Qry Alpha"_s);
    const QJsonObject contact = row.value(u"primarycontactid"_s).toObject();
    QCOMPARE(contact.value(u"fullname"_s).toString(), u"Bob Baker"_s);
    QCOMPARE(contact.value(u"contactid"_s).toString(), Bob);
    QVERIFY(contact.contains(u"@odata.etag"_s));
    QVERIFY(!contact.contains(u"lastname"_s)); // nested $select applies
    QVERIFY(!row.contains(u"telephone1"_s));   // outer $select applies
    // FACTS §2: never 304 with $expand, even with a matching ETag.
    const HttpResult again = api(
        "GET", u"accounts("_s + AccountAlpha + u")?$select=name&$expand=primarycontactid($select=fullname)"_s,
        {}, {{"If-None-Match", r.header("ETag")}});
    QCOMPARE(again.status, 200);
}

void tst_SandboxQuery::expand_polymorphicLookup_onlyTheStoredTargetIsExpanded()
{
    const QJsonObject ann = getRow(u"contacts("_s + Ann +
                                   u")?$select=firstname&$expand=parentcustomerid_account($select=name),"
                                   u"parentcustomerid_contact($select=firstname)"_s);
    QCOMPARE(ann.value(u"parentcustomerid_account"_s).toObject().value(u"name"_s).toString(), u"Qry Alpha"_s);
    QVERIFY(ann.contains(u"parentcustomerid_contact"_s));
    QVERIFY(ann.value(u"parentcustomerid_contact"_s).isNull());
    const QJsonObject eve = getRow(u"contacts("_s + Eve +
                                   u")?$select=firstname&$expand=parentcustomerid_account($select=name),"
                                   u"parentcustomerid_contact($select=firstname)"_s);
    QVERIFY(eve.value(u"parentcustomerid_account"_s).isNull());
    QCOMPARE(eve.value(u"parentcustomerid_contact"_s).toObject().value(u"firstname"_s).toString(), u"Ann"_s);
}

void tst_SandboxQuery::expand_collectionValued_appliesNestedFilterOrderbyTop_data()
{
    QTest::addColumn<QString>("options");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("select only") << u"$select=firstname"_s << QStringList{u"Ann"_s, u"Bob"_s};
    QTest::newRow("orderby desc") << u"$select=firstname;$orderby=firstname desc"_s
                                  << QStringList{u"Bob"_s, u"Ann"_s};
    QTest::newRow("filter") << u"$select=firstname;$filter=numberofchildren ge 2 or lastname eq 'x'"_s
                            << QStringList{u"Bob"_s};
    QTest::newRow("top") << u"$select=firstname;$orderby=firstname desc;$top=1"_s << QStringList{u"Bob"_s};
    QTest::newRow("top 0") << u"$select=firstname;$top=0"_s << QStringList{};
}

void tst_SandboxQuery::expand_collectionValued_appliesNestedFilterOrderbyTop()
{
    QFETCH(QString, options);
    QFETCH(QStringList, expected);
    const HttpResult r = api("GET", u"accounts("_s + AccountAlpha + u")?$select=name&$expand="_s +
                                        enc(u"contact_customer_accounts("_s + options + u')'));
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonArray related = r.json().object().value(u"contact_customer_accounts"_s).toArray();
    QStringList names = field(related, u"firstname"_s);
    if (!options.contains(u"$orderby"_s))
        names.sort();
    QCOMPARE(names, expected);
    for (const QJsonValue &v : related)
        QVERIFY(!v.toObject().contains(u"lastname"_s));
}

void tst_SandboxQuery::expand_onCollectionQuery_expandsEveryRow()
{
    const HttpResult r =
        api("GET", u"accounts?$select=name&$orderby=name&$filter=startswith(name,'Qry')&$expand="_s +
                       enc(u"contact_customer_accounts($select=firstname;$orderby=firstname),"
                           u"primarycontactid($select=firstname)"_s));
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonArray rows = r.json().object().value(u"value"_s).toArray();
    QCOMPARE(field(rows, u"name"_s), (QStringList{u"Qry Alpha"_s, u"Qry Beta"_s}));
    QCOMPARE(field(rows[0].toObject().value(u"contact_customer_accounts"_s).toArray(), u"firstname"_s),
             (QStringList{u"Ann"_s, u"Bob"_s}));
    QCOMPARE(field(rows[1].toObject().value(u"contact_customer_accounts"_s).toArray(), u"firstname"_s),
             QStringList{u"Cid"_s});
    QCOMPARE(rows[0].toObject().value(u"primarycontactid"_s).toObject().value(u"firstname"_s).toString(),
             u"Bob"_s);
    QVERIFY(rows[1].toObject().value(u"primarycontactid"_s).isNull());
}

void tst_SandboxQuery::expand_badOption_returns400_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("messagePart");
    const QString account = u"accounts("_s + AccountAlpha + u")?$expand="_s;
    QTest::newRow("wrong case") << account + u"PrimaryContactId"_s
                                << u"Could not find a property named 'PrimaryContactId' on type "
                                   u"'Microsoft.Dynamics.CRM.account'"_s;
    QTest::newRow("column, not navigation") << account + u"name"_s << u"not a navigation property"_s;
    QTest::newRow("filter on single-valued")
        << account + enc(u"primarycontactid($filter=firstname eq 'x')"_s) << u"single-valued"_s;
    QTest::newRow("nested expand")
        << account + enc(u"contact_customer_accounts($expand=parentcustomerid_contact)"_s) << u"$expand"_s;
    QTest::newRow("nested select unknown column")
        << account + enc(u"contact_customer_accounts($select=nosuch)"_s) << u"'nosuch'"_s;
    QTest::newRow("nested filter unknown column")
        << account + enc(u"contact_customer_accounts($filter=nosuch eq 1)"_s) << u"'nosuch'"_s;
    QTest::newRow("bad top") << account + enc(u"contact_customer_accounts($top=-1)"_s) << u"$top"_s;
    QTest::newRow("on a collection query, wrong case")
        << u"contacts?$expand=Parentcustomerid_account"_s << u"'Parentcustomerid_account'"_s;
}

void tst_SandboxQuery::expand_badOption_returns400()
{
    QFETCH(QString, path);
    QFETCH(QString, messagePart);
    const HttpResult r = api("GET", path);
    QCOMPARE(r.status, 400);
    QVERIFY2(
        r.json().object().value(u"error"_s).toObject().value(u"message"_s).toString().contains(messagePart),
        r.body.constData());
}

void tst_SandboxQuery::navigationRead_returnsRelatedRowOrRows()
{
    HttpResult r = api("GET", u"accounts("_s + AccountAlpha +
                                  u")/contact_customer_accounts?$select=firstname&$orderby=firstname desc"_s);
    QVERIFY2(r.status == 200, r.body.constData());
    QVERIFY(
        r.json().object().value(u"@odata.context"_s).toString().endsWith(u"$metadata#contacts(firstname)"_s));
    QCOMPARE(field(r.json().object().value(u"value"_s).toArray(), u"firstname"_s),
             (QStringList{u"Bob"_s, u"Ann"_s}));
    r = api("GET", u"accounts("_s + AccountAlpha + u")/contact_customer_accounts?$filter="_s +
                       enc(u"not (firstname eq 'Bob')"_s));
    QCOMPARE(field(r.json().object().value(u"value"_s).toArray(), u"firstname"_s), QStringList{u"Ann"_s});

    r = api("GET", u"contacts("_s + Ann + u")/parentcustomerid_account?$select=name"_s);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(r.json().object().value(u"name"_s).toString(), u"Qry Alpha"_s);
    QCOMPARE(r.json().object().value(u"accountid"_s).toString(), AccountAlpha);

    QCOMPARE(api("GET", u"contacts("_s + Dee + u")/parentcustomerid_account"_s).status, 204);
    r = api("GET", u"accounts("_s + AccountAlpha + u")/Contact_Customer_Accounts"_s);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json().object().value(u"error"_s).toObject().value(u"code"_s).toString(), u"0x8006088a"_s);
    QCOMPARE(api("GET", u"accounts("_s + Missing + u")/contact_customer_accounts"_s).status, 404);
    QCOMPARE(api("POST", u"contacts("_s + Ann + u")/parentcustomerid_account"_s, "{}").status, 405);
}

// ---- single properties

void tst_SandboxQuery::property_getPutDelete_roundTrips()
{
    const QString row = u"contacts("_s + PropRow + u')';
    HttpResult r = api("GET", row + u"/lastname"_s);
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(r.json().object().value(u"value"_s).toString(), u"Prop"_s);
    QVERIFY(r.json()
                .object()
                .value(u"@odata.context"_s)
                .toString()
                .endsWith(u"$metadata#"_s + row + u"/lastname"_s));

    const QString etagBefore = getRow(row).value(u"@odata.etag"_s).toString();
    r = api("PUT", row + u"/telephone1"_s, R"({"value":"555-0100"})");
    QVERIFY2(r.status == 204, r.body.constData());
    QCOMPARE(api("GET", row + u"/telephone1"_s).json().object().value(u"value"_s).toString(), u"555-0100"_s);
    QVERIFY(getRow(row).value(u"@odata.etag"_s).toString() != etagBefore);

    r = api("PUT", row + u"/numberofchildren"_s, R"({"value":4})");
    QCOMPARE(r.status, 204);
    QCOMPARE(api("GET", row + u"/numberofchildren"_s).json().object().value(u"value"_s).toInt(), 4);

    // Computed columns follow, as for PATCH.
    QCOMPARE(api("PUT", row + u"/firstname"_s, R"({"value":"Pat"})").status, 204);
    QCOMPARE(getRow(row + u"?$select=fullname"_s).value(u"fullname"_s).toString(), u"Pat Prop"_s);

    // Not valid for update: silently ignored (FACTS §0), like PATCH.
    const QString created = getRow(row).value(u"createdon"_s).toString();
    QCOMPARE(api("PUT", row + u"/createdon"_s, R"({"value":"2001-01-01T00:00:00Z"})").status, 204);
    QCOMPARE(getRow(row).value(u"createdon"_s).toString(), created);

    r = api("DELETE", row + u"/telephone1"_s);
    QCOMPARE(r.status, 204);
    QCOMPARE(api("GET", row + u"/telephone1"_s).status, 204); // null has no value representation
    QVERIFY(getRow(row).value(u"telephone1"_s).isNull());

    // Lookups read as _x_value.
    r = api("GET", u"contacts("_s + Ann + u")/_parentcustomerid_value"_s);
    QCOMPARE(r.json().object().value(u"value"_s).toString(), AccountAlpha);
}

void tst_SandboxQuery::property_badWrite_isRejectedAndRowUnchanged_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString row = u"contacts("_s + PropRow + u')';
    QTest::newRow("wrong JSON type") << QByteArray("PUT") << row + u"/numberofchildren"_s
                                     << QByteArray(R"({"value":"four"})") << 400 << u"0x80048d19"_s;
    QTest::newRow("too long") << QByteArray("PUT") << row + u"/lastname"_s
                              << QByteArray(R"({"value":")" + QByteArray(51, 'x') + R"("})") << 400
                              << u"0x80044331"_s;
    QTest::newRow("no value member") << QByteArray("PUT") << row + u"/lastname"_s
                                     << QByteArray(R"({"v":"x"})") << 400 << u"0x80048d19"_s;
    QTest::newRow("not JSON") << QByteArray("PUT") << row + u"/lastname"_s << QByteArray("x") << 400
                              << u"0x80048d19"_s;
    QTest::newRow("choice not in set") << QByteArray("PUT") << row + u"/gendercode"_s
                                       << QByteArray(R"({"value":99})") << 400 << u"0x8004431A"_s;
    QTest::newRow("unknown property")
        << QByteArray("PUT") << row + u"/nosuch"_s << QByteArray(R"({"value":1})") << 404 << u"0x8006088a"_s;
    QTest::newRow("wrong case property") << QByteArray("PUT") << row + u"/LastName"_s
                                         << QByteArray(R"({"value":"x"})") << 404 << u"0x8006088a"_s;
    QTest::newRow("lookup needs $ref") << QByteArray("PUT") << row + u"/_parentcustomerid_value"_s
                                       << QByteArray(R"({"value":"x"})") << 400 << u"0x0"_s;
    QTest::newRow("missing row") << QByteArray("PUT") << u"contacts("_s + Missing + u")/lastname"_s
                                 << QByteArray(R"({"value":"x"})") << 404 << u"0x80040217"_s;
    QTest::newRow("PATCH a property")
        << QByteArray("PATCH") << row + u"/lastname"_s << QByteArray(R"({"value":"x"})") << 405 << QString();
    QTest::newRow("DELETE SystemRequired")
        << QByteArray("DELETE") << row + u"/statecode"_s << QByteArray() << 400 << u"0x80040203"_s;
}

void tst_SandboxQuery::property_badWrite_isRejectedAndRowUnchanged()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const QJsonObject before = getRow(u"contacts("_s + PropRow + u')');
    const HttpResult r = api(method, path, body);
    QVERIFY2(r.status == status, r.body.constData());
    QCOMPARE(r.json().object().value(u"error"_s).toObject().value(u"code"_s).toString(), code);
    QCOMPARE(getRow(u"contacts("_s + PropRow + u')'), before);
}

void tst_SandboxQuery::property_putInBatchByContentId_updatesNewRow()
{
    const QByteArray api = "/api/data/v9.2/";
    QByteArray changeSet = "--changeset_p\r\n" +
                           batchPart("POST", api + "contacts",
                                     R"({"firstname":"Bat","lastname":"Before","jobtitle":"qbatch"})", "1") +
                           "\r\n--changeset_p\r\n" +
                           batchPart("PUT", "$1/lastname", R"({"value":"Batched"})", "2") +
                           "\r\n--changeset_p--";
    const QByteArray body = "--batch_q\r\nContent-Type: multipart/mixed; boundary=changeset_p\r\n\r\n" +
                            changeSet + "\r\n--batch_q--\r\n";
    const HttpResult r =
        this->api("POST", u"$batch"_s, body, {{"Content-Type", "multipart/mixed; boundary=batch_q"}});
    QVERIFY2(r.status == 200, r.body.constData());
    QCOMPARE(r.body.count("HTTP/1.1 204"), 2);
    const HttpResult rows =
        this->api("GET", u"contacts?$select=fullname&$filter="_s + enc(u"jobtitle eq 'qbatch'"_s));
    QCOMPARE(field(rows.json().object().value(u"value"_s).toArray(), u"fullname"_s),
             QStringList{u"Bat Batched"_s});
}

// ---- single-valued $ref

void tst_SandboxQuery::ref_putAndDelete_associatesAndDisassociates()
{
    const QString row = u"contacts("_s + RefRow + u')';
    const QString ref = row + u"/parentcustomerid_account/$ref"_s;
    QCOMPARE(api("GET", ref).status, 204);
    HttpResult r =
        api("PUT", ref,
            QJsonDocument(QJsonObject{{u"@odata.id"_s, QString(m_sandbox.webApiUrl().toString() +
                                                               u"accounts("_s + AccountBeta + u')')}})
                .toJson());
    QVERIFY2(r.status == 204, r.body.constData());
    QCOMPARE(
        getRow(row + u"?$select=_parentcustomerid_value"_s).value(u"_parentcustomerid_value"_s).toString(),
        AccountBeta);
    r = api("GET", ref);
    QCOMPARE(r.status, 200);
    QVERIFY(r.json().object().value(u"@odata.id"_s).toString().endsWith(u"accounts("_s + AccountBeta + u')'));
    QCOMPARE(getRow(u"accounts("_s + AccountBeta +
                    u")?$select=name&$expand=contact_customer_accounts($select=lastname)"_s)
                 .value(u"contact_customer_accounts"_s)
                 .toArray()
                 .size(),
             2); // Cid and this row

    // Relative form, by alternate key of the target not needed: a plain relative URL.
    r = api("PUT", ref, QByteArray(R"({"@odata.id":"accounts()") + AccountAlpha.toUtf8() + ")\"}");
    QVERIFY2(r.status == 204, r.body.constData());
    QCOMPARE(
        getRow(row + u"?$select=_parentcustomerid_value"_s).value(u"_parentcustomerid_value"_s).toString(),
        AccountAlpha);

    QCOMPARE(api("DELETE", ref).status, 204);
    QVERIFY(getRow(row + u"?$select=_parentcustomerid_value"_s).value(u"_parentcustomerid_value"_s).isNull());
    QCOMPARE(api("GET", ref).status, 204);
}

void tst_SandboxQuery::ref_badTarget_isRejected_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString ref = u"contacts("_s + RefRow + u")/parentcustomerid_account/$ref"_s;
    QTest::newRow("target in the wrong entity set")
        << QByteArray("PUT") << ref << QByteArray(R"({"@odata.id":"contacts()") + Ann.toUtf8() + ")\"}" << 400
        << u"0x80048d19"_s;
    QTest::newRow("missing target row")
        << QByteArray("PUT") << ref << QByteArray(R"({"@odata.id":"accounts()") + Missing.toUtf8() + ")\"}"
        << 404 << u"0x80040217"_s;
    QTest::newRow("no @odata.id") << QByteArray("PUT") << ref << QByteArray(R"({"id":"x"})") << 400
                                  << u"0x80048d19"_s;
    QTest::newRow("not an entity reference")
        << QByteArray("PUT") << ref << QByteArray(R"({"@odata.id":"hello"})") << 400 << u"0x80048d19"_s;
    QTest::newRow("wrong-case navigation property")
        << QByteArray("PUT") << u"contacts("_s + RefRow + u")/ParentCustomerId_Account/$ref"_s
        << QByteArray(R"({"@odata.id":"accounts()") + AccountAlpha.toUtf8() + ")\"}" << 404
        << u"0x8006088a"_s;
    QTest::newRow("missing source row")
        << QByteArray("PUT") << u"contacts("_s + Missing + u")/parentcustomerid_account/$ref"_s
        << QByteArray(R"({"@odata.id":"accounts()") + AccountAlpha.toUtf8() + ")\"}" << 404
        << u"0x80040217"_s;
    QTest::newRow("POST to single-valued $ref")
        << QByteArray("POST") << ref
        << QByteArray(R"({"@odata.id":"accounts()") + AccountAlpha.toUtf8() + ")\"}" << 405 << QString();
}

void tst_SandboxQuery::ref_badTarget_isRejected()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const HttpResult r = api(method, path, body);
    QVERIFY2(r.status == status, r.body.constData());
    QCOMPARE(r.json().object().value(u"error"_s).toObject().value(u"code"_s).toString(), code);
    QVERIFY(getRow(u"contacts("_s + RefRow + u")?$select=_parentcustomerid_value"_s)
                .value(u"_parentcustomerid_value"_s)
                .isNull());
}

// UpsertMultiple resolves every target's key before writing; a target whose row an earlier target of the same
// request creates must still update that row, not try to create it again.
void tst_SandboxQuery::upsertMultiple_targetNamesRowCreatedByEarlierTarget_updatesIt()
{
    const QString id = u"c0c0c0c0-0000-4000-8000-000000000020"_s;
    const QJsonObject first{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                            {u"@odata.id"_s, u"contacts(emailaddress1='early@q.test')"_s},
                            {u"contactid"_s, id},
                            {u"lastname"_s, u"Early"_s},
                            {u"jobtitle"_s, u"qbulk"_s}};
    const QJsonObject second{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.contact"_s},
                             {u"@odata.id"_s, QString(u"contacts("_s + id + u')')},
                             {u"lastname"_s, u"Late"_s}};
    const HttpResult r = api("POST", u"contacts/Microsoft.Dynamics.CRM.UpsertMultiple"_s,
                             QJsonDocument(QJsonObject{{u"Targets"_s, QJsonArray{first, second}}}).toJson());
    QVERIFY2(r.status == 204, r.body.constData());
    const HttpResult rows =
        api("GET", u"contacts?$select=lastname,emailaddress1&$filter="_s + enc(u"jobtitle eq 'qbulk'"_s));
    const QJsonArray value = rows.json().object().value(u"value"_s).toArray();
    QCOMPARE(value.size(), 1);
    QCOMPARE(value[0].toObject().value(u"lastname"_s).toString(), u"Late"_s);
    QCOMPARE(value[0].toObject().value(u"emailaddress1"_s).toString(), u"early@q.test"_s);
}

QTEST_GUILESS_MAIN(tst_SandboxQuery)
#include "tst_sandboxquery.moc"
