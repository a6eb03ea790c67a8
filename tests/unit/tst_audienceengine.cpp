// AudienceEngine in-process over the fake org (tests/common/fakeorg.h), for what a real sandbox will not do
// on purpose: an AddListMembersList refused for one member (all or nothing) is split in halves until that
// member stands alone, every other member still lands, and the requests stay few; a $batch of removals where
// one part fails; the mirror gate's verdict as a pure function. The marketing list itself (its row, its
// members, the list actions) is answered here, the contacts, metadata and key lookups by FakeOrg.

#include "common/fakeorg.h"
#include "services/common/exitcode.h"
#include "services/sync/audienceengine.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using namespace d365::testsupport;
using d365::ErrorCategory;
using d365::Result;

namespace {

const QString ListId = u"0f8fad5b-d9cb-469f-a165-70867728950e"_s;

struct Run
{
    SyncSummary summary;
    QList<RowOutcome> outcomes;
    QStringList errors;
};

// The marketing list as the fake org's extension: its members, and the requests it answered.
struct FakeList
{
    QSet<QString> members; // contact ids
    QSet<QString> refused; // contact ids AddListMembersList refuses (the whole request, all or nothing)
    QSet<QString> unremovable;
    int addRequests = 0;
    int removeBatches = 0;

    std::optional<FakeOrg::Fault> answer(const HttpRequest &request)
    {
        const QString path =
            QUrl::fromPercentEncoding(request.url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority));
        const auto reply = [](HttpReply r) { return FakeOrg::Fault{std::move(r), false}; };
        if (path.contains("/lists?"_L1)) {
            return reply(
                jsonReply(200, {{u"value"_s, QJsonArray{QJsonObject{{u"listid"_s, ListId},
                                                                    {u"listname"_s, u"Audience"_s},
                                                                    {u"type"_s, false},
                                                                    {u"lockstatus"_s, false},
                                                                    {u"statecode"_s, 0},
                                                                    {u"createdfromcode"_s, 2},
                                                                    {u"membercount"_s, members.size()}}}}}));
        }
        if (path.contains("/listcontact_association"_L1)) {
            QJsonArray rows;
            for (const QString &id : std::as_const(members))
                rows.append(QJsonObject{{u"contactid"_s, id}});
            return reply(jsonReply(200, {{u"value"_s, rows}}));
        }
        if (path.endsWith("/AddListMembersList"_L1)) {
            ++addRequests;
            QStringList ids;
            for (const QJsonValue &m :
                 QJsonDocument::fromJson(request.body).object().value("Members"_L1).toArray())
                ids.append(m.toObject().value("contactid"_L1).toString());
            for (const QString &id : std::as_const(ids)) {
                if (refused.contains(id))
                    return reply(
                        errorReply(404, u"0x80040217"_s, u"contact With Id = %1 Does Not Exist"_s.arg(id)));
            }
            for (const QString &id : std::as_const(ids))
                members.insert(id);
            return reply(emptyReply(204));
        }
        if (path.endsWith("/$batch"_L1) && request.body.contains("RemoveMemberList")) {
            ++removeBatches;
            QList<QPair<int, QByteArray>> parts;
            for (const FakeBatchPart &part : parseBatch(request)) {
                const QString id =
                    QJsonDocument::fromJson(part.body).object().value("EntityId"_L1).toString();
                if (unremovable.contains(id)) {
                    parts.append(
                        {400, QByteArray(R"({"error":{"code":"0x80040203","message":"not today"}})")});
                } else {
                    members.remove(id);
                    parts.append({204, QByteArray()});
                }
            }
            return reply(batchReply(parts));
        }
        return std::nullopt; // contacts, metadata, WhoAmI, privileges, key lookups: the fake org
    }
};

QList<QVariantList> people(int count)
{
    QList<QVariantList> rows;
    for (int i = 1; i <= count; ++i)
        rows.append({i, u"person%1@example.com"_s.arg(i)});
    return rows;
}

Mapping audienceMapping(AudienceMode mode)
{
    Mapping mapping;
    mapping.name = u"audience test"_s;
    mapping.source.keyColumn = u"id"_s;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = {u"emailaddress1"_s};
    FieldMapping email;
    email.source = u"email"_s;
    email.target = u"emailaddress1"_s;
    mapping.fields = {email};
    mapping.target.list = ListSpec{{}, u"Audience"_s, false, 20, mode};
    return mapping;
}

} // namespace

class TestAudienceEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void add_oneMemberRefused_splitUntilAloneOthersAllAdded();
    void mirror_oneRemovalFails_itsExtraMemberFailsAlone();
    void cancel_duringTheAdds_requestsInFlightKeepTheirOutcomesTheRestIsSkipped();
    void gateRefusal_sharesAndEmptySource_data();
    void gateRefusal_sharesAndEmptySource();

private:
    Run run(FakeOrg &org, FakeList &list, const Mapping &mapping, const QList<QVariantList> &rows,
            const std::function<void(AudienceEngine &, const HttpRequest &)> &onRequest = {});
};

Run TestAudienceEngine::run(FakeOrg &org, FakeList &list, const Mapping &mapping,
                            const QList<QVariantList> &rows,
                            const std::function<void(AudienceEngine &, const HttpRequest &)> &onRequest)
{
    org.heldPrivileges += {u"prvReadList"_s, u"prvWriteList"_s};
    AudienceEngine *running = nullptr;
    org.fault = [&list, &running, &onRequest](const HttpRequest &request, int) {
        if (onRequest && running)
            onRequest(*running, request);
        return list.answer(request);
    };
    auto client = org.client();
    QTemporaryDir stateDir; // the run's history, not in the user's application data
    SyncOptions options;
    options.statePath = stateDir.filePath(u"state.db"_s);
    const QStringList columns{u"id"_s, u"email"_s};
    AudienceEngine engine(
        mapping, client.get(),
        [columns, rows]() -> Result<std::unique_ptr<WarehouseSource>> {
            return std::unique_ptr<WarehouseSource>(std::make_unique<FakeSource>(columns, rows));
        },
        options);
    running = &engine;
    Run result;
    connect(&engine, &AudienceEngine::rowOutcomes, this,
            [&result](const QList<RowOutcome> &batch) { result.outcomes += batch; });
    connect(&engine, &AudienceEngine::error, this,
            [&result](ErrorCategory, const QString &message) { result.errors.append(message); });
    QSignalSpy finished(&engine, &AudienceEngine::finished);
    engine.start();
    if (finished.isEmpty())
        finished.wait(30000);
    if (!finished.isEmpty())
        result.summary = finished.first().first().value<SyncSummary>();
    return result;
}

void TestAudienceEngine::add_oneMemberRefused_splitUntilAloneOthersAllAdded()
{
    FakeOrg org;
    for (int i = 1; i <= 2500; ++i)
        org.seed(u"person%1@example.com"_s.arg(i), QDateTime::currentDateTimeUtc());
    FakeList list;
    const QString refusedId = org.records.value(u"person1234@example.com"_s).id;
    list.refused.insert(refusedId);
    const Run r = run(org, list, audienceMapping(AudienceMode::Add), people(2500));
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(u'\n')));
    QCOMPARE(r.summary.rowsRead, 2500);
    QCOMPARE(r.summary.added, 2499);
    QCOMPARE(r.summary.failed, 1);
    QCOMPARE(list.members.size(), 2499);
    QVERIFY(!list.members.contains(refusedId));
    QCOMPARE(r.outcomes.size(), 2500);
    for (const RowOutcome &outcome : r.outcomes) {
        if (outcome.status == RowStatus::Failed) {
            QCOMPARE(outcome.sourceRow, 1233);
            QCOMPARE(outcome.httpStatus, 404);
            QVERIFY2(outcome.message.contains(refusedId), qPrintable(outcome.message));
        } else {
            QCOMPARE(outcome.status, RowStatus::Added);
        }
    }
    // 3 chunks (1,000 + 1,000 + 500); the refused one is halved down to one member (9 or 10 halvings of
    // 1,000, by where it sits), each sending its two halves: about 20 requests, not 1,000.
    QVERIFY2(list.addRequests >= 3 + 2 * 9 && list.addRequests <= 3 + 2 * 10,
             qPrintable(QString::number(list.addRequests)));
    QCOMPARE(r.summary.requests, list.addRequests);
}

void TestAudienceEngine::mirror_oneRemovalFails_itsExtraMemberFailsAlone()
{
    FakeOrg org;
    for (int i = 1; i <= 100; ++i)
        org.seed(u"person%1@example.com"_s.arg(i), QDateTime::currentDateTimeUtc());
    FakeList list;
    for (int i = 1; i <= 100; ++i)
        list.members.insert(org.records.value(u"person%1@example.com"_s.arg(i)).id);
    const QString stuck = org.records.value(u"person99@example.com"_s).id;
    list.unremovable.insert(stuck);
    // The source has 1..95: 96..100 are extra (5 % of the members).
    const Run r = run(org, list, audienceMapping(AudienceMode::Mirror), people(95));
    QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(u'\n')));
    QCOMPARE(r.summary.alreadyMember, 95);
    QCOMPARE(r.summary.removed, 4);
    QCOMPARE(r.summary.failed, 1);
    QCOMPARE(r.summary.audience->extras, 5);
    QCOMPARE(r.summary.audience->extrasFailed, 1);
    QCOMPARE(r.summary.done(), r.summary.rowsRead);
    QCOMPARE(list.removeBatches, 1);
    QCOMPARE(list.addRequests, 0);
    QCOMPARE(list.members.size(), 96);
    int extraLines = 0;
    for (const RowOutcome &outcome : r.outcomes) {
        if (outcome.sourceRow >= 0)
            continue;
        ++extraLines;
        if (outcome.key == stuck) {
            QCOMPARE(outcome.status, RowStatus::Failed);
            QVERIFY2(outcome.message.contains("not today"_L1), qPrintable(outcome.message));
        } else {
            QCOMPARE(outcome.status, RowStatus::Removed);
        }
    }
    QCOMPARE(extraLines, 5);
}

void TestAudienceEngine::cancel_duringTheAdds_requestsInFlightKeepTheirOutcomesTheRestIsSkipped()
{
    FakeOrg org;
    for (int i = 1; i <= 9000; ++i)
        org.seed(u"person%1@example.com"_s.arg(i), QDateTime::currentDateTimeUtc());
    FakeList list;
    // Cancelled when the first AddListMembersList arrives: the 4 requests already sent (4 in flight at most)
    // are answered, the other 5,000 members are not sent.
    const Run r = run(org, list, audienceMapping(AudienceMode::Add), people(9000),
                      [](AudienceEngine &engine, const HttpRequest &request) {
                          if (request.url.path().endsWith("/AddListMembersList"_L1))
                              engine.cancel();
                      });
    QVERIFY(r.summary.cancelled);
    QCOMPARE(list.addRequests, 4);
    QCOMPARE(r.summary.added, 4000);
    QCOMPARE(r.summary.skipped, 5000);
    QCOMPARE(qint64(list.members.size()), r.summary.added);
    QCOMPARE(r.summary.done(), r.summary.rowsRead);
    QCOMPARE(r.outcomes.size(), 9000);
    QCOMPARE(r.summary.exitCode(), int(d365::Cancelled));
}

void TestAudienceEngine::gateRefusal_sharesAndEmptySource_data()
{
    QTest::addColumn<qint64>("sourceRows");
    QTest::addColumn<qint64>("members");
    QTest::addColumn<qint64>("removals");
    QTest::addColumn<int>("percent");
    QTest::addColumn<QString>("refusal"); // empty: may run
    QTest::newRow("exactly the share") << qint64(80) << qint64(100) << qint64(20) << 20 << QString();
    QTest::newRow("one over the share")
        << qint64(79) << qint64(100) << qint64(21) << 20
        << u"remove 21 of the list's 100 members (21 %), more than the 20 % allowed"_s;
    QTest::newRow("an empty list") << qint64(5) << qint64(0) << qint64(0) << 20 << QString();
    QTest::newRow("empty source")
        << qint64(0) << qint64(7) << qint64(7) << 100
        << u"the source returned no rows, and mirroring it would empty the list (7 members)"_s;
    QTest::newRow("nothing to remove, 0 % allowed") << qint64(3) << qint64(3) << qint64(0) << 0 << QString();
    QTest::newRow("one of three, 0 % allowed")
        << qint64(2) << qint64(3) << qint64(1) << 0 << u"(33.3 %), more than the 0 % allowed"_s;
}

void TestAudienceEngine::gateRefusal_sharesAndEmptySource()
{
    QFETCH(qint64, sourceRows);
    QFETCH(qint64, members);
    QFETCH(qint64, removals);
    QFETCH(int, percent);
    QFETCH(QString, refusal);
    const QString verdict = AudienceEngine::gateRefusal(sourceRows, members, removals, percent);
    if (refusal.isEmpty())
        QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
    else
        QVERIFY2(verdict.contains(refusal), qPrintable(verdict));
}

QTEST_GUILESS_MAIN(TestAudienceEngine)
#include "tst_audienceengine.moc"
