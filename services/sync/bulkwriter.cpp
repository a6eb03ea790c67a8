#include "services/sync/bulkwriter.h"

#include "services/dataverse/odata.h"
#include "services/sync/jsonwriter.h"
#include "services/sync/recordlookup.h"

#include <QLoggingCategory>
#include <QUuid>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcBulkWriter, "d365.sync.bulkwriter")

namespace d365::services {

namespace {

constexpr qint64 ClockMarginMs = 2000; // see BatchWriter: createdon and Date have one-second resolution
constexpr int MaxLostAnswerRounds = 3;

QJsonValue keyJson(const QVariant &value)
{
    if (value.typeId() == QMetaType::QUuid) {
        return value.toUuid().toString(QUuid::WithoutBraces);
    }
    return QJsonValue::fromVariant(value);
}

QDateTime sendTime(DataverseClient *client)
{
    const QDateTime server = client->serverNow();
    return (server.isValid() ? server : QDateTime::currentDateTimeUtc()).addMSecs(-ClockMarginMs);
}

} // namespace

struct BulkWriter::Chunk
{
    Done done;
    WriteResult result;
    int pending = 0; // requests not answered yet
};

BulkWriter::BulkWriter(DataverseClient *client, WriteTarget target, QObject *parent)
    : Writer(client, std::move(target), parent)
    , m_lookup(new RecordLookup(client, m_target, this))
{
    m_typeMember = "\"@odata.type\":\"Microsoft.Dynamics.CRM." + m_target.logicalName.toUtf8() + '"';
    m_entitySetUtf8 = m_target.entitySet.toUtf8();
}

QString BulkWriter::name() const
{
    switch (m_target.mode) {
    case SyncMode::Insert:
        return u"CreateMultiple"_s;
    case SyncMode::Update:
        return u"UpdateMultiple"_s;
    case SyncMode::Upsert:
        break;
    }
    return u"UpsertMultiple"_s;
}

QByteArray BulkWriter::body(const QList<ConvertedRow> &rows, const QList<QString> &ids) const
{
    QByteArray out;
    qsizetype size = 16;
    for (const ConvertedRow &row : rows) {
        size += row.members.size() + m_typeMember.size() + 96;
    }
    out.reserve(size);
    out += "{\"Targets\":[";
    for (qsizetype r = 0; r < rows.size(); ++r) {
        const ConvertedRow &row = rows.at(r);
        if (r > 0) {
            out += ',';
        }
        out += '{';
        out += m_typeMember; // FACTS §7: every target names its table
        switch (m_target.mode) {
        case SyncMode::Upsert:
            // The record is addressed by key; key columns stay out of the body (FACTS §2).
            // Percent-encoded ASCII without quotes or backslashes: no JSON escaping needed.
            out += ",\"@odata.id\":\"";
            out += m_entitySetUtf8;
            out += '(';
            odata::appendKeySegment(out, m_target.matchKey, row.keyValues);
            out += ")\"";
            break;
        case SyncMode::Insert:
            for (qsizetype k = 0; k < m_target.matchKey.size(); ++k) {
                out += ',';
                json::appendMember(out, m_target.matchKey.at(k), keyJson(row.keyValues.value(k)));
            }
            break;
        case SyncMode::Update:
            // UpdateMultiple takes the primary key only (FACTS §7).
            out += ',';
            json::appendMember(out, m_target.primaryIdAttribute, ids.value(r));
            break;
        }
        if (!row.members.isEmpty()) {
            out += ',';
            out += row.members;
        }
        out += '}';
    }
    out += "]}";
    return out;
}

void BulkWriter::write(QList<ConvertedRow> rows, Done done)
{
    auto chunk = std::make_shared<Chunk>();
    chunk->done = std::move(done);
    chunk->result.outcomes.reserve(rows.size());
    if (m_target.mode != SyncMode::Update) {
        send(chunk, std::move(rows), {});
        return;
    }
    if (m_target.matchKeyIsPrimaryId()) {
        QList<QString> ids;
        ids.reserve(rows.size());
        for (const ConvertedRow &row : std::as_const(rows)) {
            ids.append(keyJson(row.keyValues.value(0)).toString());
        }
        send(chunk, std::move(rows), std::move(ids));
        return;
    }
    // UpdateMultiple needs each record's id: one read for the whole chunk.
    ++chunk->pending;
    QList<QVariantList> keys;
    keys.reserve(rows.size());
    for (const ConvertedRow &row : std::as_const(rows)) {
        keys.append(row.keyValues);
    }
    m_lookup->find(keys, [this, chunk, rows](RecordLookup::Answer found) {
        chunk->result.readRequests += found.requests;
        --chunk->pending;
        if (found.error) {
            for (const ConvertedRow &row : rows) {
                chunk->result.outcomes.append(failedOutcome(row, *found.error, 0, {}));
            }
            if (stopsRun(*found.error)) {
                chunk->result.fatal = found.error;
            }
            settle(chunk);
            return;
        }
        QList<ConvertedRow> existing;
        QList<QString> ids;
        for (const ConvertedRow &row : rows) {
            const auto record = found.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            if (record == found.byKey.cend()) {
                chunk->result.outcomes.append(
                    RowOutcome{row.sourceRow, row.sourceKey, RowStatus::Failed, 404, u"0x80040217"_s,
                               tr("No %1 record matches this key (%2); Update mode does not create records.")
                                   .arg(m_target.logicalName, keySegment(row))});
                continue;
            }
            existing.append(row);
            ids.append(record->id);
        }
        if (existing.isEmpty()) {
            settle(chunk);
            return;
        }
        send(chunk, std::move(existing), std::move(ids));
    });
}

void BulkWriter::send(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows, QList<QString> ids)
{
    for (ConvertedRow &row : rows) {
        ++row.attempts;
    }
    QByteArray payload = body(rows, ids);
    if (payload.size() > MaxBodyBytes && rows.size() > 1) {
        // Too big for one request: halves, each checked again.
        const qsizetype half = rows.size() / 2;
        for (ConvertedRow &row : rows) {
            --row.attempts;
        }
        send(chunk, rows.mid(0, half), ids.mid(0, half));
        send(chunk, rows.mid(half), ids.isEmpty() ? QList<QString>() : ids.mid(half));
        return;
    }
    DataverseRequest request;
    request.method = "POST";
    request.path = m_target.entitySet + u"/Microsoft.Dynamics.CRM."_s + name();
    request.body = std::move(payload);
    // Upserts and updates by key converge when sent twice; a create may not be sent blindly a second time.
    request.idempotent = m_target.mode != SyncMode::Insert;
    ++chunk->pending;
    const QDateTime sentAt = sendTime(m_client);
    m_client->send(request, this, [this, chunk, rows, ids, sentAt](const DataverseResponse &response) {
        onAnswer(chunk, rows, ids, response, sentAt);
    });
}

void BulkWriter::onAnswer(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows, QList<QString> ids,
                          const DataverseResponse &response, const QDateTime &sentAt)
{
    WriteResult &result = chunk->result;
    result.writeRequests += response.attempts;
    result.wireMilliseconds += response.elapsedMs;
    result.slowestRequestMs = std::max(result.slowestRequestMs, response.elapsedMs);
    --chunk->pending;

    if (response.ok()) {
        const RowStatus status = m_target.mode == SyncMode::Insert   ? RowStatus::Created
                                 : m_target.mode == SyncMode::Update ? RowStatus::Updated
                                                                     : RowStatus::Upserted;
        for (const ConvertedRow &row : std::as_const(rows)) {
            result.outcomes.append(RowOutcome{row.sourceRow, row.sourceKey, status, response.status, {}, {}});
        }
        settle(chunk);
        return;
    }

    const ServiceError &error = *response.error;
    const bool lostCreate = m_target.mode == SyncMode::Insert &&
                            (error.outcomeUnknown || (response.resent && error.httpStatus == 412));
    if (lostCreate && !result.fatal) {
        resolveLostCreate(chunk, std::move(rows), sentAt, response);
        return;
    }
    const Error userError = toUserError(error, m_client->errorContext(m_target.entitySet));
    if (stopsRun(userError) || error.isTransient()) {
        // Not the rows' fault (or the service stayed unavailable after the client's retries): stop.
        if (!result.fatal) {
            result.fatal = stopsRun(userError)
                               ? userError
                               : Error::make(ErrorCategory::Network, userError.message, userError.detail);
        }
        for (const ConvertedRow &row : std::as_const(rows)) {
            result.outcomes.append(failedOutcome(row, userError, error.httpStatus, error.code));
        }
        settle(chunk);
        return;
    }
    if (rows.size() == 1) {
        result.outcomes.append(outcomeFor(rows.constFirst(), response, RowStatus::Failed));
        settle(chunk);
        return;
    }
    if (result.fatal) {
        for (const ConvertedRow &row : std::as_const(rows)) {
            result.outcomes.append(RowOutcome{row.sourceRow,
                                              row.sourceKey,
                                              RowStatus::Skipped,
                                              0,
                                              {},
                                              tr("Not sent again: the run stopped after an error.")});
        }
        settle(chunk);
        return;
    }
    // All or nothing: one or more rows were refused. Halves, until each refused row stands alone.
    qCDebug(lcBulkWriter) << name() << "of" << rows.size() << "rows refused (" << error.httpStatus
                          << error.code << "); splitting";
    const qsizetype half = rows.size() / 2;
    for (ConvertedRow &row : rows) {
        --row.attempts; // a split is not a retry of the row
    }
    send(chunk, rows.mid(0, half), ids.mid(0, std::min(half, ids.size())));
    send(chunk, rows.mid(half), ids.size() > half ? ids.mid(half) : QList<QString>());
}

void BulkWriter::resolveLostCreate(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows,
                                   const QDateTime &sentAt, const DataverseResponse &response)
{
    qCInfo(lcBulkWriter) << "the answer to a CreateMultiple of" << rows.size()
                         << "rows was lost; checking which records exist now";
    ++chunk->pending;
    QList<QVariantList> keys;
    keys.reserve(rows.size());
    for (const ConvertedRow &row : std::as_const(rows)) {
        keys.append(row.keyValues);
    }
    m_lookup->find(keys, [this, chunk, rows, sentAt, response](RecordLookup::Answer found) {
        WriteResult &result = chunk->result;
        result.readRequests += found.requests;
        --chunk->pending;
        if (found.error) {
            // We cannot tell what happened; say so rather than guess.
            Error error = *found.error;
            for (const ConvertedRow &row : rows) {
                result.outcomes.append(RowOutcome{
                    row.sourceRow, row.sourceKey, RowStatus::Failed, 0, u"outcome-unknown"_s,
                    tr("The service's answer was lost and checking the record failed too (%1); the record "
                       "may "
                       "or may not exist. Run the sync again: Insert mode never creates a second record.")
                        .arg(error.message)});
            }
            if (stopsRun(error)) {
                result.fatal = error;
            }
            settle(chunk);
            return;
        }
        QList<ConvertedRow> resend;
        for (const ConvertedRow &row : rows) {
            const auto record = found.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            if (record == found.byKey.cend()) {
                if (row.attempts >= MaxLostAnswerRounds) {
                    result.outcomes.append(
                        RowOutcome{row.sourceRow, row.sourceKey, RowStatus::Failed, 0, u"outcome-unknown"_s,
                                   tr("The service's answer was lost %1 times in a row; the "
                                      "record was not created. Run the sync again.")
                                       .arg(row.attempts)});
                } else {
                    resend.append(row);
                }
            } else if (!record->createdOn.isValid() || record->createdOn >= sentAt) {
                result.outcomes.append(
                    RowOutcome{row.sourceRow,
                               row.sourceKey,
                               RowStatus::Created,
                               0,
                               {},
                               tr("Created by this run (the service's answer was lost; the "
                                  "record's creation time shows it is ours).")});
            } else {
                DataverseResponse exists = response;
                exists.error = ServiceError{412,
                                            TransportError::None,
                                            u"0x80040237"_s,
                                            tr("A record with matching key values already exists."),
                                            -1,
                                            false,
                                            std::nullopt};
                result.outcomes.append(outcomeFor(row, exists, RowStatus::Failed));
            }
        }
        if (!resend.isEmpty()) {
            send(chunk, std::move(resend), {});
        }
        settle(chunk);
    });
}

void BulkWriter::settle(std::shared_ptr<Chunk> chunk)
{
    if (chunk->pending == 0 && chunk->done) {
        auto done = std::exchange(chunk->done, nullptr);
        done(std::move(chunk->result));
    }
}

} // namespace d365::services
