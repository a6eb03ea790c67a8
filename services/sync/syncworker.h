#pragma once

// SyncWorker runs one sync on the thread it was moved to (SyncController creates that thread). It owns its
// DataverseClient (and so its QNetworkAccessManager) and its warehouse source, both created in run() on the
// worker thread.
//
//   run() → metadata of the target table → mapping checked against it (unknown / read-only columns, types,
//   match key must be an alternate key) → source opened, its column types checked, counted → started(total)
//   → pump: read a row, convert its values into a PATCH <set>(<key>); every batchSize rows go out as one
//     $batch (continue-on-error, no change set: one bad row never rolls back the others) — up to N requests
//     in flight; batchSize 1 sends the PATCHes alone
//   → each part of the answer gives its row the outcome (created 201 / updated 200 / failed + reason); a
//     part that failed transiently (429, 5xx) is sent again in a later batch, up to maxRetries times
//   → progress() and rowOutcomes() at most every 100 ms → finished(summary)
//
// A problem that is not one row's fault (sign-in, privilege, network, configuration) stops the run: error()
// is emitted, no further rows are sent, rows not yet sent are counted as skipped. cancel() is thread-safe
// and is checked before every row is sent.

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"
#include "services/sync/lookupresolver.h"
#include "services/sync/synccontroller.h"
#include "services/sync/syncresult.h"
#include "services/dataverse/valueconverter.h"
#include "services/warehouse/warehousesource.h"

#include <QElapsedTimer>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace d365::services {

class MetadataClient;
class TokenProvider;

class SyncWorker : public QObject
{
    Q_OBJECT
public:
    SyncWorker(const Mapping &mapping, const ConnectionProfile &profile, TokenProvider *tokenProvider,
               const SyncOptions &options);
    ~SyncWorker() override;

    void cancel() { m_cancelRequested.store(true); }

    // Problems of a mapping against the table's metadata; empty when it can run. Public for tests.
    static QStringList checkMapping(const Mapping &mapping, const EntityMetadata &entity);

public Q_SLOTS:
    void run();

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    struct Column
    {
        int sourceIndex = -1;
        AttributeMetadata attribute;
        bool isKey = false;
        FieldMapping field;
        QVariant constant;              // field.constant as a QVariant (when field.hasConstant())
        ConversionOptions conversion;   // per field: truncate, source time zone
        QList<int> lookupSourceIndexes; // key parts of a lookup
        int lookupTableIndex = -1;      // per-row target table of a polymorphic lookup
        QList<LookupTarget> lookupTargets;
    };

    // A converted row waiting to be written: its key-addressed PATCH and how often it was tried.
    struct PendingRow
    {
        qint64 sourceRow = 0;
        QString key;
        DataverseRequest request;
        int attempts = 0;
    };

    void onMetadata(const EntityMetadata &entity);
    void startSource(const ResolvedLookups &lookups);
    void pump();
    std::optional<PendingRow> convertRow(const SourceRow &row);
    void queueRow(PendingRow row);
    void flushBatch();
    void onBatchAnswered(const QList<PendingRow> &rows, const DataverseResponse &response);
    void applyAnswer(const PendingRow &row, const DataverseResponse &response);
    void retryLater(QList<PendingRow> rows, int delayMs);
    void skipUnsent();
    void record(RowOutcome outcome);
    void abortRun(const Error &error);
    void emitProgress(bool force);
    void maybeFinish();

    Mapping m_mapping;
    ConnectionProfile m_profile;
    TokenProvider *m_tokenProvider;
    SyncOptions m_options;
    ConversionOptions m_conversion;

    DataverseClient *m_client = nullptr;
    MetadataClient *m_metadata = nullptr;
    LookupResolver *m_lookups = nullptr;
    std::unique_ptr<WarehouseSource> m_source;
    EntityMetadata m_entity;
    QList<Column> m_columns;
    QList<int> m_keyColumns; // indexes into m_columns, in matchKey order
    int m_sourceKeyIndex = -1;

    std::atomic_bool m_cancelRequested{false};
    bool m_sourceExhausted = false;
    bool m_stopped = false; // fatal error or cancel: send nothing more
    bool m_finished = false;
    int m_inFlight = 0;        // write requests on the wire plus retry waits
    QList<PendingRow> m_batch; // converted rows not sent yet
    QList<PendingRow> m_retry; // rows whose batch part failed transiently, sent again before new rows
    qint64 m_rowsRead = 0;
    SyncSummary m_summary;
    QList<RowOutcome> m_pendingOutcomes;
    QElapsedTimer m_clock;
    qint64 m_lastEmitMs = -1000;
};

} // namespace d365::services
