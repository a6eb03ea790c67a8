#include "orgstore.h"

using namespace Qt::StringLiterals;

namespace d365::sandbox {

static const QChar KeySeparator(0x1f);

OrgStore::OrgStore(std::shared_ptr<const OrgDefinition> definition)
    : m_definition(std::move(definition))
{
    for (const TableDef &table : m_definition->tables()) {
        TableStore &ts = m_tables[table.logicalName];
        ts.keyIndexes.resize(table.keys.size());
        for (const KeyDef &key : table.keys)
            ts.keyStatus.append(key.initialStatus);
    }
}

KeyIndexStatus OrgStore::keyStatus(const TableDef &table, int keyIndex) const
{
    const TableStore &ts = store(table);
    return keyIndex >= 0 && keyIndex < ts.keyStatus.size() ? ts.keyStatus[keyIndex] : KeyIndexStatus::Failed;
}

KeyIndexStatus OrgStore::setKeyStatus(const TableDef &table, int keyIndex, KeyIndexStatus status)
{
    TableStore &ts = store(table);
    if (keyIndex < 0 || keyIndex >= ts.keyStatus.size())
        return KeyIndexStatus::Failed;
    QHash<QString, QUuid> &keyIndexHash = ts.keyIndexes[keyIndex];
    keyIndexHash.clear();
    if (status == KeyIndexStatus::Active) {
        // Building the index: like the service's index job, it fails when rows already share key values.
        for (const Row &row : std::as_const(ts.rows)) {
            const QStringList parts = keyParts(table, table.keys[keyIndex], row);
            if (parts.isEmpty())
                continue;
            const QString joined = parts.join(KeySeparator);
            if (keyIndexHash.contains(joined)) {
                keyIndexHash.clear();
                status = KeyIndexStatus::Failed;
                break;
            }
            keyIndexHash.insert(joined, row.id);
        }
    }
    ts.keyStatus[keyIndex] = status;
    return status;
}

OrgStore::TableStore &OrgStore::store(const TableDef &table)
{
    return m_tables[table.logicalName];
}

const OrgStore::TableStore &OrgStore::store(const TableDef &table) const
{
    static const TableStore empty;
    const auto it = m_tables.constFind(table.logicalName);
    return it == m_tables.constEnd() ? empty : *it;
}

const Row *OrgStore::find(const TableDef &table, const QUuid &id) const
{
    const TableStore &ts = store(table);
    const auto it = ts.rows.constFind(id);
    return it == ts.rows.constEnd() ? nullptr : &*it;
}

std::optional<QUuid> OrgStore::findByKey(const TableDef &table, int keyIndex, const QStringList &parts) const
{
    const TableStore &ts = store(table);
    if (keyIndex < 0 || keyIndex >= ts.keyIndexes.size())
        return std::nullopt;
    const auto it = ts.keyIndexes[keyIndex].constFind(parts.join(KeySeparator));
    if (it == ts.keyIndexes[keyIndex].constEnd())
        return std::nullopt;
    return *it;
}

QString OrgStore::canonicalKeyValue(const AttributeDef &attribute, const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    switch (attribute.kind) {
    case ValueKind::String:
        return value.toString().toCaseFolded();
    case ValueKind::Integer:
    case ValueKind::BigInt:
    case ValueKind::Choice:
        return QString::number(qint64(value.toDouble()));
    case ValueKind::Decimal:
    case ValueKind::Double:
        return QString::number(value.toDouble(), 'g', 17);
    case ValueKind::Lookup:
    case ValueKind::Guid:
        return value.toString().toLower();
    default:
        return value.isString() ? value.toString() : QString::number(value.toDouble(), 'g', 17);
    }
}

QStringList OrgStore::keyParts(const TableDef &table, const KeyDef &key, const Row &row)
{
    QStringList parts;
    for (const QString &name : key.keyAttributes) {
        const AttributeDef *a = table.attribute(name);
        const QString v = a ? canonicalKeyValue(*a, row.values.value(name)) : QString();
        if (v.isNull())
            return {};
        parts.append(v);
    }
    return parts;
}

std::optional<int> OrgStore::keyViolation(const TableDef &table, const Row &row) const
{
    const TableStore &ts = store(table);
    for (int k = 0; k < table.keys.size(); ++k) {
        if (ts.keyStatus[k] != KeyIndexStatus::Active)
            continue; // no index yet, so nothing is enforced (FACTS §3: built asynchronously)
        const QStringList parts = keyParts(table, table.keys[k], row);
        if (parts.isEmpty())
            continue;
        const auto it = ts.keyIndexes[k].constFind(parts.join(KeySeparator));
        if (it != ts.keyIndexes[k].constEnd() && *it != row.id)
            return k;
    }
    return std::nullopt;
}

void OrgStore::index(const TableDef &table, TableStore &ts, const Row &row, bool add)
{
    for (int k = 0; k < table.keys.size(); ++k) {
        if (ts.keyStatus[k] != KeyIndexStatus::Active)
            continue;
        const QStringList parts = keyParts(table, table.keys[k], row);
        if (parts.isEmpty())
            continue;
        const QString joined = parts.join(KeySeparator);
        if (add)
            ts.keyIndexes[k].insert(joined, row.id);
        else if (ts.keyIndexes[k].value(joined) == row.id)
            ts.keyIndexes[k].remove(joined);
    }
}

void OrgStore::journal(const TableDef &table, const QUuid &id)
{
    if (m_transactionDepth == 0)
        return;
    const Row *existing = find(table, id);
    m_journal.append({&table, id, existing ? std::optional<Row>(*existing) : std::nullopt});
}

qsizetype OrgStore::begin()
{
    ++m_transactionDepth;
    return m_journal.size();
}

void OrgStore::commit(qsizetype savepoint)
{
    Q_UNUSED(savepoint);
    if (--m_transactionDepth == 0) {
        if (!m_journal.isEmpty())
            ++m_commits;
        if (m_commitObserver) {
            for (const UndoEntry &e : std::as_const(m_journal))
                m_commitObserver(*e.table, e.id);
        }
        m_journal.clear();
    }
}

void OrgStore::rollback(qsizetype savepoint)
{
    // Undo newest first with journaling off, so the undo itself is not recorded.
    const int depth = m_transactionDepth;
    m_transactionDepth = 0;
    m_undoing = true;
    while (m_journal.size() > savepoint) {
        UndoEntry e = m_journal.takeLast();
        if (e.before)
            replace(*e.table, std::move(*e.before));
        else
            remove(*e.table, e.id);
    }
    m_undoing = false;
    m_transactionDepth = depth - 1;
    if (m_transactionDepth == 0)
        m_journal.clear();
}

void OrgStore::insert(const TableDef &table, Row row)
{
    journal(table, row.id);
    TableStore &ts = store(table);
    if (row.sequence == 0)
        row.sequence = nextSequence();
    index(table, ts, row, true);
    ts.order.emplace(row.sequence, row.id);
    const QUuid id = row.id;
    ts.rows.insert(id, std::move(row));
    committed(table, id);
}

void OrgStore::replace(const TableDef &table, Row row)
{
    TableStore &ts = store(table);
    const auto it = ts.rows.find(row.id);
    if (it == ts.rows.end()) {
        insert(table, std::move(row));
        return;
    }
    journal(table, row.id);
    index(table, ts, *it, false);
    row.sequence = it->sequence;
    index(table, ts, row, true);
    *it = std::move(row);
    committed(table, it->id);
}

bool OrgStore::remove(const TableDef &table, const QUuid &id)
{
    TableStore &ts = store(table);
    const auto it = ts.rows.find(id);
    if (it == ts.rows.end())
        return false;
    journal(table, id);
    const QUuid removed = id; // `id` may refer into the erased row
    index(table, ts, *it, false);
    ts.order.erase(it->sequence);
    ts.rows.erase(it);
    committed(table, removed);
    return true;
}

void OrgStore::clearRows()
{
    for (TableStore &ts : m_tables) {
        ts.rows.clear();
        ts.order.clear();
        for (auto &keyIndex : ts.keyIndexes)
            keyIndex.clear();
    }
}

} // namespace d365::sandbox
