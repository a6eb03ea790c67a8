#pragma once

// A warehouse row after conversion: what the writers send. It carries the row's identity (where it came
// from, the match key that addresses its record) and its typed column values as Web API JSON, but no HTTP:
// each writer shapes requests its own way (a bulk message target, a $batch part).

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariantList>

namespace d365::services {

struct ConvertedRow
{
    qint64 sourceRow = 0;   // 0-based position in the source result
    QString sourceKey;      // value of the mapping's source key column (reports)
    QVariantList keyValues; // the match key's values in matchKey order (never part of `values`)
    // The columns to write, in mapping order, as the members of a Web API JSON object without its braces:
    // "firstname":"Ana","new_leadsource":100000002,"parentcustomerid_account@odata.bind":"/accounts(…)".
    // Each value is exactly the JSON the Web API takes for the column's type (ValueConverter); kept as text
    // because every writer sends it as text, and a million rows must not cost a million JSON objects.
    QByteArray members;
    int attempts = 0; // write requests that carried this row so far
};

} // namespace d365::services
