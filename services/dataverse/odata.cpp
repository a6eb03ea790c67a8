#include "services/dataverse/odata.h"

#include <QUrl>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace d365::services::odata {

QString literal(const QVariant &value)
{
    if (value.isNull()) {
        return u"null"_s;
    }
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool() ? u"true"_s : u"false"_s;
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
        return value.toString();
    case QMetaType::Double:
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QMetaType::QUuid:
        return value.toUuid().toString(QUuid::WithoutBraces);
    default:
        break;
    }
    QString text = value.toString();
    text.replace(u'\'', "''"_L1);
    return u'\'' + text + u'\'';
}

namespace {

// RFC 3986 unreserved characters plus those a key segment keeps literal: ' @ ! $ , ; =
bool keptInPath(uchar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '\'' || c == '@' || c == '!' || c == '$' || c == ',' ||
           c == ';' || c == '=';
}

void appendPercentEncoded(QByteArray &out, const QByteArray &utf8)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const char byte : utf8) {
        const auto c = uchar(byte);
        if (keptInPath(c)) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
}

} // namespace

void appendKeySegment(QByteArray &out, const QStringList &names, const QVariantList &values)
{
    for (qsizetype i = 0; i < names.size() && i < values.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += names.at(i).toUtf8();
        out += '=';
        const QVariant &value = values.at(i);
        if (value.typeId() == QMetaType::QString) {
            // The common case without building the literal as a QString first.
            QString text = value.toString();
            text.replace(u'\'', "''"_L1);
            out += '\'';
            appendPercentEncoded(out, text.toUtf8());
            out += '\'';
        } else {
            appendPercentEncoded(out, literal(value).toUtf8());
        }
    }
}

QString keySegment(const QStringList &names, const QVariantList &values)
{
    QByteArray out;
    appendKeySegment(out, names, values);
    return QString::fromLatin1(out);
}

QString keyFilter(const QStringList &names, const QList<QVariantList> &tuples)
{
    if (names.size() == 1) {
        QStringList values;
        values.reserve(tuples.size());
        for (const auto &tuple : tuples) {
            values.append(literal(tuple.value(0)));
        }
        return u"Microsoft.Dynamics.CRM.In(PropertyName='%1',PropertyValues=[%2])"_s.arg(names.first(),
                                                                                         values.join(u','));
    }
    QStringList clauses;
    clauses.reserve(tuples.size());
    for (const auto &tuple : tuples) {
        QStringList terms;
        for (qsizetype i = 0; i < names.size(); ++i) {
            terms.append(names.at(i) + " eq "_L1 + literal(tuple.value(i)));
        }
        clauses.append(u'(' + terms.join(" and "_L1) + u')');
    }
    return clauses.join(" or "_L1);
}

} // namespace d365::services::odata
