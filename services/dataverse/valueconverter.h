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
//   Lookup/Customer/Owner  bindLookup(): "<navigation property>@odata.bind": "/<set>(<guid>)" or
//                    "/<set>(<key>='v')" / "/<set>(k1='a',k2=2)" by an alternate key of the target table;
//                    polymorphic lookups pick the target table from the mapping or per row
// SQL NULL → JSON null. An empty text is null for every type but String/Memo. What a null then does (send it
// or leave the column out) is the field's null policy, applied by the caller through isNullValue().

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

// One table a lookup column can point at, resolved from metadata before the run.
struct LookupTarget
{
    QString table;                          // logical name, e.g. "account"
    QString entitySet;                      // "accounts"
    QString navigationProperty;             // case-sensitive, e.g. "parentcustomerid_account"
    QList<AttributeMetadata> keyAttributes; // the alternate key's columns in mapping order; empty → GUID
};

struct LookupBinding
{
    QString navigationProperty;
    QJsonValue value; // "/accounts(accountnumber='A1')" or null
    QString annotation() const { return navigationProperty + QStringLiteral("@odata.bind"); }
};

class ValueConverter
{
public:
    static Result<QJsonValue> convert(const QVariant &value, const AttributeMetadata &attribute,
                                      const ConversionOptions &options = {});
    // The text a String or Memo column gets for a non-null value (the length check and truncation of
    // convert()), without wrapping it in a QJsonValue: the sync writes text columns straight into its request
    // bodies.
    static Result<QString> convertText(const QVariant &value, const AttributeMetadata &attribute,
                                       const ConversionOptions &options = {});
    // The lookup binding for one row: keyParts are the source values of the target's key (one GUID when the
    // target has no key attributes); tableName picks the target among several (polymorphic), empty when
    // there is only one.
    static Result<LookupBinding> bindLookup(const QVariantList &keyParts, const QString &tableName,
                                            const AttributeMetadata &lookupColumn,
                                            const QList<LookupTarget> &targets);
    // SQL NULL, an invalid QVariant, or blank text for a non-text column: what the null policy applies to.
    static bool isNullValue(const QVariant &value, const AttributeMetadata &attribute);
    // A constant from the mapping file as the QVariant convert() expects.
    static QVariant fromJson(const QJsonValue &value);
    // The one rule of the core for "this warehouse value is a number" (not text that looks like one).
    static bool isNumericType(QMetaType::Type type);
    // Whether the converter can write this kind of column at all.
    static bool supports(AttributeKind kind);
    // FACTS §3: key values containing any of / < > * % & : \ ? + cannot address a record.
    static bool hasForbiddenKeyCharacter(const QString &text);
};

} // namespace d365::services
