#pragma once

// Converts one warehouse value (a QVariant from Qt SQL, or text) into the exact Web API JSON for a Dataverse
// column, from the column's metadata. A value that cannot be converted gives a Validation error naming the
// column, the value and what would be accepted; the row then fails alone, the run goes on.
//
//   String/Memo      text; longer than MaxLength → error (or cut when the mapping says truncate)
//   Integer/BigInt   whole numbers within MinValue..MaxValue ("42", 42, 42.0)
//   Decimal/Money/Double  numbers rounded to the column's precision; text parsed with '.' as separator
//   Boolean          true/false, 1/0, yes/no
//   DateTime         DateOnly → yyyy-MM-dd exactly as given (never shifted by a time zone);
//                    UserLocal → UTC ISO 8601, a value without offset read in the source time zone;
//                    TimeZoneIndependent → the wall-clock time as given
//   Choice/State/Status  an option value or a label (case-insensitive); multi-select → "v1,v2"
//   Uniqueidentifier a GUID
// SQL NULL → JSON null. An empty text is null for every type but String/Memo.
// Lookups are bound through navigation properties; that arrives with the schema issue.

#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"

#include <QJsonValue>
#include <QTimeZone>
#include <QVariant>

namespace d365::services {

struct ConversionOptions
{
    QTimeZone sourceTimeZone = QTimeZone::utc();
    bool truncateStrings = false;
};

class ValueConverter
{
public:
    static Result<QJsonValue> convert(const QVariant &value, const AttributeMetadata &attribute,
                                      const ConversionOptions &options = {});
    // Whether the converter can write this kind of column at all (lookups: not yet).
    static bool supports(AttributeKind kind);
};

} // namespace d365::services
