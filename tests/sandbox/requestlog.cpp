#include "requestlog.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace d365::sandbox {

bool RequestLog::open(const QString &path, QString *error)
{
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        *error = m_file.errorString();
        return false;
    }
    return true;
}

void RequestLog::record(const HttpRequest &request, const ServiceContext &context,
                        const HttpResponse &response, qint64 handlerUs)
{
    if (!m_file.isOpen())
        return;
    QJsonObject line{
        {u"time"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {u"method"_s, QString::fromLatin1(request.method)},
        {u"path"_s, request.path},
        {u"status"_s, response.status},
        {u"caller"_s,
         context.callerId.isNull() ? QString() : context.callerId.toString(QUuid::WithoutBraces)},
        {u"durationMs"_s, double(handlerUs) / 1000.0 + double(response.delayMs)},
        {u"bytes"_s, qint64(response.body.size())},
    };
    if (response.disposition == HttpResponse::Disposition::DropMidResponse ||
        response.disposition == HttpResponse::Disposition::DropWithoutReply)
        line.insert(u"fault"_s, u"drop"_s);
    m_file.write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
    m_file.flush();
}

} // namespace d365::sandbox
