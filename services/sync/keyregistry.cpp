#include "services/sync/keyregistry.h"

namespace d365::services {

std::optional<qint64> KeyRegistry::add(quint64 keyHash, qint64 sourceRow)
{
    const auto [row, added] = m_rows.insert(keyHash);
    if (!added) {
        return *row;
    }
    *row = sourceRow;
    return std::nullopt;
}

} // namespace d365::services
