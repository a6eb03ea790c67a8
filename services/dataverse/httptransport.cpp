#include "services/dataverse/httptransport.h"

using namespace Qt::StringLiterals;

namespace d365::services {

QString transportErrorName(TransportError error)
{
    switch (error) {
    case TransportError::None:
        return u"none"_s;
    case TransportError::HostNotFound:
        return u"host-not-found"_s;
    case TransportError::ConnectionRefused:
        return u"connection-refused"_s;
    case TransportError::Timeout:
        return u"timeout"_s;
    case TransportError::ConnectionClosed:
        return u"connection-closed"_s;
    case TransportError::Tls:
        return u"tls"_s;
    case TransportError::Protocol:
        return u"protocol"_s;
    case TransportError::Other:
        break;
    }
    return u"network"_s;
}

QByteArray HttpReply::header(QByteArrayView lowerCaseName) const
{
    for (const auto &[name, value] : headers) {
        if (name.compare(lowerCaseName, Qt::CaseInsensitive) == 0) {
            return value;
        }
    }
    return {};
}

} // namespace d365::services
