// The sync state file on its own: what survives a reopen (confirmed hashes, failures, a create's intent),
// what a changed mapping resets, what a complete run prunes, the run history and its limits, and files it
// must refuse.

#include "services/mapping/mapping.h"
#include "services/sync/statestore.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace {

StateStore::Confirmed row(const QString &key, quint64 rowHash)
{
    return {StateStore::keyHash(key), key, rowHash, {}, {}};
}

SyncSummary summary(qint64 read, qint64 failed)
{
    SyncSummary s;
    s.rowsRead = read;
    s.total = read;
    s.upserted = read - failed;
    s.failed = failed;
    s.sourceComplete = true;
    s.writer = u"UpsertMultiple"_s;
    return s;
}

} // namespace

class TestStateStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void keyHash_isCaseSensitiveLikeTheWarehouse();
    void defaultPath_audience_ownFileNotTheRecordMappingsOfTheSameTable();
    void confirmedAndFailedRows_surviveAReopen();
    void pendingCreate_survivesAReopenUntilConfirmed();
    void changedFingerprint_forgetsHashesKeepsHistory();
    void completeRun_prunesRowsTheSourceNoLongerHas_incompleteKeepsThem();
    void memberHashes_surviveAReopen_changedFingerprintOrOtherModeForgetsThem();
    void memberHashes_packedSortedAndSearchable();
    void open_versionOneFile_gainsTheMembersColumnKeepsItsRows();
    void history_recordsEveryRunNewestFirst_killedRunHasNoEnd();
    void failedLastRun_isThePreviousRunsFailuresAndUnconfirmedWriteFailures();
    void history_keepsTheLastRunsOnly();
    void open_fileThatIsNotAStateFile_errorNamesFileAndFix();
    void readHistory_missingFile_isEmptyNotAnError();

private:
    std::unique_ptr<StateStore> open(const QString &fingerprint = u"f1"_s);

    QTemporaryDir m_dir;
    QString m_path;
    int m_files = 0;
};

void TestStateStore::init()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(u"state-%1.db"_s.arg(++m_files));
}

std::unique_ptr<StateStore> TestStateStore::open(const QString &fingerprint)
{
    auto opened = StateStore::open(m_path, fingerprint);
    if (!opened.ok()) {
        qWarning().noquote() << opened.error().message;
        return nullptr;
    }
    return std::move(opened.value());
}

void TestStateStore::defaultPath_audience_ownFileNotTheRecordMappingsOfTheSameTable()
{
    // The sample's records mapping and its newsletter audience read the same warehouse into contacts by the
    // same key; sharing a file, one would reset the other's state (their fingerprints differ).
    Mapping records;
    records.source.type = u"sqlite"_s;
    records.source.path = u"/data/warehouse.db"_s;
    records.source.keyColumn = u"customer_id"_s;
    records.target.entitySet = u"contacts"_s;
    records.target.matchKey = {u"emailaddress1"_s};
    Mapping newsletter = records;
    newsletter.target.list = ListSpec{{}, u"Newsletter"_s, true, 20, AudienceMode::Mirror};
    Mapping other = newsletter;
    other.target.list->name = u"Partners"_s;
    const QString org = u"https://contoso.crm.dynamics.com"_s;
    QVERIFY(StateStore::defaultPath(org, records) != StateStore::defaultPath(org, newsletter));
    QVERIFY(StateStore::defaultPath(org, newsletter) != StateStore::defaultPath(org, other));
    // The mode and the gate are not the list's identity: the same list keeps its history across them.
    Mapping added = newsletter;
    added.target.list->mode = AudienceMode::Add;
    added.target.list->maxRemovalPercent = 5;
    QCOMPARE(StateStore::defaultPath(org, added), StateStore::defaultPath(org, newsletter));
}

void TestStateStore::keyHash_isCaseSensitiveLikeTheWarehouse()
{
    QVERIFY(StateStore::keyHash(u"abc"_s) != StateStore::keyHash(u"ABC"_s));
    QCOMPARE(StateStore::keyHash(u"abc"_s), StateStore::keyHash(u"abc"_s));
    QVERIFY(StateStore::keyHash(QString()) != 0); // 0 marks an empty slot
}

void TestStateStore::confirmedAndFailedRows_surviveAReopen()
{
    {
        auto store = open();
        QVERIFY(store);
        QVERIFY(store->confirm({row(u"1"_s, 11), row(u"2"_s, 22)}).ok());
        QVERIFY(store->fail({StateStore::keyHash(u"2"_s)}).ok());
    }
    auto store = open();
    QVERIFY(store);
    QCOMPARE(store->size(), 2);
    QVERIFY(!store->fingerprintChanged());
    const StateStore::Entry *one = store->entry(StateStore::keyHash(u"1"_s));
    QVERIFY(one);
    QCOMPARE(one->rowHash, 11u);
    QVERIFY(!one->failed);
    const StateStore::Entry *two = store->entry(StateStore::keyHash(u"2"_s));
    QVERIFY(two);
    QVERIFY(two->failed); // tried again next run even when unchanged
    QVERIFY(!store->entry(StateStore::keyHash(u"3"_s)));
}

void TestStateStore::pendingCreate_survivesAReopenUntilConfirmed()
{
    {
        auto store = open();
        QVERIFY(store->markPending({row(u"7"_s, 0)}, 1700000000000).ok());
    }
    {
        auto store = open();
        QCOMPARE(store->pendingRows().size(), 1);
        QVERIFY(store->entry(StateStore::keyHash(u"7"_s))->pending);
        QCOMPARE(store->pendingSince(StateStore::keyHash(u"7"_s)), 1700000000000);
        QVERIFY(store->confirm({row(u"7"_s, 77)}).ok());
    }
    auto store = open();
    QVERIFY(store->pendingRows().isEmpty());
    QVERIFY(!store->entry(StateStore::keyHash(u"7"_s))->pending);
    QCOMPARE(store->pendingSince(StateStore::keyHash(u"7"_s)), 0);
    QCOMPARE(store->entry(StateStore::keyHash(u"7"_s))->rowHash, 77u);
}

void TestStateStore::changedFingerprint_forgetsHashesKeepsHistory()
{
    {
        auto store = open(u"before"_s);
        const qint64 run = store->beginRun({});
        QVERIFY(store->confirm({row(u"1"_s, 11)}).ok());
        QVERIFY(store->endRun(run, summary(1, 0), 0, true).ok());
    }
    auto store = open(u"after"_s);
    QVERIFY(store->fingerprintChanged());
    const StateStore::Entry *one = store->entry(StateStore::keyHash(u"1"_s));
    QVERIFY(one);
    QCOMPARE(one->rowHash, 0u); // matches no row's hash: sent again
    const auto history = StateStore::readHistory(m_path, 10);
    QVERIFY(history.ok());
    QCOMPARE(history.value().size(), 1);
}

void TestStateStore::memberHashes_surviveAReopen_changedFingerprintOrOtherModeForgetsThem()
{
    const QByteArray packed = StateStore::packMemberHashes({7, 3, 5});
    {
        auto store = open();
        StateStore::Confirmed update = row(u"u"_s, 11);
        update.memberHashes = packed;
        QVERIFY(store->confirm({update, row(u"plain"_s, 22)}).ok());
    }
    {
        auto store = open();
        QCOMPARE(store->memberHashes(StateStore::keyHash(u"u"_s)), std::optional<QByteArray>(packed));
        // Confirmed without member hashes (another mode): none, so an update sends the whole row.
        QCOMPARE(store->memberHashes(StateStore::keyHash(u"plain"_s)), std::nullopt);
        QCOMPARE(store->memberHashes(StateStore::keyHash(u"never-written"_s)), std::nullopt);
        // The same row confirmed again without them (the mapping's mode changed): they are gone.
        QVERIFY(store->confirm({row(u"u"_s, 12)}).ok());
        QCOMPARE(store->memberHashes(StateStore::keyHash(u"u"_s)), std::nullopt);
        StateStore::Confirmed again = row(u"u"_s, 13);
        again.memberHashes = packed;
        QVERIFY(store->confirm({again}).ok());
    }
    auto changed = open(u"f2"_s); // the mapping converts differently now
    QVERIFY(changed->fingerprintChanged());
    QCOMPARE(changed->memberHashes(StateStore::keyHash(u"u"_s)), std::nullopt);
}

void TestStateStore::memberHashes_packedSortedAndSearchable()
{
    const QByteArray packed = StateStore::packMemberHashes({900, 5, 0xFFFFFFFFFFFFFFFFull, 42, 5});
    QCOMPARE(packed.size(), 5 * 8);
    for (const quint64 hash : {quint64(5), quint64(42), quint64(900), 0xFFFFFFFFFFFFFFFFull}) {
        QVERIFY2(StateStore::containsMemberHash(packed, hash), qPrintable(QString::number(hash)));
    }
    for (const quint64 hash : {quint64(0), quint64(6), quint64(899), quint64(901)}) {
        QVERIFY2(!StateStore::containsMemberHash(packed, hash), qPrintable(QString::number(hash)));
    }
    QVERIFY(!StateStore::containsMemberHash(QByteArray(), 5));
}

void TestStateStore::open_versionOneFile_gainsTheMembersColumnKeepsItsRows()
{
    {
        // A state file as D365 Sync 0.1 of stop 18 wrote it: no members column.
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v1"_s);
        db.setDatabaseName(m_path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"_s));
        QVERIFY(q.exec(u"INSERT INTO meta VALUES ('fingerprint', 'f1'), ('schema', '1')"_s));
        QVERIFY(q.exec(u"CREATE TABLE rows (key_hash INTEGER PRIMARY KEY, source_key TEXT, row_hash INTEGER, "
                       "record_id TEXT, failed INTEGER NOT NULL DEFAULT 0, pending_since INTEGER NOT NULL "
                       "DEFAULT 0)"_s));
        QVERIFY(q.prepare(u"INSERT INTO rows (key_hash, source_key, row_hash) VALUES (?, 'old', 77)"_s));
        q.addBindValue(qint64(StateStore::keyHash(u"old"_s)));
        QVERIFY(q.exec());
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"v1"_s);
    auto store = open();
    const StateStore::Entry *old = store->entry(StateStore::keyHash(u"old"_s));
    QVERIFY(old);
    QCOMPARE(old->rowHash, 77u); // still unchanged when the warehouse is
    QCOMPARE(store->memberHashes(StateStore::keyHash(u"old"_s)), std::nullopt);
    StateStore::Confirmed update = row(u"old"_s, 78);
    update.memberHashes = StateStore::packMemberHashes({1, 2});
    QVERIFY(store->confirm({update}).ok());
    QCOMPARE(store->memberHashes(StateStore::keyHash(u"old"_s)),
             std::optional<QByteArray>(update.memberHashes));
    store.reset();
    {
        // The file now says version 2, so the D365 Sync that wrote version 1 refuses it instead of writing
        // rows without their column hashes.
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v2"_s);
        db.setDatabaseName(m_path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"SELECT value FROM meta WHERE key = 'schema'"_s) && q.next());
        QCOMPARE(q.value(0).toString(), u"2"_s);
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"v2"_s);
}

void TestStateStore::completeRun_prunesRowsTheSourceNoLongerHas_incompleteKeepsThem()
{
    {
        auto store = open();
        QVERIFY(store->confirm({row(u"1"_s, 11), row(u"2"_s, 22), row(u"3"_s, 33)}).ok());
    }
    {
        // This run reads only row 1 and stops early: nothing is pruned.
        auto store = open();
        store->entry(StateStore::keyHash(u"1"_s))->seen = true;
        const qint64 run = store->beginRun({});
        SyncSummary stopped = summary(1, 0);
        stopped.sourceComplete = false;
        QVERIFY(store->endRun(run, stopped, 1, false).ok());
    }
    {
        auto store = open();
        QCOMPARE(store->size(), 3);
        // A complete run that saw rows 1 and 3: row 2 is gone from the source.
        store->entry(StateStore::keyHash(u"1"_s))->seen = true;
        store->entry(StateStore::keyHash(u"3"_s))->seen = true;
        const qint64 run = store->beginRun({});
        QVERIFY(store->endRun(run, summary(2, 0), 0, true).ok());
    }
    auto store = open();
    QCOMPARE(store->size(), 2);
    QVERIFY(!store->entry(StateStore::keyHash(u"2"_s)));
}

void TestStateStore::history_recordsEveryRunNewestFirst_killedRunHasNoEnd()
{
    {
        auto store = open();
        StateStore::RunRecord record;
        record.started = QDateTime::currentDateTimeUtc();
        record.mapping = u"/maps/contacts.json"_s;
        record.profile = u"prod"_s;
        record.mode = u"upsert"_s;
        const qint64 first = store->beginRun(record);
        QVERIFY(first > 0);
        QVERIFY(store->recordFailed(first, {{4, u"k4"_s, 400, u"0x80040203"_s, u"Invalid value"_s}}).ok());
        QVERIFY(store->endRun(first, summary(10, 1), 1, true).ok());
        store->beginRun(record); // killed: never ends
    }
    const auto history = StateStore::readHistory(m_path, 10);
    QVERIFY(history.ok());
    QCOMPARE(history.value().size(), 2);
    const StateStore::RunRecord &killed = history.value().at(0);
    QVERIFY(!killed.ended.isValid());
    QCOMPARE(killed.exitCode, -1);
    const StateStore::RunRecord &done = history.value().at(1);
    QVERIFY(done.id < killed.id);
    QVERIFY(done.ended.isValid());
    QCOMPARE(done.mapping, u"/maps/contacts.json"_s);
    QCOMPARE(done.profile, u"prod"_s);
    QCOMPARE(done.mode, u"upsert"_s);
    QCOMPARE(done.writer, u"UpsertMultiple"_s);
    QCOMPARE(done.rowsRead, 10);
    QCOMPARE(done.upserted, 9);
    QCOMPARE(done.failed, 1);
    QCOMPARE(done.exitCode, 1);
    const auto failed = StateStore::readFailedRows(m_path, done.id);
    QVERIFY(failed.ok());
    QCOMPARE(failed.value().size(), 1);
    QCOMPARE(failed.value().first().sourceKey, u"k4"_s);
    QCOMPARE(failed.value().first().httpStatus, 400);
    QCOMPARE(failed.value().first().code, u"0x80040203"_s);
    QCOMPARE(StateStore::readHistory(m_path, 1).value().size(), 1);
}

void TestStateStore::failedLastRun_isThePreviousRunsFailuresAndUnconfirmedWriteFailures()
{
    auto store = open();
    const qint64 first = store->beginRun({});
    // k1 failed to convert (never sent), k2 was refused by the service.
    QVERIFY(store
                ->recordFailed(first, {{0, u"k1"_s, 0, u"conversion"_s, u"too long"_s},
                                       {1, u"k2"_s, 400, u"0x1"_s, u"refused"_s}})
                .ok());
    QVERIFY(store->fail({StateStore::keyHash(u"k2"_s)}).ok());
    QVERIFY(store->endRun(first, summary(2, 2), 1, true).ok());
    const qint64 second = store->beginRun({});
    const QSet<quint64> retry = store->failedLastRun(second);
    QCOMPARE(retry, (QSet<quint64>{StateStore::keyHash(u"k1"_s), StateStore::keyHash(u"k2"_s)}));

    // The retry fixed k1 only: the next retry is k2 alone.
    QVERIFY(store->confirm({row(u"k1"_s, 5)}).ok());
    QVERIFY(store->recordFailed(second, {{1, u"k2"_s, 400, u"0x1"_s, u"refused"_s}}).ok());
    QVERIFY(store->endRun(second, summary(2, 1), 1, false).ok());
    const qint64 third = store->beginRun({});
    QCOMPARE(store->failedLastRun(third), QSet<quint64>{StateStore::keyHash(u"k2"_s)});
}

void TestStateStore::history_keepsTheLastRunsOnly()
{
    auto store = open();
    qint64 last = 0;
    for (qint64 i = 0; i < StateStore::KeptRuns + 5; ++i) {
        last = store->beginRun({});
        QVERIFY(store->recordFailed(last, {{0, u"k"_s, 400, u"0x1"_s, u"no"_s}}).ok());
        QVERIFY(store->endRun(last, summary(1, 1), 1, true).ok());
    }
    const auto history = StateStore::readHistory(m_path, 100000);
    QCOMPARE(history.value().size(), StateStore::KeptRuns);
    QCOMPARE(history.value().first().id, last);
    QCOMPARE(StateStore::readFailedRows(m_path, last).value().size(), 1);
    QCOMPARE(StateStore::readFailedRows(m_path, last - StateStore::KeptFailedRuns).value().size(), 0);
}

void TestStateStore::open_fileThatIsNotAStateFile_errorNamesFileAndFix()
{
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    const auto opened = StateStore::open(m_path, u"f"_s);
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.contains(m_path) && opened.error().message.contains("--state"_L1),
             qPrintable(opened.error().message));
    QCOMPARE(opened.error().category, d365::ErrorCategory::Configuration);
}

void TestStateStore::readHistory_missingFile_isEmptyNotAnError()
{
    const auto history = StateStore::readHistory(m_dir.filePath(u"never.db"_s), 10);
    QVERIFY(history.ok());
    QVERIFY(history.value().isEmpty());
    QVERIFY(!QFile::exists(m_dir.filePath(u"never.db"_s))); // reading creates nothing
}

QTEST_GUILESS_MAIN(TestStateStore)
#include "tst_statestore.moc"
