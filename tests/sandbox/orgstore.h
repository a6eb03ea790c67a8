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

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace d365::sandbox {

// Lookup column -> target table logical name, for the few lookups a row has. A flat list on purpose: a QHash
// allocates room for 48 entries (~2.3 KB) on its first insert, which was a third of the memory (and of the
// page faults) of a 1,000-row bulk create. The part of QHash's interface the sandbox uses.
class LookupTargets
{
public:
    using Entry = std::pair<QString, QString>;
    class const_iterator
    {
    public:
        explicit const_iterator(QList<Entry>::const_iterator it)
            : m_it(it)
        {}
        const QString &key() const { return m_it->first; }
        const QString &value() const { return m_it->second; }
        const_iterator &operator++()
        {
            ++m_it;
            return *this;
        }
        bool operator==(const const_iterator &o) const { return m_it == o.m_it; }
        bool operator!=(const const_iterator &o) const { return m_it != o.m_it; }

    private:
        QList<Entry>::const_iterator m_it;
    };

    LookupTargets() = default;
    LookupTargets &operator=(const QHash<QString, QString> &hash)
    {
        m_entries.clear();
        m_entries.reserve(hash.size());
        for (auto it = hash.constBegin(); it != hash.constEnd(); ++it)
            m_entries.append({it.key(), it.value()});
        return *this;
    }
    QString value(const QString &column, const QString &fallback = QString()) const
    {
        for (const Entry &e : m_entries) {
            if (e.first == column)
                return e.second;
        }
        return fallback;
    }
    void insert(const QString &column, const QString &table)
    {
        for (Entry &e : m_entries) {
            if (e.first == column) {
                e.second = table;
                return;
            }
        }
        if (m_entries.isEmpty())
            m_entries.reserve(4);
        m_entries.append({column, table});
    }
    qsizetype remove(const QString &column)
    {
        return m_entries.removeIf([&](const Entry &e) { return e.first == column; });
    }
    qsizetype size() const { return m_entries.size(); }
    const_iterator cbegin() const { return const_iterator(m_entries.cbegin()); }
    const_iterator cend() const { return const_iterator(m_entries.cend()); }

private:
    QList<Entry> m_entries;
};

struct Row
{
    QUuid id;
    quint64 sequence = 0;              // insertion order
    QHash<QString, QJsonValue> values; // by logical name; lookups hold the target id as a string
    LookupTargets lookupTargets;       // lookup logical name -> target table logical name

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

    // The index status of alternate key `keyIndex` (starts as the org file's EntityKeyIndexStatus). Only
    // Active keys are indexed: findByKey finds nothing and keyViolation checks nothing for the others.
    KeyIndexStatus keyStatus(const TableDef &table, int keyIndex) const;
    // Moves a key to `status` (the service's asynchronous index job, driven by /_sandbox/keys). Active
    // builds the index from the rows and ends Failed when rows already share key values; returns the
    // status the key ended in.
    KeyIndexStatus setKeyStatus(const TableDef &table, int keyIndex, KeyIndexStatus status);

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

    // Sees every committed write: a write outside a transaction at once, the writes of a transaction when
    // the outermost commit() runs; never a rolled-back one. Persistence (--data) journals through it.
    using CommitObserver = std::function<void(const TableDef &table, const QUuid &id)>;
    void setCommitObserver(CommitObserver observer) { m_commitObserver = std::move(observer); }
    // How many commits (a single write, or a transaction's outermost commit with writes) the store has seen:
    // a request that changed it changed the org (the server holds such a response until it is durable).
    quint64 commitCount() const { return m_commits; }
    // Forgets every row (persistence replaces seed rows with the data file's rows).
    void clearRows();

    // Rows in insertion order with sequence > afterSequence; the callback returns false to stop. The
    // reference is the stored row: a pointer to it stays valid until the store changes.
    template<typename F> void forEach(const TableDef &table, quint64 afterSequence, F &&callback) const
    {
        const TableStore &ts = store(table);
        for (auto it = ts.order.upper_bound(afterSequence); it != ts.order.end(); ++it) {
            if (!callback(*ts.rows.constFind(it->second)))
                return;
        }
    }
    qsizetype rowCount(const TableDef &table) const { return store(table).rows.size(); }

    // Row versions are org-wide and increase on every write, like SQL rowversion.
    qint64 nextVersion() { return ++m_version; }
    quint64 nextSequence() { return ++m_sequence; }
    int nextAutoNumber() { return ++m_autoNumber; }
    // The three counters, saved and restored by persistence.
    struct Counters
    {
        qint64 version;
        quint64 sequence;
        int autoNumber;
        bool operator==(const Counters &) const = default;
    };
    Counters counters() const { return {m_version, m_sequence, m_autoNumber}; }
    void setCounters(const Counters &c)
    {
        m_version = c.version;
        m_sequence = c.sequence;
        m_autoNumber = c.autoNumber;
    }

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
        QList<KeyIndexStatus> keyStatus;         // one per table key
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
    void committed(const TableDef &table, const QUuid &id)
    {
        if (m_transactionDepth != 0 || m_undoing)
            return;
        ++m_commits;
        if (m_commitObserver)
            m_commitObserver(table, id);
    }

    std::shared_ptr<const OrgDefinition> m_definition;
    QHash<QString, TableStore> m_tables;
    QList<UndoEntry> m_journal;
    int m_transactionDepth = 0;
    bool m_undoing = false;
    CommitObserver m_commitObserver;
    quint64 m_commits = 0;
    qint64 m_version = 1000000;
    quint64 m_sequence = 0;
    int m_autoNumber = 1000;
};

} // namespace d365::sandbox
