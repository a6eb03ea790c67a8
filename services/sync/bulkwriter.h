#pragma once

// Writes rows through the bulk messages (FACTS §7): UpsertMultiple (upsert), CreateMultiple (insert) or
// UpdateMultiple (update), up to a thousand rows per request at a fraction of the service time of single
// writes. On standard tables a bulk request is all-or-nothing, so:
//
//   write(rows)
//     update mode by alternate key → RecordLookup: every key to its record id (UpdateMultiple takes no
//       alternate keys); a key without a record fails its row
//     → POST <set>/Microsoft.Dynamics.CRM.<Message> {"Targets":[…]} (split first if the body would pass
//       MaxBodyBytes)
//     → 2xx: every row upserted / created / updated
//     → a row-level refusal (400, 404, 412, 500 after retries): split the rows in two and send each half
//       (bisect) until every failing row stands alone with its own Dataverse error; every good row lands
//     → a problem that is not the rows' fault (sign-in, privilege, throttling or network after retries):
//       every row failed with it, fatal
//     → CreateMultiple's answer lost (it is never sent twice blindly): RecordLookup says which records now
//       exist; created at or after the request → created by us; older → the row failed ("already exists");
//       missing → sent again
//
// UpsertMultiple does not say whether it created or updated (FACTS §7): its rows end as "upserted".

#include "services/sync/writer.h"

#include <QDateTime>

namespace d365::services {

class RecordLookup;

class BulkWriter : public Writer
{
    Q_OBJECT
public:
    static constexpr qsizetype MaxBodyBytes = 16 * 1024 * 1024;

    BulkWriter(DataverseClient *client, WriteTarget target, QObject *parent = nullptr);

    QString name() const override;
    int defaultBatchSize() const override { return 1000; }
    int maxBatchSize() const override { return 5000; }
    void write(QList<ConvertedRow> rows, Done done) override;

    // The JSON body of one bulk request (public for tests and benchmarks).
    QByteArray body(const QList<ConvertedRow> &rows, const QList<QString> &ids = {}) const;

private:
    struct Chunk;
    void send(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows, QList<QString> ids);
    void onAnswer(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows, QList<QString> ids,
                  const DataverseResponse &response, const QDateTime &sentAt);
    void resolveLostCreate(std::shared_ptr<Chunk> chunk, QList<ConvertedRow> rows, const QDateTime &sentAt,
                           const DataverseResponse &response);
    void settle(std::shared_ptr<Chunk> chunk);

    QByteArray m_typeMember; // "@odata.type":"Microsoft.Dynamics.CRM.<table>"
    QByteArray m_entitySetUtf8;
    RecordLookup *m_lookup;
};

} // namespace d365::services
