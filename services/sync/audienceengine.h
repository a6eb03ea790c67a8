#pragma once

// One audience run: the membership of a static marketing list (FACTS §11) made to follow the warehouse, as a
// pipeline on the thread it lives on:
//
//   [upsert mode: a SyncEngine upserts the member records first; its failed rows end failed here]
//   Preflight (member table metadata, mapping, the list: refused when dynamic, locked, inactive, of another
//   member type, missing without createIfMissing, or named ambiguously)
//     → [the list created when missing and allowed]
//     → source rows read and converted (their match keys; duplicates fail like in a record sync)
//     → members resolved in bulk: RecordLookup, one $batch of key-filtered GETs per 5,000 keys
//     → the list's members read once, paged (MarketingLists::readMembers)
//     → the plan per row: added / already member / removed / not a member / failed (member not found);
//       a mirror's extra members are removed and reported as their own outcomes (sourceRow -1)
//     → the mirror gate: an empty source, or removing more than maxRemovalPercent of the current members,
//       stops the run before anything is written, with the numbers
//     → [dry run: stop here, the plan is the outcome]
//     → adds: AddListMembersList, 1,000 members per request (all or nothing: a refused request is split in
//       halves until the bad member stands alone); removes: $batch of RemoveMemberList, 1,000 per request
//     → the run in the mapping's history (state file; membership itself is never cached: the list is the
//     state) → finished(summary) with summary.audience
//
// Signals as SyncEngine's: started → progress* / rowOutcomes* → [error] → finished. Nothing is sent for a
// member already in the wanted state, so a second run with the same source writes nothing.

#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"
#include "services/sync/marketinglist.h"
#include "services/sync/rowconverter.h"
#include "services/sync/statestore.h"
#include "services/sync/syncoptions.h"
#include "services/sync/syncresult.h"
#include "services/warehouse/warehousesource.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace d365::services {

class Preflight;
class RecordLookup;
class SyncEngine;
struct PreflightReport;

class AudienceEngine : public QObject
{
    Q_OBJECT
public:
    static constexpr int AddChunk = 1000;    // members per AddListMembersList
    static constexpr int RemoveChunk = 1000; // RemoveMemberList parts per $batch (FACTS §6: at most 1,000)
    static constexpr int LookupChunk = 5000; // keys per RecordLookup $batch

    AudienceEngine(const Mapping &mapping, DataverseClient *client, SourceFactory sources,
                   const SyncOptions &options, QObject *parent = nullptr);
    ~AudienceEngine() override;

    void start();
    void cancel() { m_cancelRequested.store(true); } // thread-safe

    // The mirror gate's verdict: empty when the plan may run, else why not (with the numbers).
    static QString gateRefusal(qint64 sourceRows, qint64 currentMembers, qint64 removals, int maxPercent);

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    struct Row
    {
        qint64 sourceRow = 0;
        QString sourceKey;
        QVariantList keyValues;
        QString memberId; // lower case; empty until resolved
    };
    struct Change
    {
        qint64 sourceRow = -1; // -1: a mirror's extra member
        QString key;           // the source key, or the extra member's id
        QString memberId;
        QString memberName;
    };

    void upsertRecords();
    void runPreflight();
    void onPreflight(std::shared_ptr<PreflightReport> report);
    void onListReady();
    bool readSource();
    void resolveMembers(qsizetype from);
    void readMembers();
    void plan();
    void sendAdds();
    void addChunk(QList<Change> chunk);
    void sendRemoves();
    void removeChunk(QList<Change> chunk);
    void afterWrite();
    void record(RowOutcome outcome);
    void recordChange(const Change &change, RowStatus status, int httpStatus = 0, const QString &code = {},
                      const QString &message = {});
    void flushOutcomes(bool force = false);
    bool checkCancelled();
    bool cancelledWhileWriting();
    void stop(const Error &error);
    void skipRemaining();
    void finish();
    bool openHistory(); // the run history (add, remove, mirror; upsert's record sync keeps its own)

    Mapping m_mapping;
    ListSpec m_spec;
    DataverseClient *m_client;
    SourceFactory m_sources;
    SyncOptions m_options;

    Preflight *m_preflight = nullptr;
    SyncEngine *m_upsert = nullptr;
    MarketingLists *m_lists = nullptr;
    RecordLookup *m_lookup = nullptr;
    std::shared_ptr<WarehouseSource> m_source;
    std::optional<RowConverter> m_converter;
    EntityMetadata m_entity;
    MarketingList m_list;

    std::atomic_bool m_cancelRequested{false};
    bool m_stopped = false;
    bool m_finished = false;
    QHash<qint64, RowOutcome> m_upsertFailures; // upsert mode: rows whose record could not be written
    QList<RowOutcome> m_upserted;               // upsert mode: the others (their outcome if the run stops)
    QList<Row> m_rows;                          // converted source rows waiting for their outcome
    QHash<QString, QString> m_current;          // the list's members: id → name
    bool m_membersRead = false;
    bool m_resolved = false;
    QList<Change> m_toAdd;
    QList<QList<Change>> m_splitAdds; // halves of refused AddListMembersList requests, sent first
    QList<Change> m_toRemove;
    int m_inFlight = 0;
    std::unique_ptr<StateStore> m_state;
    qint64 m_runId = 0;
    QList<StateStore::FailedRow> m_historyFailed;
    SyncSummary m_summary;
    QList<RowOutcome> m_pendingOutcomes;
    QElapsedTimer m_clock;
    qint64 m_lastEmitMs = -1000;
};

} // namespace d365::services
