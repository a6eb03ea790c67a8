// End to end: d365sync-cli syncs the sample warehouse into a freshly started sandbox org over real HTTP; the
// test then reads every record back through the Web API and compares it field by field with its source row.
// Also the CLI's answers to bad input: exit codes and messages.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <fcntl.h>
#include <pty.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using d365::testsupport::CliResult;
using d365::testsupport::runCli;

namespace {

struct Page
{
    int status = 0;
    QJsonObject json;
};

} // namespace

class TestCliSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void run_sampleWarehouse_everyRowReadsBackIdentical();
    void run_again_updatesEveryRowAndCreatesNone();
    void run_rowsTooLong_exitOneAndReportsEachRow_data();
    void run_rowsTooLong_exitOneAndReportsEachRow();
    void run_insertOverExistingRows_onlyThoseFailInsideTheBatch_data();
    void run_insertOverExistingRows_onlyThoseFailInsideTheBatch();
    void run_badBatchSize_exitTwoNamesTheLimit_data();
    void run_badBatchSize_exitTwoNamesTheLimit();
    void run_unknownProfile_exitTwoNamesTheFix();
    void run_wrongEntitySet_exitTwoSuggestsPluralName();
    void run_unmappableColumn_exitTwoNamesJsonPath();
    void run_sandboxNotRunning_exitFourSaysConnectionRefused();
    void validate_sampleMapping_succeeds();
    void validateAndRun_numberColumnOntoDateColumn_exitTwoNamesTypesBeforeAnyRow();
    void run_unwritableReport_exitTwoBeforeAnyRowIsSent_data();
    void run_unwritableReport_exitTwoBeforeAnyRowIsSent();
    void profileAdd_settingsCannotBeWritten_exitTwoNamesFileAndReason();
    void profileRemove_settingsCannotBeWritten_exitTwoAndProfileStays();
    void everyCommand_help_printsItsOwnHelpAndExitsZero_data();
    void everyCommand_help_printsItsOwnHelpAndExitsZero();
    void run_withoutKeychain_printsNoKeychainWarning();
    void run_onATerminal_logLinesNeverLandOnTheProgressLine();

private:
    CliResult cli(const QStringList &arguments, int timeoutMs = 300000);
    QString writeMapping(const QString &fileName, const std::function<void(QJsonObject &)> &edit);
    Page get(const QUrl &url);
    QList<QJsonObject> readAllContacts();

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QNetworkAccessManager m_network;
};

CliResult TestCliSync::cli(const QStringList &arguments, int timeoutMs)
{
    return runCli(m_settings, arguments, {}, {}, timeoutMs);
}

QString TestCliSync::writeMapping(const QString &fileName, const std::function<void(QJsonObject &)> &edit)
{
    return d365::testsupport::writeSampleMapping(m_dir.filePath(fileName), edit);
}

Page TestCliSync::get(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer test-token");
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("Prefer", "odata.maxpagesize=5000");
    QNetworkReply *reply = m_network.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished()) {
        finished.wait(60000);
    }
    Page page;
    page.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    page.json = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return page;
}

QList<QJsonObject> TestCliSync::readAllContacts()
{
    QList<QJsonObject> rows;
    QUrl url = m_sandbox.webApiUrl().resolved(
        QUrl(u"contacts?$select=emailaddress1,firstname,lastname,telephone1,jobtitle,address1_city,"
             "new_companyname,new_lifetimevalue,new_leadsource,new_signupdate"_s));
    for (int pages = 0; pages < 100 && url.isValid(); ++pages) {
        const Page page = get(url);
        if (page.status != 200) {
            qWarning() << "GET" << url << "answered" << page.status << page.json;
            return {};
        }
        for (const auto &row : page.json.value("value"_L1).toArray()) {
            rows.append(row.toObject());
        }
        const QString next = page.json.value("@odata.nextLink"_L1).toString();
        url = next.isEmpty() ? QUrl() : QUrl(next);
    }
    return rows;
}

void TestCliSync::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(QStringLiteral(D365_SAMPLE_DB)), "the sample warehouse was not built");
    QVERIFY(m_sandbox.start());
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const CliResult added = cli(
        {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
}

void TestCliSync::run_sampleWarehouse_everyRowReadsBackIdentical()
{
    const QString mapping = writeMapping(u"sample.json"_s, [](QJsonObject &) {});
    QVERIFY(!mapping.isEmpty());
    const QString report = m_dir.filePath(u"report.json"_s);
    const CliResult run = cli({u"run"_s, mapping, u"--report"_s, report});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY2(run.out.contains("10,000 upserted"_L1), qPrintable(run.out));

    QFile reportFile(report);
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QJsonObject summary = QJsonDocument::fromJson(reportFile.readAll()).object();
    QCOMPARE(summary.value("total"_L1).toInt(), 10000);
    QCOMPARE(summary.value("upserted"_L1).toInt(), 10000);
    QCOMPARE(summary.value("failed"_L1).toInt(), 0);
    QCOMPARE(summary.value("exitCode"_L1).toInt(), 0);
    QCOMPARE(summary.value("writer"_L1).toString(), u"UpsertMultiple"_s);
    QCOMPARE(summary.value("outcomeCheck"_L1).toObject().value("rowsWithoutOutcome"_L1).toInt(-1), 0);
    QCOMPARE(summary.value("outcomeCheck"_L1).toObject().value("duplicateOutcomes"_L1).toInt(-1), 0);
    // 1,000 rows per UpsertMultiple: 10 write requests for 10,000 rows (0.1 %).
    const int requests = summary.value("requests"_L1).toInt();
    QVERIFY2(requests == 10, qPrintable(QString::number(requests)));

    // The option values behind the lead-source labels, from the org's own metadata.
    const Page options = get(
        m_sandbox.webApiUrl().resolved(QUrl(u"EntityDefinitions(LogicalName='contact')/Attributes/"
                                            u"Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
                                            "?$select=LogicalName&$expand=OptionSet($select=Options)"_s)));
    QCOMPARE(options.status, 200);
    QHash<QString, int> leadSourceValue;
    for (const auto &attribute : options.json.value("value"_L1).toArray()) {
        if (attribute.toObject().value("LogicalName"_L1).toString() != "new_leadsource"_L1) {
            continue;
        }
        for (const auto &option :
             attribute.toObject().value("OptionSet"_L1).toObject().value("Options"_L1).toArray()) {
            const QJsonObject o = option.toObject();
            leadSourceValue.insert(o.value("Label"_L1)
                                       .toObject()
                                       .value("UserLocalizedLabel"_L1)
                                       .toObject()
                                       .value("Label"_L1)
                                       .toString(),
                                   o.value("Value"_L1).toInt());
        }
    }
    QCOMPARE(leadSourceValue.size(), 7);

    QHash<QString, QJsonObject> byEmail;
    for (const auto &row : readAllContacts()) {
        byEmail.insert(row.value("emailaddress1"_L1).toString(), row);
    }
    QCOMPARE(byEmail.size(), 10000);

    auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"source"_s);
    db.setDatabaseName(QStringLiteral(D365_SAMPLE_DB));
    db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
    QVERIFY(db.open());
    {
        QSqlQuery query(db);
        QVERIFY(query.exec(
            u"SELECT email, first_name, last_name, phone, job_title, city, company, lifetime_value, "
            "lead_source, signup_date FROM customers"_s));
        int compared = 0;
        while (query.next()) {
            const QString email = query.value(0).toString();
            const QJsonObject record = byEmail.value(email);
            QVERIFY2(!record.isEmpty(), qPrintable(u"no contact for "_s + email));
            const auto textOrNull = [](const QVariant &v) {
                return v.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(v.toString());
            };
            QCOMPARE(record.value("firstname"_L1), textOrNull(query.value(1)));
            QCOMPARE(record.value("lastname"_L1), textOrNull(query.value(2)));
            QCOMPARE(record.value("telephone1"_L1), textOrNull(query.value(3)));
            QCOMPARE(record.value("jobtitle"_L1), textOrNull(query.value(4)));
            QCOMPARE(record.value("address1_city"_L1), textOrNull(query.value(5)));
            QCOMPARE(record.value("new_companyname"_L1), textOrNull(query.value(6)));
            QCOMPARE(qRound64(record.value("new_lifetimevalue"_L1).toDouble() * 100),
                     qRound64(query.value(7).toDouble() * 100));
            QCOMPARE(record.value("new_leadsource"_L1).toInt(-1),
                     leadSourceValue.value(query.value(8).toString(), -2));
            QCOMPARE(record.value("new_signupdate"_L1).toString(), query.value(9).toString());
            ++compared;
        }
        QCOMPARE(compared, 10000);
    }
    db.close();
}

void TestCliSync::run_again_updatesEveryRowAndCreatesNone()
{
    const QString mapping = writeMapping(u"sample.json"_s, [](QJsonObject &) {});
    // Nothing changed since the first run: the state says so, and nothing is sent.
    const QString report = m_dir.filePath(u"again-report.json"_s);
    const CliResult unchanged = cli({u"run"_s, mapping, u"--report"_s, report});
    QVERIFY2(unchanged.exitCode == 0, qPrintable(unchanged.out + unchanged.err));
    QVERIFY2(unchanged.out.contains("10,000 unchanged, 0 failed. 0 write requests"_L1),
             qPrintable(unchanged.out));
    // --full sends every row anyway: $batch PATCHes with return=representation tell created from updated.
    const CliResult run = cli({u"run"_s, mapping, u"--writer"_s, u"batch"_s, u"--full"_s});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QVERIFY2(run.out.contains("0 created, 10,000 updated, 0 failed"_L1), qPrintable(run.out));
    QCOMPARE(readAllContacts().size(), 10000);
    // UpsertMultiple cannot tell them apart, and never duplicates a record either.
    const CliResult bulk = cli({u"run"_s, mapping, u"--full"_s});
    QVERIFY2(bulk.exitCode == 0, qPrintable(bulk.out + bulk.err));
    QVERIFY2(bulk.out.contains("10,000 upserted, 0 failed"_L1), qPrintable(bulk.out));
    QCOMPARE(readAllContacts().size(), 10000);
}

void TestCliSync::run_rowsTooLong_exitOneAndReportsEachRow_data()
{
    QTest::addColumn<QString>("writer");
    QTest::addColumn<QString>("batchSize");
    QTest::addColumn<int>("requests");
    QTest::addColumn<QString>("counts");
    // The three bad rows fail before anything is sent (the client knows the column's max length), so
    // the seven good ones take one request (a bulk message or a $batch), or seven single requests.
    QTest::newRow("bulk") << u"auto"_s << u"1000"_s << 1 << u"7 upserted, 3 failed"_s;
    QTest::newRow("one batch") << u"batch"_s << u"100"_s << 1 << u"7 created, 0 updated, 3 failed"_s;
    QTest::newRow("one request per row") << u"batch"_s << u"1"_s << 7 << u"7 created, 0 updated, 3 failed"_s;
}

void TestCliSync::run_rowsTooLong_exitOneAndReportsEachRow()
{
    QFETCH(QString, writer);
    QFETCH(QString, batchSize);
    QFETCH(int, requests);
    QFETCH(QString, counts);
    // Three rows get a 60-character last name; contact.lastname allows 50. Each data row writes its own
    // contacts (the e-mail prefix), so both create.
    const QString mapping = writeMapping(u"toolong.json"_s, [batchSize, writer](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(
            u"query"_s,
            QString(u"SELECT customer_id, 'long"_s + writer + batchSize +
                    u"' || email AS email, first_name, "
                    "CASE WHEN customer_id IN (3, 5, 8) THEN substr(last_name || '"_s +
                    QString(60, u'x') +
                    u"', 1, 60) ELSE last_name END AS last_name, phone, job_title, city, company, "
                    "lifetime_value, lead_source, signup_date FROM customers WHERE customer_id <= 10 "
                    "ORDER BY customer_id"_s));
        m.insert(u"source"_s, source);
    });
    const QString report = m_dir.filePath(u"toolong-report.json"_s);
    const CliResult run =
        cli({u"run"_s, mapping, u"--report"_s, report, u"--batch-size"_s, batchSize, u"--writer"_s, writer});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains(counts), qPrintable(run.out));
    QVERIFY2(run.err.contains("lastname"_L1) && run.err.contains("at most 50"_L1), qPrintable(run.err));

    QFile reportFile(report);
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QJsonObject summary = QJsonDocument::fromJson(reportFile.readAll()).object();
    QCOMPARE(summary.value("requests"_L1).toInt(), requests);
    const QJsonArray failed = summary.value("failedRows"_L1).toArray();
    QCOMPARE(failed.size(), 3);
    QList<int> rows;
    for (const auto &row : failed) {
        rows.append(row.toObject().value("row"_L1).toInt());
        QVERIFY(row.toObject().value("message"_L1).toString().contains("lastname"_L1));
    }
    std::sort(rows.begin(), rows.end());
    QCOMPARE(rows, (QList<int>{3, 5, 8}));
}

void TestCliSync::run_insertOverExistingRows_onlyThoseFailInsideTheBatch_data()
{
    QTest::addColumn<QString>("writer");
    // $batch runs on past the failures: one request. CreateMultiple is all or nothing: it is split until
    // each existing row stands alone (1-8 → 1-4, 5-8 → 5-6, 7-8 → 5, 6 …), and every good row still lands.
    QTest::newRow("$batch") << u"batch"_s;
    QTest::newRow("CreateMultiple, split") << u"bulk"_s;
}

void TestCliSync::run_insertOverExistingRows_onlyThoseFailInsideTheBatch()
{
    QFETCH(QString, writer);
    // Rows 1-5 exist after an upsert; an insert of rows 1-8 then fails 1-5 on the service's side (412)
    // while 6-8 are created.
    const auto mappingFor = [this, writer](const QString &name, int lastId, const QString &mode) {
        return writeMapping(name, [lastId, mode, writer](QJsonObject &m) {
            QJsonObject source = m.value("source"_L1).toObject();
            source.insert(u"query"_s,
                          u"SELECT customer_id, 'ins%2' || email AS email, first_name, last_name, phone, "
                          "job_title, city, company, lifetime_value, lead_source, signup_date FROM "
                          "customers WHERE customer_id <= %1 ORDER BY customer_id"_s.arg(lastId)
                              .arg(writer));
            m.insert(u"source"_s, source);
            m.insert(u"mode"_s, mode);
            m.insert(u"writer"_s, writer);
        });
    };
    const CliResult first =
        cli({u"run"_s, mappingFor(u"ins-upsert.json"_s, 5, u"upsert"_s), u"--writer"_s, u"batch"_s});
    QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));
    QVERIFY2(first.out.contains("5 created"_L1), qPrintable(first.out));

    const QString report = m_dir.filePath(u"insert-report.json"_s);
    const CliResult run =
        cli({u"run"_s, mappingFor(u"ins-insert.json"_s, 8, u"insert"_s), u"--report"_s, report});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains("3 created, 0 updated, 5 failed"_L1), qPrintable(run.out));
    QFile reportFile(report);
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QJsonObject summary = QJsonDocument::fromJson(reportFile.readAll()).object();
    if (writer == "batch"_L1) {
        QCOMPARE(summary.value("requests"_L1).toInt(), 1);
    } else {
        QCOMPARE(summary.value("writer"_L1).toString(), u"CreateMultiple"_s);
        QVERIFY(summary.value("requests"_L1).toInt() > 1);
    }
    QList<int> rows;
    for (const auto &row : summary.value("failedRows"_L1).toArray()) {
        rows.append(row.toObject().value("row"_L1).toInt());
        QVERIFY2(row.toObject().value("message"_L1).toString().contains("already exists"_L1),
                 qPrintable(row.toObject().value("message"_L1).toString()));
        QCOMPARE(row.toObject().value("httpStatus"_L1).toInt(), 412);
    }
    std::sort(rows.begin(), rows.end());
    QCOMPARE(rows, (QList<int>{1, 2, 3, 4, 5}));
}

void TestCliSync::run_badBatchSize_exitTwoNamesTheLimit_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("writer");
    QTest::addColumn<QString>("limit");
    QTest::newRow("zero") << u"0"_s << u"auto"_s << u"from 1 to 5000"_s;
    QTest::newRow("$batch over the service's 1,000") << u"1001"_s << u"batch"_s << u"from 1 to 1000"_s;
    QTest::newRow("bulk over 5,000") << u"5001"_s << u"bulk"_s << u"from 1 to 5000"_s;
    QTest::newRow("not a number") << u"lots"_s << u"batch"_s << u"from 1 to 1000"_s;
}

void TestCliSync::run_badBatchSize_exitTwoNamesTheLimit()
{
    QFETCH(QString, value);
    QFETCH(QString, writer);
    QFETCH(QString, limit);
    const QString mapping = writeMapping(u"sample.json"_s, [](QJsonObject &) {});
    const CliResult run = cli({u"run"_s, mapping, u"--writer"_s, writer, u"--batch-size"_s, value});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"--batch-size must be a whole number "_s + limit), qPrintable(run.err));
    QVERIFY2(run.err.contains(u"'%1'"_s.arg(value)), qPrintable(run.err));
}

void TestCliSync::run_unknownProfile_exitTwoNamesTheFix()
{
    const QString mapping = writeMapping(u"noprofile.json"_s, [](QJsonObject &m) {
        QJsonObject target = m.value("target"_L1).toObject();
        target.insert(u"profile"_s, u"production"_s);
        m.insert(u"target"_s, target);
    });
    const CliResult run = cli({u"run"_s, mapping});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("No connection profile named 'production'"_L1), qPrintable(run.err));
    QVERIFY2(run.err.contains("d365sync-cli profile add production"_L1), qPrintable(run.err));
}

void TestCliSync::run_wrongEntitySet_exitTwoSuggestsPluralName()
{
    const QString mapping = writeMapping(u"singular.json"_s, [](QJsonObject &m) {
        QJsonObject target = m.value("target"_L1).toObject();
        target.insert(u"entitySet"_s, u"contact"_s);
        m.insert(u"target"_s, target);
    });
    const CliResult run = cli({u"run"_s, mapping});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("Entity not found"_L1), qPrintable(run.err));
    QVERIFY2(run.err.contains("Did you mean contacts"_L1), qPrintable(run.err));
}

void TestCliSync::run_unmappableColumn_exitTwoNamesJsonPath()
{
    const QString mapping = writeMapping(u"badcolumn.json"_s, [](QJsonObject &m) {
        QJsonArray fields = m.value("fields"_L1).toArray();
        QJsonObject field = fields.at(1).toObject();
        field.insert(u"target"_s, u"firstnam"_s);
        fields.replace(1, field);
        m.insert(u"fields"_s, fields);
    });
    const CliResult run = cli({u"run"_s, mapping});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("$.fields[1].target"_L1), qPrintable(run.err));
    QVERIFY2(run.err.contains("Did you mean firstname"_L1), qPrintable(run.err));
}

void TestCliSync::run_sandboxNotRunning_exitFourSaysConnectionRefused()
{
    // A profile pointing at a loopback port where nothing listens.
    const CliResult added =
        cli({u"profile"_s, u"add"_s, u"nowhere"_s, u"--url"_s, u"http://127.0.0.1:9"_s, u"--sandbox"_s});
    QCOMPARE(added.exitCode, 0);
    const QString mapping = writeMapping(u"sample.json"_s, [](QJsonObject &) {});
    const CliResult run = cli({u"run"_s, mapping, u"--profile"_s, u"nowhere"_s});
    QCOMPARE(run.exitCode, 4);
    QVERIFY2(run.err.contains("connection was refused"_L1), qPrintable(run.err));
}

void TestCliSync::validate_sampleMapping_succeeds()
{
    const QString mapping = writeMapping(u"sample.json"_s, [](QJsonObject &) {});
    const CliResult run = cli({u"validate"_s, mapping});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains("is valid"_L1), qPrintable(run.out));
}

void TestCliSync::validateAndRun_numberColumnOntoDateColumn_exitTwoNamesTypesBeforeAnyRow()
{
    // lifetime_value is declared NUMERIC in the warehouse; new_signupdate is a DateOnly column.
    const QString mapping = writeMapping(u"numbertodate.json"_s, [](QJsonObject &m) {
        QJsonArray fields = m.value("fields"_L1).toArray();
        QJsonObject field = fields.at(9).toObject();
        QCOMPARE(field.value("target"_L1).toString(), u"new_signupdate"_s);
        field.insert(u"source"_s, u"lifetime_value"_s);
        fields.replace(9, field);
        fields.removeAt(7); // lifetime_value is no longer mapped onto new_lifetimevalue
        m.insert(u"fields"_s, fields);
    });
    const QString expected = u"$.fields[8].source: the source column 'lifetime_value' holds numbers but "
                             "'new_signupdate' is a DateTimeType column"_s;

    const CliResult validate = cli({u"validate"_s, mapping});
    QCOMPARE(validate.exitCode, 2);
    QVERIFY2(validate.err.contains(expected), qPrintable(validate.err));

    const int before = int(readAllContacts().size());
    const CliResult run = cli({u"run"_s, mapping});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(expected), qPrintable(run.err));
    QVERIFY2(run.err.contains("CAST"_L1), qPrintable(run.err)); // the fix
    QCOMPARE(int(readAllContacts().size()), before);
}

void TestCliSync::run_unwritableReport_exitTwoBeforeAnyRowIsSent_data()
{
    QTest::addColumn<QString>("report");
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing folder") << u"/proc/nope/r.json"_s << u"the folder /proc/nope does not exist"_s;
    QTest::newRow("a folder") << QString() << u"it is a folder"_s; // the test's temp dir
}

void TestCliSync::run_unwritableReport_exitTwoBeforeAnyRowIsSent()
{
    QFETCH(QString, report);
    QFETCH(QString, reason);
    if (report.isEmpty())
        report = m_dir.path();
    // A mapping whose rows would all be created: any row sent would show in the org.
    const QString mapping = writeMapping(u"reportcheck.json"_s, [](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, QString(source.value("query"_L1).toString() + u" LIMIT 5"_s));
        m.insert(u"source"_s, source);
        m.insert(u"mode"_s, u"insert"_s);
    });
    const int before = int(readAllContacts().size());
    const CliResult run = cli({u"run"_s, mapping, u"--report"_s, report});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"Error: --report %1 cannot be written: %2."_s.arg(report, reason)),
             qPrintable(run.err));
    QVERIFY2(run.err.contains(u"nothing was synced"_s), qPrintable(run.err));
    QVERIFY(run.out.isEmpty()); // no summary: the run never started
    QCOMPARE(int(readAllContacts().size()), before);
}

void TestCliSync::profileAdd_settingsCannotBeWritten_exitTwoNamesFileAndReason()
{
    QProcess process;
    process.start(QStringLiteral(D365_CLI_EXE),
                  {u"--settings"_s, u"/proc/nope/s.ini"_s, u"profile"_s, u"add"_s, u"prod"_s, u"--url"_s,
                   u"https://contoso.crm.dynamics.com"_s});
    QVERIFY(process.waitForFinished(30000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), 2);
    QVERIFY2(
        err.contains(u"Error: Could not save the settings to /proc/nope/s.ini: the folder /proc/nope does "
                     "not exist."_s),
        qPrintable(err));
    QVERIFY2(err.contains(u"--settings FILE"_s), qPrintable(err));
    QVERIFY2(!err.contains(u"Saved profile"_s), qPrintable(err));
}

void TestCliSync::profileRemove_settingsCannotBeWritten_exitTwoAndProfileStays()
{
    // A settings file that can be read but not written: the CLI runs with a file size limit of 0 bytes (what
    // a full disk looks like to the writer), which even root cannot get around.
    const QString settings = m_dir.filePath(u"full-disk.ini"_s);
    QVERIFY(QFile::copy(m_settings, settings));
    QProcess process;
    process.setChildProcessModifier([] {
        const rlimit none{0, 0};
        setrlimit(RLIMIT_FSIZE, &none);
        std::signal(SIGXFSZ, SIG_IGN); // a failed write instead of a killed process
    });
    process.start(QStringLiteral(D365_CLI_EXE),
                  {u"--settings"_s, settings, u"profile"_s, u"remove"_s, u"sandbox"_s});
    QVERIFY(process.waitForFinished(30000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), 2);
    QVERIFY2(err.contains(u"Error: Could not save the settings to %1:"_s.arg(settings)), qPrintable(err));
    QVERIFY2(!err.contains(u"Removed profile"_s), qPrintable(err));
    QProcess list;
    list.start(QStringLiteral(D365_CLI_EXE), {u"--settings"_s, settings, u"profile"_s, u"list"_s});
    QVERIFY(list.waitForFinished(30000));
    const QString profiles = QString::fromUtf8(list.readAllStandardOutput());
    QVERIFY2(profiles.startsWith(u"sandbox\t"_s) || profiles.contains(u"\nsandbox\t"_s),
             qPrintable(profiles));
}

void TestCliSync::everyCommand_help_printsItsOwnHelpAndExitsZero_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("usage");
    QTest::addColumn<QStringList>("mentions");
    const QList<std::tuple<QStringList, QString, QStringList>> commands = {
        {{u"run"_s},
         u"run <mapping.json>"_s,
         {u"--profile <name>"_s, u"--batch-size <n>"_s, u"--report <file>"_s}},
        {{u"validate"_s}, u"validate <mapping.json>"_s, {u"--profile <name>"_s}},
        {{u"profile"_s}, u"profile add|list|show|remove"_s, {u"profile remove <name>"_s}},
        {{u"profile"_s, u"add"_s},
         u"profile add <name> --url URL"_s,
         {u"--url <url>"_s, u"--client-id <id>"_s}},
        {{u"profile"_s, u"list"_s}, u"profile list"_s, {u"-h, --help"_s}},
        {{u"profile"_s, u"show"_s}, u"profile show <name>"_s, {u"-h, --help"_s}},
        {{u"profile"_s, u"remove"_s}, u"profile remove <name>"_s, {u"auth logout"_s}},
        {{u"auth"_s}, u"auth login|status|logout|set-secret"_s, {u"auth set-secret --profile NAME"_s}},
        {{u"auth"_s, u"login"_s},
         u"auth login --profile NAME"_s,
         {u"--timeout <seconds>"_s, u"--redirect-host <host>"_s}},
        {{u"auth"_s, u"status"_s}, u"auth status --profile NAME"_s, {u"--profile <name>"_s}},
        {{u"auth"_s, u"logout"_s}, u"auth logout --profile NAME [--secret]"_s, {u"--secret"_s}},
        {{u"auth"_s, u"set-secret"_s}, u"auth set-secret --profile NAME"_s, {u"stdin"_s}},
    };
    for (const auto &[words, usage, mentions] : commands) {
        QTest::addRow("%s --help", qPrintable(words.join(u' ')))
            << (words + QStringList{u"--help"_s}) << usage << mentions;
        QTest::addRow("%s -h", qPrintable(words.join(u' ')))
            << (words + QStringList{u"-h"_s}) << usage << mentions;
        QTest::addRow("help %s", qPrintable(words.join(u' ')))
            << (QStringList{u"help"_s} + words) << usage << mentions;
    }
    // Help wins over what is missing or wrong on the line.
    QTest::newRow("run with a mapping --help")
        << QStringList{u"run"_s, u"m.json"_s, u"--help"_s} << u"run <mapping.json>"_s
        << QStringList{u"--concurrency <n>"_s};
    QTest::newRow("auth status --profile p --help")
        << QStringList{u"auth"_s, u"--profile"_s, u"p"_s, u"status"_s, u"--help"_s}
        << u"auth status --profile NAME"_s << QStringList{u"--profile <name>"_s};
}

void TestCliSync::everyCommand_help_printsItsOwnHelpAndExitsZero()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, usage);
    QFETCH(QStringList, mentions);
    const CliResult r = cli(arguments);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.startsWith(u"Usage: d365sync-cli "_s + usage), qPrintable(r.out));
    for (const QString &mention : mentions)
        QVERIFY2(r.out.contains(mention), qPrintable(r.out));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
}

void TestCliSync::run_withoutKeychain_printsNoKeychainWarning()
{
    // A sandbox profile runs on the development token; a missing keychain is no reason to warn on every run.
    const QString mapping = writeMapping(u"nokeychain.json"_s, [](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, QString(source.value("query"_L1).toString() + u" LIMIT 3"_s));
        m.insert(u"source"_s, source);
    });
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
    env.remove(u"DISPLAY"_s);
    env.remove(u"D365SYNC_CLIENT_SECRET"_s);
    env.remove(u"D365SYNC_ACCESS_TOKEN"_s);
    env.remove(u"QT_LOGGING_RULES"_s); // ctest's rules would override --verbose
    for (const bool verbose : {false, true}) {
        QProcess process;
        process.setProcessEnvironment(env);
        QStringList arguments{u"--settings"_s, m_settings, u"run"_s, mapping};
        if (verbose)
            arguments.prepend(u"--verbose"_s);
        process.start(QStringLiteral(D365_CLI_EXE), arguments);
        QVERIFY(process.waitForFinished(120000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(process.exitCode() == 0, qPrintable(err));
        // The keychain's trouble is there for --verbose, and only there.
        QVERIFY2(err.contains(u"keychain"_s, Qt::CaseInsensitive) == verbose, qPrintable(err));
    }
}

void TestCliSync::run_onATerminal_logLinesNeverLandOnTheProgressLine()
{
    // stderr on a pseudo-terminal: `run` draws its live progress line, and --verbose logs a line per request
    // from the worker thread meanwhile.
    const QString mapping = writeMapping(u"terminal.json"_s, [](QJsonObject &m) {
        QJsonObject source = m.value("source"_L1).toObject();
        source.insert(u"query"_s, QString(source.value("query"_L1).toString() + u" LIMIT 300"_s));
        m.insert(u"source"_s, source);
    });
    int master = -1;
    int slave = -1;
    QVERIFY(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"QT_LOGGING_RULES"_s); // ctest's rules would override --verbose
    process.setProcessEnvironment(env);
    process.setChildProcessModifier([slave] { ::dup2(slave, STDERR_FILENO); });
    process.start(QStringLiteral(D365_CLI_EXE),
                  {u"--verbose"_s, u"--settings"_s, m_settings, u"run"_s, mapping, u"--batch-size"_s, u"1"_s,
                   u"--concurrency"_s, u"2"_s});
    ::close(slave);
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
    QByteArray terminal;
    const auto drain = [&] {
        char buffer[65536];
        ssize_t n = 0;
        while ((n = ::read(master, buffer, sizeof buffer)) > 0)
            terminal.append(buffer, n);
    };
    // Reads the terminal while waiting: a full pty would block the CLI.
    while (!process.waitForFinished(50))
        drain();
    drain();
    ::close(master);
    QVERIFY2(process.exitCode() == 0, terminal.right(2000).constData());

    // What the terminal shows: each line as it stands after its last "clear line" / carriage return.
    QByteArrayList screen;
    for (QByteArray line : terminal.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1); // the terminal's own CR of CR LF
        if (const qsizetype clear = line.lastIndexOf("\x1b[2K"); clear >= 0)
            line = line.mid(clear + 4);
        if (const qsizetype cr = line.lastIndexOf('\r'); cr >= 0)
            line = line.mid(cr + 1);
        screen << line;
    }
    int logLines = 0;
    for (const QByteArray &line : screen) {
        const qsizetype log = line.indexOf("d365.");
        QVERIFY2(log <= 0, qPrintable(u"a log line landed on another line: "_s + QString::fromUtf8(line)));
        logLines += log == 0 ? 1 : 0;
    }
    QVERIFY2(logLines >= 300, "expected a debug line per request");
    QVERIFY2(terminal.contains("\x1b[2Kd365."), "no log line was printed while the progress line showed");
    const bool finalStateShown = std::any_of(screen.cbegin(), screen.cend(), [](const QByteArray &line) {
        return line.contains(" 300 / 300 rows (100%)");
    });
    QVERIFY2(finalStateShown, "the final progress line is not left on screen");
}

QTEST_GUILESS_MAIN(TestCliSync)
#include "tst_clisync.moc"
