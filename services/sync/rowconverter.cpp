#include "services/sync/rowconverter.h"

#include "services/sync/jsonwriter.h"

#include <QCoreApplication>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("RowConverter", text);
}

} // namespace

Result<RowConverter> RowConverter::create(const Mapping &mapping, const EntityMetadata &entity,
                                          const ResolvedLookups &lookups, const QStringList &sourceColumns)
{
    RowConverter converter;
    converter.m_matchKey = mapping.target.matchKey;
    QStringList missing;
    const QTimeZone mappingZone =
        mapping.sourceTimeZone.isEmpty() ? QTimeZone::utc() : QTimeZone(mapping.sourceTimeZone.toUtf8());
    for (qsizetype f = 0; f < mapping.fields.size(); ++f) {
        const FieldMapping &field = mapping.fields.at(f);
        const AttributeMetadata *attribute = entity.attribute(field.target);
        if (!attribute) {
            return Error::make(ErrorCategory::Configuration,
                               tr("$.fields[%1].target: the table %2 has no column %3.")
                                   .arg(f)
                                   .arg(entity.logicalName, field.target));
        }
        Column column;
        column.attribute = *attribute;
        column.keyPosition = int(mapping.target.matchKey.indexOf(field.target));
        column.isKey = column.keyPosition >= 0;
        column.nullPolicy = field.nullPolicy;
        column.isText = attribute->kind == AttributeKind::String || attribute->kind == AttributeKind::Memo;
        column.conversion.truncateStrings = field.truncate;
        column.conversion.sourceTimeZone =
            field.sourceTimeZone.isEmpty() ? mappingZone : QTimeZone(field.sourceTimeZone.toUtf8());
        if (column.attribute.isLookup()) {
            column.lookupTargets = lookups.targets.value(int(f));
        }
        if (field.hasConstant()) {
            column.hasConstant = true;
            column.constant = ValueConverter::fromJson(field.constant);
        } else if (column.attribute.isLookup()) {
            const QStringList parts = field.lookup && !field.lookup->sources.isEmpty()
                                          ? field.lookup->sources
                                          : QStringList{field.source};
            for (const auto &part : parts) {
                column.lookupSourceIndexes.append(int(sourceColumns.indexOf(part)));
                if (column.lookupSourceIndexes.last() < 0) {
                    missing.append(part);
                }
            }
            if (field.lookup && !field.lookup->tableColumn.isEmpty()) {
                column.lookupTableIndex = int(sourceColumns.indexOf(field.lookup->tableColumn));
                if (column.lookupTableIndex < 0) {
                    missing.append(field.lookup->tableColumn);
                }
            }
        } else {
            column.sourceIndex = int(sourceColumns.indexOf(field.source));
            if (column.sourceIndex < 0) {
                missing.append(field.source);
                continue;
            }
        }
        converter.m_columns.append(column);
    }
    converter.m_sourceKeyIndex = int(sourceColumns.indexOf(mapping.source.keyColumn));
    if (converter.m_sourceKeyIndex < 0) {
        missing.append(mapping.source.keyColumn);
    }
    if (!missing.isEmpty()) {
        missing.removeDuplicates();
        return Error::make(ErrorCategory::Configuration,
                           tr("The source query returns no column named %1. It returns: %2. Fix the query or "
                              "the mapping's source column names.")
                               .arg(missing.join(", "_L1), sourceColumns.join(", "_L1)));
    }
    QList<bool> keyMapped(mapping.target.matchKey.size(), false);
    for (const Column &column : std::as_const(converter.m_columns)) {
        if (column.isKey) {
            keyMapped[column.keyPosition] = true;
        }
    }
    if (keyMapped.contains(false)) {
        return Error::make(
            ErrorCategory::Configuration,
            tr("$.target.matchKey: every match key column must be mapped from a source column."));
    }
    return converter;
}

RowOutcome RowConverter::failure(const SourceRow &row, const QString &key, const QString &code,
                                 const QString &message) const
{
    return RowOutcome{row.index, key, RowStatus::Failed, 0, code, message};
}

QStringList RowConverter::writtenAttributes() const
{
    QStringList names;
    for (const Column &column : m_columns) {
        if (!column.isKey && !names.contains(column.attribute.logicalName)) {
            names.append(column.attribute.logicalName);
        }
    }
    return names;
}

QHash<QString, QString> RowConverter::lookupAttributes() const
{
    QHash<QString, QString> byMember;
    for (const Column &column : m_columns) {
        for (const LookupTarget &target : column.lookupTargets) {
            byMember.insert(target.navigationProperty + u"@odata.bind"_s, column.attribute.logicalName);
        }
    }
    return byMember;
}

std::variant<ConvertedRow, RowOutcome> RowConverter::convert(const SourceRow &row) const
{
    ConvertedRow converted;
    converted.sourceRow = row.index;
    converted.sourceKey = row.values.at(m_sourceKeyIndex).toString();
    converted.keyValues.resize(m_matchKey.size());
    converted.members.reserve(32 * m_columns.size());
    const auto append = [&converted](QStringView name, const QJsonValue &value) {
        if (!converted.members.isEmpty()) {
            converted.members += ',';
        }
        json::appendMember(converted.members, name, value);
    };
    for (const Column &column : m_columns) {
        if (column.attribute.isLookup()) {
            QVariantList parts;
            if (column.hasConstant) {
                parts = {column.constant};
            } else {
                parts.reserve(column.lookupSourceIndexes.size());
                for (const int index : column.lookupSourceIndexes) {
                    parts.append(row.values.value(index));
                }
            }
            const QString table = column.lookupTableIndex >= 0
                                      ? row.values.value(column.lookupTableIndex).toString()
                                      : QString();
            const auto binding =
                ValueConverter::bindLookup(parts, table, column.attribute, column.lookupTargets);
            if (!binding.ok()) {
                return failure(row, converted.sourceKey, u"conversion"_s, binding.error().message);
            }
            if (!(binding.value().value.isNull() && column.nullPolicy == NullPolicy::LeaveUnchanged)) {
                append(binding.value().annotation(), binding.value().value);
            }
            continue;
        }
        const QVariant &value = column.hasConstant ? column.constant : row.values.at(column.sourceIndex);
        if (column.nullPolicy == NullPolicy::LeaveUnchanged && !column.isKey &&
            ValueConverter::isNullValue(value, column.attribute)) {
            continue; // FACTS §2: a column left out of the body keeps its value
        }
        if (!column.isKey && column.isText && !value.isNull()) {
            // Text goes straight into the body: no QJsonValue in between (most columns are text).
            const auto text = ValueConverter::convertText(value, column.attribute, column.conversion);
            if (!text.ok()) {
                return failure(row, converted.sourceKey, u"conversion"_s, text.error().message);
            }
            if (!converted.members.isEmpty()) {
                converted.members += ',';
            }
            json::appendString(converted.members, column.attribute.logicalName);
            converted.members += ':';
            json::appendString(converted.members, text.value());
            continue;
        }
        const auto result = ValueConverter::convert(value, column.attribute, column.conversion);
        if (!result.ok()) {
            return failure(row, converted.sourceKey, u"conversion"_s, result.error().message);
        }
        if (!column.isKey) {
            append(column.attribute.logicalName, result.value());
            continue;
        }
        // FACTS §2: key columns address the record and never go in the body.
        QVariant keyValue = ValueConverter::fromJson(result.value());
        if (column.attribute.kind == AttributeKind::Uniqueidentifier && !keyValue.isNull()) {
            keyValue = QUuid(keyValue.toString()); // GUIDs go unquoted in a key segment (FACTS §3)
        }
        if (keyValue.isNull() || keyValue.toString().isEmpty()) {
            return failure(row, converted.sourceKey, u"empty-key"_s,
                           tr("The match key column %1 is empty in this row; a row without a key cannot be "
                              "matched. Fill it in the warehouse or leave the row out of the query.")
                               .arg(column.attribute.logicalName));
        }
        if (keyValue.typeId() == QMetaType::QString &&
            ValueConverter::hasForbiddenKeyCharacter(keyValue.toString())) {
            return failure(row, converted.sourceKey, u"invalid-key"_s,
                           tr("The match key value '%1' of %2 contains one of / < > * %% & : \\ ? + — "
                              "Dataverse cannot address a record by such a key. Clean the value in the "
                              "warehouse.")
                               .arg(keyValue.toString(), column.attribute.logicalName));
        }
        converted.keyValues[column.keyPosition] = keyValue;
    }
    return converted;
}

} // namespace d365::services
