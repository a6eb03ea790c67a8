#include "services/dataverse/valueconverter.h"

#include "services/dataverse/odata.h"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QLocale>
#include <QStringList>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ValueConverter", text);
}

QString shown(const QVariant &value)
{
    QString text = value.toString();
    if (text.size() > 60) {
        text = text.left(57) + "..."_L1;
    }
    return u'\'' + text + u'\'';
}

Error conversionError(const AttributeMetadata &attribute, const QString &what)
{
    return Error::make(ErrorCategory::Validation, tr("Column %1: %2").arg(attribute.logicalName, what));
}

bool isNumber(const QVariant &value)
{
    return ValueConverter::isNumericType(QMetaType::Type(value.typeId()));
}

std::optional<double> toNumber(const QVariant &value)
{
    if (isNumber(value)) {
        return value.toDouble();
    }
    bool ok = false;
    const double number = QLocale::c().toDouble(value.toString().trimmed(), &ok);
    return ok ? std::optional<double>(number) : std::nullopt;
}

Result<QJsonValue> convertWholeNumber(const QVariant &value, const AttributeMetadata &attribute, double min,
                                      double max)
{
    const auto number = toNumber(value);
    if (!number || !std::isfinite(*number) || std::floor(*number) != *number) {
        return conversionError(attribute, tr("%1 is not a whole number.").arg(shown(value)));
    }
    const double lo = attribute.minValue.value_or(min);
    const double hi = attribute.maxValue.value_or(max);
    if (*number < lo || *number > hi) {
        return conversionError(
            attribute, tr("%1 is outside the allowed range %2 to %3.")
                           .arg(shown(value), QString::number(lo, 'f', 0), QString::number(hi, 'f', 0)));
    }
    return QJsonValue(qint64(*number));
}

Result<QJsonValue> convertDecimal(const QVariant &value, const AttributeMetadata &attribute)
{
    const auto number = toNumber(value);
    if (!number || !std::isfinite(*number)) {
        return conversionError(
            attribute, tr("%1 is not a number (use '.' as the decimal separator).").arg(shown(value)));
    }
    double result = *number;
    const int precision = attribute.precision.value_or(attribute.kind == AttributeKind::Money ? 2 : -1);
    if (precision >= 0 && precision <= 10) {
        // Round half away from zero at the column's precision so 2.675 becomes 2.68
        // (rounding first at precision + 6 decimals absorbs the binary representation error).
        static constexpr double powers[] = {1e0, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7, 1e8,
                                            1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};
        const double fine = powers[precision + 6];
        if (std::abs(result) * fine < 9.0e15) {
            result = std::round(result * fine) / fine;
        }
        const double scale = powers[precision];
        result = std::round(result * scale) / scale;
    }
    if ((attribute.minValue && result < *attribute.minValue) ||
        (attribute.maxValue && result > *attribute.maxValue)) {
        return conversionError(attribute,
                               tr("%1 is outside the allowed range %2 to %3.")
                                   .arg(shown(value), QString::number(attribute.minValue.value_or(0), 'f', 2),
                                        QString::number(attribute.maxValue.value_or(0), 'f', 2)));
    }
    return QJsonValue(result);
}

Result<QJsonValue> convertBoolean(const QVariant &value, const AttributeMetadata &attribute)
{
    if (value.typeId() == QMetaType::Bool) {
        return QJsonValue(value.toBool());
    }
    const QString text = value.toString().trimmed().toLower();
    if (text == "1"_L1 || text == "true"_L1 || text == "yes"_L1 || text == "y"_L1) {
        return QJsonValue(true);
    }
    if (text == "0"_L1 || text == "false"_L1 || text == "no"_L1 || text == "n"_L1) {
        return QJsonValue(false);
    }
    return conversionError(attribute,
                           tr("%1 is not a yes/no value (use true/false, 1/0 or yes/no).").arg(shown(value)));
}

struct ParsedDateTime
{
    QDate date;
    QTime time;
    std::optional<int> offsetSeconds; // set when the value says where it is (Z, +02:00, an offset QDateTime)
};

int digits(const QChar *p, int count)
{
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const char16_t c = p[i].unicode();
        if (c < u'0' || c > u'9') {
            return -1;
        }
        value = value * 10 + (c - u'0');
    }
    return value;
}

// The ISO 8601 shapes warehouses produce, parsed by hand: QDateTime::fromString and local-time QDateTimes
// cost microseconds (time-zone database lookups) per value, which the 300,000 rows/s target cannot afford.
//   YYYY-MM-DD | YYYY-MM-DD[T ]HH:MM[:SS[.f…]][Z|±HH[:]MM]
std::optional<ParsedDateTime> parseIsoText(const QString &text)
{
    const qsizetype n = text.size();
    const QChar *p = text.constData();
    if (n < 10 || p[4] != u'-' || p[7] != u'-') {
        return std::nullopt;
    }
    const int year = digits(p, 4);
    const int month = digits(p + 5, 2);
    const int day = digits(p + 8, 2);
    if (year < 0 || month < 0 || day < 0 || !QDate::isValid(year, month, day)) {
        return std::nullopt;
    }
    ParsedDateTime parsed{QDate(year, month, day), QTime(0, 0), std::nullopt};
    if (n == 10) {
        return parsed;
    }
    if ((p[10] != u'T' && p[10] != u' ') || n < 16 || p[13] != u':') {
        return std::nullopt;
    }
    const int hour = digits(p + 11, 2);
    const int minute = digits(p + 14, 2);
    int second = 0;
    int millis = 0;
    qsizetype i = 16;
    if (i < n && p[i] == u':') {
        if (n < i + 3 || (second = digits(p + i + 1, 2)) < 0) {
            return std::nullopt;
        }
        i += 3;
        if (i < n && (p[i] == u'.' || p[i] == u',')) {
            ++i;
            int scale = 100;
            while (i < n && p[i].isDigit()) {
                millis += scale * (p[i].unicode() - u'0');
                scale /= 10;
                ++i;
            }
        }
    }
    if (hour < 0 || minute < 0 || !QTime::isValid(hour, minute, second, millis)) {
        return std::nullopt;
    }
    parsed.time = QTime(hour, minute, second, millis);
    if (i == n) {
        return parsed;
    }
    if (p[i] == u'Z' && i + 1 == n) {
        parsed.offsetSeconds = 0;
        return parsed;
    }
    if ((p[i] == u'+' || p[i] == u'-') && (n - i == 3 || n - i == 5 || n - i == 6)) {
        const int sign = p[i] == u'-' ? -1 : 1;
        const int offsetHours = digits(p + i + 1, 2);
        const int offsetMinutes = n - i == 3 ? 0 : digits(p + n - 2, 2);
        if (offsetHours < 0 || offsetMinutes < 0 || (n - i == 6 && p[i + 3] != u':')) {
            return std::nullopt;
        }
        parsed.offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60);
        return parsed;
    }
    return std::nullopt;
}

std::optional<ParsedDateTime> parseDateTime(const QVariant &value)
{
    if (value.typeId() == QMetaType::QDate) {
        return ParsedDateTime{value.toDate(), QTime(0, 0), std::nullopt};
    }
    if (value.typeId() == QMetaType::QDateTime) {
        const QDateTime dt = value.toDateTime();
        if (!dt.isValid()) {
            return std::nullopt;
        }
        ParsedDateTime parsed{dt.date(), dt.time(), std::nullopt};
        if (dt.timeSpec() != Qt::LocalTime) {
            parsed.offsetSeconds = dt.offsetFromUtc();
        }
        return parsed;
    }
    return parseIsoText(value.toString().trimmed());
}

QString isoUtc(const QDate &date, const QTime &time)
{
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", date.year(), date.month(),
                  date.day(), time.hour(), time.minute(), time.second());
    return QString::fromLatin1(buffer);
}

QString isoDate(const QDate &date)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year(), date.month(), date.day());
    return QString::fromLatin1(buffer);
}

Result<QJsonValue> convertDateTime(const QVariant &value, const AttributeMetadata &attribute,
                                   const ConversionOptions &options)
{
    const auto parsed = parseDateTime(value);
    if (!parsed) {
        return conversionError(
            attribute,
            tr("%1 is not a date (use YYYY-MM-DD or an ISO 8601 date and time).").arg(shown(value)));
    }
    switch (attribute.dateTimeBehavior) {
    case DateTimeBehavior::DateOnly:
        // The calendar date as the warehouse has it: no time-zone arithmetic, so it can never move a day.
        return QJsonValue(isoDate(parsed->date));
    case DateTimeBehavior::TimeZoneIndependent:
        return QJsonValue(isoUtc(parsed->date, parsed->time));
    case DateTimeBehavior::UserLocal:
        break;
    }
    if (parsed->offsetSeconds == 0 ||
        (!parsed->offsetSeconds && options.sourceTimeZone == QTimeZone::utc())) {
        return QJsonValue(isoUtc(parsed->date, parsed->time));
    }
    const QDateTime instant =
        parsed->offsetSeconds
            ? QDateTime(parsed->date, parsed->time, Qt::OffsetFromUTC, *parsed->offsetSeconds)
            : QDateTime(parsed->date, parsed->time, options.sourceTimeZone);
    const QDateTime utc = instant.toUTC();
    return QJsonValue(isoUtc(utc.date(), utc.time()));
}

std::optional<int> matchOption(const QString &text, const QList<OptionMetadata> &options)
{
    bool isNumber = false;
    const int number = text.toInt(&isNumber);
    for (const auto &option : options) {
        if ((isNumber && option.value == number) || option.label.compare(text, Qt::CaseInsensitive) == 0) {
            return option.value;
        }
    }
    if (isNumber && options.isEmpty()) {
        return number; // no option metadata: trust the value, the service validates it
    }
    return std::nullopt;
}

Error unknownOption(const AttributeMetadata &attribute, const QString &text)
{
    QStringList labels;
    for (const auto &option : attribute.options) {
        labels.append(u"%1 (%2)"_s.arg(option.label).arg(option.value));
    }
    return conversionError(
        attribute,
        tr("'%1' is not one of the choices. Valid labels (values): %2.").arg(text, labels.join(", "_L1)));
}

} // namespace

bool ValueConverter::supports(AttributeKind kind)
{
    return kind != AttributeKind::Other;
}

bool ValueConverter::hasForbiddenKeyCharacter(const QString &text)
{
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'/':
        case u'<':
        case u'>':
        case u'*':
        case u'%':
        case u'&':
        case u':':
        case u'\\':
        case u'?':
        case u'+':
            return true;
        default:
            break;
        }
    }
    return false;
}

bool ValueConverter::isNullValue(const QVariant &value, const AttributeMetadata &attribute)
{
    if (value.isNull() || !value.isValid()) {
        return true;
    }
    const bool isText = attribute.kind == AttributeKind::String || attribute.kind == AttributeKind::Memo;
    return !isText && value.typeId() == QMetaType::QString && value.toString().trimmed().isEmpty();
}

QVariant ValueConverter::fromJson(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool();
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (std::floor(number) == number && std::abs(number) < 9007199254740992.0) {
            return qint64(number);
        }
        return number;
    }
    case QJsonValue::String:
        return value.toString();
    default:
        return {};
    }
}

Result<LookupBinding> ValueConverter::bindLookup(const QVariantList &keyParts, const QString &tableName,
                                                 const AttributeMetadata &lookupColumn,
                                                 const QList<LookupTarget> &targets)
{
    if (targets.isEmpty()) {
        return conversionError(lookupColumn, tr("the lookup has no target table."));
    }
    const LookupTarget *target = nullptr;
    if (targets.size() == 1 && tableName.isEmpty()) {
        target = &targets.first();
    } else {
        QStringList names;
        for (const auto &candidate : targets) {
            names.append(candidate.table);
            if (candidate.table.compare(tableName.trimmed(), Qt::CaseInsensitive) == 0 ||
                candidate.entitySet.compare(tableName.trimmed(), Qt::CaseInsensitive) == 0) {
                target = &candidate;
            }
        }
        if (!target) {
            const bool allNull = std::all_of(keyParts.cbegin(), keyParts.cend(), [](const QVariant &v) {
                return v.isNull() || v.toString().trimmed().isEmpty();
            });
            if (allNull && tableName.trimmed().isEmpty()) {
                // Nothing to point at and no table named: clear through the first navigation property.
                return LookupBinding{targets.first().navigationProperty, QJsonValue(QJsonValue::Null)};
            }
            return conversionError(lookupColumn,
                                   tr("the target table '%1' is not one this lookup can point at. Valid "
                                      "tables: %2.")
                                       .arg(tableName, names.join(", "_L1)));
        }
    }

    LookupBinding binding{target->navigationProperty, QJsonValue(QJsonValue::Null)};
    int nullParts = 0;
    for (const auto &part : keyParts) {
        if (part.isNull() || part.toString().trimmed().isEmpty()) {
            ++nullParts;
        }
    }
    if (nullParts == keyParts.size()) {
        return binding;
    }

    if (target->keyAttributes.isEmpty()) {
        const QUuid id = QUuid::fromString(keyParts.value(0).toString().trimmed());
        if (id.isNull()) {
            return conversionError(
                lookupColumn, tr("%1 is not a GUID of a %2 record. Map a GUID column, or give the lookup "
                                 "an alternate key of %2 (\"lookup\": { \"key\": [...] }).")
                                  .arg(shown(keyParts.value(0)), target->table));
        }
        binding.value = QString(u'/' + target->entitySet + u'(' + id.toString(QUuid::WithoutBraces) + u')');
        return binding;
    }
    if (keyParts.size() != target->keyAttributes.size()) {
        return conversionError(lookupColumn, tr("the key of %1 has %2 column(s) but %3 value(s) were given.")
                                                 .arg(target->table)
                                                 .arg(target->keyAttributes.size())
                                                 .arg(keyParts.size()));
    }
    if (nullParts > 0) {
        return conversionError(lookupColumn,
                               tr("part of the %1 key is empty in this row; every key column needs a value.")
                                   .arg(target->table));
    }
    QStringList names;
    QVariantList values;
    for (qsizetype i = 0; i < keyParts.size(); ++i) {
        const AttributeMetadata &keyAttribute = target->keyAttributes.at(i);
        const auto converted = convert(keyParts.at(i), keyAttribute);
        if (!converted.ok()) {
            return conversionError(lookupColumn, converted.error().message);
        }
        QVariant literal = fromJson(converted.value());
        if (literal.typeId() == QMetaType::QString && hasForbiddenKeyCharacter(literal.toString())) {
            return conversionError(lookupColumn,
                                   tr("the key value %1 of %2.%3 contains one of / < > * % & : \\ ? + — "
                                      "Dataverse cannot find a record by such a key. Clean the value in the "
                                      "warehouse or bind by GUID.")
                                       .arg(shown(literal), target->table, keyAttribute.logicalName));
        }
        names.append(keyAttribute.logicalName);
        values.append(literal);
    }
    binding.value =
        QString(u'/' + target->entitySet + u'(' + odata::keySegment(names, values) + u')');
    return binding;
}

Result<QString> ValueConverter::convertText(const QVariant &value, const AttributeMetadata &attribute,
                                            const ConversionOptions &options)
{
    QString text = value.toString();
    if (attribute.maxLength && text.size() > *attribute.maxLength) {
        if (!options.truncateStrings) {
            return conversionError(attribute, tr("the value is %1 characters long; the column allows at most %2.")
                                                  .arg(text.size())
                                                  .arg(*attribute.maxLength));
        }
        text.truncate(*attribute.maxLength);
    }
    return text;
}

Result<QJsonValue> ValueConverter::convert(const QVariant &value, const AttributeMetadata &attribute,
                                           const ConversionOptions &options)
{
    if (value.isNull() || !value.isValid()) {
        return QJsonValue(QJsonValue::Null);
    }
    const bool isText = attribute.kind == AttributeKind::String || attribute.kind == AttributeKind::Memo;
    if (!isText && value.typeId() == QMetaType::QString && value.toString().trimmed().isEmpty()) {
        return QJsonValue(QJsonValue::Null);
    }

    switch (attribute.kind) {
    case AttributeKind::String:
    case AttributeKind::Memo: {
        auto text = convertText(value, attribute, options);
        if (!text.ok()) {
            return text.error();
        }
        return QJsonValue(text.value());
    }
    case AttributeKind::Integer:
        return convertWholeNumber(value, attribute, std::numeric_limits<qint32>::min(),
                                  std::numeric_limits<qint32>::max());
    case AttributeKind::BigInt:
        return convertWholeNumber(value, attribute, -9007199254740991.0, 9007199254740991.0);
    case AttributeKind::Decimal:
    case AttributeKind::Money:
    case AttributeKind::Double:
        return convertDecimal(value, attribute);
    case AttributeKind::Boolean:
        return convertBoolean(value, attribute);
    case AttributeKind::DateTime:
        return convertDateTime(value, attribute, options);
    case AttributeKind::Picklist:
    case AttributeKind::State:
    case AttributeKind::Status: {
        const QString text =
            isNumber(value) ? QString::number(value.toLongLong()) : value.toString().trimmed();
        const auto option = matchOption(text, attribute.options);
        if (!option) {
            return unknownOption(attribute, text);
        }
        return QJsonValue(*option);
    }
    case AttributeKind::MultiSelectPicklist: {
        QStringList values;
        const QStringList parts = value.toString().split(
            QLatin1Char(value.toString().contains(u';') ? ';' : ','), Qt::SkipEmptyParts);
        for (const auto &part : parts) {
            const auto option = matchOption(part.trimmed(), attribute.options);
            if (!option) {
                return unknownOption(attribute, part.trimmed());
            }
            values.append(QString::number(*option));
        }
        return QJsonValue(values.join(u','));
    }
    case AttributeKind::Uniqueidentifier: {
        const QUuid uuid = QUuid::fromString(value.toString().trimmed());
        if (uuid.isNull()) {
            return conversionError(attribute, tr("%1 is not a GUID.").arg(shown(value)));
        }
        return QJsonValue(uuid.toString(QUuid::WithoutBraces));
    }
    case AttributeKind::Lookup:
    case AttributeKind::Customer:
    case AttributeKind::Owner:
        // A lookup is written through its navigation property, never as a value of the column itself.
        return conversionError(attribute, tr("a lookup column is set through bindLookup()."));
    case AttributeKind::Other:
        break;
    }
    return conversionError(
        attribute, tr("columns of type %1 cannot be written by this version.").arg(attribute.typeName));
}

bool ValueConverter::isNumericType(QMetaType::Type type)
{
    switch (type) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
        return true;
    default:
        return false;
    }
}

} // namespace d365::services
