#pragma once

// Routes a request under /api/data/v9.x/ to the handler for its first path segment: WhoAmI,
// EntityDefinitions, GlobalOptionSetDefinitions, or an entity set of the org (names are case-sensitive, FACTS
// §0) -- the marketing-list actions (listapi.h) and the systemuser privilege functions (privilegeapi.h)
// before the rows (recordapi.h). Anything else is "Resource not found for the segment" (FACTS §8).

#include "batchapi.h"
#include "httprequest.h"
#include "listapi.h"
#include "metadataapi.h"
#include "odataresponse.h"
#include "orgstore.h"
#include "privilegeapi.h"
#include "recordapi.h"

namespace d365::sandbox {

class WebApi
{
public:
    explicit WebApi(OrgStore &store);

    // resourcePath: the decoded path after the service root, e.g. "contacts(…)" or "EntityDefinitions".
    HttpResponse handle(const HttpRequest &request, const ServiceContext &context, QStringView resourcePath);

private:
    HttpResponse whoAmI(const HttpRequest &request, const ServiceContext &context);
    // The slice of sdkmessagefilters that tells a client whether a table supports bulk messages (FACTS §7).
    HttpResponse sdkMessageFilters(const HttpRequest &request, const ServiceContext &context);

    OrgStore &m_store;
    MetadataApi m_metadata;
    RecordApi m_records;
    ListApi m_lists;
    PrivilegeApi m_privileges;
    BatchApi m_batch;
};

} // namespace d365::sandbox
