#pragma once

// $batch (multipart/mixed) as FACTS §6 describes it.
//
// Flow: outer Content-Type and boundary (quoted or not) -> strict CRLF (a bare LF fails the whole request)
// -> parse the parts: application/http requests and change sets (multipart/mixed with their own boundary)
// -> refuse more than 1,000 requests, GETs inside change sets, nested batches and $n references that point
// forwards or outside their change set -> run the parts in order through the Web API; a change set runs in
// one OrgStore transaction and its first failure rolls it back and becomes its only response part -> by
// default the first failure ends the batch (outer 400 holding only the failing part); with
// "Prefer: odata.continue-on-error" every part runs and the outer status is 200.

#include "httprequest.h"
#include "odataresponse.h"
#include "orgstore.h"

#include <QStringView>

#include <functional>

namespace d365::sandbox {

class BatchApi
{
public:
    // Runs one inner request; resourcePath is the decoded path after the service root.
    using Dispatch =
        std::function<HttpResponse(const HttpRequest &, const ServiceContext &, QStringView resourcePath)>;

    static constexpr int MaxRequests = 1000;

    BatchApi(OrgStore &store, Dispatch dispatch);

    HttpResponse handle(const HttpRequest &request, const ServiceContext &context);

private:
    OrgStore &m_store;
    Dispatch m_dispatch;
};

} // namespace d365::sandbox
