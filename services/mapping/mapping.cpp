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

QString audienceModeName(AudienceMode mode)
{
    switch (mode) {
    case AudienceMode::Add:
        return u"add"_s;
    case AudienceMode::Remove:
        return u"remove"_s;
    case AudienceMode::Mirror:
        return u"mirror"_s;
    case AudienceMode::Upsert:
        return u"upsert"_s;
    }
    return u"add"_s;
}

std::optional<AudienceMode> audienceModeFromName(const QString &name)
{
    for (const AudienceMode mode :
         {AudienceMode::Add, AudienceMode::Remove, AudienceMode::Mirror, AudienceMode::Upsert}) {
        if (audienceModeName(mode) == name)
            return mode;
    }
    return std::nullopt;
}

QString Mapping::modeName() const
{
    return target.list ? audienceModeName(target.list->mode) : syncModeName(mode);
}

QString writerKindName(WriterKind kind)
{
    switch (kind) {
    case WriterKind::Auto:
        return u"auto"_s;
    case WriterKind::Bulk:
        return u"bulk"_s;
    case WriterKind::Batch:
        return u"batch"_s;
    }
    return u"auto"_s;
}

std::optional<WriterKind> writerKindFromName(const QString &name)
{
    for (const WriterKind kind : {WriterKind::Auto, WriterKind::Bulk, WriterKind::Batch}) {
        if (writerKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

QString nullPolicyName(NullPolicy policy)
{
    return policy == NullPolicy::LeaveUnchanged ? u"leave-unchanged"_s : u"send-null"_s;
}

std::optional<NullPolicy> nullPolicyFromName(const QString &name)
{
    if (name == "send-null"_L1)
        return NullPolicy::SendNull;
    if (name == "leave-unchanged"_L1)
        return NullPolicy::LeaveUnchanged;
    return std::nullopt;
}

QStringList FieldMapping::sourceColumns() const
{
    QStringList columns;
    if (lookup && !lookup->sources.isEmpty())
        columns = lookup->sources;
    else if (!source.isEmpty())
        columns.append(source);
    if (lookup && !lookup->tableColumn.isEmpty())
        columns.append(lookup->tableColumn);
    return columns;
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
