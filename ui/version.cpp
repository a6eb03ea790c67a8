#include "ui/version.h"

namespace d365::ui {

QString applicationVersion()
{
    return QStringLiteral(D365_VERSION);
}

} // namespace d365::ui
