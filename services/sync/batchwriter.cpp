#include "services/sync/batchwriter.h"

#include "services/dataverse/batchrequest.h"
#include "services/sync/recordlookup.h"

#include <QLoggingCategory>
#include <QTimer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcBatchWriter, "d365.sync.batchwriter")

namespace d365::services {

namespace {

// A record created by our own lost write has a createdon at or after the moment we sent it; the Date header
// and createdon both have one-second resolution, hence the margin.
constexpr qint64 ClockMarginMs = 2000;

QDateTime sendTime(DataverseClient *client)
{
    const QDateTime server = client->serverNow();
    return (server.isValid() ? server : QDateTime::currentDateTimeUtc()).addMSecs(-ClockMarginMs);
}

} // namespace

struct BatchWriter::Chunk
{
    Done done;
    WriteResult result;
    int pending = 0; // requests and waits not finished
};

BatchWriter::BatchWriter(DataverseClient *client, WriteTarget target, int maxRetries, bool singleRequests,
                         QObject *parent)
    : Writer(client, std::move(target), parent)
    , m_maxRetries(maxRetries)
    , m_singleRequests(singleRequests)
    , m_lookup(new RecordLookup(client, m_target, this))
{}

DataverseRequest BatchWriter::requestFor(const ConvertedRow &row) const
{
    DataverseRequest request;
    request.method = "PATCH";
    request.path =
        m_target.entitySet + u'(' + keySegment(row) + u")?$select="_s + m_target.primaryIdAttribute;
    // return=representation makes the service say 201 (created) or 200 (updated) instead of 204 for both.
    request.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("return=representation")));
    if (m_target.mode == SyncMode::Insert) {
        request.headers.append(qMakePair(QByteArray("If-None-Match"), QByteArray("*")));
    } else if (m_target.mode == SyncMode::Update) {
        request.headers.append(qMakePair(QByteArray("If-Match"), QByteArray("*")));
    }
    QByteArray body;
    body.reserve(row.members.size() + 2);
    body += '{';
    body += row.members;
    body += '}';
    request.body = body;
    request.idempotent = true; // addressed by key: sending it again converges to the same record
    return request;
}

void BatchWriter::write(QList<ConvertedRow> rows, Done done)
{
    auto chunk = std::make_shared<Chunk>();
    chunk->done = std::move(done);
    chunk->result.outcomes.reserve(rows.size());
    send(chunk, std::move(rows));
}

void BatchWriter::send(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows)
{
    ++chunk->pending;
    for (ConvertedRow &row : rows) {
        ++row.attempts;
    }
    const QDateTime sentAt = sendTime(m_client);
    if (m_singleRequests && rows.size() == 1) {
        m_client->send(requestFor(rows.constFirst()), this,
                       [this, chunk, rows, sentAt](const DataverseResponse &response) {
                           onAnswer(chunk, rows, response, sentAt);
                       });
        return;
    }
    QList<DataverseRequest> requests;
    requests.reserve(rows.size());
    for (const ConvertedRow &row : std::as_const(rows)) {
        requests.append(requestFor(row));
    }
    const BatchRequest batch = BatchRequest::encode(requests, m_client->profile().webApiBaseUrl());
    m_client->send(batch.request, this, [this, chunk, rows, sentAt](const DataverseResponse &response) {
        onAnswer(chunk, rows, response, sentAt);
    });
}

void BatchWriter::onAnswer(std::shared_ptr<Chunk> chunk, const QList<ConvertedRow> &rows,
                           const DataverseResponse &response, const QDateTime &sentAt)
{
    WriteResult &result = chunk->result;
    result.writeRequests += response.attempts;
    result.wireMilliseconds += response.elapsedMs;
    result.slowestRequestMs = std::max(result.slowestRequestMs, response.elapsedMs);

    // The answer for each row: the request's own when it went alone or failed as a whole, else its part.
    QList<DataverseResponse> answers;
    answers.reserve(rows.size());
    const bool single = m_singleRequests && rows.size() == 1;
    if (single || !response.ok()) {
        for (qsizetype i = 0; i < rows.size(); ++i) {
            answers.append(response);
        }
    } else if (const auto parts = BatchRequest::decode(response.header("content-type"), response.body);
               !parts.ok()) {
        qCWarning(lcBatchWriter).noquote() << parts.error().detail;
        DataverseResponse unreadable;
        unreadable.status = response.status;
        unreadable.error =
            ServiceError{response.status,
                         TransportError::None,
                         u"invalid-batch"_s,
                         tr("the service's $batch answer could not be read (%1)").arg(parts.error().detail),
                         -1,
                         false,
                         std::nullopt};
        for (qsizetype i = 0; i < rows.size(); ++i) {
            answers.append(unreadable);
        }
    } else {
        for (qsizetype i = 0; i < rows.size(); ++i) {
            DataverseResponse answer;
            answer.resent = response.resent;
            if (i < parts.value().size()) {
                const BatchPartResponse &part = parts.value().at(i);
                answer.status = part.status;
                answer.headers = part.headers;
                if (part.status < 200 || part.status >= 300) {
                    answer.error =
                        ServiceError::fromHttp(part.status, part.body, part.headers.value("content-type"));
                    bool hasRetryAfter = false;
                    const int retryAfter = part.headers.value("retry-after").trimmed().toInt(&hasRetryAfter);
                    if (hasRetryAfter) {
                        answer.error->retryAfterSeconds = retryAfter;
                    }
                }
            } else {
                // With continue-on-error every request has a part; a short answer is the service's fault.
                answer.status = response.status;
                answer.error = ServiceError{response.status,
                                            TransportError::None,
                                            u"missing-part"_s,
                                            tr("the service's $batch answer has no part for this row"),
                                            -1,
                                            false,
                                            std::nullopt};
            }
            answers.append(answer);
        }
    }

    QList<ConvertedRow> again;
    int retryAfterSeconds = -1; // the longest a throttled part asked for
    QList<QPair<ConvertedRow, DataverseResponse>> maybeOurs;
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const ConvertedRow &row = rows.at(i);
        const DataverseResponse &answer = answers.at(i);
        if (answer.error) {
            const ServiceError &error = *answer.error;
            // A whole request the client already retried is not retried again here; a part is.
            const bool partFailed = !single && response.ok();
            if (partFailed && (error.isTransient() || error.httpStatus == 500) &&
                row.attempts <= m_maxRetries) {
                again.append(row);
                if (error.isThrottled()) {
                    retryAfterSeconds = std::max(retryAfterSeconds, error.retryAfterSeconds);
                }
                continue;
            }
            if (m_target.mode == SyncMode::Insert && error.httpStatus == 412 && answer.resent) {
                maybeOurs.append({row, answer});
                continue;
            }
            if (!result.fatal) {
                const Error userError = toUserError(error, m_client->errorContext(m_target.entitySet));
                if (stopsRun(userError)) {
                    result.fatal = userError;
                }
            }
            result.outcomes.append(outcomeFor(row, answer, RowStatus::Failed));
            continue;
        }
        // 201 = created, 200 = updated. A 204 means the service ignored the Prefer header and cannot tell; it
        // is counted as updated.
        result.outcomes.append(
            outcomeFor(row, answer, answer.status == 201 ? RowStatus::Created : RowStatus::Updated));
    }
    if (!again.isEmpty()) {
        if (result.fatal) {
            for (const ConvertedRow &row : std::as_const(again)) {
                result.outcomes.append(RowOutcome{row.sourceRow,
                                                  row.sourceKey,
                                                  RowStatus::Skipped,
                                                  0,
                                                  {},
                                                  tr("Not sent again: the run stopped after an error.")});
            }
        } else {
            const int delayMs =
                m_client->retryPolicy().delayMs(again.constFirst().attempts, retryAfterSeconds);
            qCInfo(lcBatchWriter) << again.size()
                                  << "row(s) of a batch failed transiently; sending them again in" << delayMs
                                  << "ms";
            ++chunk->pending;
            QTimer::singleShot(delayMs, this, [this, chunk, again] {
                --chunk->pending;
                send(chunk, again);
            });
        }
    }
    if (!maybeOurs.isEmpty()) {
        checkOwnCreates(chunk, std::move(maybeOurs), sentAt);
    }
    --chunk->pending;
    settle(chunk);
}

void BatchWriter::checkOwnCreates(std::shared_ptr<Chunk> chunk,
                                  QList<QPair<ConvertedRow, DataverseResponse>> rows, const QDateTime &sentAt)
{
    // The first answer to this request was lost and it was sent again; the record "already exists" may be the
    // one our first attempt created. Its createdon tells.
    ++chunk->pending;
    QList<QVariantList> keys;
    for (const auto &[row, answer] : std::as_const(rows)) {
        keys.append(row.keyValues);
    }
    m_lookup->find(keys, [this, chunk, rows, sentAt](RecordLookup::Answer found) {
        chunk->result.readRequests += found.requests;
        for (const auto &[row, answer] : rows) {
            const auto record = found.byKey.constFind(RecordLookup::normalizedKey(row.keyValues));
            if (!found.error && record != found.byKey.cend() &&
                (!record->createdOn.isValid() || record->createdOn >= sentAt)) {
                chunk->result.outcomes.append(
                    RowOutcome{row.sourceRow,
                               row.sourceKey,
                               RowStatus::Created,
                               201,
                               {},
                               tr("Created by this run (the service's first answer was "
                                  "lost; the record's creation time shows it is ours).")});
            } else {
                chunk->result.outcomes.append(outcomeFor(row, answer, RowStatus::Failed));
            }
        }
        --chunk->pending;
        settle(chunk);
    });
}

void BatchWriter::settle(std::shared_ptr<Chunk> chunk)
{
    if (chunk->pending == 0 && chunk->done) {
        auto done = std::exchange(chunk->done, nullptr);
        done(std::move(chunk->result));
    }
}

} // namespace d365::services
