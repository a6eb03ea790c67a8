#include "httprequest.h"

#include <QHostAddress>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace d365::sandbox {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (name.compare(h.first, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (name.compare(h.first, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArrayView HttpRequest::bearerToken() const
{
    for (const auto &h : headers) {
        if (QByteArrayView("Authorization").compare(h.first, Qt::CaseInsensitive) != 0)
            continue;
        const QByteArrayView value(h.second);
        if (value.size() > 7 && value.first(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
            return value.sliced(7).trimmed();
        return {};
    }
    return {};
}

QString HttpRequest::origin() const
{
    const QByteArray host = header("Host");
    return (secure ? u"https://"_s : u"http://"_s) + QString::fromLatin1(host.isEmpty() ? localHost : host);
}

bool HttpRequest::fromLoopback() const
{
    return QHostAddress(QString::fromLatin1(peerAddress)).isLoopback();
}

QString HttpRequest::queryValue(QStringView name) const
{
    for (const auto &q : query) {
        if (q.first == name)
            return q.second;
    }
    return {};
}

bool HttpRequest::hasQuery(QStringView name) const
{
    for (const auto &q : query) {
        if (q.first == name)
            return true;
    }
    return false;
}

static QString decodeQueryPart(QByteArray part)
{
    part.replace('+', ' ');
    return QUrl::fromPercentEncoding(part);
}

void HttpRequest::setTarget(const QByteArray &rawTarget)
{
    target = rawTarget;
    const qsizetype q = rawTarget.indexOf('?');
    const QByteArray rawPath = q < 0 ? rawTarget : rawTarget.left(q);
    rawQuery = q < 0 ? QByteArray() : rawTarget.mid(q + 1);
    path = QUrl::fromPercentEncoding(rawPath);
    query.clear();
    if (rawQuery.isEmpty())
        return;
    for (const QByteArray &item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        if (eq < 0)
            query.append({decodeQueryPart(item), QString()});
        else
            query.append({decodeQueryPart(item.left(eq)), decodeQueryPart(item.mid(eq + 1))});
    }
}

} // namespace d365::sandbox
