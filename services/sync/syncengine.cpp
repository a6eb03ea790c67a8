#include "services/sync/syncengine.h"

#include "services/sync/batchwriter.h"
#include "services/sync/bulkwriter.h"
#include "services/sync/jsonwriter.h"
#include "services/sync/preflight.h"
#include "services/sync/recordlookup.h"
#include "services/sync/rowpreview.h"
#include "services/sync/statestore.h"

#include <QLoggingCategory>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcEngine, "d365.sync.engine")

namespace d365::services {

namespace {

constexpr qint64 ProgressIntervalMs = 100;
constexpr int DefaultConcurrency = 8;
constexpr int MaxConcurrency = 52;     // FACTS §9: the service's concurrent-request limit per user
constexpr qint64 ClockMarginMs = 2000; // createdon and the Date header have one-second resolution

} // namespace

SyncEngine::SyncEngine(const Mapping &mapping, DataverseClient *client, SourceFactory sources,
                       const SyncOptions &options, QObject *parent)
    : QObject(parent)
    , m_mapping(mapping)
    , m_client(client)
    , m_sources(std::move(sources))
    , m_options(options)
{}

SyncEngine::~SyncEngine()
{
    if (m_count) {
        m_count->waitForFinished(); // the counting thread uses m_sources
    }
}

int SyncEngine::concurrency() const
{
    int limit = m_options.maxConcurrentRequests;
    if (limit <= 0) {
        limit = m_client->dopHint() > 0 ? m_client->dopHint() : DefaultConcurrency;
    } else if (m_client->dopHint() > 0) {
        limit = std::min(limit, m_client->dopHint()); // the service's hint is an upper bound too
    }
    return std::clamp(limit, 1, MaxConcurrency);
}

void SyncEngine::start()
{
    m_clock.start();
    RetryPolicy retry = m_client->retryPolicy();
    retry.maxRetries = m_options.maxRetries;
    retry.requestTimeoutMs = m_options.requestTimeoutMs;
    m_client->setRetryPolicy(retry);
    qCInfo(lcEngine) << "sync of" << m_mapping.target.entitySet << "on"
                     << m_client->profile().orgUrl.toString() << "mode" << syncModeName(m_mapping.mode);
    Q_EMIT progress(0, -1, tr("Checking the mapping against %1…").arg(m_mapping.target.entitySet));
    if (m_options.useState) {
        const QString path = m_options.statePath.isEmpty()
                                 ? StateStore::defaultPath(m_client->profile().orgUrl.toString(), m_mapping)
                                 : m_options.statePath;
        // A preview reads the state as it is and leaves it (and the history) alone.
        auto opened =
            StateStore::open(path, StateStore::fingerprint(m_mapping),
                             m_options.dryRun ? StateStore::Access::ReadOnly : StateStore::Access::ReadWrite);
        if (!opened.ok()) {
            stop(opened.error());
            return;
        }
        m_state = std::move(opened.value());
        StateStore::RunRecord run;
        run.started = QDateTime::currentDateTimeUtc();
        run.mapping = m_options.runLabel.isEmpty() ? m_mapping.name : m_options.runLabel;
        run.profile = m_client->profile().name;
        run.mode = syncModeName(m_mapping.mode);
        if (m_options.retryFailed) {
            m_onlyKeys = m_state->failedLastRun(0); // before this run is recorded: the last one's
            m_summary.retryRows = m_onlyKeys.size();
            m_summary.total = m_summary.retryRows; // an upper bound: some may be gone from the source
            qCInfo(lcEngine) << "retrying the" << m_onlyKeys.size() << "rows that failed last time";
        }
        // A retry with nothing to retry is not a run of the history (its failed rows stay the last run's).
        if (!m_options.retryFailed || !m_onlyKeys.isEmpty()) {
            m_runId = m_state->beginRun(run);
        }
        m_keys.reserve(m_state->size()); // the last run's rows: most likely this run's too
    }
    m_summary.startedAt = QDateTime::currentDateTimeUtc();
    m_summary.dryRun = m_options.dryRun;
    m_preflight = new Preflight(m_client, this);
    m_preflight->run(m_mapping, m_options.writer.value_or(m_mapping.writer), m_sources,
                     [this](std::shared_ptr<PreflightReport> report) { onPreflight(std::move(report)); });
}

void SyncEngine::onPreflight(std::shared_ptr<PreflightReport> report)
{
    if (m_cancelRequested.load()) {
        m_summary.cancelled = true;
        m_stopped = true;
        maybeFinish();
        return;
    }
    if (!report->ok()) {
        stop(*report->error);
        return;
    }
    auto converter = RowConverter::create(m_mapping, report->entity, report->lookups, report->sourceColumns);
    if (!converter.ok()) {
        stop(converter.error());
        return;
    }
    m_converter = std::move(converter.value());
    m_source = report->source;

    WriteTarget target;
    target.entitySet = m_mapping.target.entitySet;
    target.logicalName = report->entity.logicalName;
    target.primaryIdAttribute = report->entity.primaryIdAttribute;
    target.matchKey = m_mapping.target.matchKey;
    target.mode = m_mapping.mode;
    target.hasCreatedOn = report->entity.attribute(u"createdon"_s) != nullptr;
    if (report->writer == WriterKind::Bulk) {
        m_writer = new BulkWriter(m_client, target, this);
    } else {
        m_writer = new BatchWriter(m_client, target, m_options.maxRetries, m_options.batchSize == 1, this);
    }
    m_lookup = new RecordLookup(m_client, target, this);
    if (m_options.dryRun) {
        m_lookup->setColumns(m_converter->writtenAttributes());
        m_lookupAttributes = m_converter->lookupAttributes();
    }
    m_batchSize = std::clamp(m_options.batchSize > 0 ? m_options.batchSize : m_writer->defaultBatchSize(), 1,
                             m_writer->maxBatchSize());
    m_summary.writer = m_writer->name();
    m_summary.batchSize = m_batchSize;
    m_client->setMaxConnections(concurrency() + 1); // +1: a key lookup never waits behind the writes
    qCInfo(lcEngine).noquote() << u"writing with %1, %2 rows per request, %3 in flight"_s
                                      .arg(m_summary.writer)
                                      .arg(m_batchSize)
                                      .arg(concurrency());
    m_started = true;
    if (!m_options.retryFailed) {
        startCounting(); // a retry reads only some rows: a count of the whole source would mislead
    }
    Q_EMIT started(m_summary.total);
    emitProgress(true);
    pump();
}

void SyncEngine::startCounting()
{
    // The count runs on its own connection on another thread, so the first rows are on their way while a
    // slow query is still being counted.
    m_count = new QFutureWatcher<Result<qint64>>(this);
    connect(m_count, &QFutureWatcher<Result<qint64>>::finished, this, [this] {
        const Result<qint64> count = m_count->result();
        if (!count.ok()) {
            qCInfo(lcEngine).noquote() << "could not count the source rows:" << count.error().detail;
            return;
        }
        if (!m_sourceExhausted) {
            m_summary.total = count.value();
            emitProgress(true);
        }
    });
    m_count->setFuture(QtConcurrent::run([sources = m_sources]() -> Result<qint64> {
        auto source = sources();
        if (!source.ok()) {
            return source.error();
        }
        return source.value()->countRows();
    }));
}

void SyncEngine::pump()
{
    if (!m_started) {
        return;
    }
    // Read ahead only as far as a free writer slot: memory stays at concurrency × batchSize rows.
    SourceRow row; // one row buffer for the whole loop: its value list is reused, not reallocated per row
    while (!m_stopped && !m_sourceExhausted && m_inFlight < concurrency()) {
        if (m_cancelRequested.load()) {
            qCInfo(lcEngine) << "cancelled after" << m_summary.rowsRead << "rows";
            m_summary.cancelled = true;
            m_stopped = true;
            break;
        }
        if (!m_source->next(row)) {
            m_sourceExhausted = true;
            if (const auto failure = m_source->lastError()) {
                stop(*failure);
                return;
            }
            m_summary.sourceComplete = true;
            m_summary.total = m_summary.rowsRead; // the source may have changed since it was counted
            break;
        }
        if (m_options.retryFailed && !m_onlyKeys.contains(StateStore::keyHash(m_converter->sourceKey(row)))) {
            continue; // not part of this run: it did not fail last time
        }
        ++m_summary.rowsRead;
        if ((m_summary.rowsRead & 1023) == 0) {
            // Rows that need no request (unchanged, failed to convert) pass without leaving this loop: their
            // outcomes go out every 100 ms all the same, and memory holds no more of them than that.
            emitProgress(false);
        }
        auto converted = m_converter->convert(row);
        if (auto *failure = std::get_if<RowOutcome>(&converted)) {
            record(*failure);
            continue;
        }
        ConvertedRow &ready = std::get<ConvertedRow>(converted);
        // Two source rows with one match key address one record: the first is written, later ones fail.
        if (const auto first = m_keys.add(RecordLookup::keyHash(ready.keyValues), ready.sourceRow)) {
            record(
                RowOutcome{ready.sourceRow, ready.sourceKey, RowStatus::Failed, 0, u"duplicate-key"_s,
                           tr("Source row %1 has the same match key as source row %2 (%3), which is written "
                              "instead: one record cannot take both. Remove the duplicate from the source or "
                              "make the key unique.")
                               .arg(ready.sourceRow + 1)
                               .arg(*first + 1)
                               .arg(m_mapping.target.matchKey.join(u", "_s))});
            continue;
        }
        InFlight tracked;
        if (m_state) {
            tracked.stateKey = StateStore::keyHash(ready.sourceKey);
            tracked.rowHash = rowHash(ready);
            StateStore::Entry *entry = m_state->entry(tracked.stateKey);
            if (entry) {
                entry->seen = true;
                if (!m_options.fullResync && !entry->failed && !entry->pending &&
                    entry->rowHash == tracked.rowHash) {
                    record(RowOutcome{ready.sourceRow, ready.sourceKey, RowStatus::Unchanged, 0, {}, {}});
                    continue; // the service already holds exactly these values
                }
                if (m_mapping.mode == SyncMode::Update && !m_options.fullResync && !entry->failed) {
                    // PRODUCT feature 6: only the columns that changed. (Update mode only: an upsert of a
                    // record deleted in the org since would create it with those columns alone, and
                    // UpsertMultiple does not say whether it created a record; FACTS §7.)
                    const std::vector<quint64> hashes = memberHashes(ready);
                    tracked.memberHashes = StateStore::packMemberHashes(hashes);
                    if (const auto confirmed = m_state->memberHashes(tracked.stateKey);
                        confirmed && !keepChangedMembers(ready, hashes, *confirmed)) {
                        // Nothing the service does not hold already (a member left the body): just
                        // remember the row as it is now.
                        m_inFlightRows.insert(ready.sourceRow, tracked);
                        RowOutcome same{ready.sourceRow, ready.sourceKey, RowStatus::Unchanged, 0, {}, {}};
                        remember({same});
                        record(std::move(same));
                        continue;
                    }
                }
                if (m_mapping.mode == SyncMode::Insert && entry->pending && !m_options.dryRun) {
                    // A create of this row was on its way when an earlier run ended: find out first.
                    tracked.pendingSince = m_state->pendingSince(tracked.stateKey);
                    m_inFlightRows.insert(ready.sourceRow, tracked);
                    m_pending.append(std::move(ready));
                    if (m_pending.size() >= m_batchSize) {
                        resolvePending();
                    }
                    continue;
                }
            }
            if (m_mapping.mode == SyncMode::Update && tracked.memberHashes.isEmpty()) {
                tracked.memberHashes = StateStore::packMemberHashes(memberHashes(ready));
            }
            m_inFlightRows.insert(ready.sourceRow, tracked);
        }
        m_chunk.append(std::move(ready));
        if (m_chunk.size() >= m_batchSize) {
            dispatch();
        }
    }
    if (!m_stopped && m_sourceExhausted && !m_pending.isEmpty()) {
        resolvePending();
    }
    // The last, partial chunk goes when nothing more will join it.
    if (!m_stopped && m_sourceExhausted && !m_chunk.isEmpty() && m_inFlight < concurrency()) {
        dispatch();
    }
    emitProgress(false);
    maybeFinish();
}

void SyncEngine::dispatch()
{
    QList<ConvertedRow> rows = std::exchange(m_chunk, {});
    if (rows.isEmpty()) {
        return;
    }
    m_chunk.reserve(m_batchSize);
    if (m_options.dryRun) {
        preview(std::move(rows));
        return;
    }
    if (m_state && m_mapping.mode == SyncMode::Insert) {
        // The intent goes to disk before the creates go out: a run killed now finds out next time whether
        // they happened (createdon at or after this moment) instead of failing them as "already exists".
        QList<StateStore::Confirmed> intents;
        intents.reserve(rows.size());
        for (const ConvertedRow &row : std::as_const(rows)) {
            intents.append({m_inFlightRows.value(row.sourceRow).stateKey, row.sourceKey, 0, {}, {}});
        }
        const QDateTime server = m_client->serverNow();
        const qint64 sentAt =
            (server.isValid() ? server : QDateTime::currentDateTimeUtc()).toMSecsSinceEpoch();
        if (auto marked = m_state->markPending(intents, sentAt); !marked.ok()) {
            m_chunk = rows + m_chunk; // not sent: skipped when the run ends
            stop(marked.error());
            return;
        }
    }
    ++m_inFlight;
    const qint64 count = rows.size();
    m_writer->write(std::move(rows),
                    [this, count](WriteResult result) { onWritten(count, std::move(result)); });
}

void SyncEngine::onWritten(qint64 rows, WriteResult result)
{
    --m_inFlight;
    if (result.outcomes.size() != rows) {
        // A writer bug must not lose rows silently; the ledger's check would show it too.
        qCCritical(lcEngine) << "writer" << m_writer->name() << "answered" << result.outcomes.size()
                             << "outcomes for" << rows << "rows";
    }
    m_summary.requests += result.writeRequests;
    m_summary.readRequests += result.readRequests;
    m_summary.wireMilliseconds += result.wireMilliseconds;
    remember(result.outcomes);
    for (RowOutcome &outcome : result.outcomes) {
        record(std::move(outcome));
    }
    if (result.slowestRequestMs > SlowRequestMs && m_batchSize > 10) {
        // Far from the service's two-minute limit, but heading there: smaller requests from now on.
        m_batchSize = std::max(10, m_batchSize / 2);
        m_summary.batchSize = m_batchSize;
        qCInfo(lcEngine) << "a write request took" << result.slowestRequestMs << "ms; next requests carry"
                         << m_batchSize << "rows";
    }
    if (result.fatal) {
        stop(*result.fatal);
    }
    pump();
}

void SyncEngine::record(RowOutcome outcome)
{
    switch (outcome.status) {
    case RowStatus::Created:
        ++m_summary.created;
        break;
    case RowStatus::Updated:
        ++m_summary.updated;
        break;
    case RowStatus::Upserted:
        ++m_summary.upserted;
        break;
    case RowStatus::Unchanged:
        ++m_summary.unchanged;
        break;
    case RowStatus::Failed:
        ++m_summary.failed;
        if (m_options.dryRun) {
            addPreview(
                {outcome.sourceRow, outcome.key, RowStatus::Failed, outcome.errorCode, outcome.message, {}});
        } else if (m_state) {
            m_historyFailed.append(
                {outcome.sourceRow, outcome.key, outcome.httpStatus, outcome.errorCode, outcome.message});
        }
        qCDebug(lcEngine).noquote() << "row" << outcome.sourceRow << "failed:" << outcome.errorCode
                                    << outcome.message;
        break;
    case RowStatus::Skipped:
        ++m_summary.skipped;
        break;
    case RowStatus::Added:
    case RowStatus::AlreadyMember:
    case RowStatus::Removed:
    case RowStatus::NotMember:
        break; // audience outcomes (AudienceEngine): never a record sync's
    }
    m_pendingOutcomes.append(std::move(outcome));
}

void SyncEngine::stop(const Error &failure)
{
    if (!m_summary.fatal) {
        qCWarning(lcEngine).noquote()
            << "run stopped:" << errorCategoryName(failure.category) << failure.detail;
        m_summary.fatal = failure;
        Q_EMIT error(failure.category, failure.message);
    }
    m_stopped = true;
    maybeFinish();
}

namespace {
quint64 fnv1a(QByteArrayView bytes, quint64 hash = 14695981039346656037ull)
{
    for (const char byte : bytes) {
        hash ^= uchar(byte);
        hash *= 1099511628211ull;
    }
    return hash;
}

// The match key's entry among a row's member hashes: a key that changed addresses another record.
quint64 keyMemberHash(const ConvertedRow &row)
{
    return fnv1a("\x01key", RecordLookup::keyHash(row.keyValues));
}
} // namespace

quint64 SyncEngine::rowHash(const ConvertedRow &row)
{
    // FNV-1a over the values as they are sent, then the match key: equal hashes, equal writes.
    quint64 hash = fnv1a(row.members);
    hash ^= RecordLookup::keyHash(row.keyValues);
    hash *= 1099511628211ull;
    return hash == 0 ? 1 : hash;
}

std::vector<quint64> SyncEngine::memberHashes(const ConvertedRow &row)
{
    const QList<QByteArrayView> members = json::splitMembers(row.members);
    std::vector<quint64> hashes;
    hashes.reserve(size_t(members.size()) + 1);
    for (const QByteArrayView member : members) {
        hashes.push_back(fnv1a(member));
    }
    hashes.push_back(keyMemberHash(row));
    return hashes;
}

bool SyncEngine::keepChangedMembers(ConvertedRow &row, const std::vector<quint64> &hashes,
                                    const QByteArray &confirmed)
{
    if (!StateStore::containsMemberHash(confirmed, hashes.back())) {
        return true; // another record than last time: every column
    }
    QByteArray changed;
    changed.reserve(row.members.size());
    const QList<QByteArrayView> members = json::splitMembers(row.members);
    for (qsizetype i = 0; i < members.size(); ++i) {
        const QByteArrayView member = members[i];
        if (StateStore::containsMemberHash(confirmed, hashes[size_t(i)])) {
            continue; // the service holds exactly this value
        }
        if (!changed.isEmpty()) {
            changed += ',';
        }
        changed += member;
    }
    if (changed.isEmpty()) {
        return false;
    }
    row.members = std::move(changed);
    return true;
}

void SyncEngine::remember(const QList<RowOutcome> &outcomes)
{
    if (!m_state) {
        return;
    }
    // Only what the service confirmed makes a row unchanged next time; a failure is tried again.
    QList<StateStore::Confirmed> confirmed;
    QList<quint64> failed;
    for (const RowOutcome &outcome : outcomes) {
        const auto tracked = m_inFlightRows.constFind(outcome.sourceRow);
        if (tracked == m_inFlightRows.cend()) {
            continue;
        }
        switch (outcome.status) {
        case RowStatus::Created:
        case RowStatus::Updated:
        case RowStatus::Upserted:
        case RowStatus::Unchanged:
            confirmed.append({tracked->stateKey, outcome.key, tracked->rowHash, {}, tracked->memberHashes});
            break;
        case RowStatus::Failed:
            failed.append(tracked->stateKey);
            break;
        case RowStatus::Skipped:
        case RowStatus::Added:
        case RowStatus::AlreadyMember:
        case RowStatus::Removed:
        case RowStatus::NotMember:
            break; // a create's intent (insert mode) stays: the next run finds out what happened
        }
        m_inFlightRows.erase(tracked);
    }
    auto stored = m_state->confirm(confirmed);
    if (stored.ok()) {
        stored = m_state->fail(failed);
    }
    if (stored.ok()) {
        stored = m_state->recordFailed(m_runId, std::exchange(m_historyFailed, {}));
    }
    if (!stored.ok()) {
        stop(stored.error());
    }
}

void SyncEngine::resolvePending()
{
    // Insert mode, rows whose create an earlier run sent without learning the answer: a record created at or
    // after that moment is ours (created); an older one existed before (the row fails, as inserts do); none
    // at all means the create never happened, and the row is sent now.
    QList<ConvertedRow> rows = std::exchange(m_pending, {});
    if (rows.isEmpty()) {
        return;
    }
    QList<QVariantList> keys;
    keys.reserve(rows.size());
    for (const ConvertedRow &row : std::as_const(rows)) {
        keys.append(row.keyValues);
    }
    ++m_inFlight;
    m_lookup->find(keys, [this, rows](RecordLookup::Answer found) {
        --m_inFlight;
        m_summary.readRequests += found.requests;
        if (found.error) {
            m_chunk += rows;
            stop(*found.error);
            pump();
            return;
        }
        QList<RowOutcome> outcomes;
        for (const ConvertedRow &row : rows) {
            const qint64 since = m_inFlightRows.value(row.sourceRow).pendingSince;
            const auto record = found.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            if (record == found.byKey.cend()) {
                m_chunk.append(row);
            } else if (!record->createdOn.isValid() ||
                       record->createdOn.toMSecsSinceEpoch() >= since - ClockMarginMs) {
                outcomes.append({row.sourceRow,
                                 row.sourceKey,
                                 RowStatus::Created,
                                 0,
                                 {},
                                 tr("Created by an earlier run that ended before it heard the answer.")});
            } else {
                outcomes.append({row.sourceRow, row.sourceKey, RowStatus::Failed, 412, u"0x80040237"_s,
                                 tr("A %1 record with this key already exists; Insert mode does not change "
                                    "existing records.")
                                     .arg(m_mapping.target.entitySet)});
            }
        }
        remember(outcomes);
        for (RowOutcome &outcome : outcomes) {
            record(std::move(outcome));
        }
        if (m_chunk.size() >= m_batchSize || (m_sourceExhausted && !m_chunk.isEmpty())) {
            dispatch();
        }
        pump();
    });
}

void SyncEngine::preview(QList<ConvertedRow> rows)
{
    // What a run would do with these rows: their records as they are now, compared column by column.
    QList<QVariantList> keys;
    keys.reserve(rows.size());
    for (const ConvertedRow &row : std::as_const(rows)) {
        keys.append(row.keyValues);
    }
    ++m_inFlight;
    m_lookup->find(keys, [this, rows](RecordLookup::Answer found) {
        --m_inFlight;
        m_summary.readRequests += found.requests;
        if (found.error) {
            m_chunk += rows; // not compared: skipped when the run ends
            stop(*found.error);
            pump();
            return;
        }
        for (const ConvertedRow &row : rows) {
            m_inFlightRows.remove(row.sourceRow);
            const auto current = found.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            const bool exists = current != found.byKey.cend();
            RowOutcome outcome{row.sourceRow, row.sourceKey, RowStatus::Created, 0, {}, {}};
            if (exists && m_mapping.mode == SyncMode::Insert) {
                outcome = {row.sourceRow,
                           row.sourceKey,
                           RowStatus::Failed,
                           412,
                           u"0x80040237"_s,
                           tr("A %1 record with this key already exists; Insert mode does not change "
                              "existing records.")
                               .arg(m_mapping.target.entitySet)};
            } else if (!exists && m_mapping.mode == SyncMode::Update) {
                outcome = {row.sourceRow,
                           row.sourceKey,
                           RowStatus::Failed,
                           404,
                           u"0x80040217"_s,
                           tr("No %1 record matches this key; Update mode does not create records.")
                               .arg(m_mapping.target.entitySet)};
            } else if (!exists) {
                addPreview({row.sourceRow,
                            row.sourceKey,
                            RowStatus::Created,
                            {},
                            {},
                            newRecordColumns(parseMembers(row.members), m_lookupAttributes)});
            } else {
                const QList<ColumnChange> changes =
                    compareWithRecord(parseMembers(row.members), current->values, m_lookupAttributes);
                const bool changed = std::any_of(changes.cbegin(), changes.cend(),
                                                 [](const ColumnChange &c) { return c.compared; });
                outcome.status = changed ? RowStatus::Updated : RowStatus::Unchanged;
                if (changed) {
                    addPreview({row.sourceRow, row.sourceKey, RowStatus::Updated, {}, {}, changes});
                }
            }
            record(std::move(outcome));
        }
        pump();
    });
}

void SyncEngine::addPreview(RowPreview row)
{
    const qsizetype shown = std::count_if(m_summary.preview.cbegin(), m_summary.preview.cend(),
                                          [&row](const RowPreview &p) { return p.status == row.status; });
    if (shown >= m_options.previewSample) {
        return;
    }
    // The columns in mapping order (JSON objects keep theirs sorted).
    const QStringList order = m_converter ? m_converter->writtenAttributes() : QStringList();
    std::stable_sort(row.changes.begin(), row.changes.end(),
                     [&order](const ColumnChange &a, const ColumnChange &b) {
                         return order.indexOf(a.column) < order.indexOf(b.column);
                     });
    m_summary.preview.append(std::move(row));
}

void SyncEngine::skipUnsent()
{
    // Read and converted but never sent (cancel or a fatal error): each gets its outcome.
    m_chunk += std::exchange(m_pending, {});
    for (const ConvertedRow &row : std::as_const(m_chunk)) {
        record(RowOutcome{row.sourceRow,
                          row.sourceKey,
                          RowStatus::Skipped,
                          0,
                          {},
                          m_summary.cancelled ? tr("Not sent: the run was cancelled.")
                                              : tr("Not sent: the run stopped after an error.")});
    }
    m_chunk.clear();
}

void SyncEngine::emitProgress(bool force)
{
    const qint64 now = m_clock.elapsed();
    if (!force && (m_finished || now - m_lastEmitMs < ProgressIntervalMs)) {
        return;
    }
    m_lastEmitMs = now;
    if (!m_pendingOutcomes.isEmpty()) {
        Q_EMIT rowOutcomes(m_pendingOutcomes);
        m_pendingOutcomes.clear();
    }
    Q_EMIT progress(m_summary.done(), m_summary.total, tr("Writing to %1").arg(m_mapping.target.entitySet));
}

void SyncEngine::maybeFinish()
{
    if (m_finished || m_inFlight > 0 || !(m_sourceExhausted || m_stopped) || (!m_started && !m_stopped)) {
        return;
    }
    m_finished = true;
    skipUnsent();
    m_summary.concurrency = m_started ? concurrency() : 0;
    m_summary.throttled = m_client->stats().throttled;
    m_summary.elapsedMs = m_clock.elapsed();
    if (m_summary.done() != m_summary.rowsRead) {
        qCCritical(lcEngine) << "outcomes" << m_summary.done() << "differ from rows read"
                             << m_summary.rowsRead;
    }
    const qint64 now = m_clock.elapsed();
    m_lastEmitMs = now;
    if (!m_pendingOutcomes.isEmpty()) {
        Q_EMIT rowOutcomes(m_pendingOutcomes);
        m_pendingOutcomes.clear();
    }
    Q_EMIT progress(m_summary.done(), m_summary.total, tr("Writing to %1").arg(m_mapping.target.entitySet));
    m_summary.endedAt = QDateTime::currentDateTimeUtc();
    if (m_state && !m_options.dryRun) {
        // The history: the failed rows, then how the run ended; a complete run also forgets rows the source
        // no longer has.
        const bool complete =
            m_summary.sourceComplete && !m_summary.fatal && !m_summary.cancelled && !m_options.retryFailed;
        auto recorded = m_state->recordFailed(m_runId, std::exchange(m_historyFailed, {}));
        if (recorded.ok() && m_runId > 0) {
            recorded = m_state->endRun(m_runId, m_summary, m_summary.exitCode(), complete);
        }
        if (!recorded.ok()) {
            qCWarning(lcEngine).noquote()
                << "the run history could not be written:" << recorded.error().message;
        }
        m_summary.statePath = m_state->path();
        m_summary.runId = m_runId;
    }
    qCInfo(lcEngine) << "finished:" << m_summary.created << "created," << m_summary.updated << "updated,"
                     << m_summary.upserted << "upserted," << m_summary.failed << "failed,"
                     << m_summary.skipped << "skipped of" << m_summary.rowsRead << "read in"
                     << m_summary.elapsedMs << "ms," << m_summary.requests << "write requests";
    Q_EMIT finished(m_summary);
}

} // namespace d365::services
