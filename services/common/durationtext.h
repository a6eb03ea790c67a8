#pragma once

// A duration for a user-visible sentence: "1 second", "5 seconds", "1 minute", "5 minutes",
// "1 minute 30 seconds" — never "within 1 minutes" for a 5-second timeout.

#include <QString>

namespace d365 {

QString durationText(qint64 seconds);

} // namespace d365
