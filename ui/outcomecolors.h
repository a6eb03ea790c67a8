#pragma once

// One colour per row outcome, shared by the Sync pane (its bar and status line when rows failed or were
// skipped) and the History view's chart, so "failed" is the same red and "skipped" the same amber wherever a
// run is shown. Written rows are green (created), blue (updated) and teal (upserted); unchanged rows grey.
// Audience members added are green, removed purple; members already in (or not in) the list grey.

#include "services/sync/syncresult.h"

#include <QColor>

namespace d365::ui {

inline QColor outcomeColor(services::RowStatus status)
{
    switch (status) {
    case services::RowStatus::Created:
        return {0x3a, 0x9a, 0x4f};
    case services::RowStatus::Updated:
        return {0x2f, 0x6f, 0xb3};
    case services::RowStatus::Upserted:
        return {0x1f, 0x9a, 0xa0};
    case services::RowStatus::Unchanged:
        return {0xb4, 0xb9, 0xbf};
    case services::RowStatus::Failed:
        return {0xc4, 0x31, 0x2b};
    case services::RowStatus::Skipped:
        return {0xd6, 0xa7, 0x1c};
    case services::RowStatus::Added:
        return {0x3a, 0x9a, 0x4f}; // like created: now in the list
    case services::RowStatus::Removed:
        return {0x7b, 0x4f, 0x9d};
    case services::RowStatus::AlreadyMember:
        return {0xb4, 0xb9, 0xbf}; // like unchanged: nothing sent
    case services::RowStatus::NotMember:
        return {0xd3, 0xd6, 0xda};
    }
    return {};
}

// Text in the colour of a warning (amber) or an error (red), readable on a light background.
inline QColor warningTextColor()
{
    return {0x8a, 0x53, 0x00};
}
inline QColor errorTextColor()
{
    return {0xb3, 0x26, 0x1e};
}

} // namespace d365::ui
