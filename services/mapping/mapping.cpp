#include "services/mapping/mapping.h"

using namespace Qt::StringLiterals;

namespace d365::services {

QString syncModeName(SyncMode mode)
{
    switch (mode) {
    case SyncMode::Upsert:
        return u"upsert"_s;
    case SyncMode::Insert:
        return u"insert"_s;
    case SyncMode::Update:
        return u"update"_s;
    }
    return u"upsert"_s;
}

std::optional<SyncMode> syncModeFromName(const QString &name)
{
    // Exact, lower-case names only: the mapping file format is case-sensitive like the JSON members.
    if (name == "upsert"_L1)
        return SyncMode::Upsert;
    if (name == "insert"_L1)
        return SyncMode::Insert;
    if (name == "update"_L1)
        return SyncMode::Update;
    return std::nullopt;
}

QString Mapping::sourceFor(const QString &targetColumn) const
{
    for (const FieldMapping &field : fields) {
        if (field.target == targetColumn)
            return field.source;
    }
    return {};
}

} // namespace d365::services
