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

QString keySegment(const QStringList &names, const QVariantList &values)
{
    QStringList parts;
    for (qsizetype i = 0; i < names.size() && i < values.size(); ++i) {
        // Percent-encode everything that is not safe inside a path segment; ' ( ) = , stay literal.
        const QByteArray encoded = QUrl::toPercentEncoding(literal(values.at(i)), "'@!$,;=");
        parts.append(names.at(i) + u'=' + QString::fromLatin1(encoded));
    }
    return parts.join(u',');
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
