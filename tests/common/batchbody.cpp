#include "batchbody.h"

namespace d365::testsupport {

QByteArray batchPart(const QByteArray &method, const QByteArray &url, const QByteArray &body,
                     const QByteArray &contentId)
{
    QByteArray p = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
    if (!contentId.isEmpty())
        p += "Content-ID: " + contentId + "\r\n";
    p += "\r\n" + method + ' ' + url + " HTTP/1.1\r\n";
    if (!body.isEmpty())
        p += "Content-Type: application/json; type=entry\r\n";
    p += "\r\n" + body;
    return p;
}

QByteArray batchMultipart(const QByteArray &boundary, const QByteArrayList &parts)
{
    QByteArray out;
    for (const QByteArray &p : parts)
        out += "--" + boundary + "\r\n" + p + "\r\n";
    return out + "--" + boundary + "--\r\n";
}

QByteArray batchChangeSet(const QByteArray &boundary, const QByteArrayList &parts)
{
    QByteArray body = batchMultipart(boundary, parts);
    body.chop(2); // the outer multipart adds the CRLF after the closing delimiter
    return "Content-Type: multipart/mixed; boundary=" + boundary + "\r\n\r\n" + body;
}

} // namespace d365::testsupport
