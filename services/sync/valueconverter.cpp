#include "services/sync/valueconverter.h"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QLocale>
#include <QStringList>
#include <QUuid>

#include <cmath>
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

bool isNumericType(const QVariant &value)
{
    switch (value.typeId()) {
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

std::optional<double> toNumber(const QVariant &value)
{
    if (isNumericType(value)) {
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
        // Round half away from zero at the column's precision, through the decimal text so 2.675 stays 2.68.
        result = QLocale::c().toDouble(QString::number(result, 'f', precision + 6));
        const double scale = std::pow(10.0, precision);
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

std::optional<QDateTime> parseDateTime(const QVariant &value, bool *hasOffset, bool *dateOnly)
{
    *hasOffset = false;
    *dateOnly = false;
    if (value.typeId() == QMetaType::QDate) {
        *dateOnly = true;
        return QDateTime(value.toDate(), QTime(0, 0));
    }
    if (value.typeId() == QMetaType::QDateTime) {
        const QDateTime dt = value.toDateTime();
        *hasOffset = dt.timeSpec() != Qt::LocalTime;
        return dt;
    }
    const QString text = value.toString().trimmed();
    if (text.size() == 10) {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (date.isValid()) {
            *dateOnly = true;
            return QDateTime(date, QTime(0, 0));
        }
        return std::nullopt;
    }
    QString normalised = text;
    if (normalised.size() > 10 && normalised.at(10) == u' ') {
        normalised[10] = u'T'; // "2024-03-01 10:00:00" as SQL engines print it
    }
    QDateTime dt = QDateTime::fromString(normalised, Qt::ISODateWithMs);
    if (!dt.isValid()) {
        return std::nullopt;
    }
    *hasOffset =
        normalised.endsWith(u'Z') || normalised.lastIndexOf(u'+') > 10 || normalised.lastIndexOf(u'-') > 10;
    return dt;
}

Result<QJsonValue> convertDateTime(const QVariant &value, const AttributeMetadata &attribute,
                                   const ConversionOptions &options)
{
    bool hasOffset = false;
    bool dateOnly = false;
    const auto parsed = parseDateTime(value, &hasOffset, &dateOnly);
    if (!parsed) {
        return conversionError(
            attribute,
            tr("%1 is not a date (use YYYY-MM-DD or an ISO 8601 date and time).").arg(shown(value)));
    }
    switch (attribute.dateTimeBehavior) {
    case DateTimeBehavior::DateOnly:
        // The calendar date as the warehouse has it: no time-zone arithmetic, so it can never move a day.
        return QJsonValue(parsed->date().toString(Qt::ISODate));
    case DateTimeBehavior::TimeZoneIndependent: {
        const QDateTime wall(parsed->date(), parsed->time());
        return QJsonValue(wall.toString(u"yyyy-MM-dd'T'HH:mm:ss'Z'"_s));
    }
    case DateTimeBehavior::UserLocal:
        break;
    }
    QDateTime instant = *parsed;
    if (!hasOffset) {
        instant = QDateTime(parsed->date(), parsed->time(), options.sourceTimeZone);
    }
    return QJsonValue(instant.toUTC().toString(u"yyyy-MM-dd'T'HH:mm:ss'Z'"_s));
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
    switch (kind) {
    case AttributeKind::Lookup:
    case AttributeKind::Customer:
    case AttributeKind::Owner:
    case AttributeKind::Other:
        return false;
    default:
        return true;
    }
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
        QString text = value.toString();
        if (attribute.maxLength && text.size() > *attribute.maxLength) {
            if (!options.truncateStrings) {
                return conversionError(attribute,
                                       tr("the value is %1 characters long; the column allows at most %2.")
                                           .arg(text.size())
                                           .arg(*attribute.maxLength));
            }
            text.truncate(*attribute.maxLength);
        }
        return QJsonValue(text);
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
            isNumericType(value) ? QString::number(value.toLongLong()) : value.toString().trimmed();
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
    case AttributeKind::Other:
        break;
    }
    return conversionError(
        attribute, tr("columns of type %1 cannot be written by this version.").arg(attribute.typeName));
}

} // namespace d365::services
