// MetadataService and the lookup-aware sync against a real sandbox over HTTP: the table list, one table's
// full metadata (facets, keys, navigation properties), "did you mean", the disk cache (instant reopen,
// refresh with change warnings), and an end-to-end sync of a lookup by alternate key, a choice by label, a
// DateOnly and a money column that is read back from the sandbox.

#include "common/sandboxprocess.h"
#include "services/auth/tokenprovider.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/metadataservice.h"
#include "services/dataverse/odata.h"
#include "services/sync/synccontroller.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::testsupport::request;

class TestMetadataService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void tables_listsTablesWithNamesKindAndTypeCode();
    void entity_readsFacetsKeysAndNavigationProperties();
    void entity_unknownSetName_suggestsClosestMatches();
    void cache_reopenAnswersAtOnceThenRefreshes();
    void cache_refreshAfterSchemaChange_warnsAboutMappedColumns();
    void sync_lookupByAlternateKeyChoiceLabelDateOnlyMoney_readBack_data();
    void sync_lookupByAlternateKeyChoiceLabelDateOnlyMoney_readBack();

private:
    d365::testsupport::SandboxProcess m_sandbox;
    ConnectionProfile m_profile;
    EnvironmentTokenProvider m_tokens;
    QTemporaryDir m_cacheRoot;
    std::unique_ptr<DataverseClient> m_client;
    std::unique_ptr<MetadataService> m_service;
};

void TestMetadataService::initTestCase()
{
    qRegisterMetaType<SyncSummary>();
    QVERIFY(m_sandbox.start());
    QVERIFY(m_cacheRoot.isValid());
    m_profile.name = u"sandbox"_s;
    m_profile.kind = ConnectionProfile::Kind::Sandbox;
    m_profile.orgUrl = m_sandbox.baseUrl();
}

void TestMetadataService::init()
{
    // A fresh cache per test: each test decides what is cached.
    QDir(m_cacheRoot.path()).removeRecursively();
    m_service.reset();
    m_client = std::make_unique<DataverseClient>(m_profile, &m_tokens);
    m_service = std::make_unique<MetadataService>(
        m_client.get(), MetadataService::cacheKeyFor(m_profile.orgUrl), m_cacheRoot.path());
}

void TestMetadataService::tables_listsTablesWithNamesKindAndTypeCode()
{
    std::optional<d365::Result<QList<EntitySummary>>> result;
    m_service->tables(Freshness::Refresh, [&](const auto &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 20000);
    QVERIFY2(result->ok(), qPrintable(result->ok() ? QString() : result->error().message));
    const QList<EntitySummary> &tables = result->value();
    QVERIFY(tables.size() >= 8);
    auto find = [&](const QString &name) -> const EntitySummary * {
        for (const auto &t : tables) {
            if (t.logicalName == name) {
                return &t;
            }
        }
        return nullptr;
    };
    const EntitySummary *contact = find(u"contact"_s);
    QVERIFY(contact);
    QCOMPARE(contact->entitySetName, u"contacts"_s);
    QCOMPARE(contact->displayName, u"Contact"_s);
    QCOMPARE(contact->primaryIdAttribute, u"contactid"_s);
    QCOMPARE(contact->primaryNameAttribute, u"fullname"_s);
    QCOMPARE(contact->objectTypeCode, 2);
    QVERIFY(!contact->isCustom);
    const EntitySummary *custom = find(u"cr5a1_warehouserow"_s);
    QVERIFY(custom);
    QVERIFY(custom->isCustom);
    for (const auto &t : tables) {
        QVERIFY2(!t.displayName.isEmpty(), qPrintable(t.logicalName)); // unlabelled → logical name
    }
}

void TestMetadataService::entity_readsFacetsKeysAndNavigationProperties()
{
    std::optional<d365::Result<EntityMetadata>> result;
    m_service->entity(u"contacts"_s, Freshness::Refresh, [&](const auto &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 20000);
    QVERIFY2(result->ok(), qPrintable(result->ok() ? QString() : result->error().message));
    const EntityMetadata &contact = result->value();
    QCOMPARE(contact.logicalName, u"contact"_s);
    QCOMPARE(contact.objectTypeCode, 2);

    const AttributeMetadata *email = contact.attribute(u"emailaddress1"_s);
    QVERIFY(email);
    QCOMPARE(email->maxLength, std::optional<int>(100));
    QCOMPARE(email->format, u"Email"_s);
    QVERIFY(email->validForRead);
    const AttributeMetadata *birthdate = contact.attribute(u"birthdate"_s);
    QVERIFY(birthdate);
    QVERIFY(birthdate->dateTimeBehavior == DateTimeBehavior::DateOnly);
    QCOMPARE(birthdate->format, u"DateOnly"_s);
    const AttributeMetadata *money = contact.attribute(u"new_lifetimevalue"_s);
    QVERIFY(money && money->kind == AttributeKind::Money);
    QCOMPARE(money->precision, std::optional<int>(2));
    QVERIFY(money->isCustom);
    const AttributeMetadata *source = contact.attribute(u"new_leadsource"_s);
    QVERIFY(source);
    QCOMPARE(source->options.size(), 7);
    QCOMPARE(source->options.at(2).label, u"Trade Show"_s);
    QVERIFY(source->optionSetName.isEmpty()); // a local option set
    const AttributeMetadata *interests = contact.attribute(u"cr5a1_interests"_s);
    QVERIFY(interests && interests->kind == AttributeKind::MultiSelectPicklist);
    QCOMPARE(interests->optionSetName, u"cr5a1_interest"_s); // a global option set, by name
    QVERIFY(!interests->options.isEmpty());
    const AttributeMetadata *customer = contact.attribute(u"parentcustomerid"_s);
    QVERIFY(customer && customer->kind == AttributeKind::Customer);
    QCOMPARE(customer->targets, QStringList({u"account"_s, u"contact"_s}));
    QCOMPARE(contact.navigationProperty(u"parentcustomerid"_s, u"account"_s), u"parentcustomerid_account"_s);
    QCOMPARE(contact.navigationProperty(u"parentcustomerid"_s, u"contact"_s), u"parentcustomerid_contact"_s);
    QCOMPARE(contact.keys.size(), 1);
    QCOMPARE(contact.keys.first().keyAttributes, QStringList{u"emailaddress1"_s});
    QCOMPARE(contact.keys.first().indexStatus, u"Active"_s);
    // Two-column key of a custom table.
    result.reset();
    m_service->entity(u"cr5a1_warehouserows"_s, Freshness::Refresh, [&](const auto &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 20000);
    QVERIFY(result->ok());
    QCOMPARE(result->value().keys.size(), 1);
    QCOMPARE(result->value().keys.first().keyAttributes.size(), 2);
    QVERIFY(result->value().keyFor({u"cr5a1_sourceid"_s, u"cr5a1_sourcesystem"_s}));
}

void TestMetadataService::entity_unknownSetName_suggestsClosestMatches()
{
    std::optional<d365::Result<EntityMetadata>> result;
    m_service->entity(u"contact"_s, Freshness::Refresh, [&](const auto &r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 20000);
    QVERIFY(!result->ok());
    QCOMPARE(result->error().category, d365::ErrorCategory::Configuration);
    QVERIFY2(result->error().message.contains("Did you mean contacts"_L1),
             qPrintable(result->error().message));
    QVERIFY2(result->error().message.contains("plural logical name"_L1), qPrintable(result->error().message));
}

void TestMetadataService::cache_reopenAnswersAtOnceThenRefreshes()
{
    std::optional<d365::Result<EntityMetadata>> first;
    m_service->entity(u"contacts"_s, Freshness::CacheThenRefresh, [&](const auto &r) { first = r; });
    QVERIFY(!first.has_value()); // nothing cached: it has to ask the org
    QTRY_VERIFY_WITH_TIMEOUT(first.has_value(), 20000);
    QVERIFY(first->ok());
    QVERIFY(QFile::exists(m_service->cacheDirectory() + u"/entity-contacts.json"_s));

    // A new service (the app reopened) answers from disk before any event is processed.
    MetadataService reopened(m_client.get(), MetadataService::cacheKeyFor(m_profile.orgUrl),
                             m_cacheRoot.path());
    QSignalSpy refreshed(&reopened, &MetadataService::entityRefreshed);
    std::optional<d365::Result<EntityMetadata>> cached;
    reopened.entity(u"contacts"_s, Freshness::CacheThenRefresh, [&](const auto &r) { cached = r; });
    QVERIFY(cached.has_value());
    QVERIFY(cached->ok());
    QCOMPARE(QJsonDocument(cached->value().toJson()), QJsonDocument(first->value().toJson()));
    QVERIFY(refreshed.wait(20000)); // and refreshes in the background
    QCOMPARE(refreshed.count(), 1);
}

void TestMetadataService::cache_refreshAfterSchemaChange_warnsAboutMappedColumns()
{
    std::optional<d365::Result<EntityMetadata>> fetched;
    m_service->entity(u"contacts"_s, Freshness::Refresh, [&](const auto &r) { fetched = r; });
    QTRY_VERIFY_WITH_TIMEOUT(fetched.has_value(), 20000);
    QVERIFY(fetched->ok());

    // Pretend the cached copy is older: it has a column the org no longer has, and another had another type.
    EntityMetadata older = fetched->value();
    AttributeMetadata removed;
    removed.logicalName = u"new_oldscore"_s;
    removed.typeName = u"IntegerType"_s;
    older.attributes.append(removed);
    for (auto &a : older.attributes) {
        if (a.logicalName == "new_leadsource"_L1) {
            a.typeName = u"StringType"_s;
        }
    }
    QFile file(m_service->cacheDirectory() + u"/entity-contacts.json"_s);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(QJsonObject{{u"format"_s, 1}, {u"data"_s, older.toJson()}}).toJson());
    file.close();

    QSignalSpy changed(m_service.get(), &MetadataService::entityChanged);
    std::optional<d365::Result<EntityMetadata>> cached;
    m_service->entity(u"contacts"_s, Freshness::CacheThenRefresh, [&](const auto &r) { cached = r; });
    QVERIFY(cached && cached->ok() && cached->value().attribute(u"new_oldscore"_s));
    QVERIFY(changed.wait(20000));
    const auto before = changed.first().at(0).value<EntityMetadata>();
    const auto after = changed.first().at(1).value<EntityMetadata>();
    const QStringList warnings = MetadataService::describeChanges(
        before, after, {u"new_oldscore"_s, u"new_leadsource"_s, u"emailaddress1"_s});
    QCOMPARE(warnings.size(), 2);
    QVERIFY2(warnings.at(0).contains("new_leadsource of table contact changed type from StringType to "
                                     "PicklistType"_L1),
             qPrintable(warnings.join(u'\n')));
    QVERIFY2(warnings.at(1).contains("new_oldscore was removed"_L1), qPrintable(warnings.join(u'\n')));
    // Columns the mapping does not use do not warn.
    QVERIFY(MetadataService::describeChanges(before, after, {u"emailaddress1"_s}).isEmpty());
}

void TestMetadataService::sync_lookupByAlternateKeyChoiceLabelDateOnlyMoney_readBack_data()
{
    QTest::addColumn<bool>("bulk");
    QTest::newRow("$batch") << false;        // each row says created or updated
    QTest::newRow("UpsertMultiple") << true; // all or nothing: the missing account is split out
}

void TestMetadataService::sync_lookupByAlternateKeyChoiceLabelDateOnlyMoney_readBack()
{
    QFETCH(bool, bulk);
    const QUrl api = m_sandbox.webApiUrl();
    const d365::testsupport::Headers headers = {{"Authorization", "Bearer test"},
                                                {"Content-Type", "application/json"},
                                                {"Prefer", "return=representation"}};
    // Two accounts to point at, one with a quote in its number (upserted by key: each data row runs this).
    QHash<QString, QString> accountIds;
    for (const auto &number : {u"ACC-1"_s, u"O'BRIEN-2"_s}) {
        const auto created = request(
            "PATCH",
            api.resolved(QUrl::fromEncoded(
                QString(u"accounts("_s + odata::keySegment({u"accountnumber"_s}, {number}) + u')').toUtf8())),
            headers, QJsonDocument(QJsonObject{{u"name"_s, QString(u"Account "_s + number)}}).toJson());
        QVERIFY2(created.status == 201 || created.status == 200, created.body.constData());
        accountIds.insert(number, created.json().object().value("accountid"_L1).toString());
    }

    QTemporaryDir dir;
    const QString dbPath = dir.filePath(u"w.db"_s);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"schema-e2e"_s);
        db.setDatabaseName(dbPath);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE people (id INTEGER, email TEXT, last TEXT, account TEXT, source TEXT, "
                       "signup TEXT, value TEXT, city TEXT)"_s));
        QVERIFY2(
            q.exec(u"INSERT INTO people VALUES "
                   "(1, 'e2e.one@example.com', 'One', 'ACC-1', 'trade SHOW', '2024-03-31', '1234.565', NULL),"
                   "(2, 'e2e.two@example.com', 'Two', 'O''BRIEN-2', 'Web', '2024-01-01', '0.1', 'Oslo'),"
                   "(3, 'e2e.three@example.com', 'Three', 'NO-SUCH', 'Web', '2024-01-01', '1', NULL),"
                   "(4, 'e2e.four@example.com', 'Four', 'ACC-1', 'Radio', '2024-01-01', '1', NULL)"_s),
            qPrintable(q.lastError().text()));
    }
    QSqlDatabase::removeDatabase(u"schema-e2e"_s);

    Mapping mapping;
    mapping.name = u"e2e"_s;
    mapping.source.path = dbPath;
    mapping.source.query = u"SELECT * FROM people ORDER BY id"_s;
    mapping.source.keyColumn = u"id"_s;
    mapping.target.profile = u"sandbox"_s;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = {u"emailaddress1"_s};
    mapping.sourceTimeZone = u"Pacific/Kiritimati"_s; // must not move the DateOnly column
    auto field = [](const QString &source, const QString &target) {
        FieldMapping f;
        f.source = source;
        f.target = target;
        return f;
    };
    mapping.fields = {field(u"email"_s, u"emailaddress1"_s),      field(u"last"_s, u"lastname"_s),
                      field(u"account"_s, u"parentcustomerid"_s), field(u"source"_s, u"new_leadsource"_s),
                      field(u"signup"_s, u"new_signupdate"_s),    field(u"value"_s, u"new_lifetimevalue"_s),
                      field(u"city"_s, u"address1_city"_s)};
    mapping.fields[2].lookup = LookupSpec{u"account"_s, {}, {u"accountnumber"_s}, {}};
    mapping.fields[6].nullPolicy = NullPolicy::LeaveUnchanged;
    FieldMapping constant;
    constant.target = u"jobtitle"_s;
    constant.constant = QJsonValue(u"Imported"_s);
    mapping.fields.append(constant);

    // Row 1 exists already with a city: "leave-unchanged" must keep it when the warehouse has NULL.
    const auto existing = request(
        "PATCH", api.resolved(QUrl(u"contacts(emailaddress1='e2e.one@example.com')"_s)), headers,
        QJsonDocument(QJsonObject{{u"lastname"_s, u"Old"_s}, {u"address1_city"_s, u"Bergen"_s}}).toJson());
    QVERIFY2(existing.status == 201 || existing.status == 200, existing.body.constData());

    SyncController controller;
    QSignalSpy finished(&controller, &SyncController::finished);
    QSignalSpy errors(&controller, &SyncController::error);
    QList<RowOutcome> outcomes;
    connect(&controller, &SyncController::rowOutcomes, this,
            [&](const QList<RowOutcome> &batch) { outcomes += batch; });
    SyncOptions options;
    options.writer = bulk ? WriterKind::Bulk : WriterKind::Batch;
    QVERIFY(controller.start(mapping, m_profile, &m_tokens, options));
    QVERIFY(finished.wait(60000));
    QVERIFY2(errors.isEmpty(), errors.isEmpty() ? "" : qPrintable(errors.first().at(1).toString()));
    const auto summary = finished.first().first().value<SyncSummary>();
    QCOMPARE(summary.total, 4);
    QCOMPARE(summary.updated, bulk ? 0 : 1);
    QCOMPARE(summary.created, bulk ? 0 : 1);
    QCOMPARE(summary.upserted, bulk ? 2 : 0);
    QCOMPARE(summary.failed, 2);
    QCOMPARE(outcomes.size(), 4);
    // Rows finish in any order (requests run concurrently): look them up by source key.
    QHash<QString, RowOutcome> byKey;
    for (const auto &outcome : outcomes) {
        byKey.insert(outcome.key, outcome);
    }
    QCOMPARE(byKey.value(u"1"_s).status, bulk ? RowStatus::Upserted : RowStatus::Updated);
    QCOMPARE(byKey.value(u"2"_s).status, bulk ? RowStatus::Upserted : RowStatus::Created);
    const RowOutcome missingAccount = byKey.value(u"3"_s);
    QCOMPARE(missingAccount.status, RowStatus::Failed); // the account NO-SUCH does not exist
    QVERIFY2(missingAccount.message.contains("does not exist"_L1), qPrintable(missingAccount.message));
    const RowOutcome badLabel = byKey.value(u"4"_s);
    QCOMPARE(badLabel.errorCode, u"conversion"_s); // unknown label, listed with the valid ones
    QVERIFY2(badLabel.message.contains("'Radio' is not one of the choices"_L1) &&
                 badLabel.message.contains("Trade Show (100000002)"_L1),
             qPrintable(badLabel.message));

    auto readBack = [&](const QString &email) {
        const auto r =
            request("GET",
                    api.resolved(QUrl(u"contacts(emailaddress1='"_s + email +
                                      u"')?$select=_parentcustomerid_value,new_leadsource,"
                                      "new_signupdate,new_lifetimevalue,address1_city,jobtitle"_s)),
                    {{"Authorization", "Bearer test"}});
        return r.json().object();
    };
    const QJsonObject one = readBack(u"e2e.one@example.com"_s);
    QCOMPARE(one.value("_parentcustomerid_value"_L1).toString(), accountIds.value(u"ACC-1"_s));
    QCOMPARE(one.value("new_leadsource"_L1).toInt(), 100000002);
    QCOMPARE(one.value("new_signupdate"_L1).toString(), u"2024-03-31"_s);
    QCOMPARE(one.value("new_lifetimevalue"_L1).toDouble(), 1234.57);
    QCOMPARE(one.value("address1_city"_L1).toString(), u"Bergen"_s); // NULL left unchanged
    QCOMPARE(one.value("jobtitle"_L1).toString(), u"Imported"_s);
    const QJsonObject two = readBack(u"e2e.two@example.com"_s);
    QCOMPARE(two.value("_parentcustomerid_value"_L1).toString(), accountIds.value(u"O'BRIEN-2"_s));
    QCOMPARE(two.value("new_leadsource"_L1).toInt(), 100000000);
    QCOMPARE(two.value("new_signupdate"_L1).toString(), u"2024-01-01"_s);
    QCOMPARE(two.value("new_lifetimevalue"_L1).toDouble(), 0.1);
    QCOMPARE(two.value("address1_city"_L1).toString(), u"Oslo"_s);
}

QTEST_GUILESS_MAIN(TestMetadataService)
#include "tst_metadataservice.moc"
