#pragma once

// Files the application writes for the user (the run report, the settings file): whether one can be written,
// asked before the work that produces it starts, so a run never ends with "could not write the report".

#include <QString>

namespace d365 {

// Empty when filePath can be written (created or replaced); otherwise why not, in the user's words with the
// operating system's reason: "the folder /proc/nope does not exist", "Permission denied", "it is a folder".
// Leaves nothing behind.
QString whyNotWritable(const QString &filePath);

} // namespace d365
