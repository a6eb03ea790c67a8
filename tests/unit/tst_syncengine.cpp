// The sync engine in-process, over a fake transport answered by a tiny in-memory org
// (tests/common/fakeorg.h): the failure paths made to happen on purpose — a bulk request refused for one row,
// answers lost before and after the service carried a create out, 429s, dropped connections, tokens that
// expire mid-run, a fatal error mid-run — and in every case each row read ends with exactly one outcome and
// nothing is duplicated.

#include "common/fakeorg.h"
#include "services/sync/syncengine.h"

#include <QSemaphore>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365;
using namespace d365::services;
using namespace d365::testsupport;

namespace {

struct Run
{
    SyncSummary summary;
    QList<RowOutcome> outcomes;
    QList<QPair<ErrorCategory, QString>> errors;

    QHash<qint64, RowOutcome> byRow() const
    {
        QHash<qint64, RowOutcome> rows;
        for (const RowOutcome &outcome : outcomes) {
            rows.insert(outcome.sourceRow, outcome);
        }
        return rows;
    }
};

QList<QVariantList> people(int count, const std::function<QString(int)> &lastName = {})
{
    QList<QVariantList> rows;
    for (int i = 1; i <= count; ++i) {
        rows.append({i, u"person%1@example.com"_s.arg(i), u"First%1"_s.arg(i),
                     lastName ? lastName(i) : u"Last%1"_s.arg(i)});
    }
    return rows;
}

Mapping mappingFor(SyncMode mode, const QString &entitySet = u"contacts"_s)
{
    Mapping mapping;
    mapping.name = u"engine test"_s;
    mapping.source.keyColumn = u"id"_s;
    mapping.target.entitySet = entitySet;
    mapping.target.matchKey = {u"emailaddress1"_s};
    mapping.mode = mode;
    auto field = [](const QString &source, const QString &target) {
        FieldMapping f;
        f.source = source;
        f.target = target;
        return f;
    };
    mapping.fields = {field(u"email"_s, u"emailaddress1"_s), field(u"first"_s, u"firstname"_s),
                      field(u"last"_s, u"lastname"_s)};
    return mapping;
}

// Every source row read has exactly one outcome.
void checkOneOutcomePerRow(const Run &run)
{
    QSet<qint64> seen;
    for (const RowOutcome &outcome : run.outcomes) {
        QVERIFY2(!seen.contains(outcome.sourceRow), qPrintable(u"row %1 twice"_s.arg(outcome.sourceRow)));
        seen.insert(outcome.sourceRow);
    }
    QCOMPARE(qint64(seen.size()), run.summary.rowsRead);
    QCOMPARE(run.summary.done(), run.summary.rowsRead);
    for (qint64 row = 0; row < run.summary.rowsRead; ++row) {
        QVERIFY2(seen.contains(row), qPrintable(u"row %1 has no outcome"_s.arg(row)));
    }
}

bool isBulk(const HttpRequest &request, const char *message)
{
    return request.method == "POST" && request.url.path().endsWith(QLatin1StringView(message));
}

} // namespace

class TestSyncEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upsert_bulk_thousandRowsPerRequestAndEveryRowLands();
    void upsert_oneRowRefused_splitUntilItStandsAloneAndEveryOtherRowLands();
    void insert_answerLostAfterTheCreate_rowsAreCreatedOnceAndReportedCreated();
    void insert_answerLostBeforeTheCreate_rowsAreSentAgain();
    void insert_answerLostAndTheLookupsDroppedToo_stillResolvedWithoutDuplicates();
    void insert_recordsThatExistedBefore_failAlreadyExistsAlsoWhenTheAnswerWasLost();
    void update_byAlternateKey_resolvesIdsInOneReadAndFailsMissingKeys();
    void fatalErrorMidRun_everyRowReadHasExactlyOneOutcomeAndTheRestIsNotRead();
    void errorBeforeTheFirstRow_nothingIsReadAndTheSummarySaysSo();
    void duplicateMatchKeys_laterRowsFailNamingTheFirst();
    void throttlingAndDroppedAnswers_everyRowLandsOnce();
    void tokenRefusedEveryFiveRequests_runCompletes();
    void missingPrivilege_stopsBeforeAnyRowIsSent();
    void cancel_midRun_stopsReadingAndAccountsForEveryRowRead();
    void slowCount_firstRowsAreSentBeforeTheCountArrives();
    void state_changedRowsOnly_andARefusedRowIsTriedAgainEvenUnchanged();
    void state_updateMode_sendsOnlyTheChangedColumns();

private:
    Run run(FakeOrg &org, const Mapping &mapping, QList<QVariantList> rows, SyncOptions options = {},
            const std::function<void(SyncEngine &, qint64 done)> &whileRunning = {},
            const std::function<void()> &beforeCount = {});
};

Run TestSyncEngine::run(FakeOrg &org, const Mapping &mapping, QList<QVariantList> rows, SyncOptions options,
                        const std::function<void(SyncEngine &, qint64 done)> &whileRunning,
                        const std::function<void()> &beforeCount)
{
    auto client = org.client();
    // Each run keeps its sync state in a file of its own unless the test chose one.
    QTemporaryDir stateDir;
    if (options.statePath.isEmpty()) {
        options.statePath = stateDir.filePath(u"state.db"_s);
    }
    const QStringList columns{u"id"_s, u"email"_s, u"first"_s, u"last"_s};
    SyncEngine engine(
        mapping, client.get(),
        [columns, rows, beforeCount]() -> Result<std::unique_ptr<WarehouseSource>> {
            auto source = std::make_unique<FakeSource>(columns, rows);
            source->beforeCount = beforeCount;
            return std::unique_ptr<WarehouseSource>(std::move(source));
        },
        options);
    Run result;
    connect(&engine, &SyncEngine::rowOutcomes, this,
            [&result](const QList<RowOutcome> &batch) { result.outcomes += batch; });
    connect(&engine, &SyncEngine::error, this, [&result](ErrorCategory category, const QString &message) {
        result.errors.append({category, message});
    });
    QSignalSpy finished(&engine, &SyncEngine::finished);
    if (whileRunning) {
        connect(&engine, &SyncEngine::progress, this,
                [&engine, &whileRunning](qint64 done) { whileRunning(engine, done); });
    }
    engine.start();
    if (finished.isEmpty()) {
        finished.wait(30000);
    }
    if (!finished.isEmpty()) {
        result.summary = finished.first().first().value<SyncSummary>();
    }
    return result;
}

void TestSyncEngine::upsert_bulk_thousandRowsPerRequestAndEveryRowLands()
{
    FakeOrg org;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(2500));
    QCOMPARE(r.summary.upserted, 2500);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(r.summary.writer, u"UpsertMultiple"_s);
    QCOMPARE(r.summary.requests, 3); // 1,000 + 1,000 + 500
    QVERIFY(r.summary.sourceComplete);
    QCOMPARE(r.summary.total, 2500);
    QCOMPARE(org.records.size(), 2500);
    QCOMPARE(org.records.value(u"person7@example.com"_s).values.value("firstname"_L1).toString(),
             u"First7"_s);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::upsert_oneRowRefused_splitUntilItStandsAloneAndEveryOtherRowLands()
{
    FakeOrg org;
    const Run r = run(org, mappingFor(SyncMode::Upsert),
                      people(1000, [](int i) { return i == 500 ? u"BAD"_s : u"Last%1"_s.arg(i); }));
    QCOMPARE(r.summary.upserted, 999);
    QCOMPARE(r.summary.failed, 1);
    const RowOutcome bad = r.byRow().value(499);
    QCOMPARE(bad.status, RowStatus::Failed);
    QCOMPARE(bad.errorCode, u"0x80040203"_s); // the row's own Dataverse error
    QVERIFY2(bad.message.contains("lastname BAD is refused"_L1), qPrintable(bad.message));
    QCOMPARE(org.records.size(), 999);
    // Halving 1,000 rows down to one takes about 2 × log2(1000) requests, not 1,000.
    QVERIFY2(r.summary.requests <= 25, qPrintable(QString::number(r.summary.requests)));
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::insert_answerLostAfterTheCreate_rowsAreCreatedOnceAndReportedCreated()
{
    FakeOrg org;
    bool dropped = false;
    org.fault = [&dropped](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (!dropped && isBulk(request, "CreateMultiple")) {
            dropped = true; // the service creates the rows, the answer never arrives
            return FakeOrg::Fault{transportFailure(TransportError::ConnectionClosed, true), true};
        }
        return std::nullopt;
    };
    const Run r = run(org, mappingFor(SyncMode::Insert), people(50));
    QCOMPARE(r.summary.created, 50);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(org.records.size(), 50);
    QCOMPARE(org.writes, 1);             // never sent a second time
    QCOMPARE(r.summary.readRequests, 1); // one lookup told what happened
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::insert_answerLostBeforeTheCreate_rowsAreSentAgain()
{
    FakeOrg org;
    bool dropped = false;
    org.fault = [&dropped](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (!dropped && isBulk(request, "CreateMultiple")) {
            dropped = true; // lost on the way: the service never saw it
            return FakeOrg::Fault{transportFailure(TransportError::ConnectionClosed, true), false};
        }
        return std::nullopt;
    };
    const Run r = run(org, mappingFor(SyncMode::Insert), people(50));
    QCOMPARE(r.summary.created, 50);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(org.records.size(), 50);
    QCOMPARE(org.writes, 1);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::insert_answerLostAndTheLookupsDroppedToo_stillResolvedWithoutDuplicates()
{
    // The create's answer is lost, and so are the answers of the next eight lookups (more than one round of
    // the client's retries): the lookup keeps trying, and the rows end created, once.
    FakeOrg org;
    bool dropped = false;
    int lookupsDropped = 0;
    org.fault = [&](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (!dropped && isBulk(request, "CreateMultiple")) {
            dropped = true;
            return FakeOrg::Fault{transportFailure(TransportError::ConnectionClosed, true), true};
        }
        if (request.url.path().endsWith("$batch"_L1) && lookupsDropped < 8) {
            ++lookupsDropped;
            return FakeOrg::Fault{transportFailure(TransportError::ConnectionClosed, true), true};
        }
        return std::nullopt;
    };
    const Run r = run(org, mappingFor(SyncMode::Insert), people(40));
    QCOMPARE(r.summary.created, 40);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(org.records.size(), 40);
    QCOMPARE(org.writes, 1);
    QCOMPARE(lookupsDropped, 8);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::insert_recordsThatExistedBefore_failAlreadyExistsAlsoWhenTheAnswerWasLost()
{
    FakeOrg org;
    const QDateTime yesterday = QDateTime::currentDateTimeUtc().addDays(-1);
    for (const int i : {2, 5, 9}) {
        org.seed(u"person%1@example.com"_s.arg(i), yesterday);
    }
    bool dropped = false;
    org.fault = [&dropped](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (!dropped && isBulk(request, "CreateMultiple")) {
            dropped = true;
            return FakeOrg::Fault{transportFailure(TransportError::Timeout, true), false};
        }
        return std::nullopt;
    };
    const Run r = run(org, mappingFor(SyncMode::Insert), people(10));
    QCOMPARE(r.summary.created, 7);
    QCOMPARE(r.summary.failed, 3);
    for (const qint64 row : {1, 4, 8}) {
        const RowOutcome outcome = r.byRow().value(row);
        QCOMPARE(outcome.status, RowStatus::Failed);
        QVERIFY2(outcome.message.contains("already exists"_L1), qPrintable(outcome.message));
    }
    QCOMPARE(org.records.size(), 10);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::update_byAlternateKey_resolvesIdsInOneReadAndFailsMissingKeys()
{
    FakeOrg org;
    for (int i = 1; i <= 5; ++i) {
        org.seed(u"person%1@example.com"_s.arg(i), QDateTime::currentDateTimeUtc());
    }
    const Run r = run(org, mappingFor(SyncMode::Update), people(6));
    QCOMPARE(r.summary.writer, u"UpdateMultiple"_s);
    QCOMPARE(r.summary.updated, 5);
    QCOMPARE(r.summary.failed, 1);
    const RowOutcome missing = r.byRow().value(5);
    QVERIFY2(missing.message.contains("No contact record matches"_L1) &&
                 missing.message.contains("person6@example.com"_L1),
             qPrintable(missing.message));
    QCOMPARE(r.summary.readRequests, 1);
    QCOMPARE(org.records.size(), 5); // update never creates
    QCOMPARE(org.records.value(u"person3@example.com"_s).values.value("lastname"_L1).toString(), u"Last3"_s);
    // UpdateMultiple got ids, not keys (FACTS §7).
    bool sawUpdate = false;
    for (const HttpRequest &request : std::as_const(org.requests)) {
        if (isBulk(request, "UpdateMultiple")) {
            sawUpdate = true;
            const QJsonArray targets =
                QJsonDocument::fromJson(request.body).object().value("Targets"_L1).toArray();
            QCOMPARE(targets.size(), 5);
            QVERIFY(targets.first().toObject().contains("contactid"_L1));
            QVERIFY(!targets.first().toObject().contains("@odata.id"_L1));
        }
    }
    QVERIFY(sawUpdate);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::fatalErrorMidRun_everyRowReadHasExactlyOneOutcomeAndTheRestIsNotRead()
{
    FakeOrg org;
    int bulkRequests = 0;
    org.fault = [&bulkRequests](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (isBulk(request, "UpsertMultiple") && ++bulkRequests > 8) {
            return FakeOrg::Fault{
                errorReply(403, u"0x80040220"_s,
                           u"Principal user (Id=x, type=8) is missing prvWriteContact privilege "
                           "(Id=y) on OTC=2 for entity 'contact'."_s),
                false};
        }
        return std::nullopt;
    };
    SyncOptions options;
    options.batchSize = 100;
    options.maxConcurrentRequests = 1;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(2000), options);
    QVERIFY(r.summary.fatal);
    QCOMPARE(r.summary.fatal->category, ErrorCategory::Privilege);
    QCOMPARE(r.errors.size(), 1);
    QCOMPARE(r.summary.upserted, 800);
    QCOMPARE(r.summary.failed, 100); // the chunk the service refused
    QVERIFY(!r.summary.sourceComplete);
    QCOMPARE(r.summary.total, 2000);
    QCOMPARE(r.summary.skipped + r.summary.upserted + r.summary.failed, r.summary.rowsRead);
    QCOMPARE(r.summary.notRead(), 2000 - r.summary.rowsRead);
    QVERIFY(r.summary.notRead() > 0);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::errorBeforeTheFirstRow_nothingIsReadAndTheSummarySaysSo()
{
    FakeOrg org;
    const Run r = run(org, mappingFor(SyncMode::Upsert, u"contactz"_s), people(20));
    QVERIFY(r.summary.fatal);
    QCOMPARE(r.summary.rowsRead, 0);
    QCOMPARE(r.summary.done(), 0);
    QVERIFY(!r.summary.sourceComplete);
    QVERIFY(r.outcomes.isEmpty());
    QCOMPARE(org.writes, 0);
}

void TestSyncEngine::duplicateMatchKeys_laterRowsFailNamingTheFirst()
{
    FakeOrg org;
    QList<QVariantList> rows = people(5);
    rows[3][1] = u"PERSON2@example.com"_s; // Dataverse compares keys case-insensitively: the same record
    const Run r = run(org, mappingFor(SyncMode::Upsert), rows);
    QCOMPARE(r.summary.upserted, 4);
    QCOMPARE(r.summary.failed, 1);
    const RowOutcome duplicate = r.byRow().value(3);
    QCOMPARE(duplicate.errorCode, u"duplicate-key"_s);
    QVERIFY2(duplicate.message.contains("source row 2"_L1), qPrintable(duplicate.message));
    QCOMPARE(org.records.size(), 4);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::throttlingAndDroppedAnswers_everyRowLandsOnce()
{
    FakeOrg org;
    org.fault = [](const HttpRequest &request, int n) -> std::optional<FakeOrg::Fault> {
        if (n % 3 == 0) {
            return FakeOrg::Fault{errorReply(429, u"0x80072322"_s, u"Number of requests exceeded the limit"_s,
                                             {qMakePair(QByteArray("Retry-After"), QByteArray("0"))}),
                                  false};
        }
        if (isBulk(request, "UpsertMultiple") && n % 5 == 0) {
            return FakeOrg::Fault{transportFailure(TransportError::ConnectionClosed, true), true};
        }
        return std::nullopt;
    };
    SyncOptions options;
    options.batchSize = 100;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(3000), options);
    QVERIFY2(!r.summary.fatal, r.summary.fatal ? qPrintable(r.summary.fatal->message) : "");
    QCOMPARE(r.summary.upserted, 3000);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(org.records.size(), 3000);
    QVERIFY(r.summary.throttled > 0);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::tokenRefusedEveryFiveRequests_runCompletes()
{
    FakeOrg org;
    org.usesPerToken = 5;
    SyncOptions options;
    options.batchSize = 50;
    options.maxConcurrentRequests = 16;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(2000), options);
    QVERIFY2(!r.summary.fatal, r.summary.fatal ? qPrintable(r.summary.fatal->message) : "");
    QCOMPARE(r.summary.upserted, 2000);
    QCOMPARE(org.records.size(), 2000);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::missingPrivilege_stopsBeforeAnyRowIsSent()
{
    FakeOrg org;
    org.heldPrivileges.remove(u"prvCreateContact"_s);
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(10));
    QVERIFY(r.summary.fatal);
    QCOMPARE(r.summary.fatal->category, ErrorCategory::Privilege);
    QVERIFY2(r.summary.fatal->message.contains("prvCreateContact"_L1), qPrintable(r.summary.fatal->message));
    QCOMPARE(org.writes, 0);
    QCOMPARE(r.summary.rowsRead, 0);

    // Update mode needs Write only: the same user may run it.
    FakeOrg updates;
    updates.heldPrivileges.remove(u"prvCreateContact"_s);
    updates.seed(u"person1@example.com"_s, QDateTime::currentDateTimeUtc());
    const Run u = run(updates, mappingFor(SyncMode::Update), people(1));
    QVERIFY(!u.summary.fatal);
    QCOMPARE(u.summary.updated, 1);
}

void TestSyncEngine::cancel_midRun_stopsReadingAndAccountsForEveryRowRead()
{
    FakeOrg org;
    SyncEngine *running = nullptr;
    int writes = 0;
    // The user cancels while the third write request is on its way.
    org.fault = [&running, &writes](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (isBulk(request, "UpsertMultiple") && ++writes == 3 && running) {
            running->cancel();
        }
        return std::nullopt;
    };
    SyncOptions options;
    options.batchSize = 100;
    options.maxConcurrentRequests = 2;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(5000), options,
                      [&running](SyncEngine &engine, qint64) { running = &engine; });
    QVERIFY(r.summary.cancelled);
    QVERIFY(r.summary.upserted >= 300); // what was on the wire finishes and keeps its outcome
    QVERIFY(r.summary.rowsRead < 5000);
    QCOMPARE(org.records.size(), r.summary.upserted);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::slowCount_firstRowsAreSentBeforeTheCountArrives()
{
    // Counting the source takes until the first write has reached the org: an engine that counted before
    // it sends would never send (and the count would give up after 20 s).
    FakeOrg org;
    QSemaphore firstWrite;
    std::atomic_bool countWaited{false};
    org.fault = [&firstWrite](const HttpRequest &request, int) -> std::optional<FakeOrg::Fault> {
        if (isBulk(request, "UpsertMultiple") && firstWrite.available() == 0) {
            firstWrite.release();
        }
        return std::nullopt;
    };
    SyncOptions options;
    options.batchSize = 100;
    const Run r = run(org, mappingFor(SyncMode::Upsert), people(500), options, {},
                      [&firstWrite, &countWaited] { countWaited = firstWrite.tryAcquire(1, 20000); });
    QVERIFY(countWaited.load()); // the first rows were on the wire while the count was still running
    QCOMPARE(r.summary.upserted, 500);
    QCOMPARE(r.summary.total, 500);
    checkOneOutcomePerRow(r);
}

void TestSyncEngine::state_changedRowsOnly_andARefusedRowIsTriedAgainEvenUnchanged()
{
    FakeOrg org;
    QTemporaryDir dir;
    SyncOptions options;
    options.statePath = dir.filePath(u"state.db"_s);
    const auto bad = [](int i) { return i == 50 ? u"BAD"_s : u"Last%1"_s.arg(i); };
    Run r = run(org, mappingFor(SyncMode::Upsert), people(1000, bad), options);
    QCOMPARE(r.summary.upserted, 999);
    QCOMPARE(r.summary.failed, 1);

    // Nothing changed: only the refused row goes again (and is refused again).
    r = run(org, mappingFor(SyncMode::Upsert), people(1000, bad), options);
    QCOMPARE(r.summary.unchanged, 999);
    QCOMPARE(r.summary.failed, 1);
    QCOMPARE(r.summary.requests, 1);
    checkOneOutcomePerRow(r);

    // One row in a hundred changes, and the refused one is fixed: exactly those eleven are written.
    r = run(org, mappingFor(SyncMode::Upsert),
            people(1000, [](int i) { return i % 100 == 0 ? u"Changed%1"_s.arg(i) : u"Last%1"_s.arg(i); }),
            options);
    QCOMPARE(r.summary.upserted, 11);
    QCOMPARE(r.summary.unchanged, 989);
    QCOMPARE(r.summary.failed, 0);
    QCOMPARE(org.records.value(u"person300@example.com"_s).values.value("lastname"_L1).toString(),
             u"Changed300"_s);
    QCOMPARE(org.records.value(u"person50@example.com"_s).values.value("lastname"_L1).toString(),
             u"Last50"_s);

    // --full sends all of them; --retry-failed, with nothing failed last time, sends none.
    options.fullResync = true;
    r = run(org, mappingFor(SyncMode::Upsert), people(1000), options);
    QCOMPARE(r.summary.upserted, 1000);
    options.fullResync = false;
    options.retryFailed = true;
    r = run(org, mappingFor(SyncMode::Upsert), people(1000), options);
    QCOMPARE(r.summary.rowsRead, 0);
    QCOMPARE(r.summary.retryRows, 0);
    QCOMPARE(r.summary.requests, 0);
}

void TestSyncEngine::state_updateMode_sendsOnlyTheChangedColumns()
{
    FakeOrg org;
    for (int i = 1; i <= 20; ++i) {
        org.seed(u"person%1@example.com"_s.arg(i), QDateTime::currentDateTimeUtc());
    }
    QTemporaryDir dir;
    SyncOptions options;
    options.statePath = dir.filePath(u"state.db"_s);
    const auto targetsOf = [&org](qsizetype from) {
        QList<QJsonObject> targets;
        for (qsizetype i = from; i < org.requests.size(); ++i) {
            if (isBulk(org.requests[i], "UpdateMultiple")) {
                const QJsonArray array =
                    QJsonDocument::fromJson(org.requests[i].body).object().value("Targets"_L1).toArray();
                for (const QJsonValue &target : array)
                    targets.append(target.toObject());
            }
        }
        return targets;
    };
    Run r = run(org, mappingFor(SyncMode::Update), people(20), options);
    QCOMPARE(r.summary.updated, 20);
    QCOMPARE(targetsOf(0).size(), 20);
    QVERIFY(targetsOf(0).constFirst().contains("firstname"_L1)); // the first time: every column

    // Someone edits person3's first name in the org; the warehouse changes person3's and person7's last
    // names. Only the last names go: the org's first name stays.
    org.records[u"person3@example.com"_s].values.insert(u"firstname"_s, u"EditedInTheOrg"_s);
    const qsizetype before = org.requests.size();
    const auto lastChanged = [](int i) { return i == 3 || i == 7 ? u"New%1"_s.arg(i) : u"Last%1"_s.arg(i); };
    r = run(org, mappingFor(SyncMode::Update), people(20, lastChanged), options);
    QCOMPARE(r.summary.updated, 2);
    QCOMPARE(r.summary.unchanged, 18);
    checkOneOutcomePerRow(r);
    const QList<QJsonObject> sent = targetsOf(before);
    QCOMPARE(sent.size(), 2);
    for (const QJsonObject &target : sent) {
        QVERIFY2(!target.contains("firstname"_L1), QJsonDocument(target).toJson().constData());
        QVERIFY(target.value("lastname"_L1).toString().startsWith("New"_L1));
    }
    QCOMPARE(org.records.value(u"person3@example.com"_s).values.value("firstname"_L1).toString(),
             u"EditedInTheOrg"_s);
    QCOMPARE(org.records.value(u"person3@example.com"_s).values.value("lastname"_L1).toString(), u"New3"_s);

    // A value changing back is a change too, and the next run is unchanged again.
    r = run(org, mappingFor(SyncMode::Update), people(20), options);
    QCOMPARE(r.summary.updated, 2);
    r = run(org, mappingFor(SyncMode::Update), people(20), options);
    QCOMPARE(r.summary.unchanged, 20);
    QCOMPARE(r.summary.requests, 0);

    // --full sends every column of every row: the org's edit is overwritten.
    options.fullResync = true;
    const qsizetype beforeFull = org.requests.size();
    r = run(org, mappingFor(SyncMode::Update), people(20), options);
    QCOMPARE(r.summary.updated, 20);
    QVERIFY(targetsOf(beforeFull).constFirst().contains("firstname"_L1));
    QCOMPARE(org.records.value(u"person3@example.com"_s).values.value("firstname"_L1).toString(),
             u"First3"_s);
}

QTEST_GUILESS_MAIN(TestSyncEngine)
#include "tst_syncengine.moc"
