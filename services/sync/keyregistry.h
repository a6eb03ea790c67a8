#pragma once

// Which source row first used each match key in this run, so a later row with the same key can be failed
// with a message naming the first (two rows would otherwise overwrite one record, or fail a bulk request).
// Keys are remembered as 64-bit hashes (RecordLookup::keyHash) in one flat, open-addressed table: no
// allocation per row, 16 bytes per key, at most 70 % full (a million keys: 32 MB). Two different keys
// sharing a hash would be taken for duplicates; at 64 bits the chance over a million keys is about 3·10^-8.

#include "services/common/flatkeytable.h"

#include <optional>

namespace d365::services {

class KeyRegistry
{
public:
    // Remembers the key for sourceRow; when the key was seen before, returns the row that used it first.
    std::optional<qint64> add(quint64 keyHash, qint64 sourceRow);
    qsizetype size() const { return m_rows.size(); }
    // Room for this many keys (a run that knows its source's size allocates once).
    void reserve(qsizetype keys) { m_rows.reserve(keys); }

private:
    FlatKeyTable<qint64> m_rows; // key hash → first source row
};

} // namespace d365::services
