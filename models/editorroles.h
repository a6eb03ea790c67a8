#pragma once

// Item data roles shared by the mapping editor's models, so one delegate (ui/problemdelegate) can draw
// every view: the core has no QtGui, so models say how bad a row is and the delegate picks the colours.

#include <Qt>

namespace d365::models {

enum EditorRole : int {
    NameRole = Qt::UserRole,          // the stable id of the row: column logical name / warehouse column
    SeverityRole = Qt::UserRole + 20, // int: 0 nothing to say, 1 warning, 2 error (see Severity)
    ProblemsRole,                     // QString: every problem of the row, one per line
    ChoicesRole,                      // QStringList: the values an editor of this cell may offer
    MappableRole,                     // bool: the column can be mapped (drag enabled, offered in menus)
};

enum class Severity : int { None = 0, Warning = 1, Error = 2 };

} // namespace d365::models
