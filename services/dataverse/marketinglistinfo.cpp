#include "services/dataverse/marketinglistinfo.h"

using namespace Qt::StringLiterals;

namespace d365::services {

QString MarketingList::selectColumns()
{
    return u"listid,listname,type,lockstatus,statecode,createdfromcode,membercount"_s;
}

MarketingList MarketingList::fromJson(const QJsonObject &row)
{
    MarketingList list;
    list.id = row.value("listid"_L1).toString();
    list.name = row.value("listname"_L1).toString();
    list.dynamic = row.value("type"_L1).toBool();
    list.locked = row.value("lockstatus"_L1).toBool();
    list.stateCode = row.value("statecode"_L1).toInt();
    list.createdFromCode = row.value("createdfromcode"_L1).toInt();
    list.memberCount = row.value("membercount"_L1).toInteger(-1);
    return list;
}

int MarketingList::memberTypeCode(const QString &logicalName)
{
    if (logicalName == "account"_L1)
        return 1;
    if (logicalName == "contact"_L1)
        return 2;
    if (logicalName == "lead"_L1)
        return 4;
    return 0;
}

QString MarketingList::memberTableName(int createdFromCode)
{
    switch (createdFromCode) {
    case 1:
        return u"account"_s;
    case 2:
        return u"contact"_s;
    case 4:
        return u"lead"_s;
    default:
        return {};
    }
}

} // namespace d365::services
