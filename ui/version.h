#pragma once

#include <QString>

namespace d365::ui {

// The project version from CMake (project(d365sync VERSION ...)), for QCoreApplication and the About box.
QString applicationVersion();

} // namespace d365::ui
