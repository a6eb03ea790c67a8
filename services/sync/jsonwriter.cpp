#include "services/sync/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <cmath>
#include <limits>

namespace d365::services::json {

void appendString(QByteArray &out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const QChar *data = text.data();
    const qsizetype size = text.size();
    // Fast path: plain printable ASCII (names, e-mails, most text) is copied byte by byte into room made
    // once; the first character that needs escaping or UTF-8 hands over to the general loop below.
    const qsizetype start = out.size();
    out.resize(start + size + 1);
    char *cursor = out.data() + start;
    *cursor++ = '"';
    qsizetype i = 0;
    for (; i < size; ++i) {
        const char16_t c = data[i].unicode();
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
            break;
        }
        *cursor++ = char(c);
    }
    out.truncate(cursor - out.constData());
    while (i < size) {
        const char16_t c = data[i].unicode();
        if (c >= 0x80) {
            // A run of non-ASCII characters goes through one UTF-8 conversion (surrogate pairs stay whole).
            qsizetype end = i + 1;
            while (end < size && data[end].unicode() >= 0x80) {
                ++end;
            }
            out += text.sliced(i, end - i).toUtf8();
            i = end;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += char(c);
            }
        }
        ++i;
    }
    out += '"';
}

void appendValue(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        return;
    case QJsonValue::Bool:
        out += value.toBool() ? "true" : "false";
        return;
    case QJsonValue::Double: {
        // Whole numbers exactly (a BigInt beyond 2^53 must not pass through a double), others shortest.
        constexpr qint64 notWhole = std::numeric_limits<qint64>::min();
        if (const qint64 whole = value.toInteger(notWhole); whole != notWhole) {
            out += QByteArray::number(whole);
            return;
        }
        const double number = value.toDouble();
        out += std::isfinite(number) ? QByteArray::number(number, 'g', QLocale::FloatingPointShortest)
                                     : QByteArray("null"); // JSON has no NaN or infinity
        return;
    }
    case QJsonValue::String:
        appendString(out, value.toString());
        return;
    case QJsonValue::Array:
        out += QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
        return;
    case QJsonValue::Object:
        out += QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
        return;
    }
}

QList<QByteArrayView> splitMembers(QByteArrayView members)
{
    QList<QByteArrayView> parts;
    qsizetype start = 0;
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < members.size(); ++i) {
        const char c = members[i];
        if (inString) {
            if (c == '\\')
                ++i; // the escaped character cannot end the string
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            break;
        case '{':
        case '[':
            ++depth;
            break;
        case '}':
        case ']':
            --depth;
            break;
        case ',':
            if (depth == 0) {
                parts.append(members.sliced(start, i - start));
                start = i + 1;
            }
            break;
        default:
            break;
        }
    }
    if (start < members.size())
        parts.append(members.sliced(start));
    return parts;
}

} // namespace d365::services::json
