#include "services/sync/syncworker.h"

#include "services/dataverse/batchrequest.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/odata.h"
#include "services/dataverse/metadataclient.h"
#include "services/mapping/mappingvalidator.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcWorker, "d365.sync.worker")

namespace d365::services {

namespace {

constexpr qint64 ProgressIntervalMs = 100;

bool isFatal(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Authentication:
    case ErrorCategory::Privilege:
    case ErrorCategory::Network:
    case ErrorCategory::Configuration:
        return true;
    default:
        return false;
    }
}

} // namespace

SyncWorker::SyncWorker(const Mapping &mapping, const ConnectionProfile &profile, TokenProvider *tokenProvider,
                       const SyncOptions &options)
    : m_mapping(mapping)
    , m_profile(profile)
    , m_tokenProvider(tokenProvider)
    , m_options(options)
{}

SyncWorker::~SyncWorker()
{
    // The clients go before QObject's destructor runs, so nothing can call back into a half-destroyed worker.
    delete m_lookups;
    delete m_metadata;
    delete m_client;
}

QStringList SyncWorker::checkMapping(const Mapping &mapping, const EntityMetadata &entity)
{
    return MappingValidator::lines(MappingValidator::validate(mapping, entity));
}

void SyncWorker::run()
{
    m_clock.start();
    m_client = new DataverseClient(m_profile, m_tokenProvider, this);
    RetryPolicy retry;
    retry.maxRetries = m_options.maxRetries;
    m_client->setRetryPolicy(retry);
    m_metadata = new MetadataClient(m_client, this);
    m_lookups = new LookupResolver(m_metadata, this);

    qCInfo(lcWorker) << "sync of" << m_mapping.target.entitySet << "on" << m_profile.orgUrl.toString()
                     << "mode" << syncModeName(m_mapping.mode);
    Q_EMIT progress(0, 0, tr("Reading the table definition of %1…").arg(m_mapping.target.entitySet));
    m_metadata->fetchEntity(m_mapping.target.entitySet, [this](const Result<EntityMetadata> &result) {
        if (!result.ok()) {
            abortRun(result.error());
            return;
        }
        onMetadata(result.value());
    });
}

void SyncWorker::onMetadata(const EntityMetadata &entity)
{
    m_entity = entity;
    const QStringList problems = checkMapping(m_mapping, entity);
    if (!problems.isEmpty()) {
        abortRun(Error::make(
            ErrorCategory::Configuration,
            tr("The mapping does not fit the table %1:\n%2").arg(entity.logicalName, problems.join(u'\n'))));
        return;
    }
    Q_EMIT progress(0, 0, tr("Reading the lookup target tables…"));
    m_lookups->resolve(m_mapping, entity, [this](const ResolvedLookups &lookups) { startSource(lookups); });
}

void SyncWorker::startSource(const ResolvedLookups &lookups)
{
    if (lookups.error) {
        abortRun(*lookups.error);
        return;
    }
    if (!lookups.problems.isEmpty()) {
        abortRun(Error::make(ErrorCategory::Configuration,
                             tr("The mapping's lookups do not fit the target tables:\n%1")
                                 .arg(MappingValidator::lines(lookups.problems).join(u'\n'))));
        return;
    }
    const EntityMetadata &entity = m_entity;
    auto created = WarehouseSource::create(m_mapping.source);
    if (!created.ok()) {
        abortRun(created.error());
        return;
    }
    m_source = std::move(created.value());
    if (auto opened = m_source->open(); !opened.ok()) {
        abortRun(opened.error());
        return;
    }
    const QStringList sourceColumns = m_source->columns();
    // The declared types are known now: a column that can never become its target's type (dates onto a
    // number column) stops the run before any row is sent, instead of failing every row. The other checks
    // passed in onMetadata.
    if (const auto problems =
            MappingValidator::validateSourceTypes(m_mapping, entity, m_source->columnTypes());
        !problems.isEmpty()) {
        abortRun(Error::make(ErrorCategory::Configuration,
                             tr("The mapping does not fit the warehouse query:\n%1")
                                 .arg(MappingValidator::lines(problems).join(u'\n'))));
        return;
    }
    QStringList missing;
    const QTimeZone mappingZone =
        m_mapping.sourceTimeZone.isEmpty() ? QTimeZone::utc() : QTimeZone(m_mapping.sourceTimeZone.toUtf8());
    for (qsizetype f = 0; f < m_mapping.fields.size(); ++f) {
        const FieldMapping &field = m_mapping.fields.at(f);
        Column column;
        column.field = field;
        column.attribute = *entity.attribute(field.target);
        column.isKey = m_mapping.target.matchKey.contains(field.target);
        column.conversion.truncateStrings = field.truncate;
        column.conversion.sourceTimeZone =
            field.sourceTimeZone.isEmpty() ? mappingZone : QTimeZone(field.sourceTimeZone.toUtf8());
        if (column.attribute.isLookup()) {
            column.lookupTargets = lookups.targets.value(int(f));
        }
        if (field.hasConstant()) {
            column.constant = ValueConverter::fromJson(field.constant);
        } else if (column.attribute.isLookup()) {
            const QStringList parts = field.lookup && !field.lookup->sources.isEmpty()
                                          ? field.lookup->sources
                                          : QStringList{field.source};
            for (const auto &part : parts) {
                column.lookupSourceIndexes.append(int(sourceColumns.indexOf(part)));
                if (column.lookupSourceIndexes.last() < 0) {
                    missing.append(part);
                }
            }
            if (field.lookup && !field.lookup->tableColumn.isEmpty()) {
                column.lookupTableIndex = int(sourceColumns.indexOf(field.lookup->tableColumn));
                if (column.lookupTableIndex < 0) {
                    missing.append(field.lookup->tableColumn);
                }
            }
        } else {
            column.sourceIndex = int(sourceColumns.indexOf(field.source));
            if (column.sourceIndex < 0) {
                missing.append(field.source);
                continue;
            }
        }
        m_columns.append(column);
    }
    m_sourceKeyIndex = int(sourceColumns.indexOf(m_mapping.source.keyColumn));
    if (m_sourceKeyIndex < 0) {
        missing.append(m_mapping.source.keyColumn);
    }
    if (!missing.isEmpty()) {
        abortRun(Error::make(
            ErrorCategory::Configuration,
            tr("The source query returns no column named %1. It returns: %2. Fix the query or the "
               "mapping's source column names.")
                .arg(missing.join(", "_L1), sourceColumns.join(", "_L1))));
        return;
    }
    for (const auto &keyName : std::as_const(m_mapping.target.matchKey)) {
        for (qsizetype i = 0; i < m_columns.size(); ++i) {
            if (m_columns.at(i).attribute.logicalName == keyName) {
                m_keyColumns.append(int(i));
            }
        }
    }
    if (m_keyColumns.size() != m_mapping.target.matchKey.size()) {
        abortRun(Error::make(
            ErrorCategory::Configuration,
            tr("$.target.matchKey: every match key column must be mapped from a source column.")));
        return;
    }

    Q_EMIT progress(0, 0, tr("Counting source rows…"));
    const auto count = m_source->countRows();
    if (!count.ok()) {
        abortRun(count.error());
        return;
    }
    m_summary.total = count.value();
    Q_EMIT started(m_summary.total);
    emitProgress(true);
    pump();
}

void SyncWorker::pump()
{
    int limit = m_options.maxConcurrentRequests;
    if (m_client->dopHint() > 0) {
        limit = std::min(limit, m_client->dopHint());
    }
    limit = std::max(1, limit);
    while (!m_stopped && m_inFlight < limit) {
        if (m_cancelRequested.load()) {
            qCInfo(lcWorker) << "cancelled after" << m_rowsRead << "rows";
            m_summary.cancelled = true;
            m_stopped = true;
            break;
        }
        // Rows to try again go first: they were read long ago.
        if (!m_retry.isEmpty()) {
            queueRow(m_retry.takeFirst());
            continue;
        }
        if (m_sourceExhausted) {
            break;
        }
        SourceRow row;
        if (!m_source->next(row)) {
            m_sourceExhausted = true;
            if (const auto error = m_source->lastError()) {
                abortRun(*error);
            }
            break;
        }
        ++m_rowsRead;
        if (auto pending = convertRow(row)) {
            queueRow(std::move(*pending));
        }
    }
    // The last, partial batch goes when nothing more will join it.
    if (!m_stopped && m_sourceExhausted && m_retry.isEmpty() && !m_batch.isEmpty() && m_inFlight < limit) {
        flushBatch();
    }
    maybeFinish();
}

std::optional<SyncWorker::PendingRow> SyncWorker::convertRow(const SourceRow &row)
{
    const QString key = row.values.value(m_sourceKeyIndex).toString();
    QJsonObject body;
    QVariantList keyValues(m_keyColumns.size());
    for (qsizetype i = 0; i < m_columns.size(); ++i) {
        const Column &column = m_columns.at(i);
        if (column.attribute.isLookup()) {
            QVariantList parts;
            for (const int index : column.lookupSourceIndexes) {
                parts.append(row.values.value(index));
            }
            if (column.field.hasConstant()) {
                parts = {column.constant};
            }
            const QString table = column.lookupTableIndex >= 0
                                      ? row.values.value(column.lookupTableIndex).toString()
                                      : QString();
            const auto binding =
                ValueConverter::bindLookup(parts, table, column.attribute, column.lookupTargets);
            if (!binding.ok()) {
                record({row.index, key, RowStatus::Failed, 0, u"conversion"_s, binding.error().message});
                return std::nullopt;
            }
            if (!(binding.value().value.isNull() && column.field.nullPolicy == NullPolicy::LeaveUnchanged)) {
                body.insert(binding.value().annotation(), binding.value().value);
            }
            continue;
        }
        const QVariant value =
            column.field.hasConstant() ? column.constant : row.values.value(column.sourceIndex);
        if (column.field.nullPolicy == NullPolicy::LeaveUnchanged && !column.isKey &&
            ValueConverter::isNullValue(value, column.attribute)) {
            continue; // FACTS §2: a column left out of the body keeps its value
        }
        const auto converted = ValueConverter::convert(value, column.attribute, column.conversion);
        if (!converted.ok()) {
            record({row.index, key, RowStatus::Failed, 0, u"conversion"_s, converted.error().message});
            return std::nullopt;
        }
        if (column.isKey) {
            const QVariant keyValue = ValueConverter::fromJson(converted.value());
            if (keyValue.isNull() || keyValue.toString().isEmpty()) {
                record({row.index, key, RowStatus::Failed, 0, u"empty-key"_s,
                        tr("The match key column %1 is empty in this row; a row without a key cannot be "
                           "matched.")
                            .arg(column.attribute.logicalName)});
                return std::nullopt;
            }
            if (keyValue.typeId() == QMetaType::QString &&
                ValueConverter::hasForbiddenKeyCharacter(keyValue.toString())) {
                record({row.index, key, RowStatus::Failed, 0, u"invalid-key"_s,
                        tr("The match key value '%1' of %2 contains one of / < > * %% & : \\ ? + — Dataverse "
                           "cannot "
                           "address a record by such a key. Clean the value in the warehouse.")
                            .arg(keyValue.toString(), column.attribute.logicalName)});
                return std::nullopt;
            }
            keyValues[m_keyColumns.indexOf(int(i))] = keyValue;
        } else {
            // FACTS §2: key columns never go in the body of a key-addressed upsert.
            body.insert(column.attribute.logicalName, converted.value());
        }
    }

    PendingRow pending{row.index, key, {}, 0};
    DataverseRequest &request = pending.request;
    request.method = "PATCH";
    request.path = m_mapping.target.entitySet + u'(' +
                   odata::keySegment(m_mapping.target.matchKey, keyValues) + u")?$select="_s +
                   m_entity.primaryIdAttribute;
    // return=representation makes the service say 201 (created) or 200 (updated) instead of 204 for both.
    request.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("return=representation")));
    if (m_mapping.mode == SyncMode::Insert) {
        request.headers.append(qMakePair(QByteArray("If-None-Match"), QByteArray("*")));
    } else if (m_mapping.mode == SyncMode::Update) {
        request.headers.append(qMakePair(QByteArray("If-Match"), QByteArray("*")));
    }
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.idempotent = true; // addressed by key: re-sending converges to the same record

    return pending;
}

void SyncWorker::queueRow(PendingRow row)
{
    m_batch.append(std::move(row));
    if (m_batch.size() >= std::max(1, m_options.batchSize)) {
        flushBatch();
    }
}

void SyncWorker::flushBatch()
{
    QList<PendingRow> rows = std::exchange(m_batch, {});
    if (rows.isEmpty()) {
        return;
    }
    ++m_inFlight;
    for (PendingRow &row : rows) {
        ++row.attempts;
    }
    if (m_options.batchSize <= 1) {
        const PendingRow row = rows.constFirst();
        m_client->send(row.request, this,
                       [this, row](const DataverseResponse &response) { onBatchAnswered({row}, response); });
        return;
    }
    QList<DataverseRequest> requests;
    requests.reserve(rows.size());
    for (const PendingRow &row : std::as_const(rows)) {
        requests.append(row.request);
    }
    const BatchRequest batch = BatchRequest::encode(requests, m_profile.webApiBaseUrl());
    m_client->send(batch.request, this,
                   [this, rows](const DataverseResponse &response) { onBatchAnswered(rows, response); });
}

void SyncWorker::onBatchAnswered(const QList<PendingRow> &rows, const DataverseResponse &response)
{
    --m_inFlight;
    m_summary.requests += response.attempts;
    const bool single = m_options.batchSize <= 1;
    if (single || !response.ok()) {
        // One row's answer, or the whole batch failed after the client's retries: every row shares it.
        for (const PendingRow &row : rows) {
            applyAnswer(row, response);
        }
    } else if (const auto parts = BatchRequest::decode(response.header("content-type"), response.body);
               !parts.ok()) {
        qCWarning(lcWorker).noquote() << parts.error().detail;
        DataverseResponse unreadable;
        unreadable.status = response.status;
        unreadable.error = ServiceError{response.status, 0, {}, parts.error().detail, -1};
        for (const PendingRow &row : rows) {
            applyAnswer(row, unreadable);
        }
    } else {
        QList<PendingRow> again;
        int retryAfterSeconds = -1; // the longest a throttled part asked for
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const PendingRow &row = rows.at(i);
            DataverseResponse answer;
            if (i < parts.value().size()) {
                const BatchPartResponse &part = parts.value().at(i);
                answer.status = part.status;
                answer.headers = part.headers;
                answer.body = part.body;
                if (part.status < 200 || part.status >= 300) {
                    answer.error = ServiceError::fromHttp(part.status, part.body);
                    bool hasRetryAfter = false;
                    const int retryAfter = part.headers.value("retry-after").toInt(&hasRetryAfter);
                    if (hasRetryAfter) {
                        answer.error->retryAfterSeconds = retryAfter;
                    }
                }
            } else {
                // With continue-on-error every request has a part; a short answer is the service's fault.
                answer.status = response.status;
                answer.error = ServiceError{
                    response.status, 0, {}, tr("The service's batch answer has no part for this row."), -1};
            }
            if (answer.error && answer.error->isTransient() && row.attempts <= m_options.maxRetries) {
                again.append(row);
                if (answer.error->isThrottled()) {
                    retryAfterSeconds = std::max(retryAfterSeconds, answer.error->retryAfterSeconds);
                }
                continue;
            }
            applyAnswer(row, answer);
        }
        if (!again.isEmpty()) {
            // The client's policy for a whole request: Retry-After (capped), else exponential back-off.
            const int delayMs =
                m_client->retryPolicy().delayMs(again.constFirst().attempts, retryAfterSeconds);
            retryLater(std::move(again), delayMs);
        }
    }
    emitProgress(false);
    pump();
}

void SyncWorker::retryLater(QList<PendingRow> rows, int delayMs)
{
    qCInfo(lcWorker) << rows.size() << "row(s) of a batch failed transiently; sending them again in"
                     << delayMs << "ms";
    ++m_inFlight; // the wait keeps the run from finishing
    QTimer::singleShot(delayMs, this, [this, rows = std::move(rows)] {
        --m_inFlight;
        m_retry += rows;
        pump();
    });
}

void SyncWorker::applyAnswer(const PendingRow &row, const DataverseResponse &response)
{
    const qint64 sourceRow = row.sourceRow;
    const QString &key = row.key;
    if (response.ok()) {
        // 201 = created, 200 = updated. A 204 means the service ignored the Prefer header and cannot tell;
        // it is counted as updated.
        record({sourceRow,
                key,
                response.status == 201 ? RowStatus::Created : RowStatus::Updated,
                response.status,
                {},
                {}});
    } else {
        const ServiceError &serviceError = *response.error;
        const Error error = toUserError(serviceError, m_client->errorContext(m_mapping.target.entitySet));
        if (error.category == ErrorCategory::Cancelled) {
            record({sourceRow, key, RowStatus::Skipped, 0, {}, error.message});
        } else {
            QString message = error.message;
            if (m_mapping.mode == SyncMode::Update && serviceError.httpStatus == 404) {
                message = tr("No %1 record matches this key; Update mode does not create records. (%2)")
                              .arg(m_entity.logicalName, serviceError.message);
            } else if (m_mapping.mode == SyncMode::Insert && serviceError.httpStatus == 412) {
                message = tr("A %1 record with this key already exists; Insert mode does not change existing "
                             "records. (%2)")
                              .arg(m_entity.logicalName, serviceError.message);
            }
            record({sourceRow, key, RowStatus::Failed, serviceError.httpStatus,
                    serviceError.code.isEmpty() ? errorCategoryName(error.category) : serviceError.code,
                    message});
            if (isFatal(error.category)) {
                abortRun(error);
            }
        }
    }
}

void SyncWorker::skipUnsent()
{
    // Read and converted but never sent (cancel or a fatal error): each gets its outcome.
    for (const QList<PendingRow> *queue : {&m_batch, &m_retry}) {
        for (const PendingRow &row : *queue) {
            record({row.sourceRow,
                    row.key,
                    RowStatus::Skipped,
                    0,
                    {},
                    m_summary.cancelled ? tr("Not sent: the run was cancelled.")
                                        : tr("Not sent: the run stopped after an error.")});
        }
    }
    m_batch.clear();
    m_retry.clear();
}

void SyncWorker::record(RowOutcome outcome)
{
    switch (outcome.status) {
    case RowStatus::Created:
        ++m_summary.created;
        break;
    case RowStatus::Updated:
        ++m_summary.updated;
        break;
    case RowStatus::Unchanged:
        ++m_summary.unchanged;
        break;
    case RowStatus::Failed:
        ++m_summary.failed;
        qCDebug(lcWorker).noquote() << "row" << outcome.sourceRow << "failed:" << outcome.errorCode
                                    << outcome.message;
        break;
    case RowStatus::Skipped:
        ++m_summary.skipped;
        break;
    }
    m_pendingOutcomes.append(std::move(outcome));
}

void SyncWorker::abortRun(const Error &error)
{
    if (!m_summary.fatal) {
        qCWarning(lcWorker).noquote() << "run stopped:" << errorCategoryName(error.category) << error.detail;
        m_summary.fatal = error;
        Q_EMIT this->error(error.category, error.message);
    }
    m_stopped = true;
    maybeFinish();
}

void SyncWorker::emitProgress(bool force)
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

void SyncWorker::maybeFinish()
{
    if (m_finished || m_inFlight > 0 || !(m_sourceExhausted || m_stopped)) {
        return;
    }
    m_finished = true;
    if (m_stopped) {
        skipUnsent();
    }
    if (m_sourceExhausted && !m_stopped) {
        m_summary.total = m_rowsRead; // the source may have changed since it was counted
    }
    // Rows never read (cancel or a fatal error): each is skipped, so every source row has one outcome.
    m_summary.skipped += std::max<qint64>(0, m_summary.total - m_rowsRead);
    m_summary.elapsedMs = m_clock.elapsed();
    emitProgress(true);
    qCInfo(lcWorker) << "finished:" << m_summary.created << "created," << m_summary.updated << "updated,"
                     << m_summary.failed << "failed," << m_summary.skipped << "skipped in"
                     << m_summary.elapsedMs << "ms," << m_summary.requests << "requests";
    Q_EMIT finished(m_summary);
}

} // namespace d365::services
