#pragma once

// The sandbox org's rows, in memory. One TableStore per table keeps rows by primary key (hash), in insertion
// order (for stable paging: $skiptoken carries the last sequence number) and one hash index per alternate
// key, so an upsert by key or a lookup bind is O(1) however many rows a sync run writes.
//
// The store does no validation: the Web API layer validates a write completely, then calls insert/replace.

#include "orgdefinition.h"

#include <QDateTime>
#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QUuid>

#include <map>
#include <memory>
#include <optional>

namespace d365::sandbox {

struct Row
{
    QUuid id;
    quint64 sequence = 0;                  // insertion order
    QHash<QString, QJsonValue> values;     // by logical name; lookups hold the target id as a string
    QHash<QString, QString> lookupTargets; // lookup logical name -> target table logical name

    qint64 version() const { return qint64(values.value(QStringLiteral("versionnumber")).toDouble()); }
};

class OrgStore
{
public:
    explicit OrgStore(std::shared_ptr<const OrgDefinition> definition);

    const OrgDefinition &definition() const { return *m_definition; }

    const Row *find(const TableDef &table, const QUuid &id) const;
    // Row id for the values of alternate key `keyIndex` (canonical form, see canonicalKeyValue), if any.
    std::optional<QUuid> findByKey(const TableDef &table, int keyIndex,
                                   const QStringList &canonicalParts) const;

    // The alternate key (index into table.keys) that `row` would violate, ignoring the row itself.
    std::optional<int> keyViolation(const TableDef &table, const Row &row) const;

    // Inserts a new row (id must be unused) or replaces an existing one; keeps the key indexes in step.
    void insert(const TableDef &table, Row row);
    void replace(const TableDef &table, Row row);
    bool remove(const TableDef &table, const QUuid &id);

    // Transactions for $batch change sets and bulk messages (all-or-nothing, FACTS §6/§7): every write
    // after begin() is journaled; rollback() undoes them newest first, commit() keeps them. Nested
    // transactions are savepoints of the outer one. Row versions are not rolled back (gaps are fine, like
    // SQL rowversion).
    qsizetype begin();
    void commit(qsizetype savepoint);
    void rollback(qsizetype savepoint);

    // Rows in insertion order with sequence > afterSequence; the callback returns false to stop.
    template<typename F> void forEach(const TableDef &table, quint64 afterSequence, F &&callback) const
    {
        const TableStore &ts = store(table);
        for (auto it = ts.order.upper_bound(afterSequence); it != ts.order.end(); ++it) {
            if (!callback(ts.rows.value(it->second)))
                return;
        }
    }
    qsizetype rowCount(const TableDef &table) const { return store(table).rows.size(); }

    // Row versions are org-wide and increase on every write, like SQL rowversion.
    qint64 nextVersion() { return ++m_version; }
    quint64 nextSequence() { return ++m_sequence; }
    int nextAutoNumber() { return ++m_autoNumber; }

    // Key values compare the way Dataverse's SQL collation does: strings case-insensitively, numbers by
    // value.
    static QString canonicalKeyValue(const AttributeDef &attribute, const QJsonValue &value);
    // The canonical key parts of `row` for a key; empty when any part is null (such rows are not indexed).
    static QStringList keyParts(const TableDef &table, const KeyDef &key, const Row &row);

private:
    struct TableStore
    {
        QHash<QUuid, Row> rows;
        std::map<quint64, QUuid> order;
        QList<QHash<QString, QUuid>> keyIndexes; // one per table key; key = parts joined by U+001F
    };
    TableStore &store(const TableDef &table);
    const TableStore &store(const TableDef &table) const;
    void index(const TableDef &table, TableStore &ts, const Row &row, bool add);

    struct UndoEntry
    {
        const TableDef *table;
        QUuid id;
        std::optional<Row> before; // nullopt: the row did not exist
    };
    void journal(const TableDef &table, const QUuid &id);

    std::shared_ptr<const OrgDefinition> m_definition;
    QHash<QString, TableStore> m_tables;
    QList<UndoEntry> m_journal;
    int m_transactionDepth = 0;
    qint64 m_version = 1000000;
    quint64 m_sequence = 0;
    int m_autoNumber = 1000;
};

} // namespace d365::sandbox
