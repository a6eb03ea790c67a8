#include "services/warehouse/warehousesource.h"

#include "services/warehouse/connectionresolver.h"
#include "services/warehouse/csvsource.h"
#include "services/warehouse/sourcespec.h"
#include "services/warehouse/sqlitesource.h"
#include "services/warehouse/sqlsource.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace d365::services {

Result<std::unique_ptr<WarehouseSource>> WarehouseSource::create(const SourceSpec &spec)
{
    if (spec.type == SourceType::Sqlite)
        return std::unique_ptr<WarehouseSource>(std::make_unique<SqliteSource>(spec));
    if (spec.type == SourceType::Csv)
        return std::unique_ptr<WarehouseSource>(std::make_unique<CsvSource>(spec));
    if (spec.type == SourceType::PostgreSql || spec.type == SourceType::Odbc) {
        // The named connection and its password, resolved on this thread (see connectionresolver.h).
        auto resolved = resolveWarehouseConnection(spec.connection);
        if (!resolved.ok())
            return resolved.error();
        ResolvedConnection &found = resolved.value();
        const QString kind = WarehouseConnection::kindName(found.connection.kind);
        if (kind != spec.type) {
            return Error::make(ErrorCategory::Configuration,
                               QCoreApplication::translate(
                                   "WarehouseSource",
                                   "The warehouse connection '%1' is a %2 connection, but source.type is "
                                   "\"%3\". Set \"type\": \"%2\" in the mapping file, or name a %3 "
                                   "connection.")
                                   .arg(spec.connection, kind, spec.type),
                               u"connection kind mismatch"_s);
        }
        return std::unique_ptr<WarehouseSource>(
            std::make_unique<SqlSource>(spec, std::move(found.connection), std::move(found.password)));
    }
    return Error::make(ErrorCategory::Configuration,
                       QCoreApplication::translate(
                           "WarehouseSource", "The source type \"%1\" is not supported. Supported types: %2. "
                                              "Change source.type in the mapping file.")
                           .arg(spec.type, SourceType::All.join(u", "_s)),
                       u"unsupported source type: "_s + spec.type);
}

} // namespace d365::services
