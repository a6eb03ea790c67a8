#pragma once

// Writes rows as key-addressed PATCHes (FACTS §2), many per $batch request (FACTS §6): every table, every
// mode, each row with its own answer — created (201) or updated (200) thanks to Prefer:
// return=representation.
//
//   write(rows) → one $batch (continue-on-error, no change set: one bad row never rolls back the others)
//               → per part: 2xx → created/updated; 429/5xx → the row is sent again in a later $batch after
//                 Retry-After or a back-off (up to maxRetries); other errors → that row failed
//               → Insert mode: a 412 "already exists" in an answer whose request was sent twice (the first
//                 answer was lost) is checked against the record's createdon: created by this run → created
//   One row per chunk and batchSize 1: the PATCH goes alone, without $batch.

#include "services/sync/writer.h"

namespace d365::services {

class RecordLookup;

class BatchWriter : public Writer
{
    Q_OBJECT
public:
    BatchWriter(DataverseClient *client, WriteTarget target, int maxRetries, bool singleRequests,
                QObject *parent = nullptr);

    QString name() const override { return QStringLiteral("$batch"); }
    int defaultBatchSize() const override { return 100; }
    int maxBatchSize() const override { return 1000; } // FACTS §6
    void write(QList<ConvertedRow> rows, Done done) override;

private:
    struct Chunk;
    void send(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows);
    void onAnswer(std::shared_ptr<Chunk> chunk, const QList<ConvertedRow> &rows,
                  const DataverseResponse &response, const QDateTime &sentAt);
    void checkOwnCreates(std::shared_ptr<Chunk> chunk, QList<QPair<ConvertedRow, DataverseResponse>> rows,
                         const QDateTime &sentAt);
    void settle(std::shared_ptr<Chunk> chunk);
    DataverseRequest requestFor(const ConvertedRow &row) const;

    int m_maxRetries;
    bool m_singleRequests;
    RecordLookup *m_lookup;
};

} // namespace d365::services
