#include "services/editor/automapper.h"

#include "services/dataverse/valueconverter.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>

#include <functional>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(AutoMapper)
};

} // namespace

QString AutoMapReport::ruleName(Rule rule)
{
    switch (rule) {
    case Rule::LogicalName:
        return Text::tr("same logical name");
    case Rule::DisplayName:
        return Text::tr("same display name");
    case Rule::NormalisedName:
        return Text::tr("same name");
    }
    return {};
}

QList<FieldMapping> AutoMapReport::fields() const
{
    QList<FieldMapping> result;
    for (const Match &match : matches)
        result.append(FieldMapping{match.source, match.target});
    return result;
}

QString AutoMapReport::summary() const
{
    QStringList parts;
    if (matches.isEmpty()) {
        parts << Text::tr("Auto-map found no new pairs.");
    } else {
        QStringList pairs;
        for (const Match &match : matches)
            pairs << Text::tr("%1 → %2").arg(match.source, match.target);
        // Whole sentences for one and for several: there are no English plural forms without a translation.
        parts << (matches.size() == 1 ? Text::tr("Auto-map mapped 1 column: %1.").arg(pairs.join(u", "_s))
                                      : Text::tr("Auto-map mapped %1 columns: %2.")
                                            .arg(matches.size())
                                            .arg(pairs.join(u", "_s)));
    }
    QStringList noMatch;
    QStringList others;
    for (const Left &item : left) {
        if (!item.candidates.isEmpty())
            others << Text::tr("%1 (could be %2)").arg(item.source, item.candidates.join(Text::tr(" or ")));
        else if (!item.takenBy.isEmpty())
            others << Text::tr("%1 (%2 already has a field)").arg(item.source, item.takenBy);
        else
            noMatch << item.source;
    }
    if (!noMatch.isEmpty())
        others.prepend(Text::tr("%1 (no table column of that name)").arg(noMatch.join(u", "_s)));
    if (!others.isEmpty())
        parts << Text::tr(
                     "Left %n unmapped: %1 — drag them onto table columns, or select both and press Enter.",
                     nullptr, int(left.size()))
                     .arg(others.join(u"; "_s));
    if (!requiredUnmapped.isEmpty())
        parts << Text::tr("Required columns still without a field: %1.").arg(requiredUnmapped.join(u", "_s));
    return parts.join(u' ');
}

QString AutoMapper::normalise(const QString &name)
{
    QString out;
    out.reserve(name.size());
    for (const QChar c : name) {
        if (c.isLetterOrNumber())
            out.append(c.toLower());
    }
    return out;
}

QString AutoMapper::withoutPrefix(const AttributeMetadata &attribute)
{
    const qsizetype underscore = attribute.logicalName.indexOf(u'_');
    if (!attribute.isCustom || underscore <= 0 || underscore + 1 >= attribute.logicalName.size())
        return attribute.logicalName;
    return attribute.logicalName.mid(underscore + 1);
}

bool AutoMapper::isMappable(const AttributeMetadata &attribute, SyncMode mode)
{
    if (!attribute.attributeOf.isEmpty() || !ValueConverter::supports(attribute.kind))
        return false;
    switch (mode) {
    case SyncMode::Insert:
        return attribute.validForCreate;
    case SyncMode::Update:
        return attribute.validForUpdate;
    case SyncMode::Upsert:
        return attribute.isWritable();
    }
    return false;
}

QStringList AutoMapper::requiredUnmapped(const Mapping &mapping, const EntityMetadata &entity)
{
    QStringList missing;
    if (mapping.mode == SyncMode::Update)
        return missing; // an update never creates a record
    QSet<QString> mapped;
    for (const FieldMapping &field : mapping.fields)
        mapped.insert(field.target.toLower());
    for (const AttributeMetadata &attribute : entity.attributes) {
        // Dataverse fills the primary id, the owner and the state/status itself (as MappingValidator).
        if (!attribute.isRequired() || !attribute.validForCreate || !attribute.attributeOf.isEmpty() ||
            attribute.logicalName == entity.primaryIdAttribute || attribute.kind == AttributeKind::Owner ||
            attribute.kind == AttributeKind::State || attribute.kind == AttributeKind::Status)
            continue;
        if (!mapped.contains(attribute.logicalName.toLower()))
            missing.append(attribute.logicalName);
    }
    return missing;
}

AutoMapReport AutoMapper::map(const Mapping &mapping, const EntityMetadata &entity,
                              const QStringList &sourceColumns)
{
    AutoMapReport report;
    QSet<QString> usedTargets;
    QHash<QString, QString> targetTakenBy; // target → source of the field that has it
    QSet<QString> usedSources;
    for (const FieldMapping &field : mapping.fields) {
        usedTargets.insert(field.target.toLower());
        targetTakenBy.insert(field.target.toLower(), field.source);
        for (const QString &column : field.sourceColumns())
            usedSources.insert(column);
    }

    QList<const AttributeMetadata *> candidates;
    for (const AttributeMetadata &attribute : entity.attributes) {
        if (isMappable(attribute, mapping.mode))
            candidates.append(&attribute);
    }

    using Key = std::function<QString(const AttributeMetadata &)>;
    const QList<QPair<AutoMapReport::Rule, Key>> rules{
        {AutoMapReport::Rule::LogicalName,
         [](const AttributeMetadata &a) { return a.logicalName.toLower(); }},
        {AutoMapReport::Rule::DisplayName,
         [](const AttributeMetadata &a) { return normalise(a.displayName); }},
        {AutoMapReport::Rule::NormalisedName,
         [](const AttributeMetadata &a) { return normalise(withoutPrefix(a)); }},
    };
    const QList<std::function<QString(const QString &)>> sourceKeys{
        [](const QString &s) { return s.toLower(); },
        [](const QString &s) { return normalise(s); },
        [](const QString &s) { return normalise(s); },
    };

    QHash<QString, AutoMapReport::Match> matched; // source → match
    QHash<QString, QStringList> ambiguous;        // source → candidates, by the strongest rule that matched
    QHash<QString, QString> takenBy;              // source → the mapped target it matched
    for (qsizetype r = 0; r < rules.size(); ++r) {
        const auto &[rule, targetKey] = rules.at(r);
        for (const QString &source : sourceColumns) {
            if (usedSources.contains(source) || matched.contains(source) || ambiguous.contains(source))
                continue;
            const QString wanted = sourceKeys.at(r)(source);
            if (wanted.isEmpty())
                continue;
            QStringList free;
            QString taken;
            for (const AttributeMetadata *attribute : std::as_const(candidates)) {
                // A lookup takes a GUID or a key, not a name: only a column of its own name maps to it.
                if (attribute->isLookup() && rule != AutoMapReport::Rule::LogicalName)
                    continue;
                if (targetKey(*attribute) != wanted)
                    continue;
                if (usedTargets.contains(attribute->logicalName.toLower()))
                    taken = attribute->logicalName;
                else
                    free.append(attribute->logicalName);
            }
            if (free.size() == 1) {
                matched.insert(source, {source, free.first(), rule});
                usedTargets.insert(free.first().toLower());
            } else if (free.size() > 1) {
                ambiguous.insert(source, free);
            } else if (!taken.isEmpty() && !takenBy.contains(source)) {
                takenBy.insert(source, taken);
            }
        }
    }

    for (const QString &source : sourceColumns) {
        if (usedSources.contains(source))
            continue;
        if (const auto it = matched.constFind(source); it != matched.cend())
            report.matches.append(*it);
        else
            report.left.append({source, ambiguous.value(source), takenBy.value(source)});
    }
    Mapping after = mapping;
    after.fields += report.fields();
    report.requiredUnmapped = requiredUnmapped(after, entity);
    return report;
}

} // namespace d365::services
