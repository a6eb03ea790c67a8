#include "services/mapping/mappingvalidator.h"

#include "services/common/textmatch.h"
#include "services/dataverse/valueconverter.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(MappingValidator)
};

enum class ValueFamily { Text, Number, Boolean, Date, Other };

ValueFamily familyOf(QMetaType::Type type)
{
    if (ValueConverter::isNumericType(type)) {
        return ValueFamily::Number;
    }
    switch (type) {
    case QMetaType::QString:
    case QMetaType::QByteArray:
        return ValueFamily::Text;
    case QMetaType::Bool:
        return ValueFamily::Boolean;
    case QMetaType::QDate:
    case QMetaType::QDateTime:
        return ValueFamily::Date;
    default:
        return ValueFamily::Other;
    }
}

// Whether warehouse values of this family can ever become the column's type (text can, it is parsed).
bool compatible(ValueFamily family, AttributeKind kind)
{
    if (family == ValueFamily::Text || family == ValueFamily::Other) {
        return true;
    }
    switch (kind) {
    case AttributeKind::Integer:
    case AttributeKind::BigInt:
    case AttributeKind::Decimal:
    case AttributeKind::Double:
    case AttributeKind::Money:
        return family == ValueFamily::Number;
    case AttributeKind::Boolean:
        return family == ValueFamily::Boolean || family == ValueFamily::Number;
    case AttributeKind::DateTime:
        return family == ValueFamily::Date;
    case AttributeKind::Picklist:
    case AttributeKind::State:
    case AttributeKind::Status:
        return family == ValueFamily::Number;
    case AttributeKind::Uniqueidentifier:
        return false;
    default:
        return true;
    }
}

QString familyName(ValueFamily family)
{
    switch (family) {
    case ValueFamily::Number:
        return Text::tr("numbers");
    case ValueFamily::Boolean:
        return Text::tr("true/false values");
    case ValueFamily::Date:
        return Text::tr("dates");
    default:
        break;
    }
    return Text::tr("text");
}

// A source column whose declared type can never become the column's type.
std::optional<QString> sourceTypeProblem(const FieldMapping &field, const AttributeMetadata &attribute,
                                         const QHash<QString, QMetaType::Type> &types)
{
    if (field.source.isEmpty() || attribute.isLookup()) {
        return std::nullopt;
    }
    const auto type = types.constFind(field.source);
    if (type == types.cend() || compatible(familyOf(*type), attribute.kind)) {
        return std::nullopt;
    }
    return Text::tr(
               "the source column '%1' holds %2 but '%3' is a %4 column. Map a column of a matching type "
               "or convert it in the query (CAST … AS TEXT).")
        .arg(field.source, familyName(familyOf(*type)), field.target, attribute.typeName);
}

} // namespace

QList<MappingProblem> MappingValidator::validateSourceTypes(const Mapping &mapping,
                                                            const EntityMetadata &entity,
                                                            const QHash<QString, QMetaType::Type> &types)
{
    QList<MappingProblem> problems;
    for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
        const FieldMapping &field = mapping.fields.at(i);
        const AttributeMetadata *attribute = entity.attribute(field.target);
        if (!attribute) {
            continue; // validate() reports it
        }
        if (auto problem = sourceTypeProblem(field, *attribute, types)) {
            problems.append({u"$.fields[%1].source"_s.arg(i), *problem});
        }
    }
    return problems;
}

QStringList MappingValidator::lines(const QList<MappingProblem> &problems)
{
    QStringList result;
    for (const auto &problem : problems) {
        result.append(problem.path + u": "_s + problem.message);
    }
    return result;
}

QList<MappingProblem> MappingValidator::validate(const Mapping &mapping, const EntityMetadata &entity,
                                                 const SourceColumns &source)
{
    QList<MappingProblem> problems;
    auto add = [&problems](const QString &path, const QString &message) { problems.append({path, message}); };
    QStringList attributeNames;
    for (const auto &attribute : entity.attributes) {
        attributeNames.append(attribute.logicalName);
    }

    for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
        const FieldMapping &field = mapping.fields.at(i);
        const QString fieldPath = u"$.fields[%1]"_s.arg(i);
        const QString where = fieldPath + u".target"_s;
        const AttributeMetadata *attribute = entity.attribute(field.target);
        if (!attribute) {
            const QStringList close = closestNames(field.target, attributeNames);
            add(where, Text::tr("the table %1 has no column '%2'.%3 Column names are logical names in lower "
                                "case.")
                           .arg(entity.logicalName, field.target,
                                close.isEmpty() ? QString()
                                                : Text::tr(" Did you mean %1?").arg(close.join(", "_L1))));
            continue;
        }
        if (!ValueConverter::supports(attribute->kind)) {
            add(where, Text::tr("column '%1' is a %2 column; this type cannot be written through the Web API "
                                "by D365 Sync. Remove it from the mapping.")
                           .arg(field.target, attribute->typeName));
            continue;
        }
        const bool isKey = mapping.target.matchKey.contains(field.target);
        bool writable = attribute->isWritable();
        if (mapping.mode == SyncMode::Insert) {
            writable = attribute->validForCreate;
        } else if (mapping.mode == SyncMode::Update) {
            writable = attribute->validForUpdate || isKey;
        }
        if (!writable && !(isKey && attribute->logicalName == entity.primaryIdAttribute)) {
            add(where, Text::tr("column '%1' cannot be written in %2 mode (Dataverse computes it or it is "
                                "read-only). Remove it from the mapping.")
                           .arg(field.target, syncModeName(mapping.mode)));
            continue;
        }

        if (field.lookup && !attribute->isLookup()) {
            add(fieldPath + u".lookup"_s,
                Text::tr("column '%1' is a %2 column, not a lookup; remove \"lookup\" from this field.")
                    .arg(field.target, attribute->typeName));
        } else if (attribute->isLookup()) {
            if (isKey) {
                add(u"$.target.matchKey"_s,
                    Text::tr("the lookup column '%1' cannot be part of the match key in a mapping; use the "
                             "table's other key columns.")
                        .arg(field.target));
            }
            const QString table = field.lookup ? field.lookup->table : QString();
            const bool perRow = field.lookup && !field.lookup->tableColumn.isEmpty();
            if (attribute->targets.isEmpty()) {
                add(where, Text::tr("column '%1' is a %2 lookup but the table's metadata lists no target "
                                    "tables for it; refresh the metadata, or remove the column.")
                               .arg(field.target, attribute->typeName));
            } else if (!table.isEmpty() && !attribute->targets.contains(table)) {
                add(fieldPath + u".lookup.table"_s,
                    Text::tr("'%1' is not a table the lookup %2 can point at. Its targets: %3.")
                        .arg(table, field.target, attribute->targets.join(", "_L1)));
            } else if (table.isEmpty() && !perRow && attribute->targets.size() > 1) {
                add(where, Text::tr("column '%1' is a %2 lookup that can point at %3: say which, with "
                                    "\"lookup\": { \"table\": \"%4\" } or per row with \"lookup\": { "
                                    "\"tableColumn\": \"<query column holding the table name>\" }.")
                               .arg(field.target, attribute->typeName, attribute->targets.join(", "_L1),
                                    attribute->targets.value(0)));
            }
        }

        if (field.hasConstant() && !attribute->isLookup()) {
            const auto converted =
                ValueConverter::convert(ValueConverter::fromJson(field.constant), *attribute, {});
            if (!converted.ok()) {
                add(fieldPath + u".constant"_s,
                    Text::tr("the constant does not fit the column: %1").arg(converted.error().message));
            }
        }
        if (auto problem = sourceTypeProblem(field, *attribute, source.types)) {
            add(fieldPath + u".source"_s, *problem);
        }
        if (!source.names.isEmpty()) {
            const QStringList needed = field.sourceColumns();
            for (const auto &column : needed) {
                if (!source.names.contains(column)) {
                    add(fieldPath + u".source"_s,
                        Text::tr("the query returns no column '%1'. It returns: %2. Fix the query or the "
                                 "field's source column.")
                            .arg(column, source.names.join(", "_L1)));
                }
            }
        }
    }

    if (mapping.mode == SyncMode::Insert) {
        QStringList missing;
        for (const auto &attribute : entity.attributes) {
            // Dataverse fills the primary id, the owner and the state/status itself; "name" columns of
            // lookups (AttributeOf) are not set directly.
            if (!attribute.isRequired() || !attribute.validForCreate || !attribute.attributeOf.isEmpty() ||
                attribute.logicalName == entity.primaryIdAttribute ||
                attribute.kind == AttributeKind::Owner || attribute.kind == AttributeKind::State ||
                attribute.kind == AttributeKind::Status) {
                continue;
            }
            const bool mapped =
                std::any_of(mapping.fields.cbegin(), mapping.fields.cend(),
                            [&](const FieldMapping &f) { return f.target == attribute.logicalName; });
            if (!mapped) {
                missing.append(u"%1 (%2)"_s.arg(attribute.logicalName, attribute.requiredLevel));
            }
        }
        if (!missing.isEmpty()) {
            add(u"$.fields"_s,
                Text::tr("insert mode creates %1 records, which need %2. Map a warehouse column "
                         "or a constant to each, e.g. { \"source\": \"…\", \"target\": \"%3\" }.")
                    .arg(entity.logicalName, missing.join(", "_L1), missing.first().section(u' ', 0, 0)));
        }
    }

    const QStringList &matchKey = mapping.target.matchKey;
    const bool byPrimaryId = matchKey.size() == 1 && matchKey.first() == entity.primaryIdAttribute;
    if (!byPrimaryId && !matchKey.isEmpty()) {
        const AlternateKeyMetadata *key = entity.keyFor(matchKey);
        if (!key) {
            QStringList defined;
            for (const auto &k : entity.keys) {
                defined.append(u"[%1] (%2)"_s.arg(k.keyAttributes.join(", "_L1), k.schemaName));
            }
            add(u"$.target.matchKey"_s,
                Text::tr("[%1] is not an alternate key of the table %2. %3 Define a key in Power Apps "
                         "(Tables → %2 → Keys) or use %4.")
                    .arg(matchKey.join(", "_L1), entity.logicalName,
                         defined.isEmpty() ? Text::tr("The table has no alternate keys.")
                                           : Text::tr("Its keys are: %1.").arg(defined.join(", "_L1)),
                         Text::tr("the primary key column %1").arg(entity.primaryIdAttribute)));
        } else if (!key->indexStatus.isEmpty() && key->indexStatus != "Active"_L1) {
            add(u"$.target.matchKey"_s,
                Text::tr(
                    "the alternate key %1 of table %2 is not active yet (status %3). Wait until Dataverse "
                    "has built its index, or reactivate it if it failed.")
                    .arg(key->schemaName, entity.logicalName, key->indexStatus));
        }
    }
    return problems;
}

} // namespace d365::services
