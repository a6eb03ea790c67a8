#include "services/sync/syncresult.h"

using namespace Qt::StringLiterals;

namespace d365::services {

QString rowStatusName(RowStatus status)
{
    switch (status) {
    case RowStatus::Created:
        return u"created"_s;
    case RowStatus::Updated:
        return u"updated"_s;
    case RowStatus::Unchanged:
        return u"unchanged"_s;
    case RowStatus::Failed:
        return u"failed"_s;
    case RowStatus::Skipped:
        return u"skipped"_s;
    case RowStatus::Upserted:
        return u"upserted"_s;
    }
    return u"failed"_s;
}

} // namespace d365::services
