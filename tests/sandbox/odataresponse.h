#pragma once

// Helpers shared by the Web API handlers: the JSON response shape every Dataverse answer has (Content-Type
// with odata.metadata=minimal, OData-Version 4.0) and the error body {"error":{"code","message"}} (FACTS §0,
// §8).

#include "httpresponse.h"

#include <QJsonObject>
#include <QString>
#include <QUuid>

#include <memory>

namespace d365::sandbox {

// What a request did, for the execution-cost model of the service-protection stage (servicelimits.h).
// Handlers add to it; nested requests ($batch parts) add to the same one.
struct RequestStats
{
    int recordOperations = 0; // single-row creates, updates, upserts, deletes, retrieves (also $batch parts)
    int bulkTargets = 0;      // rows written by CreateMultiple/UpdateMultiple/UpsertMultiple
    int rowsRead = 0;         // rows returned by collection queries
};

struct AccessRights; // security.h

// What a handler needs to know about where it is served from.
struct ServiceContext
{
    QString serviceRoot; // "http://127.0.0.1:<port>/api/data/v9.2/"
    QString requestUrl;  // the full URL of the request, as used in "No HTTP resource was found ..." messages
    QUuid callerId;      // systemuserid of the authenticated caller (set by BearerTokenStage)
    RequestStats *stats = nullptr; // where handlers count their work; may be null
    // Impersonation and privileges (security.h, set by SecurityStage): the user named by CallerObjectId /
    // MSCRMCallerID (null when not impersonating) and the effective rights (null: no checks).
    QUuid impersonatedUserId;
    std::shared_ptr<const AccessRights> access;
    // MSCRM.SuppressDuplicateDetection: false (FACTS §1): run the tables' duplicate-detection rules on
    // create and update. Off by default, as on the Web API.
    bool detectDuplicates = false;
};

HttpResponse jsonResponse(int status, const QJsonObject &body);
HttpResponse emptyResponse(int status);
HttpResponse errorResponse(int status, const QString &code, const QString &message);

// Common error texts, worded as the real service words them (sources in FACTS.md; choices in README.md).
HttpResponse resourceNotFound(const QString &segment);                            // 404 0x8006088a
HttpResponse noHttpResource(const ServiceContext &context);                       // 404 ""
HttpResponse methodNotAllowed(const QByteArray &method, const QByteArray &allow); // 405
HttpResponse propertyNotFound(const QString &property, const QString &typeName);  // 400 0x0
HttpResponse badRequest(const QString &message, const QString &code = QStringLiteral("0x0"));
// 400 0x80048d19: "Error identified in Payload provided by the user for Entity :'<set>' ... InnerException :
// <inner>"
HttpResponse payloadError(const QString &entitySetName, const QString &innerMessage);

} // namespace d365::sandbox
