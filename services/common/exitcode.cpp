#include "services/common/exitcode.h"

namespace d365 {

int exitCodeFor(ErrorCategory category)
{
    switch (category) {
    case ErrorCategory::Authentication:
        return SignInError;
    case ErrorCategory::Configuration:
    case ErrorCategory::Privilege:
    case ErrorCategory::Source:
    case ErrorCategory::NotFound:
    case ErrorCategory::Validation:
        return ConfigurationError;
    case ErrorCategory::Cancelled:
        return Cancelled;
    default:
        return ServiceError;
    }
}

} // namespace d365
