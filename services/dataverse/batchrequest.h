#pragma once

// The $batch wire format (FACTS §6): many Web API requests in one multipart/mixed POST, and the answer split
// back into one response per request, in order. Pure functions, no I/O: the sync worker builds a batch of
// key-addressed upserts, DataverseClient sends it like any request, and decode() gives each row its status.
//
//   const BatchRequest batch = BatchRequest::encode(requests, profile.webApiBaseUrl());
//   client->send(batch.request, …)  → decode(response.header("content-type"), response.body)
//     → one BatchPartResponse per request (status, headers, body), or an error when the body is not a
//       well-formed batch response
//
// Every line ends in CRLF (the service refuses LF-only bodies), inner URLs are absolute, and requests go
// outside change sets, so one failing row never rolls back the others. A response that stops early (without
// odata.continue-on-error the service stops at the first failure) has fewer parts than requests; the caller
// decides what the missing ones mean.

#include "services/common/result.h"
#include "services/dataverse/dataverseclient.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QUrl>

namespace d365::services {

struct BatchPartResponse
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
};

struct BatchRequest
{
    DataverseRequest request; // POST $batch with the multipart body and its boundary

    // requests: paths relative to webApiBaseUrl, as for DataverseClient::send. continueOnError asks the
    // service to run every request even after one fails (Prefer: odata.continue-on-error).
    static BatchRequest encode(const QList<DataverseRequest> &requests, const QUrl &webApiBaseUrl,
                               bool continueOnError = true);
    // contentType: the response's Content-Type header (carries the boundary).
    static Result<QList<BatchPartResponse>> decode(const QByteArray &contentType, const QByteArray &body);
};

} // namespace d365::services
