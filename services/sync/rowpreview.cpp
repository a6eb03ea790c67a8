#include "services/sync/rowpreview.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QUuid>

#include <cmath>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

bool isEmpty(const QJsonValue &value)
{
    return value.isNull() || value.isUndefined() || (value.isString() && value.toString().isEmpty());
}

bool sameValue(const QJsonValue &before, const QJsonValue &after)
{
    if (isEmpty(before) || isEmpty(after)) {
        return isEmpty(before) && isEmpty(after); // Dataverse stores an empty text as null
    }
    if (before.isDouble() && after.isDouble()) {
        const double a = before.toDouble();
        const double b = after.toDouble();
        return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
    }
    if (before.isString() && after.isString()) {
        const QString a = before.toString();
        const QString b = after.toString();
        if (a == b) {
            return true;
        }
        // Date-times: the same instant written differently ("…:00Z" and "…:00.000Z", offsets).
        if (a.size() > 10 && b.size() > 10 && a.at(4) == u'-' && b.at(4) == u'-') {
            const QDateTime x = QDateTime::fromString(a, Qt::ISODateWithMs);
            const QDateTime y = QDateTime::fromString(b, Qt::ISODateWithMs);
            return x.isValid() && y.isValid() && x.toMSecsSinceEpoch() == y.toMSecsSinceEpoch();
        }
        return false;
    }
    return before == after;
}

// The record id in a bind path "/accounts(00000000-…)", or a null QUuid for "/accounts(accountnumber='A1')".
QUuid boundId(const QString &path)
{
    const qsizetype open = path.indexOf(u'(');
    if (open < 0 || !path.endsWith(u')')) {
        return {};
    }
    return QUuid::fromString(QStringView(path).mid(open + 1, path.size() - open - 2));
}

} // namespace

QJsonObject parseMembers(const QByteArray &members)
{
    return QJsonDocument::fromJson('{' + members + '}').object();
}

QList<ColumnChange> compareWithRecord(const QJsonObject &sent, const QJsonObject &record,
                                      const QHash<QString, QString> &lookupAttributes)
{
    QList<ColumnChange> changes;
    for (auto it = sent.begin(); it != sent.end(); ++it) {
        const auto lookup = lookupAttributes.constFind(it.key());
        if (lookup != lookupAttributes.cend()) {
            const QJsonValue current = record.value(u"_"_s + *lookup + u"_value"_s);
            if (it.value().isNull()) {
                if (!isEmpty(current)) {
                    changes.append({*lookup, current, QJsonValue::Null, true});
                }
                continue;
            }
            const QUuid id = boundId(it.value().toString());
            if (id.isNull()) {
                changes.append({*lookup, current, it.value(), false});
            } else if (QUuid::fromString(current.toString()) != id) {
                changes.append({*lookup, current, it.value(), true});
            }
            continue;
        }
        const QJsonValue current = record.value(it.key());
        if (!sameValue(current, it.value())) {
            changes.append({it.key(), current, it.value(), true});
        }
    }
    return changes;
}

QList<ColumnChange> newRecordColumns(const QJsonObject &sent, const QHash<QString, QString> &lookupAttributes)
{
    QList<ColumnChange> columns;
    for (auto it = sent.begin(); it != sent.end(); ++it) {
        columns.append({lookupAttributes.value(it.key(), it.key()), QJsonValue::Null, it.value(), true});
    }
    return columns;
}

} // namespace d365::services
