#pragma once

// A warehouse row after conversion: what the writers send. It carries the row's identity (where it came
// from, the match key that addresses its record) and its typed column values, but no HTTP: each writer
// shapes requests its own way (a bulk message target, a $batch part).

#include <QJsonValue>
#include <QList>
#include <QString>
#include <QVariantList>

namespace d365::services {

struct ColumnValue
{
    QString name;     // Web API member: the column's logical name, or "<navigation property>@odata.bind"
    QJsonValue value; // exactly what the Web API expects (see ValueConverter)
};

struct ConvertedRow
{
    qint64 sourceRow = 0;        // 0-based position in the source result
    QString sourceKey;           // value of the mapping's source key column (reports)
    QVariantList keyValues;      // the match key's values in matchKey order (never part of `values`)
    QList<ColumnValue> values;   // the columns to write, in mapping order
    int attempts = 0;            // write requests that carried this row so far
};

} // namespace d365::services
