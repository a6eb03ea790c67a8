#pragma once

// A marketing list as the Web API describes it (FACTS §11: table `list`, entity set `lists`): what the
// audience run, its preflight and the mapping editor's list picker need to know of one.

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

namespace d365::services {

struct MarketingList
{
    QString id; // listid; empty when the list does not exist yet
    QString name;
    bool exists = true;
    bool dynamic = false;    // type true: members come from its query
    bool locked = false;     // lockstatus true
    int stateCode = 0;       // 0 active, 1 inactive
    int createdFromCode = 0; // list_createdfromcode: 1 account, 2 contact, 4 lead
    qint64 memberCount = -1; // membercount as the list says (-1: not read)

    // The $select that fills every member above.
    static QString selectColumns();
    static MarketingList fromJson(const QJsonObject &row);
    // list_createdfromcode for a member table's logical name (0 for a table that cannot be a member).
    static int memberTypeCode(const QString &logicalName);
    static QString memberTableName(int createdFromCode);
};

} // namespace d365::services

Q_DECLARE_METATYPE(d365::services::MarketingList)
