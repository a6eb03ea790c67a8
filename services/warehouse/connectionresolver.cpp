#include "services/warehouse/connectionresolver.h"

#include <QCoreApplication>
#include <QMutex>
#include <QMutexLocker>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

QMutex &resolverMutex()
{
    static QMutex mutex;
    return mutex;
}

ConnectionResolver &installedResolver()
{
    static ConnectionResolver resolver;
    return resolver;
}

} // namespace

void setConnectionResolver(ConnectionResolver resolver)
{
    QMutexLocker lock(&resolverMutex());
    installedResolver() = std::move(resolver);
}

Result<ResolvedConnection> resolveWarehouseConnection(const QString &name)
{
    ConnectionResolver resolver;
    {
        QMutexLocker lock(&resolverMutex());
        resolver = installedResolver();
    }
    if (!resolver) {
        return Error::make(ErrorCategory::Configuration,
                           QCoreApplication::translate("WarehouseSource",
                                                       "This program cannot look up the warehouse connection "
                                                       "'%1': no connection resolver is installed.")
                               .arg(name),
                           u"no warehouse connection resolver installed"_s);
    }
    return resolver(name);
}

} // namespace d365::services
