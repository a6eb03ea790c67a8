#include "services/common/logging.h"

using namespace Qt::StringLiterals;

namespace d365 {

QString redactSecret(const QByteArray &secret)
{
    return u"<redacted %1 chars>"_s.arg(secret.size());
}

} // namespace d365
