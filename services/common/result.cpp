#include "services/common/result.h"

using namespace Qt::StringLiterals;

namespace d365 {

QString errorCategoryName(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Configuration:
        return u"configuration"_s;
    case ErrorCategory::Authentication:
        return u"authentication"_s;
    case ErrorCategory::Network:
        return u"network"_s;
    case ErrorCategory::NotFound:
        return u"not-found"_s;
    case ErrorCategory::Privilege:
        return u"privilege"_s;
    case ErrorCategory::Validation:
        return u"validation"_s;
    case ErrorCategory::Throttled:
        return u"throttled"_s;
    case ErrorCategory::Server:
        return u"server"_s;
    case ErrorCategory::Source:
        return u"source"_s;
    case ErrorCategory::Cancelled:
        return u"cancelled"_s;
    case ErrorCategory::Internal:
        return u"internal"_s;
    }
    return u"internal"_s;
}

} // namespace d365
