#include "services/sync/audienceengine.h"

#include "services/dataverse/batchrequest.h"
#include "services/sync/preflight.h"
#include "services/sync/recordlookup.h"
#include "services/sync/syncengine.h"
#include "services/sync/writer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSet>
#include <QUuid>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcAudience, "d365.sync.audience")

namespace d365::services {

namespace {

constexpr qint64 ProgressIntervalMs = 100;
constexpr int MaxInFlight = 4;
constexpr qsizetype ListedExtras = 10000;

QString percentText(double value)
{
    return QString::number(value, 'f', value == std::floor(value) ? 0 : 1);
}

} // namespace

AudienceEngine::AudienceEngine(const Mapping &mapping, DataverseClient *client, SourceFactory sources,
                               const SyncOptions &options, QObject *parent)
    : QObject(parent)
    , m_mapping(mapping)
    , m_spec(mapping.target.list.value_or(ListSpec{}))
    , m_client(client)
    , m_sources(std::move(sources))
    , m_options(options)
    , m_lists(new MarketingLists(client, this))
{}

AudienceEngine::~AudienceEngine() = default;

QString AudienceEngine::gateRefusal(qint64 sourceRows, qint64 currentMembers, qint64 removals, int maxPercent)
{
    if (sourceRows == 0) {
        return tr("Mirror refused: the source returned no rows, and mirroring it would empty the list (%1 "
                  "members). Nothing was written. If the list should really be emptied, use the remove mode.")
            .arg(currentMembers);
    }
    if (removals > 0 && removals * 100 > qint64(maxPercent) * currentMembers) {
        return tr("Mirror refused: it would remove %1 of the list's %2 members (%3 %), more than the %4 % "
                  "allowed. Nothing was written. Check the source; if the removals are right, allow them "
                  "for this run with --allow-removals %5% or raise \"maxRemovalPercent\" in the mapping.")
            .arg(removals)
            .arg(currentMembers)
            .arg(percentText(currentMembers > 0 ? removals * 100.0 / currentMembers : 100.0))
            .arg(maxPercent)
            .arg(qMin<qint64>(100, (removals * 100 + currentMembers - 1) / qMax<qint64>(1, currentMembers)));
    }
    return {};
}

void AudienceEngine::start()
{
    m_clock.start();
    RetryPolicy retry = m_client->retryPolicy();
    retry.maxRetries = m_options.maxRetries;
    retry.requestTimeoutMs = m_options.requestTimeoutMs;
    m_client->setRetryPolicy(retry);
    m_summary.startedAt = QDateTime::currentDateTimeUtc();
    m_summary.dryRun = m_options.dryRun;
    m_summary.writer = u"AddListMembersList"_s;
    AudienceSummary audience;
    audience.mode = audienceModeName(m_spec.mode);
    audience.listId = m_spec.id;
    audience.listName = m_spec.name;
    audience.maxRemovalPercent = m_options.allowRemovalsPercent.value_or(m_spec.maxRemovalPercent);
    m_summary.audience = audience;
    qCInfo(lcAudience) << "audience" << audience.mode << "into list"
                       << (m_spec.id.isEmpty() ? m_spec.name : m_spec.id) << "of"
                       << m_mapping.target.entitySet;
    if (m_spec.mode == AudienceMode::Upsert && !m_options.dryRun) {
        upsertRecords();
    } else if (openHistory()) {
        runPreflight();
    }
}

bool AudienceEngine::openHistory()
{
    if (!m_options.useState || m_options.dryRun) {
        return true;
    }
    const QString path = m_options.statePath.isEmpty()
                             ? StateStore::defaultPath(m_client->profile().orgUrl.toString(), m_mapping)
                             : m_options.statePath;
    auto opened = StateStore::open(path, StateStore::fingerprint(m_mapping), StateStore::Access::ReadWrite);
    if (!opened.ok()) {
        stop(opened.error());
        finish();
        return false;
    }
    m_state = std::move(opened.value());
    StateStore::RunRecord run;
    run.started = QDateTime::currentDateTimeUtc();
    run.mapping = m_options.runLabel.isEmpty() ? m_mapping.name : m_options.runLabel;
    run.profile = m_client->profile().name;
    run.mode = audienceModeName(m_spec.mode);
    m_runId = m_state->beginRun(run);
    return true;
}

void AudienceEngine::upsertRecords()
{
    // The record-sync path writes the member records; the rows it could not write end failed here, the others
    // go on to be added.
    Q_EMIT progress(0, -1, tr("Upserting the %1 records…").arg(m_mapping.target.entitySet));
    Mapping records = m_mapping;
    records.target.list.reset();
    records.mode = SyncMode::Upsert;
    SyncOptions options = m_options;
    if (options.useState && options.statePath.isEmpty()) {
        // The audience's own state file (and history), not the one of a records mapping of the same table.
        options.statePath = StateStore::defaultPath(m_client->profile().orgUrl.toString(), m_mapping);
    }
    m_upsert = new SyncEngine(records, m_client, m_sources, options, this);
    connect(m_upsert, &SyncEngine::rowOutcomes, this, [this](const QList<RowOutcome> &outcomes) {
        for (const RowOutcome &outcome : outcomes) {
            if (outcome.status == RowStatus::Failed || outcome.status == RowStatus::Skipped) {
                m_upsertFailures.insert(outcome.sourceRow, outcome);
            } else {
                ++m_summary.upserted;
                m_upserted.append(
                    {outcome.sourceRow, outcome.key, RowStatus::Skipped, 0, u"upserted"_s,
                     tr("The record was upserted, but the run stopped before it was added to the "
                        "list.")});
            }
        }
    });
    connect(m_upsert, &SyncEngine::progress, this, &AudienceEngine::progress);
    connect(m_upsert, &SyncEngine::finished, this, [this](const SyncSummary &written) {
        m_summary.requests += written.requests;
        m_summary.readRequests += written.readRequests;
        m_summary.statePath = written.statePath;
        m_summary.runId = written.runId;
        if (written.fatal || written.cancelled) {
            // Nothing was added: every row read ends as the record sync left it, failed or skipped where it
            // did not get through.
            m_summary.rowsRead = written.rowsRead;
            m_summary.total = written.total;
            m_summary.cancelled = written.cancelled;
            for (const RowOutcome &failure : std::as_const(m_upsertFailures)) {
                record(failure);
            }
            for (const RowOutcome &upserted : std::as_const(m_upserted)) {
                record(upserted);
            }
            if (written.fatal) {
                stop(*written.fatal);
            }
            finish();
            return;
        }
        m_upserted.clear();
        runPreflight();
    });
    m_upsert->start();
}

void AudienceEngine::runPreflight()
{
    Q_EMIT progress(0, -1, tr("Checking the mapping and the marketing list…"));
    m_preflight = new Preflight(m_client, this);
    m_preflight->run(m_mapping, WriterKind::Batch, m_sources,
                     [this](std::shared_ptr<PreflightReport> report) { onPreflight(std::move(report)); });
}

void AudienceEngine::onPreflight(std::shared_ptr<PreflightReport> report)
{
    if (checkCancelled()) {
        return;
    }
    if (!report->ok()) {
        stop(*report->error);
        finish();
        return;
    }
    auto converter = RowConverter::create(m_mapping, report->entity, report->lookups, report->sourceColumns);
    if (!converter.ok()) {
        stop(converter.error());
        finish();
        return;
    }
    m_converter = std::move(converter.value());
    m_source = report->source;
    m_entity = report->entity;
    m_list = report->list;
    m_summary.audience->memberTable = m_entity.logicalName;
    m_summary.audience->listName = m_list.name;

    WriteTarget target;
    target.entitySet = m_mapping.target.entitySet;
    target.logicalName = m_entity.logicalName;
    target.primaryIdAttribute = m_entity.primaryIdAttribute;
    target.matchKey = m_mapping.target.matchKey;
    target.hasCreatedOn = false;
    m_lookup = new RecordLookup(m_client, target, this);

    if (!readSource()) {
        finish();
        return;
    }
    Q_EMIT started(m_summary.total);

    if (!m_list.exists) {
        m_summary.audience->listCreated = true;
        m_summary.audience->membersBefore = 0;
        m_membersRead = true;
        if (m_options.dryRun) {
            onListReady();
            return;
        }
        Q_EMIT progress(0, m_summary.total, tr("Creating the marketing list '%1'…").arg(m_list.name));
        m_lists->create(m_list.name, m_entity, [this](Result<MarketingList> created) {
            ++m_summary.requests;
            if (!created.ok()) {
                stop(created.error());
                skipRemaining();
                finish();
                return;
            }
            m_list = created.value();
            onListReady();
        });
        return;
    }
    onListReady();
}

void AudienceEngine::onListReady()
{
    m_summary.audience->listId = m_list.id;
    if (!m_membersRead) {
        readMembers();
    }
    resolveMembers(0);
}

bool AudienceEngine::readSource()
{
    // The keys of every row are needed before the plan (a mirror compares the whole source with the whole
    // list), so the source is read at once; only the match key and the source key of a row are kept.
    Q_EMIT progress(0, -1, tr("Reading the warehouse…"));
    QHash<QString, qint64> firstRowOfKey;
    SourceRow row;
    while (m_source->next(row)) {
        if (m_cancelRequested.load()) {
            m_summary.cancelled = true;
            m_stopped = true;
            skipRemaining();
            return false;
        }
        ++m_summary.rowsRead;
        auto converted = m_converter->convert(row);
        if (auto *failure = std::get_if<RowOutcome>(&converted)) {
            record(*failure);
            continue;
        }
        const ConvertedRow &ready = std::get<ConvertedRow>(converted);
        if (const auto failure = m_upsertFailures.constFind(ready.sourceRow);
            failure != m_upsertFailures.cend()) {
            record(*failure);
            continue;
        }
        const QString normalized = RecordLookup::normalizedKey(ready.keyValues);
        if (const auto first = firstRowOfKey.constFind(normalized); first != firstRowOfKey.cend()) {
            record(RowOutcome{ready.sourceRow, ready.sourceKey, RowStatus::Failed, 0, u"duplicate-key"_s,
                              tr("Source row %1 has the same match key as source row %2 (%3): both name one "
                                 "member. Remove the duplicate from the source.")
                                  .arg(ready.sourceRow + 1)
                                  .arg(*first + 1)
                                  .arg(m_mapping.target.matchKey.join(u", "_s))});
            continue;
        }
        firstRowOfKey.insert(normalized, ready.sourceRow);
        m_rows.append(Row{ready.sourceRow, ready.sourceKey, ready.keyValues, {}});
    }
    if (const auto failure = m_source->lastError()) {
        stop(*failure);
        skipRemaining();
        return false;
    }
    m_summary.sourceComplete = true;
    m_summary.total = m_summary.rowsRead;
    flushOutcomes();
    return true;
}

void AudienceEngine::resolveMembers(qsizetype from)
{
    if (checkCancelled()) {
        return;
    }
    if (from >= m_rows.size()) {
        m_resolved = true;
        plan();
        return;
    }
    Q_EMIT progress(from, m_rows.size(), tr("Finding the %1 records…").arg(m_entity.logicalName));
    const qsizetype count = std::min<qsizetype>(LookupChunk, m_rows.size() - from);
    QList<QVariantList> keys;
    keys.reserve(count);
    for (qsizetype i = from; i < from + count; ++i) {
        keys.append(m_rows.at(i).keyValues);
    }
    m_lookup->find(keys, [this, from, count](RecordLookup::Answer answer) {
        m_summary.readRequests += answer.requests;
        if (answer.error) {
            stop(*answer.error);
            skipRemaining();
            finish();
            return;
        }
        for (qsizetype i = from; i < from + count; ++i) {
            Row &row = m_rows[i];
            const auto found = answer.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            if (found != answer.byKey.cend()) {
                row.memberId = found->id.toLower();
            }
        }
        resolveMembers(from + count);
    });
}

void AudienceEngine::readMembers()
{
    Q_EMIT progress(0, -1, tr("Reading the members of '%1'…").arg(m_list.name));
    m_lists->readMembers(m_list, m_entity, [this](MarketingLists::Members members) {
        m_summary.readRequests += members.requests;
        if (members.error) {
            stop(*members.error);
            skipRemaining();
            finish();
            return;
        }
        m_current = std::move(members.names);
        m_summary.audience->membersBefore = m_current.size();
        m_membersRead = true;
        plan();
    });
}

void AudienceEngine::plan()
{
    if (!m_membersRead || !m_resolved || m_stopped || m_finished) {
        return;
    }
    const AudienceMode mode = m_spec.mode;
    const bool upsertPreview = mode == AudienceMode::Upsert && m_options.dryRun;
    QSet<QString> wanted;
    for (const Row &row : std::as_const(m_rows)) {
        if (row.memberId.isEmpty()) {
            if (upsertPreview) {
                // The record does not exist yet: a run creates it, then adds it.
                m_toAdd.append({row.sourceRow, row.sourceKey, {}, {}});
                continue;
            }
            QStringList parts;
            for (qsizetype i = 0; i < row.keyValues.size(); ++i) {
                const QVariant &value = row.keyValues.at(i);
                parts << u"%1 = %2"_s.arg(m_mapping.target.matchKey.value(i),
                                          value.typeId() == QMetaType::QUuid
                                              ? value.toUuid().toString(QUuid::WithoutBraces)
                                              : value.toString());
            }
            record(RowOutcome{row.sourceRow, row.sourceKey, RowStatus::Failed, 404, u"member-not-found"_s,
                              tr("No %1 record has %2: the member was not found, so it cannot be %3.")
                                  .arg(m_entity.logicalName, parts.join(u", "_s),
                                       mode == AudienceMode::Remove ? tr("removed from the list")
                                                                    : tr("added to the list"))});
            continue;
        }
        const bool member = m_current.contains(row.memberId);
        wanted.insert(row.memberId);
        const Change change{row.sourceRow, row.sourceKey, row.memberId, m_current.value(row.memberId)};
        if (mode == AudienceMode::Remove) {
            if (member) {
                m_toRemove.append(change);
            } else {
                record(RowOutcome{row.sourceRow, row.sourceKey, RowStatus::NotMember, 0, {}, {}});
            }
        } else if (member) {
            record(RowOutcome{row.sourceRow, row.sourceKey, RowStatus::AlreadyMember, 0, {}, {}});
        } else {
            m_toAdd.append(change);
        }
    }
    m_rows.clear();
    if (mode == AudienceMode::Mirror) {
        for (auto it = m_current.cbegin(); it != m_current.cend(); ++it) {
            if (!wanted.contains(it.key())) {
                m_toRemove.append({-1, it.key(), it.key(), it.value()});
            }
        }
    }
    AudienceSummary &audience = *m_summary.audience;
    audience.toAdd = m_toAdd.size();
    audience.toRemove = m_toRemove.size();
    qCInfo(lcAudience) << "plan:" << m_toAdd.size() << "to add," << m_toRemove.size() << "to remove of"
                       << m_current.size() << "members";
    if (mode == AudienceMode::Mirror) {
        const QString refusal =
            gateRefusal(m_summary.rowsRead, m_current.size(), m_toRemove.size(), audience.maxRemovalPercent);
        if (!refusal.isEmpty()) {
            stop(Error::make(
                ErrorCategory::Configuration, refusal,
                u"mirror gate: %1 removals of %2 members, %3 source rows, max %4%"_s.arg(m_toRemove.size())
                    .arg(m_current.size())
                    .arg(m_summary.rowsRead)
                    .arg(audience.maxRemovalPercent)));
            for (const Change &change : std::as_const(m_toAdd)) {
                record(RowOutcome{change.sourceRow, change.key, RowStatus::Skipped, 0, {}, {}});
            }
            m_toAdd.clear();
            m_toRemove.clear();
            finish();
            return;
        }
    }
    if (m_options.dryRun) {
        // A preview: the plan is the outcome, nothing is sent.
        for (const Change &change : std::as_const(m_toAdd)) {
            recordChange(change, RowStatus::Added, 0, {},
                         change.memberId.isEmpty() ? tr("would be created, then added")
                                                   : tr("would be added"));
        }
        for (const Change &change : std::as_const(m_toRemove)) {
            recordChange(change, RowStatus::Removed, 0, {}, tr("would be removed"));
        }
        m_toAdd.clear();
        m_toRemove.clear();
        finish();
        return;
    }
    sendAdds();
}

bool AudienceEngine::cancelledWhileWriting()
{
    // Between requests: the requests in flight finish and keep their outcomes, nothing more is sent.
    if (!m_cancelRequested.load()) {
        return false;
    }
    if (!m_summary.cancelled) {
        qCInfo(lcAudience) << "cancelled while writing";
    }
    m_summary.cancelled = true;
    m_stopped = true;
    afterWrite();
    return true;
}

void AudienceEngine::sendAdds()
{
    if (cancelledWhileWriting()) {
        return;
    }
    if (m_toAdd.isEmpty() && m_splitAdds.isEmpty() && m_inFlight == 0) {
        sendRemoves();
        return;
    }
    Q_EMIT progress(m_summary.done(), m_summary.total, tr("Adding members to '%1'").arg(m_list.name));
    while (!m_stopped && !m_splitAdds.isEmpty() && m_inFlight < MaxInFlight) {
        addChunk(m_splitAdds.takeFirst());
    }
    while (!m_stopped && !m_toAdd.isEmpty() && m_inFlight < MaxInFlight) {
        const qsizetype count = std::min<qsizetype>(AddChunk, m_toAdd.size());
        QList<Change> chunk = m_toAdd.mid(0, count);
        m_toAdd.remove(0, count);
        addChunk(std::move(chunk));
    }
}

void AudienceEngine::addChunk(QList<Change> chunk)
{
    QJsonArray members;
    const QString type = u"Microsoft.Dynamics.CRM."_s + m_entity.logicalName;
    for (const Change &change : std::as_const(chunk)) {
        members.append(QJsonObject{{u"@odata.type"_s, type}, {m_entity.primaryIdAttribute, change.memberId}});
    }
    DataverseRequest post;
    post.method = "POST";
    post.path = u"AddListMembersList"_s;
    // Adding a member twice leaves one membership: sending the request again after a lost answer is safe.
    post.idempotent = true;
    post.body = QJsonDocument(
                    QJsonObject{{u"List"_s, QJsonObject{{u"@odata.type"_s, u"Microsoft.Dynamics.CRM.list"_s},
                                                        {u"listid"_s, m_list.id}}},
                                {u"Members"_s, members}})
                    .toJson(QJsonDocument::Compact);
    ++m_inFlight;
    m_client->send(post, this, [this, chunk](const DataverseResponse &r) {
        --m_inFlight;
        m_summary.requests += std::max(1, r.attempts);
        m_summary.wireMilliseconds += r.elapsedMs;
        if (r.ok()) {
            for (const Change &change : chunk) {
                recordChange(change, RowStatus::Added);
            }
        } else {
            const Error failure = toUserError(*r.error, m_client->errorContext(m_mapping.target.entitySet));
            if (Writer::stopsRun(failure) || r.error->outcomeUnknown) {
                for (const Change &change : chunk) {
                    recordChange(change, RowStatus::Failed, r.status, r.error->code, failure.message);
                }
                stop(failure);
            } else if (chunk.size() > 1) {
                // All or nothing: one bad member refuses the whole request. Halves go again until it stands
                // alone; the good members are added on the way.
                const qsizetype half = chunk.size() / 2;
                m_splitAdds.prepend(chunk.mid(half));
                m_splitAdds.prepend(chunk.mid(0, half));
            } else {
                recordChange(chunk.first(), RowStatus::Failed, r.status, r.error->code, failure.message);
            }
        }
        flushOutcomes();
        if (m_stopped) {
            afterWrite();
        } else {
            sendAdds();
        }
    });
}

void AudienceEngine::sendRemoves()
{
    if (cancelledWhileWriting()) {
        return;
    }
    if (m_toRemove.isEmpty() && m_inFlight == 0) {
        afterWrite();
        return;
    }
    Q_EMIT progress(m_summary.done(), m_summary.total, tr("Removing members from '%1'").arg(m_list.name));
    while (!m_stopped && !m_toRemove.isEmpty() && m_inFlight < MaxInFlight) {
        const qsizetype count = std::min<qsizetype>(RemoveChunk, m_toRemove.size());
        QList<Change> chunk = m_toRemove.mid(0, count);
        m_toRemove.remove(0, count);
        removeChunk(std::move(chunk));
    }
}

void AudienceEngine::removeChunk(QList<Change> chunk)
{
    // RemoveMemberList takes the member's id (not the listmember id), one member per call (FACTS §11): the
    // calls go as parts of one $batch, each succeeding or failing alone.
    QList<DataverseRequest> parts;
    parts.reserve(chunk.size());
    const QString path = u"lists("_s + m_list.id + u")/Microsoft.Dynamics.CRM.RemoveMemberList"_s;
    for (const Change &change : std::as_const(chunk)) {
        DataverseRequest part;
        part.method = "POST";
        part.path = path;
        part.body =
            QJsonDocument(QJsonObject{{u"EntityId"_s, change.memberId}}).toJson(QJsonDocument::Compact);
        parts.append(part);
    }
    BatchRequest batch = BatchRequest::encode(parts, m_client->profile().webApiBaseUrl());
    batch.request.idempotent = false;
    ++m_inFlight;
    m_client->send(batch.request, this, [this, chunk](const DataverseResponse &r) {
        --m_inFlight;
        m_summary.requests += std::max(1, r.attempts);
        m_summary.wireMilliseconds += r.elapsedMs;
        const ErrorContext context = m_client->errorContext(m_mapping.target.entitySet);
        if (!r.ok()) {
            const Error failure = toUserError(*r.error, context);
            for (const Change &change : chunk) {
                recordChange(change, RowStatus::Failed, r.status, r.error->code, failure.message);
            }
            if (Writer::stopsRun(failure) || r.error->outcomeUnknown) {
                stop(failure);
            }
        } else {
            const auto decoded = BatchRequest::decode(r.header("content-type"), r.body);
            const QList<BatchPartResponse> answers =
                decoded.ok() ? decoded.value() : QList<BatchPartResponse>{};
            for (qsizetype i = 0; i < chunk.size(); ++i) {
                if (i >= answers.size()) {
                    recordChange(chunk.at(i), RowStatus::Failed, 0, u"no-answer"_s,
                                 tr("Dataverse did not answer for this member in the $batch."));
                    continue;
                }
                const BatchPartResponse &answer = answers.at(i);
                if (answer.status >= 200 && answer.status < 300) {
                    recordChange(chunk.at(i), RowStatus::Removed);
                    continue;
                }
                const ServiceError error =
                    ServiceError::fromHttp(answer.status, answer.body, answer.headers.value("content-type"));
                recordChange(chunk.at(i), RowStatus::Failed, answer.status, error.code,
                             toUserError(error, context).message);
            }
        }
        flushOutcomes();
        if (m_stopped) {
            afterWrite();
        } else {
            sendRemoves();
        }
    });
}

void AudienceEngine::afterWrite()
{
    if (m_inFlight > 0) {
        return;
    }
    if (m_stopped) {
        skipRemaining();
    }
    finish();
}

void AudienceEngine::record(RowOutcome outcome)
{
    switch (outcome.status) {
    case RowStatus::Failed:
        ++m_summary.failed;
        if (m_state && outcome.sourceRow >= 0) {
            m_historyFailed.append(
                {outcome.sourceRow, outcome.key, outcome.httpStatus, outcome.errorCode, outcome.message});
        }
        break;
    case RowStatus::Skipped:
        ++m_summary.skipped;
        break;
    case RowStatus::Added:
        ++m_summary.added;
        break;
    case RowStatus::AlreadyMember:
        ++m_summary.alreadyMember;
        break;
    case RowStatus::Removed:
        ++m_summary.removed;
        break;
    case RowStatus::NotMember:
        ++m_summary.notMember;
        break;
    case RowStatus::Created:
    case RowStatus::Updated:
    case RowStatus::Unchanged:
    case RowStatus::Upserted:
        break; // the record sync's (upsert mode), counted there
    }
    m_pendingOutcomes.append(std::move(outcome));
    flushOutcomes();
}

void AudienceEngine::recordChange(const Change &change, RowStatus status, int httpStatus, const QString &code,
                                  const QString &message)
{
    if (change.sourceRow < 0) {
        // A mirror's extra member: its own outcome line, named by id and name.
        AudienceSummary &audience = *m_summary.audience;
        ++audience.extras;
        if (status == RowStatus::Failed) {
            ++audience.extrasFailed;
        }
        if (audience.extraMembers.size() < ListedExtras) {
            audience.extraMembers.append({change.memberId, change.memberName});
        }
        const QString what =
            change.memberName.isEmpty() ? tr("extra member") : tr("extra member '%1'").arg(change.memberName);
        record(RowOutcome{-1, change.memberId, status, httpStatus, code,
                          message.isEmpty() ? what : what + u": "_s + message});
        return;
    }
    record(RowOutcome{change.sourceRow, change.key, status, httpStatus, code, message});
}

void AudienceEngine::flushOutcomes(bool force)
{
    const qint64 now = m_clock.elapsed();
    if (m_pendingOutcomes.isEmpty() || (!force && now - m_lastEmitMs < ProgressIntervalMs)) {
        return;
    }
    m_lastEmitMs = now;
    Q_EMIT rowOutcomes(std::exchange(m_pendingOutcomes, {}));
    Q_EMIT progress(
        m_summary.done(), m_summary.total,
        tr("Updating the marketing list '%1'").arg(m_list.name.isEmpty() ? m_spec.name : m_list.name));
}

bool AudienceEngine::checkCancelled()
{
    if (!m_cancelRequested.load()) {
        return false;
    }
    m_summary.cancelled = true;
    m_stopped = true;
    skipRemaining();
    finish();
    return true;
}

void AudienceEngine::stop(const Error &failure)
{
    if (!m_summary.fatal) {
        qCWarning(lcAudience).noquote()
            << "audience run stopped:" << errorCategoryName(failure.category) << failure.message;
        m_summary.fatal = failure;
        Q_EMIT error(failure.category, failure.message);
    }
    m_stopped = true;
}

void AudienceEngine::skipRemaining()
{
    // Rows read that did not get an outcome yet: read, not sent.
    for (const Row &row : std::as_const(m_rows)) {
        record(RowOutcome{row.sourceRow, row.sourceKey, RowStatus::Skipped, 0, {}, {}});
    }
    m_rows.clear();
    for (const QList<Change> &chunk : std::as_const(m_splitAdds)) {
        m_toAdd += chunk;
    }
    m_splitAdds.clear();
    for (const Change &change : std::as_const(m_toAdd)) {
        if (change.sourceRow >= 0) {
            record(RowOutcome{change.sourceRow, change.key, RowStatus::Skipped, 0, {}, {}});
        }
    }
    m_toAdd.clear();
    for (const Change &change : std::as_const(m_toRemove)) {
        if (change.sourceRow >= 0) {
            record(RowOutcome{change.sourceRow, change.key, RowStatus::Skipped, 0, {}, {}});
        }
    }
    m_toRemove.clear();
}

void AudienceEngine::finish()
{
    if (m_finished || m_inFlight > 0) {
        return;
    }
    m_finished = true;
    AudienceSummary &audience = *m_summary.audience;
    if (audience.membersBefore >= 0) {
        const qint64 sourceRemoved = m_summary.removed;
        audience.membersAfter = m_options.dryRun ? audience.membersBefore + audience.toAdd - audience.toRemove
                                                 : audience.membersBefore + m_summary.added - sourceRemoved;
    }
    m_summary.throttled = m_client->stats().throttled;
    m_summary.elapsedMs = m_clock.elapsed();
    m_summary.endedAt = QDateTime::currentDateTimeUtc();
    m_summary.batchSize = AddChunk;
    m_summary.concurrency = MaxInFlight;
    if (m_summary.done() != m_summary.rowsRead) {
        qCCritical(lcAudience) << "outcomes" << m_summary.done() << "differ from rows read"
                               << m_summary.rowsRead;
    }
    flushOutcomes(true);
    if (m_state) {
        // Not `complete`: the state file holds no rows to prune, only the history.
        auto recorded = m_state->recordFailed(m_runId, std::exchange(m_historyFailed, {}));
        if (recorded.ok()) {
            recorded = m_state->endRun(m_runId, m_summary, m_summary.exitCode(), false);
        }
        if (!recorded.ok()) {
            qCWarning(lcAudience).noquote()
                << "the run history could not be written:" << recorded.error().message;
        }
        m_summary.statePath = m_state->path();
        m_summary.runId = m_runId;
    }
    Q_EMIT progress(m_summary.done(), m_summary.total, tr("Marketing list '%1'").arg(m_list.name));
    qCInfo(lcAudience) << "finished:" << m_summary.added << "added," << m_summary.alreadyMember
                       << "already members," << m_summary.removed << "removed," << m_summary.notMember
                       << "not members," << m_summary.failed << "failed," << m_summary.skipped << "skipped;"
                       << m_summary.requests << "write requests";
    Q_EMIT finished(m_summary);
}

} // namespace d365::services
