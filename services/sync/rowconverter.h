#pragma once

// The converter stage of the sync pipeline: warehouse rows in, ConvertedRows (match key + typed column
// values) out, or a failed outcome for the row alone.
//
//   create(mapping, table metadata, resolved lookups, source column names)
//     → the column plan: for every field its source index (or constant), target attribute, conversion
//       options and lookup targets; the match key's positions
//     → or a Configuration error (a source column the query does not return, a match key not mapped)
//   convert(row) → ConvertedRow, or a RowOutcome (Failed: conversion, empty or unusable key)
//
// Pure and synchronous; one instance per run, used on the engine's thread.

#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"
#include "services/dataverse/valueconverter.h"
#include "services/mapping/mapping.h"
#include "services/sync/convertedrow.h"
#include "services/sync/lookupresolver.h"
#include "services/sync/syncresult.h"
#include "services/warehouse/warehousesource.h"

#include <variant>

namespace d365::services {

class RowConverter
{
public:
    static Result<RowConverter> create(const Mapping &mapping, const EntityMetadata &entity,
                                       const ResolvedLookups &lookups, const QStringList &sourceColumns);

    // The row converted, or its failure (it then ends with that outcome; the run goes on).
    std::variant<ConvertedRow, RowOutcome> convert(const SourceRow &row) const;

    const QStringList &matchKey() const { return m_matchKey; }
    // The attributes a row writes besides its match key (their logical names; a lookup's own name, which
    // $select answers with _<name>_value), for reading the records as they are (dry run).
    QStringList writtenAttributes() const;
    // "<navigation property>@odata.bind" → the lookup attribute's logical name, for every lookup target.
    QHash<QString, QString> lookupAttributes() const;
    // The row's source key (the mapping's keyColumn) as text, without converting the rest.
    QString sourceKey(const SourceRow &row) const { return row.values.value(m_sourceKeyIndex).toString(); }

private:
    struct Column
    {
        int sourceIndex = -1;
        AttributeMetadata attribute;
        bool isKey = false;
        bool isText = false;  // String or Memo: written straight as JSON text
        int keyPosition = -1; // index in matchKey when isKey
        NullPolicy nullPolicy = NullPolicy::SendNull;
        bool hasConstant = false;
        QVariant constant;              // field.constant as a QVariant (when hasConstant)
        ConversionOptions conversion;   // per field: truncate, source time zone
        QList<int> lookupSourceIndexes; // key parts of a lookup
        int lookupTableIndex = -1;      // per-row target table of a polymorphic lookup
        QList<LookupTarget> lookupTargets;
    };

    RowOutcome failure(const SourceRow &row, const QString &key, const QString &code,
                       const QString &message) const;

    QList<Column> m_columns;
    QStringList m_matchKey;
    int m_sourceKeyIndex = -1;
};

} // namespace d365::services
