#include "odataresponse.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace d365::sandbox {

static void addODataHeaders(HttpResponse &r)
{
    r.headers.append({QByteArrayLiteral("OData-Version"), QByteArrayLiteral("4.0")});
}

HttpResponse jsonResponse(int status, const QJsonObject &body)
{
    HttpResponse r;
    r.status = status;
    r.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; odata.metadata=minimal")});
    addODataHeaders(r);
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse emptyResponse(int status)
{
    HttpResponse r;
    r.status = status;
    addODataHeaders(r);
    return r;
}

HttpResponse errorResponse(int status, const QString &code, const QString &message)
{
    return jsonResponse(status,
                        QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}});
}

HttpResponse resourceNotFound(const QString &segment)
{
    return errorResponse(404, u"0x8006088a"_s, u"Resource not found for the segment '%1'."_s.arg(segment));
}

HttpResponse noHttpResource(const ServiceContext &context)
{
    return errorResponse(
        404, QString(),
        u"No HTTP resource was found that matches the request URI '%1'."_s.arg(context.requestUrl));
}

HttpResponse methodNotAllowed(const QByteArray &method, const QByteArray &allow)
{
    HttpResponse r = errorResponse(
        405, QString(),
        u"The requested resource does not support http method '%1'."_s.arg(QString::fromLatin1(method)));
    r.headers.append({QByteArrayLiteral("Allow"), allow});
    return r;
}

HttpResponse propertyNotFound(const QString &property, const QString &typeName)
{
    return errorResponse(400, u"0x0"_s,
                         u"Could not find a property named '%1' on type '%2'."_s.arg(property, typeName));
}

HttpResponse badRequest(const QString &message, const QString &code)
{
    return errorResponse(400, code, message);
}

HttpResponse payloadError(const QString &entitySetName, const QString &innerMessage)
{
    return errorResponse(
        400, u"0x80048d19"_s,
        u"Error identified in Payload provided by the user for Entity :'%1', For more information on this "
        u"error "
        u"please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : %2"_s
            .arg(entitySetName, innerMessage));
}

} // namespace d365::sandbox
