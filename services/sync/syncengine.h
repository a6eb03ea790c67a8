#pragma once

// One sync run as a pipeline of small parts, on the thread it lives on:
//
//   Preflight (metadata, mapping, lookups, privileges, writer choice, warehouse opened)
//     → source rows, streamed (counted alongside on another thread: the first rows go out before the count)
//     → RowConverter (typed values; a row that cannot convert fails alone)
//     → duplicate match keys: the first row of a key is written, later ones fail and name it
//     → chunks of batchSize rows → Writer (BulkWriter or BatchWriter), up to `concurrency` chunks in flight
//       (the service's x-ms-dop-hint unless the user chose); a chunk whose slowest request ran longer than
//       SlowRequestMs halves the next chunks
//     → each row's outcome → rowOutcomes() every 100 ms → finished(summary)
//
// Signals, in order: started(total or -1) → progress(done, total, stage)* and rowOutcomes(batch)* →
// [error(category, message)] → finished(summary). `total` is -1 until the count arrives.
//
// Every row read ends with exactly one outcome. A problem that is not one row's fault stops the run: nothing
// more is read or sent, chunks in flight finish and keep their outcomes, rows read but not sent are
// "skipped", rows never read are counted in summary.notRead(). cancel() (any thread) stops the same way.
//
// The engine takes its Dataverse client and a warehouse-source factory from its owner, so unit tests run it
// in-process over a fake transport and a fake source, and the application over sockets and SQLite.

#include "services/dataverse/dataverseclient.h"
#include "services/mapping/mapping.h"
#include "services/sync/keyregistry.h"
#include "services/sync/rowconverter.h"
#include "services/sync/statestore.h"
#include "services/sync/syncoptions.h"
#include "services/sync/syncresult.h"
#include "services/sync/writer.h"
#include "services/warehouse/warehousesource.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace d365::services {

class Preflight;
class RecordLookup;
struct PreflightReport;
class Writer;

class SyncEngine : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 SlowRequestMs = 60000;

    SyncEngine(const Mapping &mapping, DataverseClient *client, SourceFactory sources,
               const SyncOptions &options, QObject *parent = nullptr);
    ~SyncEngine() override;

    void start();
    void cancel() { m_cancelRequested.store(true); } // thread-safe

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    void onPreflight(std::shared_ptr<PreflightReport> report);
    void startCounting();
    void pump();
    void dispatch();
    void onWritten(qint64 rows, WriteResult result);
    void record(RowOutcome outcome);
    void remember(const QList<RowOutcome> &outcomes); // the state of rows the service answered for
    void resolvePending();
    void preview(QList<ConvertedRow> rows); // dry run: compare with the records instead of writing
    void addPreview(RowPreview row);
    static quint64 rowHash(const ConvertedRow &row);
    // Update mode: the hashes of the row's body members, in body order, then of its match key (last)
    // (StateStore::memberHashes).
    static std::vector<quint64> memberHashes(const ConvertedRow &row);
    // Update mode, a row that changed since the service last confirmed it: drops the members the service
    // already holds (their hash, from `hashes` = memberHashes(row), is in `confirmed`), so only changed
    // columns are sent. Keeps the whole row when its match key changed. Returns false when no member is left
    // to send.
    static bool keepChangedMembers(ConvertedRow &row, const std::vector<quint64> &hashes,
                                   const QByteArray &confirmed);
    void stop(const Error &error);
    void skipUnsent();
    void emitProgress(bool force);
    void maybeFinish();
    int concurrency() const;

    Mapping m_mapping;
    DataverseClient *m_client;
    SourceFactory m_sources;
    SyncOptions m_options;

    Preflight *m_preflight = nullptr;
    Writer *m_writer = nullptr;
    std::shared_ptr<WarehouseSource> m_source;
    std::optional<RowConverter> m_converter;
    QFutureWatcher<Result<qint64>> *m_count = nullptr;

    std::atomic_bool m_cancelRequested{false};
    bool m_started = false; // preflight passed, rows are flowing
    bool m_sourceExhausted = false;
    bool m_stopped = false; // fatal error or cancel: send nothing more
    bool m_finished = false;
    int m_inFlight = 0; // chunks handed to the writer and not answered
    int m_batchSize = 0;
    QList<ConvertedRow> m_chunk; // converted rows not sent yet
    KeyRegistry m_keys;          // match keys seen so far → the first source row with each

    // Sync state (absent with useState false).
    struct InFlight
    {
        quint64 stateKey = 0;
        quint64 rowHash = 0;
        qint64 pendingSince = 0;
        QByteArray memberHashes; // update mode: stored with the row once the service confirmed it
    };
    std::unique_ptr<StateStore> m_state;
    qint64 m_runId = 0;
    QHash<qint64, InFlight> m_inFlightRows; // by source row, until the service answered
    QList<ConvertedRow> m_pending;          // insert mode: rows an earlier run may have created
    QList<StateStore::FailedRow> m_historyFailed;
    QSet<quint64> m_onlyKeys; // retryFailed: the rows that failed last time
    RecordLookup *m_lookup = nullptr;
    QHash<QString, QString> m_lookupAttributes; // dry run: lookup member → attribute
    SyncSummary m_summary;
    QList<RowOutcome> m_pendingOutcomes;
    QElapsedTimer m_clock;
    qint64 m_lastEmitMs = -1000;
};

} // namespace d365::services
