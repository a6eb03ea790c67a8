#include "services/warehouse/warehousesource.h"

#include "services/warehouse/sourcespec.h"
#include "services/warehouse/sqlitesource.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace d365::services {

Result<std::unique_ptr<WarehouseSource>> WarehouseSource::create(const SourceSpec &spec)
{
    if (spec.type == "sqlite"_L1)
        return std::unique_ptr<WarehouseSource>(std::make_unique<SqliteSource>(spec));
    return Error::make(ErrorCategory::Configuration,
                       QCoreApplication::translate(
                           "WarehouseSource", "The source type \"%1\" is not supported. Supported types: "
                                              "sqlite. Change source.type in the mapping file.")
                           .arg(spec.type),
                       u"unsupported source type: "_s + spec.type);
}

} // namespace d365::services
