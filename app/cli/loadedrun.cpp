#include "loadedrun.h"

#include "clioutput.h"
#include "services/mapping/mappingfile.h"
#include "services/settings/settings.h"

#include <QLocale>

using namespace Qt::StringLiterals;
using namespace d365::services;

namespace d365::cli {

std::optional<Mapping> loadMapping(const QString &mappingPath)
{
    const MappingLoadResult loaded = MappingFile::load(mappingPath);
    if (!loaded.ok()) {
        err() << tr("The mapping file %1 has problems:").arg(mappingPath) << "\n";
        for (const auto &problem : loaded.problems) {
            err() << "  " << problem.path << ": " << problem.message << "\n";
        }
        return std::nullopt;
    }
    return *loaded.mapping;
}

std::optional<LoadedRun> loadRun(const QString &mappingPath, const QString &profileOverride,
                                 Settings &settings)
{
    auto mapping = loadMapping(mappingPath);
    if (!mapping) {
        return std::nullopt;
    }
    LoadedRun run{*mapping, {}};
    const QString profileName = profileOverride.isEmpty() ? run.mapping.target.profile : profileOverride;
    const auto profile = settings.profile(profileName);
    if (!profile) {
        err() << tr("No connection profile named '%1'. Create it with:\n  d365sync-cli profile add %1 --url "
                    "https://<environment>.crm.dynamics.com\nKnown profiles: %2")
                     .arg(profileName, settings.profileNames().isEmpty()
                                           ? tr("(none)")
                                           : settings.profileNames().join(", "_L1))
              << "\n";
        return std::nullopt;
    }
    run.profile = *profile;
    return run;
}

QString formatCount(qint64 value)
{
    static const QLocale locale = [] {
        QLocale c = QLocale::c();
        c.setNumberOptions(QLocale::DefaultNumberOptions); // C omits group separators; "10,000" reads better
        return c;
    }();
    return locale.toString(value);
}

} // namespace d365::cli
