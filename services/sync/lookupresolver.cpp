#include "services/sync/lookupresolver.h"

#include "services/dataverse/metadataclient.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSet>

#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcLookups, "d365.sync.lookups")

namespace d365::services {

LookupResolver::LookupResolver(MetadataClient *metadata, QObject *parent)
    : QObject(parent)
    , m_metadata(metadata)
{}

QStringList LookupResolver::tablesFor(const FieldMapping &field, const AttributeMetadata &attribute)
{
    if (field.lookup && !field.lookup->table.isEmpty()) {
        return {field.lookup->table};
    }
    return attribute.targets;
}

ResolvedLookups LookupResolver::targetsFor(const Mapping &mapping, const EntityMetadata &entity,
                                           const QList<EntitySummary> &tables,
                                           const QHash<QString, EntityMetadata> &targetMetadata)
{
    ResolvedLookups resolved;
    QHash<QString, QString> setNames;
    for (const auto &table : tables) {
        setNames.insert(table.logicalName, table.entitySetName);
    }
    for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
        const FieldMapping &field = mapping.fields.at(i);
        const AttributeMetadata *attribute = entity.attribute(field.target);
        if (!attribute || !attribute->isLookup()) {
            continue;
        }
        const QString path = u"$.fields[%1].lookup"_s.arg(i);
        const QStringList keyColumns = field.lookup ? field.lookup->key : QStringList();
        QList<LookupTarget> targets;
        for (const auto &table : tablesFor(field, *attribute)) {
            LookupTarget target;
            target.table = table;
            target.entitySet = setNames.value(table);
            if (target.entitySet.isEmpty()) {
                // systemuser/team in an org (or sandbox) that does not list them: nothing to bind to.
                if (field.lookup && !field.lookup->table.isEmpty()) {
                    resolved.problems.append(
                        {path + u".table"_s,
                         QCoreApplication::translate("LookupResolver",
                                                     "the organization has no table '%1'; use one of: %2.")
                             .arg(table, attribute->targets.join(", "_L1))});
                }
                continue;
            }
            for (const auto &summary : tables) {
                if (summary.logicalName == table) {
                    resolved.schemaNames.insert(table, summary.schemaName);
                }
            }
            target.navigationProperty = entity.navigationProperty(attribute->logicalName, table);
            if (target.navigationProperty.isEmpty()) {
                // Single-target lookups are usually named like their column; FACTS §4 warns that this is not
                // guaranteed, so the relationship metadata wins whenever it is there.
                target.navigationProperty = attribute->logicalName;
                qCDebug(lcLookups) << "no relationship for" << attribute->logicalName << "→" << table
                                   << "; binding through the column name";
            }
            if (!keyColumns.isEmpty()) {
                const auto metadata = targetMetadata.constFind(table);
                if (metadata == targetMetadata.cend()) {
                    continue; // its fetch failed; reported as an error by resolve()
                }
                const AlternateKeyMetadata *key = metadata->keyFor(keyColumns);
                const bool byPrimaryId =
                    keyColumns.size() == 1 && keyColumns.first() == metadata->primaryIdAttribute;
                if (!key && !byPrimaryId) {
                    QStringList defined;
                    for (const auto &k : metadata->keys) {
                        defined.append(u"[%1]"_s.arg(k.keyAttributes.join(", "_L1)));
                    }
                    resolved.problems.append(
                        {path + u".key"_s,
                         QCoreApplication::translate("LookupResolver",
                                                     "[%1] is not an alternate key of %2. %3")
                             .arg(keyColumns.join(", "_L1), table,
                                  defined.isEmpty()
                                      ? QCoreApplication::translate("LookupResolver",
                                                                    "It has no alternate keys: bind by GUID "
                                                                    "(leave \"key\" out) or define one.")
                                      : QCoreApplication::translate("LookupResolver", "Its keys are: %1.")
                                            .arg(defined.join(", "_L1)))});
                    continue;
                }
                if (!byPrimaryId) {
                    for (const auto &column : keyColumns) {
                        if (const AttributeMetadata *keyAttribute = metadata->attribute(column)) {
                            target.keyAttributes.append(*keyAttribute);
                        }
                    }
                }
            }
            targets.append(target);
        }
        resolved.targets.insert(int(i), targets);
    }
    return resolved;
}

void LookupResolver::resolve(const Mapping &mapping, const EntityMetadata &entity, Callback callback)
{
    QSet<QString> keyedTables;
    bool anyLookup = false;
    for (const auto &field : mapping.fields) {
        const AttributeMetadata *attribute = entity.attribute(field.target);
        if (!attribute || !attribute->isLookup()) {
            continue;
        }
        anyLookup = true;
        if (field.lookup && !field.lookup->key.isEmpty()) {
            for (const auto &table : tablesFor(field, *attribute)) {
                keyedTables.insert(table);
            }
        }
    }
    if (!anyLookup) {
        callback({});
        return;
    }
    m_metadata->fetchEntities(
        [this, mapping, entity, keyedTables, callback](const Result<QList<EntitySummary>> &tables) {
            if (!tables.ok()) {
                ResolvedLookups failed;
                failed.error = tables.error();
                callback(failed);
                return;
            }
            struct State
            {
                QHash<QString, EntityMetadata> metadata;
                int outstanding = 0;
                std::optional<Error> error;
            };
            auto state = std::make_shared<State>();
            const QList<EntitySummary> list = tables.value();
            auto finish = [mapping, entity, list, state, callback] {
                ResolvedLookups resolved = targetsFor(mapping, entity, list, state->metadata);
                resolved.error = state->error;
                callback(resolved);
            };
            for (const auto &summary : list) {
                if (keyedTables.contains(summary.logicalName)) {
                    ++state->outstanding;
                }
            }
            if (state->outstanding == 0) {
                finish();
                return;
            }
            for (const auto &summary : list) {
                if (!keyedTables.contains(summary.logicalName)) {
                    continue;
                }
                m_metadata->fetchEntity(summary.entitySetName, [state, finish, name = summary.logicalName](
                                                                   const Result<EntityMetadata> &r) {
                    if (r.ok()) {
                        state->metadata.insert(name, r.value());
                    } else if (!state->error) {
                        state->error = r.error();
                    }
                    if (--state->outstanding == 0) {
                        finish();
                    }
                });
            }
        });
}

} // namespace d365::services
