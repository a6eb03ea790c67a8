#include "services/sync/syncresult.h"

#include "services/common/exitcode.h"

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
    case RowStatus::Added:
        return u"added"_s;
    case RowStatus::AlreadyMember:
        return u"already member"_s;
    case RowStatus::Removed:
        return u"removed"_s;
    case RowStatus::NotMember:
        return u"not a member"_s;
    }
    return u"failed"_s;
}

int SyncSummary::exitCode() const
{
    if (cancelled) {
        return Cancelled;
    }
    if (fatal) {
        return exitCodeFor(fatal->category);
    }
    if (failed > 0 || skipped > 0 || !sourceComplete) {
        return RowsFailed;
    }
    return Success;
}

} // namespace d365::services
