#pragma once

// A dry run's view of one row: what the run would do with it, and for a row that would change a record, the
// columns that would change with their values before and after.
//
//   compareWithRecord(sent members, the record as the Web API returns it, lookup columns)
//     → the columns whose value would change; an empty list: the record already holds the row
//
// Values compare the way the service stores them: numbers by value, date-times by instant, text exactly. A
// lookup bound by id compares with the record's _<lookup>_value; one bound by alternate key cannot be
// compared without reading the target, so it never counts as a change by itself (noted as not compared).

#include "services/sync/syncresult.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace d365::services {

// `sent`: the row's members as the writers would send them (ConvertedRow::members, parsed).
// `lookupAttributes`: "<navigation property>@odata.bind" → the lookup attribute's logical name.
QList<ColumnChange> compareWithRecord(const QJsonObject &sent, const QJsonObject &record,
                                      const QHash<QString, QString> &lookupAttributes);

// Every member of `sent` as a change from nothing (a record that would be created).
QList<ColumnChange> newRecordColumns(const QJsonObject &sent,
                                     const QHash<QString, QString> &lookupAttributes);

// `{` + members + `}` parsed; members that are not valid JSON give an empty object.
QJsonObject parseMembers(const QByteArray &members);

} // namespace d365::services
