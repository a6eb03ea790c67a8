#pragma once

// One parsed HTTP/1.1 request as the sandbox's HttpServer hands it to the request pipeline. The path and the
// query are percent-decoded once here, so no handler ever sees an encoded name (clients may encode ' as %27
// and so on).

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace d365::sandbox {

struct HttpRequest
{
    QByteArray method;                            // as sent, e.g. "GET"
    QByteArray target;                            // raw request-target, e.g. "/api/data/v9.2/contacts?$top=1"
    QByteArray httpVersion;                       // "HTTP/1.1" or "HTTP/1.0"
    QString path;                                 // percent-decoded path, without the query
    QByteArray rawQuery;                          // the query as sent, without '?'
    QList<QPair<QString, QString>> query;         // decoded name/value pairs in request order
    QList<QPair<QByteArray, QByteArray>> headers; // names as sent; look up with header()
    QByteArray body;
    QByteArray localHost;   // "127.0.0.1:<port>": what to answer with when the request has no Host header
    QByteArray peerAddress; // the client's IP address, e.g. "127.0.0.1" (admin endpoints are loopback-only)
    bool secure = false;    // it came over TLS (d365sync-sandbox --tls)

    // First header with that name (case-insensitive), or a null QByteArray.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    // The token of "Authorization: Bearer <token>" (scheme case-insensitive), or empty.
    QByteArrayView bearerToken() const;
    // "http(s)://<Host header>", or of localHost when the request has none: the origin URLs in answers use.
    QString origin() const;
    // Whether the client connected from a loopback address (the /_sandbox/ admin endpoints require it).
    bool fromLoopback() const;
    // First query parameter with that name (case-sensitive, like OData system query options), or a null
    // QString.
    QString queryValue(QStringView name) const;
    bool hasQuery(QStringView name) const;

    // Splits a request-target into path and query and percent-decodes both ('+' in the query means a space,
    // as in form encoding; FACTS §3 asks clients to send it as %2B).
    void setTarget(const QByteArray &rawTarget);
};

} // namespace d365::sandbox
