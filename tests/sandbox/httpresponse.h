#pragma once

// One HTTP response as a request handler builds it. `disposition` lets later pipeline stages (fault
// injection) close the connection after the response or drop it without answering; `delayMs` and `hold`
// let them send it later.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

#include <functional>

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
    // Send the response only after `hold` called the `release` it was given (on the server's thread, at
    // any later time; never from inside hold itself is best, but the server copes). With --data a write's
    // response is held until its rows are in the file (OrgPersistence::barrier). Combines with delayMs:
    // the response goes when both are over. Later pipelined requests on the connection wait meanwhile.
    using Hold = std::function<void(std::function<void()> release)>;
    Hold hold;

    // Replaces an existing header of that name (case-insensitive) or appends it.
    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const;

    // Status line + headers (+ Date unless a Date header is set, Content-Length, Connection) + body. HEAD
    // requests and 1xx/204/304 get no body.
    QByteArray serialize(bool keepAlive, bool omitBody, QByteArrayView date = {}) const;

    static QByteArray reasonPhrase(int status);
};

} // namespace d365::sandbox
