#include "services/sync/keyregistry.h"

namespace d365::services {

std::optional<qint64> KeyRegistry::add(quint64 keyHash, qint64 sourceRow)
{
    if (keyHash == 0) {
        keyHash = 1; // 0 marks empty slots
    }
    if (qsizetype(m_slots.size()) * 7 < (m_size + 1) * 10) { // at most 70 % full
        grow();
    }
    const size_t mask = m_slots.size() - 1;
    for (size_t i = size_t(keyHash) & mask;; i = (i + 1) & mask) {
        Slot &slot = m_slots[i];
        if (slot.hash == 0) {
            slot = Slot{keyHash, sourceRow};
            ++m_size;
            return std::nullopt;
        }
        if (slot.hash == keyHash) {
            return slot.row;
        }
    }
}

void KeyRegistry::grow()
{
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    const size_t mask = m_slots.size() - 1;
    for (const Slot &slot : old) {
        if (slot.hash == 0) {
            continue;
        }
        size_t i = size_t(slot.hash) & mask;
        while (m_slots[i].hash != 0) {
            i = (i + 1) & mask;
        }
        m_slots[i] = slot;
    }
}

} // namespace d365::services
