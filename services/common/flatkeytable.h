#pragma once

// A table of values by 64-bit key hash, for the per-row bookkeeping of a run (a million rows and more): one
// flat open-addressed array (linear probing), no allocation per entry, at most 70 % full, keys never removed.
// Key 0 is stored as 1 (0 marks an empty slot), so callers may pass any hash.
//
//   FlatKeyTable<qint64> rows;
//   rows.reserve(expected);                 // one allocation when the size is known
//   auto [value, added] = rows.insert(hash); // added: the slot was empty and *value is V{}
//   if (const qint64 *row = rows.find(hash)) …
//   rows.forEach([](quint64 key, qint64 &value) { … });
//
// Two different keys with the same 64-bit hash share one entry: the callers hash well enough that this does
// not happen in practice (a million keys: about 3·10^-8).

#include <QtGlobal>

#include <utility>
#include <vector>

namespace d365 {

template<typename V> class FlatKeyTable
{
public:
    qsizetype size() const { return m_size; }

    // Room for `entries` without growing again.
    void reserve(qsizetype entries)
    {
        size_t capacity = std::max<size_t>(1024, m_slots.size());
        while (qsizetype(capacity) * 7 < entries * 10) {
            capacity *= 2;
        }
        if (capacity != m_slots.size()) {
            rehash(capacity);
        }
    }

    V *find(quint64 key) { return const_cast<V *>(std::as_const(*this).find(key)); }
    const V *find(quint64 key) const
    {
        if (m_slots.empty()) {
            return nullptr;
        }
        key = key == 0 ? 1 : key;
        const size_t mask = m_slots.size() - 1;
        for (size_t i = size_t(key) & mask;; i = (i + 1) & mask) {
            const Slot &slot = m_slots[i];
            if (slot.key == key) {
                return &slot.value;
            }
            if (slot.key == 0) {
                return nullptr;
            }
        }
    }

    // The entry of `key`, created (V{}) when there was none; second: whether it was created.
    std::pair<V *, bool> insert(quint64 key)
    {
        key = key == 0 ? 1 : key;
        if (qsizetype(m_slots.size()) * 7 < (m_size + 1) * 10) {
            reserve(std::max<qsizetype>(m_size + 1, qsizetype(m_slots.size()) * 7 / 5));
        }
        const size_t mask = m_slots.size() - 1;
        for (size_t i = size_t(key) & mask;; i = (i + 1) & mask) {
            Slot &slot = m_slots[i];
            if (slot.key == key) {
                return {&slot.value, false};
            }
            if (slot.key == 0) {
                slot.key = key;
                ++m_size;
                return {&slot.value, true};
            }
        }
    }

    template<typename F> void forEach(F &&visit)
    {
        for (Slot &slot : m_slots) {
            if (slot.key != 0) {
                visit(slot.key, slot.value);
            }
        }
    }
    template<typename F> void forEach(F &&visit) const
    {
        for (const Slot &slot : m_slots) {
            if (slot.key != 0) {
                visit(slot.key, slot.value);
            }
        }
    }

private:
    struct Slot
    {
        quint64 key = 0;
        V value{};
    };

    void rehash(size_t capacity)
    {
        std::vector<Slot> old = std::move(m_slots);
        m_slots.assign(capacity, Slot{});
        const size_t mask = capacity - 1;
        for (const Slot &slot : old) {
            if (slot.key == 0) {
                continue;
            }
            size_t i = size_t(slot.key) & mask;
            while (m_slots[i].key != 0) {
                i = (i + 1) & mask;
            }
            m_slots[i] = slot;
        }
    }

    std::vector<Slot> m_slots;
    qsizetype m_size = 0;
};

} // namespace d365
