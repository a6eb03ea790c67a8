#pragma once

// Helpers shared by the Web API handlers: the JSON response shape every Dataverse answer has (Content-Type
// with odata.metadata=minimal, OData-Version 4.0) and the error body {"error":{"code","message"}} (FACTS §0,
// §8).

#include "httpresponse.h"

#include <QJsonObject>
#include <QString>
#include <QUuid>

namespace d365::sandbox {

// What a handler needs to know about where it is served from.
struct ServiceContext
{
    QString serviceRoot; // "http://127.0.0.1:<port>/api/data/v9.2/"
    QString requestUrl;  // the full URL of the request, as used in "No HTTP resource was found ..." messages
    QUuid callerId;      // systemuserid of the authenticated caller (set by BearerTokenStage)
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
