#include "services/mapping/mappingfile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

const QString fixturesDir = QStringLiteral(D365_TEST_DATA_DIR "/mappings");
const QString sampleMappingPath =
    QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json");
const QString noSecrets = u"mapping files never hold secrets; store them in the keychain or environment"_s;

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

Mapping exampleMapping()
{
    Mapping m;
    m.name = u"Customers → contacts"_s;
    m.source.type = u"sqlite"_s;
    m.source.path = u"/data/maps/warehouse.db"_s;
    m.source.query = u"SELECT customer_id, email FROM customers ORDER BY customer_id"_s;
    m.source.keyColumn = u"customer_id"_s;
    m.target.profile = u"sandbox"_s;
    m.target.entitySet = u"contacts"_s;
    m.target.matchKey = {u"emailaddress1"_s};
    m.mode = SyncMode::Upsert;
    m.fields = {{u"email"_s, u"emailaddress1"_s}, {u"customer_id"_s, u"new_customerid"_s}};
    return m;
}

// Uses every per-field option of the format; each field on its own is valid for the parser.
Mapping optionsMapping()
{
    Mapping m = exampleMapping();
    m.sourceTimeZone = u"Europe/Berlin"_s;
    FieldMapping &email = m.fields.first();
    email.nullPolicy = NullPolicy::LeaveUnchanged;
    email.truncate = true;
    email.sourceTimeZone = u"Pacific/Kiritimati"_s;
    FieldMapping source;
    source.target = u"new_preferredchannel"_s;
    source.constant = QJsonValue(u"Web"_s);
    m.fields.append(source);
    FieldMapping amount;
    amount.target = u"new_score"_s;
    amount.constant = QJsonValue(12.5);
    m.fields.append(amount);
    FieldMapping row;
    row.target = u"cr5a1_rowid"_s;
    row.lookup = LookupSpec{u"cr5a1_warehouserow"_s,
                            {},
                            {u"cr5a1_sourcesystem"_s, u"cr5a1_sourceid"_s},
                            {u"system"_s, u"source_id"_s}};
    m.fields.append(row);
    FieldMapping customer;
    customer.source = u"customer_ref"_s;
    customer.target = u"parentcustomerid"_s;
    customer.lookup = LookupSpec{{}, u"customer_kind"_s, {}, {}};
    m.fields.append(customer);
    return m;
}

// The same mapping reading from a PostgreSQL (or ODBC) warehouse connection.
Mapping connectionMapping(const QString &type)
{
    Mapping m = exampleMapping();
    m.source.type = type;
    m.source.path.clear();
    m.source.connection = u"dw-prod"_s;
    return m;
}

// The same mapping reading a CSV file, with every CSV option.
Mapping csvMapping()
{
    Mapping m = exampleMapping();
    m.source.type = u"csv"_s;
    m.source.path = u"/data/maps/customers.csv"_s;
    m.source.query.clear();
    m.source.delimiter = u"\t"_s;
    m.source.quote = u"'"_s;
    m.source.columnTypes = {{u"customer_id"_s, CsvColumnType::Integer},
                            {u"lifetime_value"_s, CsvColumnType::Decimal},
                            {u"signup_date"_s, CsvColumnType::Date}};
    return m;
}

} // namespace

Q_DECLARE_METATYPE(d365::services::Mapping)

class TestMappingFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goldenFixture_reportsExactlyTheExpectedProblems_data();
    void goldenFixture_reportsExactlyTheExpectedProblems();
    void load_sampleMapping_isValidWithPathBesideTheFile();
    void toJson_sampleMapping_reproducesTheFileByteForByte();
    void load_csvSampleMapping_isValidTypedAndWrittenBackByteForByte();
    void toJson_thenParse_roundTrips_data();
    void toJson_thenParse_roundTrips();
    void parse_sourcePath_resolvesAgainstBaseDir_data();
    void parse_sourcePath_resolvesAgainstBaseDir();
    void toJson_sourcePath_relativeOnlyBelowBaseDir_data();
    void toJson_sourcePath_relativeOnlyBelowBaseDir();
    void parse_secretMember_isRefusedWithoutEchoingIt_data();
    void parse_secretMember_isRefusedWithoutEchoingIt();
    void parse_nulCharacterInAString_isRefusedAtItsPath_data();
    void parse_nulCharacterInAString_isRefusedAtItsPath();
    void saveThenLoad_roundTripsThroughDisk();
    void load_missingFile_namesPathAndReason();
    void load_withoutName_usesFileBaseName();
    void syncModeNames_roundTrip();
    void sourceFor_returnsMappedColumnOrEmpty();
    void problemsText_listsOnePathAndMessagePerLine();
    void schemaResource_agreesWithParserOnMembersAndRequired();
};

void TestMappingFile::goldenFixture_reportsExactlyTheExpectedProblems_data()
{
    QTest::addColumn<QString>("jsonPath");
    QTest::addColumn<QString>("expectedPath");

    const QDir dir(fixturesDir);
    const QStringList cases = dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    QVERIFY2(cases.size() >= 15, qPrintable(u"too few fixtures in "_s + fixturesDir));
    for (const QString &file : cases) {
        const QString name = QFileInfo(file).completeBaseName();
        QTest::newRow(qPrintable(name)) << dir.filePath(file) << dir.filePath(name + u".expected"_s);
    }
}

void TestMappingFile::goldenFixture_reportsExactlyTheExpectedProblems()
{
    QFETCH(QString, jsonPath);
    QFETCH(QString, expectedPath);

    QVERIFY2(QFile::exists(expectedPath), qPrintable(u"missing "_s + expectedPath));
    struct Expected
    {
        QString path;
        QString substring;
    };
    QList<Expected> expected;
    const QStringList lines = QString::fromUtf8(readFile(expectedPath)).split(u'\n');
    for (const QString &line : lines) {
        if (line.trimmed().isEmpty() || line.startsWith(u'#'))
            continue;
        const qsizetype colon = line.indexOf(u": "_s);
        QVERIFY2(colon > 0, qPrintable(u"bad line in "_s + expectedPath + u": "_s + line));
        expected.append({line.left(colon), line.mid(colon + 2)});
    }

    const MappingLoadResult result = MappingFile::parse(readFile(jsonPath), fixturesDir);
    const QString actual = result.problemsText();
    QCOMPARE(result.ok(), expected.isEmpty());
    QCOMPARE(result.mapping.has_value(), expected.isEmpty());
    QVERIFY2(result.problems.size() == expected.size(),
             qPrintable(u"expected %1 problem(s), got:\n"_s.arg(expected.size()) + actual));

    QList<bool> used(result.problems.size(), false);
    for (const Expected &e : expected) {
        bool found = false;
        for (qsizetype i = 0; i < result.problems.size() && !found; ++i) {
            const MappingProblem &p = result.problems.at(i);
            if (!used[i] && p.path == e.path && p.message.contains(e.substring)) {
                used[i] = true;
                found = true;
            }
        }
        QVERIFY2(found,
                 qPrintable(u"no problem \""_s + e.path + u": …"_s + e.substring + u"…\" in:\n"_s + actual));
    }
}

void TestMappingFile::load_sampleMapping_isValidWithPathBesideTheFile()
{
    const MappingLoadResult result = MappingFile::load(sampleMappingPath);
    QVERIFY2(result.ok(), qPrintable(result.problemsText()));
    const Mapping &m = *result.mapping;
    QCOMPARE(m.version, 1);
    QCOMPARE(m.name, u"Sample customers to contacts"_s);
    QCOMPARE(m.source.type, u"sqlite"_s);
    QCOMPARE(m.source.path, QFileInfo(sampleMappingPath).absolutePath() + u"/warehouse.db"_s);
    QVERIFY(m.source.query.startsWith(u"SELECT customer_id"_s));
    QVERIFY(m.source.query.endsWith(u"ORDER BY customer_id"_s));
    QCOMPARE(m.source.keyColumn, u"customer_id"_s);
    QCOMPARE(m.target.profile, u"sandbox"_s);
    QCOMPARE(m.target.entitySet, u"contacts"_s);
    QCOMPARE(m.target.matchKey, QStringList{u"emailaddress1"_s});
    QCOMPARE(m.mode, SyncMode::Upsert);
    QCOMPARE(m.fields.size(), 10);
    const QList<std::pair<QString, QString>> expected = {
        {u"email"_s, u"emailaddress1"_s},        {u"first_name"_s, u"firstname"_s},
        {u"last_name"_s, u"lastname"_s},         {u"phone"_s, u"telephone1"_s},
        {u"job_title"_s, u"jobtitle"_s},         {u"city"_s, u"address1_city"_s},
        {u"company"_s, u"new_companyname"_s},    {u"lifetime_value"_s, u"new_lifetimevalue"_s},
        {u"lead_source"_s, u"new_leadsource"_s}, {u"signup_date"_s, u"new_signupdate"_s}};
    for (qsizetype i = 0; i < expected.size(); ++i) {
        QCOMPARE(m.fields.at(i).source, expected.at(i).first);
        QCOMPARE(m.fields.at(i).target, expected.at(i).second);
    }
}

void TestMappingFile::toJson_sampleMapping_reproducesTheFileByteForByte()
{
    const MappingLoadResult result = MappingFile::load(sampleMappingPath);
    QVERIFY2(result.ok(), qPrintable(result.problemsText()));
    const QByteArray written =
        MappingFile::toJson(*result.mapping, QFileInfo(sampleMappingPath).absolutePath());
    QCOMPARE(QString::fromUtf8(written), QString::fromUtf8(readFile(sampleMappingPath)));
}

void TestMappingFile::load_csvSampleMapping_isValidTypedAndWrittenBackByteForByte()
{
    const QString path = QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-csv-to-contacts.json");
    const MappingLoadResult result = MappingFile::load(path);
    QVERIFY2(result.ok(), qPrintable(result.problemsText()));
    const Mapping &m = *result.mapping;
    QCOMPARE(m.source.type, u"csv"_s);
    QCOMPARE(m.source.path, QFileInfo(path).absolutePath() + u"/customers.csv"_s);
    QVERIFY(m.source.query.isEmpty());
    QCOMPARE(m.source.delimiter, u","_s);
    const QMap<QString, CsvColumnType> types = {{u"customer_id"_s, CsvColumnType::Integer},
                                                {u"lifetime_value"_s, CsvColumnType::Decimal},
                                                {u"signup_date"_s, CsvColumnType::Date}};
    QCOMPARE(m.source.columnTypes, types);
    // The same target and fields as the SQLite sample: only the source differs.
    const Mapping sqlite = *MappingFile::load(sampleMappingPath).mapping;
    QCOMPARE(m.target.matchKey, sqlite.target.matchKey);
    QCOMPARE(m.fields.size(), sqlite.fields.size());
    for (qsizetype i = 0; i < m.fields.size(); ++i)
        QCOMPARE(m.fields.at(i).target, sqlite.fields.at(i).target);
    QCOMPARE(QString::fromUtf8(MappingFile::toJson(m, QFileInfo(path).absolutePath())),
             QString::fromUtf8(readFile(path)));
}

void TestMappingFile::toJson_thenParse_roundTrips_data()
{
    QTest::addColumn<Mapping>("mapping");

    QTest::newRow("upsert") << exampleMapping();
    Mapping insert = exampleMapping();
    insert.mode = SyncMode::Insert;
    QTest::newRow("insert") << insert;
    Mapping update = exampleMapping();
    update.mode = SyncMode::Update;
    update.target.matchKey = {u"emailaddress1"_s, u"new_customerid"_s};
    QTest::newRow("update, composite key") << update;
    Mapping awkward = exampleMapping();
    awkward.name = u"Müller's \"quoted\" name\twith\\backslash\nand newline \x01"_s;
    awkward.source.query =
        u"WITH x AS (SELECT * FROM \"my table\" WHERE note = 'a\\b')\nSELECT customer_id, email "
        "FROM x"_s;
    awkward.source.path = u"/elsewhere/dw/warehouse 2025.db"_s;
    awkward.target.entitySet = u"new_projects"_s;
    QTest::newRow("escaping, path outside base dir") << awkward;
    Mapping below = exampleMapping();
    below.source.path = u"/data/maps/nested/dir/w.db"_s;
    QTest::newRow("path below base dir") << below;
    QTest::newRow("every field option") << optionsMapping();
    QTest::newRow("postgresql connection") << connectionMapping(u"postgresql"_s);
    QTest::newRow("odbc connection") << connectionMapping(u"odbc"_s);
    QTest::newRow("csv with every option") << csvMapping();
    Mapping plainCsv = csvMapping();
    plainCsv.source.delimiter = u","_s;
    plainCsv.source.quote = u"\""_s;
    plainCsv.source.columnTypes.clear();
    QTest::newRow("csv with the defaults") << plainCsv;
    Mapping mirror = exampleMapping();
    mirror.target.list = ListSpec{{}, u"Newsletter \"Web\""_s, true, 5, AudienceMode::Mirror};
    QTest::newRow("audience by name, mirror") << mirror;
    Mapping byId = exampleMapping();
    byId.target.list =
        ListSpec{u"6f1c2a4e-0d3b-4c5a-9e8f-1a2b3c4d5e6f"_s, {}, false, 20, AudienceMode::Remove};
    QTest::newRow("audience by id, remove") << byId;
    Mapping upsertAdd = exampleMapping();
    upsertAdd.target.list = ListSpec{{}, u"Customers"_s, false, 20, AudienceMode::Upsert};
    QTest::newRow("audience, upsert then add") << upsertAdd;
}

void TestMappingFile::toJson_thenParse_roundTrips()
{
    QFETCH(Mapping, mapping);
    const QString baseDir = u"/data/maps"_s;
    const QByteArray json = MappingFile::toJson(mapping, baseDir);
    QVERIFY2(QJsonDocument::fromJson(json).isObject(), json.constData());

    const MappingLoadResult result = MappingFile::parse(json, baseDir);
    QVERIFY2(result.ok(), qPrintable(result.problemsText() + u"\n"_s + QString::fromUtf8(json)));
    const Mapping &back = *result.mapping;
    QCOMPARE(back.version, mapping.version);
    QCOMPARE(back.name, mapping.name);
    QCOMPARE(back.source.type, mapping.source.type);
    QCOMPARE(back.source.path, mapping.source.path);
    QCOMPARE(back.source.query, mapping.source.query);
    QCOMPARE(back.source.keyColumn, mapping.source.keyColumn);
    QCOMPARE(back.source.connection, mapping.source.connection);
    QCOMPARE(back.source.delimiter, mapping.source.delimiter);
    QCOMPARE(back.source.quote, mapping.source.quote);
    QCOMPARE(back.source.columnTypes, mapping.source.columnTypes);
    QCOMPARE(back.target.profile, mapping.target.profile);
    QCOMPARE(back.target.entitySet, mapping.target.entitySet);
    QCOMPARE(back.target.matchKey, mapping.target.matchKey);
    QCOMPARE(back.target.list.has_value(), mapping.target.list.has_value());
    QVERIFY(back.target.list == mapping.target.list);
    QCOMPARE(back.modeName(), mapping.modeName());
    QCOMPARE(back.mode, mapping.mode);
    QCOMPARE(back.fields.size(), mapping.fields.size());
    for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
        QCOMPARE(back.fields.at(i).source, mapping.fields.at(i).source);
        QCOMPARE(back.fields.at(i).target, mapping.fields.at(i).target);
        QCOMPARE(back.fields.at(i).constant, mapping.fields.at(i).constant);
        QCOMPARE(back.fields.at(i).nullPolicy, mapping.fields.at(i).nullPolicy);
        QCOMPARE(back.fields.at(i).truncate, mapping.fields.at(i).truncate);
        QCOMPARE(back.fields.at(i).sourceTimeZone, mapping.fields.at(i).sourceTimeZone);
        QCOMPARE(back.fields.at(i).lookup, mapping.fields.at(i).lookup);
    }
    QCOMPARE(back.sourceTimeZone, mapping.sourceTimeZone);
    // Stable output: writing the parsed mapping again gives the same bytes.
    QCOMPARE(MappingFile::toJson(back, baseDir), json);
}

void TestMappingFile::parse_sourcePath_resolvesAgainstBaseDir_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("baseDir");
    QTest::addColumn<QString>("expected");

    QTest::newRow("file name") << u"warehouse.db"_s << u"/data/maps"_s << u"/data/maps/warehouse.db"_s;
    QTest::newRow("dot slash") << u"./sub/w.db"_s << u"/data/maps"_s << u"/data/maps/sub/w.db"_s;
    QTest::newRow("parent folder") << u"../dw/w.db"_s << u"/data/maps"_s << u"/data/dw/w.db"_s;
    QTest::newRow("absolute stays") << u"/srv/dw/w.db"_s << u"/data/maps"_s << u"/srv/dw/w.db"_s;
    QTest::newRow("absolute cleaned") << u"/srv/dw/../dw/w.db"_s << u"/data/maps"_s << u"/srv/dw/w.db"_s;
}

void TestMappingFile::parse_sourcePath_resolvesAgainstBaseDir()
{
    QFETCH(QString, path);
    QFETCH(QString, baseDir);
    QFETCH(QString, expected);

    Mapping m = exampleMapping();
    QJsonObject root = QJsonDocument::fromJson(MappingFile::toJson(m, QString())).object();
    QJsonObject source = root.value("source"_L1).toObject();
    source.insert("path"_L1, path);
    root.insert("source"_L1, source);

    const MappingLoadResult result = MappingFile::parse(QJsonDocument(root).toJson(), baseDir);
    QVERIFY2(result.ok(), qPrintable(result.problemsText()));
    QCOMPARE(result.mapping->source.path, expected);
}

void TestMappingFile::toJson_sourcePath_relativeOnlyBelowBaseDir_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("baseDir");
    QTest::addColumn<QString>("written");

    QTest::newRow("beside") << u"/data/maps/w.db"_s << u"/data/maps"_s << u"w.db"_s;
    QTest::newRow("below") << u"/data/maps/dw/w.db"_s << u"/data/maps"_s << u"dw/w.db"_s;
    QTest::newRow("base dir with slash") << u"/data/maps/w.db"_s << u"/data/maps/"_s << u"w.db"_s;
    QTest::newRow("sibling stays absolute") << u"/data/dw/w.db"_s << u"/data/maps"_s << u"/data/dw/w.db"_s;
    QTest::newRow("prefix is not a parent")
        << u"/data/maps2/w.db"_s << u"/data/maps"_s << u"/data/maps2/w.db"_s;
    QTest::newRow("no base dir") << u"/data/maps/w.db"_s << QString() << u"/data/maps/w.db"_s;
}

void TestMappingFile::toJson_sourcePath_relativeOnlyBelowBaseDir()
{
    QFETCH(QString, path);
    QFETCH(QString, baseDir);
    QFETCH(QString, written);

    Mapping m = exampleMapping();
    m.source.path = path;
    const QJsonObject root = QJsonDocument::fromJson(MappingFile::toJson(m, baseDir)).object();
    QCOMPARE(root.value("source"_L1).toObject().value("path"_L1).toString(), written);
}

void TestMappingFile::parse_secretMember_isRefusedWithoutEchoingIt_data()
{
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("member");

    for (const QString &member :
         {u"password"_s, u"Password"_s, u"db_password"_s, u"pwd"_s, u"secret"_s, u"clientSecret"_s,
          u"client_secret"_s, u"token"_s, u"accessToken"_s, u"refreshToken"_s, u"apiKey"_s}) {
        QTest::newRow(qPrintable(u"source."_s + member)) << u"source"_s << member;
    }
    QTest::newRow("root.clientSecret") << QString() << u"clientSecret"_s;
    QTest::newRow("target.accessToken") << u"target"_s << u"accessToken"_s;
}

void TestMappingFile::parse_secretMember_isRefusedWithoutEchoingIt()
{
    QFETCH(QString, where);
    QFETCH(QString, member);

    const QString secretValue = u"s3cr3t-VALUE-42"_s;
    QJsonObject root = QJsonDocument::fromJson(MappingFile::toJson(exampleMapping(), QString())).object();
    if (where.isEmpty()) {
        root.insert(member, secretValue);
    } else {
        QJsonObject inner = root.value(where).toObject();
        inner.insert(member, secretValue);
        root.insert(where, inner);
    }
    const MappingLoadResult result = MappingFile::parse(QJsonDocument(root).toJson(), u"/data/maps"_s);
    QVERIFY(!result.ok());
    QVERIFY(!result.mapping.has_value());
    QCOMPARE(result.problems.size(), 1);
    const QString expectedPath =
        where.isEmpty() ? QString(u"$."_s + member) : QString(u"$."_s + where + u'.' + member);
    QCOMPARE(result.problems.first().path, expectedPath);
    QVERIFY2(result.problems.first().message.contains(noSecrets), qPrintable(result.problemsText()));
    QVERIFY(!result.problemsText().contains(secretValue));
}

void TestMappingFile::parse_nulCharacterInAString_isRefusedAtItsPath_data()
{
    QTest::addColumn<QByteArray>("find");
    QTest::addColumn<QByteArray>("replace");
    QTest::addColumn<QString>("path");
    const QByteArray nul(1, '\0');
    QTest::newRow("raw NUL in the query")
        << QByteArray("FROM customers") << QByteArray("FROM cust" + nul + "omers") << u"$.source.query"_s;
    QTest::newRow("raw NUL in a column name")
        << QByteArray("\"target\": \"new_customerid\"")
        << QByteArray("\"target\": \"new_" + nul + "customerid\"") << u"$.fields[1].target"_s;
    QTest::newRow("raw NUL in a match key item")
        << QByteArray("[\"emailaddress1\"]") << QByteArray("[\"emailaddress1" + nul + "\"]")
        << u"$.target.matchKey[0]"_s;
    QTest::newRow("escaped NUL") << QByteArray("\"entitySet\": \"contacts\"")
                                 << QByteArray("\"entitySet\": \"contacts\\u0000\"")
                                 << u"$.target.entitySet"_s;
    QTest::newRow("raw NUL in a member name")
        << QByteArray("\"mode\":") << QByteArray("\"mo" + nul + "de\":") << u"$[\"mo\\u0000de\"]"_s;
}

void TestMappingFile::parse_nulCharacterInAString_isRefusedAtItsPath()
{
    QFETCH(QByteArray, find);
    QFETCH(QByteArray, replace);
    QFETCH(QString, path);
    QByteArray json = MappingFile::toJson(exampleMapping(), QString());
    QVERIFY2(json.contains(find), json.constData());
    json.replace(find, replace);
    const MappingLoadResult result = MappingFile::parse(json, u"/data/maps"_s);
    QVERIFY2(!result.ok(), "a NUL character was accepted");
    const auto problem = std::find_if(result.problems.cbegin(), result.problems.cend(),
                                      [&](const MappingProblem &p) { return p.path == path; });
    QVERIFY2(problem != result.problems.cend(), qPrintable(result.problemsText()));
    QVERIFY2(problem->message.contains(u"NUL character"_s), qPrintable(problem->message));
    QVERIFY2(problem->message.contains(u"Delete the character"_s), qPrintable(problem->message));
    QVERIFY(!result.problemsText().contains(QChar(0))); // nothing invisible in what the user reads
}

void TestMappingFile::saveThenLoad_roundTripsThroughDisk()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Mapping m = exampleMapping();
    m.source.path = dir.filePath(u"dw/warehouse.db"_s);
    const QString file = dir.filePath(u"customers.json"_s);

    const auto saved = MappingFile::save(m, file);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message));
    QVERIFY(readFile(file).contains("\"path\": \"dw/warehouse.db\""));

    const MappingLoadResult loaded = MappingFile::load(file);
    QVERIFY2(loaded.ok(), qPrintable(loaded.problemsText()));
    QCOMPARE(loaded.mapping->source.path, QDir::cleanPath(dir.filePath(u"dw/warehouse.db"_s)));
    QCOMPARE(loaded.mapping->name, m.name);

    const auto refused = MappingFile::save(m, dir.filePath(u"no/such/folder/m.json"_s));
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().message.contains(u"no/such/folder/m.json"_s));
}

void TestMappingFile::load_missingFile_namesPathAndReason()
{
    const QString path = u"/nonexistent/d365/mapping.json"_s;
    const MappingLoadResult result = MappingFile::load(path);
    QVERIFY(!result.ok());
    QCOMPARE(result.problems.size(), 1);
    QCOMPARE(result.problems.first().path, u"$"_s);
    QVERIFY2(result.problems.first().message.contains(path), qPrintable(result.problemsText()));
    QVERIFY2(result.problems.first().message.contains(u"No such file"_s, Qt::CaseInsensitive),
             qPrintable(result.problemsText()));
}

void TestMappingFile::load_withoutName_usesFileBaseName()
{
    const MappingLoadResult result = MappingFile::load(fixturesDir + u"/valid-minimal.json"_s);
    QVERIFY2(result.ok(), qPrintable(result.problemsText()));
    QCOMPARE(result.mapping->name, u"valid-minimal"_s);
    QCOMPARE(result.mapping->mode, SyncMode::Upsert);
    QCOMPARE(result.mapping->source.path, fixturesDir + u"/w.db"_s);
}

void TestMappingFile::syncModeNames_roundTrip()
{
    for (const SyncMode mode : {SyncMode::Upsert, SyncMode::Insert, SyncMode::Update})
        QVERIFY(syncModeFromName(syncModeName(mode)) == mode);
    QCOMPARE(syncModeName(SyncMode::Upsert), u"upsert"_s);
    QCOMPARE(syncModeName(SyncMode::Insert), u"insert"_s);
    QCOMPARE(syncModeName(SyncMode::Update), u"update"_s);
    QVERIFY(!syncModeFromName(u"mirror"_s).has_value());
    QVERIFY(!syncModeFromName(u"Upsert"_s).has_value());
    QVERIFY(!syncModeFromName(QString()).has_value());
}

void TestMappingFile::sourceFor_returnsMappedColumnOrEmpty()
{
    const Mapping m = exampleMapping();
    QCOMPARE(m.sourceFor(u"emailaddress1"_s), u"email"_s);
    QCOMPARE(m.sourceFor(u"new_customerid"_s), u"customer_id"_s);
    QCOMPARE(m.sourceFor(u"lastname"_s), QString());
}

void TestMappingFile::problemsText_listsOnePathAndMessagePerLine()
{
    MappingLoadResult result;
    result.problems = {{u"$.mode"_s, u"Unknown mode."_s}, {u"$.fields[2].target"_s, u"Duplicate."_s}};
    QCOMPARE(result.problemsText(), u"$.mode: Unknown mode.\n$.fields[2].target: Duplicate."_s);
    QCOMPARE(MappingLoadResult().problemsText(), QString());
}

void TestMappingFile::schemaResource_agreesWithParserOnMembersAndRequired()
{
    QFile file(u":/d365/mapping.schema.json"_s);
    QVERIFY2(file.open(QIODevice::ReadOnly), "the schema is not embedded as :/d365/mapping.schema.json");
    QJsonParseError error;
    const QJsonObject schema = QJsonDocument::fromJson(file.readAll(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(schema.value("$schema"_L1).toString(), u"https://json-schema.org/draft/2020-12/schema"_s);
    QCOMPARE(schema.value("$id"_L1).toString(), MappingFile::schemaUrl());

    // Every level of a complete file, as toJson writes it, has exactly the members the schema declares.
    const MappingLoadResult sample = MappingFile::load(sampleMappingPath);
    QVERIFY(sample.ok());
    // The sample plus every optional member: its first field keeps a source, later ones use the
    // alternatives (constant, lookup.sources), so together the fields write every field member.
    Mapping options = *sample.mapping;
    const Mapping extra = optionsMapping();
    options.sourceTimeZone = extra.sourceTimeZone;
    options.writer = WriterKind::Bulk;
    options.fields.first().nullPolicy = NullPolicy::LeaveUnchanged;
    options.fields.first().truncate = true;
    options.fields.first().sourceTimeZone = u"UTC"_s;
    options.fields.append(extra.fields.mid(1));
    // Upsert: the one audience mode that stays a valid records mode when the list is taken out below.
    options.target.list =
        ListSpec{u"6f1c2a4e-0d3b-4c5a-9e8f-1a2b3c4d5e6f"_s, u"Newsletter"_s, true, 5, AudienceMode::Upsert};
    const QJsonObject full = QJsonDocument::fromJson(MappingFile::toJson(options, QString())).object();
    const MappingLoadResult fullResult = MappingFile::parse(QJsonDocument(full).toJson(), u"/data"_s);
    QVERIFY2(fullResult.ok(), qPrintable(fullResult.problemsText()));
    QStringList fieldMembers;
    for (const QJsonValue &field : full.value("fields"_L1).toArray())
        fieldMembers += field.toObject().keys();
    fieldMembers.removeDuplicates();
    QJsonObject lookupMembers;
    for (const QJsonValue &field : full.value("fields"_L1).toArray()) {
        const QJsonObject lookup = field.toObject().value("lookup"_L1).toObject();
        for (auto it = lookup.begin(); it != lookup.end(); ++it)
            lookupMembers.insert(it.key(), it.value());
    }
    const QJsonObject defs = schema.value("$defs"_L1).toObject();
    // The source level: the members every kind of source writes, together (a sqlite, a postgresql and a csv
    // source with every option).
    const QList<Mapping> sourceKinds = {*sample.mapping, connectionMapping(u"postgresql"_s), csvMapping()};
    QJsonObject sourceMembers;
    for (const Mapping &kind : sourceKinds) {
        const QJsonObject written = QJsonDocument::fromJson(MappingFile::toJson(kind, QString()))
                                        .object()
                                        .value("source"_L1)
                                        .toObject();
        for (auto it = written.begin(); it != written.end(); ++it)
            sourceMembers.insert(it.key(), it.value());
    }
    const QList<std::pair<QJsonObject, QJsonObject>> levels = {
        {schema, full},
        {defs.value("source"_L1).toObject(), sourceMembers},
        {defs.value("target"_L1).toObject(), full.value("target"_L1).toObject()},
        {defs.value("list"_L1).toObject(), full.value("target"_L1).toObject().value("list"_L1).toObject()},
        {defs.value("lookup"_L1).toObject(), lookupMembers}};
    QStringList declaredFieldMembers =
        defs.value("field"_L1).toObject().value("properties"_L1).toObject().keys();
    declaredFieldMembers.sort();
    fieldMembers.sort();
    QCOMPARE(declaredFieldMembers, fieldMembers);
    for (const auto &[schemaLevel, documentLevel] : levels) {
        QStringList declared = schemaLevel.value("properties"_L1).toObject().keys();
        QStringList written = documentLevel.keys();
        declared.sort();
        written.sort();
        QCOMPARE(declared, written);
        QCOMPARE(schemaLevel.value("additionalProperties"_L1), QJsonValue(false));
    }

    // The schema's required members are exactly those whose absence the parser reports as missing.
    const auto withoutMember = [&](const QStringList &pathToParent, const QString &member,
                                   const QJsonObject &document) {
        QJsonObject root = document;
        if (pathToParent.isEmpty()) {
            root.remove(member);
        } else if (pathToParent.first() == "fields"_L1) {
            QJsonArray fields = root.value("fields"_L1).toArray();
            QJsonObject first = fields.first().toObject();
            first.remove(member);
            fields.replace(0, first);
            root.insert("fields"_L1, fields);
        } else {
            QJsonObject inner = root.value(pathToParent.first()).toObject();
            inner.remove(member);
            root.insert(pathToParent.first(), inner);
        }
        return MappingFile::parse(QJsonDocument(root).toJson(), u"/data"_s);
    };
    struct Level
    {
        QStringList parent;
        QJsonObject schemaLevel;
        QJsonObject document;
    };
    QList<Level> parents = {{{}, schema, full},
                            {{u"target"_s}, defs.value("target"_L1).toObject(), full},
                            {{u"fields"_s}, defs.value("field"_L1).toObject(), full}};
    for (const Mapping &kind : sourceKinds) {
        parents.append({{u"source"_s},
                        defs.value("source"_L1).toObject(),
                        QJsonDocument::fromJson(MappingFile::toJson(kind, QString())).object()});
    }
    for (const auto &[parent, schemaLevel, document] : parents) {
        QStringList required;
        for (const QJsonValue &v : schemaLevel.value("required"_L1).toArray())
            required << v.toString();
        // allOf / if-then by source type: the branch whose "type" matches adds its required members, and
        // the members it turns off (false) must not be in the document.
        const QString documentType = document.value(parent.value(0)).toObject().value("type"_L1).toString();
        for (const QJsonValue &branch : schemaLevel.value("allOf"_L1).toArray()) {
            const QJsonObject condition = branch.toObject()
                                              .value("if"_L1)
                                              .toObject()
                                              .value("properties"_L1)
                                              .toObject()
                                              .value("type"_L1)
                                              .toObject();
            QStringList types;
            if (condition.contains("const"_L1))
                types << condition.value("const"_L1).toString();
            for (const QJsonValue &v : condition.value("enum"_L1).toArray())
                types << v.toString();
            if (!types.contains(documentType))
                continue;
            const QJsonObject then = branch.toObject().value("then"_L1).toObject();
            for (const QJsonValue &v : then.value("required"_L1).toArray())
                required << v.toString();
            const QJsonObject off = then.value("properties"_L1).toObject();
            for (auto it = off.begin(); it != off.end(); ++it) {
                QVERIFY2(!document.value(parent.value(0)).toObject().contains(it.key()),
                         qPrintable(documentType + u" writes "_s + it.key()));
            }
        }
        // anyOf alternatives: when the document level holds exactly one of them, that one is required.
        QStringList present;
        const QJsonObject documentLevel = parent.isEmpty() ? document
                                          : parent.first() == "fields"_L1
                                              ? document.value("fields"_L1).toArray().first().toObject()
                                              : document.value(parent.first()).toObject();
        for (const QJsonValue &alternative : schemaLevel.value("anyOf"_L1).toArray()) {
            for (const QJsonValue &v : alternative.toObject().value("required"_L1).toArray()) {
                if (documentLevel.contains(v.toString()))
                    present << v.toString();
            }
        }
        if (present.size() == 1)
            required << present;
        const QStringList members = parent.value(0) == "source"_L1
                                        ? documentLevel.keys()
                                        : schemaLevel.value("properties"_L1).toObject().keys();
        for (const QString &member : members) {
            const MappingLoadResult result = withoutMember(parent, member, document);
            bool reportedMissing = false;
            for (const MappingProblem &p : result.problems)
                reportedMissing |= p.message.contains(u"required member \"%1\" is missing"_s.arg(member));
            QVERIFY2(reportedMissing == required.contains(member),
                     qPrintable(parent.join(u'.') + u"/"_s + member + u": "_s + result.problemsText()));
            if (!required.contains(member))
                QVERIFY2(result.ok(), qPrintable(member + u": "_s + result.problemsText()));
        }
    }
}

QTEST_GUILESS_MAIN(TestMappingFile)
#include "tst_mappingfile.moc"
