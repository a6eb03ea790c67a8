#pragma once

// Appends JSON text to a byte buffer without building QJsonObjects: the writers serialise thousands of rows
// per request, and a hand-written writer costs a fraction of QJsonDocument::toJson on a fresh object per row.
// Output is compact UTF-8, identical in meaning to QJsonDocument's.

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QStringView>

namespace d365::services::json {

void appendString(QByteArray &out, QStringView text);       // "text" with JSON escapes
void appendValue(QByteArray &out, const QJsonValue &value); // any JSON value
inline void appendMember(QByteArray &out, QStringView name, const QJsonValue &value)
{
    appendString(out, name);
    out += ':';
    appendValue(out, value);
}

// The members of a JSON object's text without its braces ("a":1,"b":"x,y",...), each as written: splits at
// the commas outside strings and nested values. The text must be well-formed (ours, from the functions
// above).
QList<QByteArrayView> splitMembers(QByteArrayView members);

} // namespace d365::services::json
