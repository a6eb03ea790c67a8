#pragma once

// The Global Discovery Service (FACTS §12) for the sandbox org: which environments a signed-in user can use.
// The real service lives at https://globaldisco.crm.dynamics.com/api/discovery/v2.0/; the sandbox serves the
// same paths on its own origin, with its org as the only instance.
//
//   GET /api/discovery/v2.0/Instances[?$select=…&$filter=…]       → {"@odata.context", "value": [instance]}
//   GET /api/discovery/v2.0/Instances(<guid>)                     → the instance, or 404
//   GET /api/discovery/v2.0/Instances(UniqueName='<unique name>') → the same
//
// Only tokens issued for the discovery resource (https://globaldisco.crm.dynamics.com, scope
// …/user_impersonation or …/.default) are accepted; an org token is a 401 with the bearer challenge the docs
// describe (the common authority and the service's resource id), exactly as against the real service.

#include "httprequest.h"
#include "httpresponse.h"
#include "orgdefinition.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QJsonObject>
#include <QUuid>

#include <functional>
#include <optional>

namespace d365::sandbox {

class DiscoveryApi
{
public:
    // The caller's systemuserid for a token valid for the discovery resource, nullopt for 401.
    using Validator = std::function<std::optional<QUuid>(QByteArrayView token)>;
    static constexpr const char *PathPrefix = "/api/discovery/";

    DiscoveryApi(const OrganizationInfo &organization, Validator validator);

    HttpResponse handle(const HttpRequest &request) const;

private:
    QJsonObject instance(const QString &origin) const;
    HttpResponse unauthorized(bool hadToken) const;

    OrganizationInfo m_org;
    Validator m_validator;
    QDateTime m_lastUpdated;
};

} // namespace d365::sandbox
