#pragma once

// One HTTP response as a request handler builds it. `disposition` lets later pipeline stages (fault
// injection) close the connection after the response or drop it without answering.

#include <QByteArray>
#include <QList>
#include <QPair>

namespace d365::sandbox {

struct HttpResponse
{
    enum class Disposition {
        KeepAlive,        // normal: the connection stays open unless the client asked otherwise
        CloseAfterSend,   // send, then close (adds Connection: close)
        DropWithoutReply, // close the socket without sending anything
        DropMidResponse,  // send the status line and headers plus half the body, then abort
    };

    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    Disposition disposition = Disposition::KeepAlive;
    // Send the response this long after the handler returned (simulated execution time, injected delay);
    // the server keeps serving other connections meanwhile.
    qint64 delayMs = 0;

    // Replaces an existing header of that name (case-insensitive) or appends it.
    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const;

    // Status line + headers (+ Content-Length, Connection) + body. HEAD requests and 1xx/204/304 get no body.
    QByteArray serialize(bool keepAlive, bool omitBody) const;

    static QByteArray reasonPhrase(int status);
};

} // namespace d365::sandbox
