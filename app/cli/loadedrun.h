#pragma once

// What the commands that work on a mapping file (run, validate, history, failed) load first: the mapping and
// its connection profile. Every problem is printed (stderr) before nullopt is returned.

#include "services/dataverse/connectionprofile.h"
#include "services/mapping/mapping.h"

#include <QString>

#include <optional>

namespace d365::services {
class Settings;
}

namespace d365::cli {

struct LoadedRun
{
    services::Mapping mapping;
    services::ConnectionProfile profile;
};

// The mapping file only (its problems printed).
std::optional<services::Mapping> loadMapping(const QString &mappingPath);
// The mapping and the profile it names, or `profileOverride` when that is not empty.
std::optional<LoadedRun> loadRun(const QString &mappingPath, const QString &profileOverride,
                                 services::Settings &settings);

// 10,000: counts for people read better with group separators than the C locale's 10000.
QString formatCount(qint64 value);

} // namespace d365::cli
