#pragma once

// --request-log FILE: one JSON object per line and request, flushed at once so tests can read the file while
// the sandbox runs:
//   {"time":"2026-11-26T05:01:02.123Z","method":"PATCH","path":"/api/data/v9.2/contacts(...)","status":204,
//    "caller":"<systemuserid or empty>","durationMs":120.4,"bytes":0,"fault":"drop"}
// durationMs = handler time + simulated/injected delay; bytes = response body size; "fault" only when the
// connection was dropped. Query strings, headers and bodies are never written (they may hold secrets).

#include "httprequest.h"
#include "httpresponse.h"
#include "odataresponse.h"

#include <QFile>
#include <QString>

namespace d365::sandbox {

class RequestLog
{
public:
    bool open(const QString &path, QString *error);
    void record(const HttpRequest &request, const ServiceContext &context, const HttpResponse &response,
                qint64 handlerUs);

private:
    QFile m_file;
};

} // namespace d365::sandbox
