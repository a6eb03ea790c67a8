#include "batchapi.h"

#include "odataquery.h"

#include <QHash>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

Q_LOGGING_CATEGORY(lcBatch, "d365.sandbox.batch")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct InnerRequest
{
    QByteArray method;
    QString url; // as written in the request line
    HeaderList headers;
    QByteArray body;
    QString contentId;
};

struct BatchPart
{
    bool changeSet = false;
    InnerRequest request;         // when !changeSet
    QList<InnerRequest> requests; // when changeSet
};

QByteArray headerValue(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &h : headers) {
        if (name.compare(h.first, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

// boundary parameter of a multipart Content-Type, quoted or not; empty when there is none.
QByteArray boundaryOf(const QByteArray &contentType)
{
    static const QRegularExpression re(u"(?i)boundary\\s*=\\s*(?:\"([^\"]+)\"|([^;\\s]+))"_s);
    const auto m = re.match(QString::fromLatin1(contentType));
    if (!m.hasMatch())
        return {};
    return (m.capturedLength(1) > 0 ? m.captured(1) : m.captured(2)).toLatin1();
}

// Splits a multipart body into its parts (between "--boundary" lines, up to "--boundary--").
std::optional<QList<QByteArrayView>> splitMultipart(QByteArrayView body, const QByteArray &boundary,
                                                    QString *error)
{
    const QByteArray delimiter = "--" + boundary;
    const QByteArray lineDelimiter = "\r\n" + delimiter;
    qsizetype pos = 0;
    if (!body.startsWith(delimiter)) {
        const qsizetype first = body.indexOf(lineDelimiter);
        if (first < 0) {
            *error = u"the body does not contain the boundary '%1' given in Content-Type"_s.arg(
                QString::fromLatin1(boundary));
            return std::nullopt;
        }
        pos = first + 2;
    }
    QList<QByteArrayView> parts;
    for (;;) {
        qsizetype after = pos + delimiter.size();
        if (body.sliced(after).startsWith("--"))
            return parts; // close delimiter; anything after it is epilogue
        // Transport padding (spaces/tabs) may follow a delimiter before its CRLF.
        while (after < body.size() && (body[after] == ' ' || body[after] == '\t'))
            ++after;
        if (!body.sliced(after).startsWith("\r\n")) {
            *error = u"a boundary line '%1' is not followed by CRLF"_s.arg(QString::fromLatin1(delimiter));
            return std::nullopt;
        }
        const qsizetype start = after + 2;
        const qsizetype next = body.indexOf(lineDelimiter, start);
        if (next < 0) {
            *error = u"the closing boundary '%1--' is missing"_s.arg(QString::fromLatin1(delimiter));
            return std::nullopt;
        }
        parts.append(body.sliced(start, next - start));
        pos = next + 2;
    }
}

// "Name: value" lines up to the first empty line; *rest receives what follows it.
HeaderList parseHeaders(QByteArrayView text, QByteArrayView *rest)
{
    HeaderList headers;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype end = text.indexOf("\r\n", pos);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(pos, end - pos);
        pos = qMin(end + 2, text.size());
        if (line.isEmpty())
            break;
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            headers.append(
                {line.first(colon).trimmed().toByteArray(), line.sliced(colon + 1).trimmed().toByteArray()});
    }
    *rest = text.sliced(pos);
    return headers;
}

std::optional<InnerRequest> parseInner(QByteArrayView partBody, const HeaderList &partHeaders, QString *error)
{
    InnerRequest r;
    r.contentId = QString::fromLatin1(headerValue(partHeaders, "Content-ID")).trimmed();
    const qsizetype lineEnd = partBody.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? partBody : partBody.first(lineEnd);
    const qsizetype s1 = requestLine.indexOf(' ');
    const qsizetype s2 = requestLine.lastIndexOf(' ');
    if (s1 <= 0 || s2 <= s1 || !requestLine.sliced(s2 + 1).startsWith("HTTP/1.")) {
        *error = u"'%1' is not a request line such as 'POST /api/data/v9.2/accounts HTTP/1.1'"_s.arg(
            QString::fromUtf8(requestLine));
        return std::nullopt;
    }
    r.method = requestLine.first(s1).toByteArray();
    r.url = QString::fromUtf8(requestLine.sliced(s1 + 1, s2 - s1 - 1)).trimmed();
    QByteArrayView rest;
    r.headers = parseHeaders(lineEnd < 0 ? QByteArrayView() : partBody.sliced(lineEnd + 2), &rest);
    r.body = rest.toByteArray();
    return r;
}

QString entitySetHint(const QByteArray &body)
{
    static const QRegularExpression re(
        u"(?:GET|POST|PATCH|PUT|DELETE) (?:\\S*?/api/data/v\\d+\\.\\d+/)?/?([A-Za-z_][A-Za-z0-9_]*)"_s);
    const auto m = re.match(QString::fromUtf8(body));
    return m.hasMatch() ? m.captured(1) : QString();
}

HttpResponse batchError(const QString &message)
{
    return errorResponse(400, u"0x0"_s, message);
}

QByteArray serializePart(const HttpResponse &r, const QString &contentId)
{
    QByteArray out = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
    if (!contentId.isEmpty())
        out += "Content-ID: " + contentId.toLatin1() + "\r\n";
    out +=
        "\r\nHTTP/1.1 " + QByteArray::number(r.status) + ' ' + HttpResponse::reasonPhrase(r.status) + "\r\n";
    if (r.status >= 400)
        out += "REQ_ID: " + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) + "\r\n";
    const bool hasLocation = !r.header("Location").isEmpty();
    for (const auto &h : r.headers) {
        if (h.first.compare("Content-Length", Qt::CaseInsensitive) == 0 ||
            h.first.compare("Connection", Qt::CaseInsensitive) == 0)
            continue;
        QByteArray value = h.second;
        // FACTS §6: successful JSON parts stream; error parts keep the plain JSON content type.
        if (h.first.compare("Content-Type", Qt::CaseInsensitive) == 0 && r.status < 400 &&
            value.startsWith("application/json") && !value.contains("odata.streaming"))
            value += "; odata.streaming=true";
        // Created or patched rows carry Location as well as OData-EntityId in a batch part.
        if (h.first.compare("OData-EntityId", Qt::CaseInsensitive) == 0 && !hasLocation)
            out += "Location: " + value + "\r\n";
        out += h.first + ": " + value + "\r\n";
    }
    out += "\r\n" + r.body;
    return out;
}

} // namespace

BatchApi::BatchApi(OrgStore &store, Dispatch dispatch)
    : m_store(store)
    , m_dispatch(std::move(dispatch))
{}

HttpResponse BatchApi::handle(const HttpRequest &request, const ServiceContext &context)
{
    if (request.method != "POST")
        return methodNotAllowed(request.method, "POST");
    const QByteArray contentType = request.header("Content-Type");
    const QByteArray boundary = boundaryOf(contentType);
    if (!contentType.trimmed().toLower().startsWith("multipart/mixed") || boundary.isEmpty())
        return batchError(
            u"A $batch request needs 'Content-Type: multipart/mixed; boundary=batch_<id>' (got '%1'). JSON "
            u"batches are not supported."_s.arg(QString::fromLatin1(contentType)));

    // FACTS §6: every line must end with CRLF; a bare LF makes the service fail to read the body, unless
    // the body ends with two extra newlines (the documented workaround when CRLF is impossible): then the
    // LF lines are read as if they ended in CRLF. "Two extra" read as: at least two line breaks after the
    // closing delimiter (with or without the delimiter line's own).
    QByteArray body = request.body;
    const QByteArray closing = "--" + boundary + "--";
    const qsizetype closingAt = body.lastIndexOf(closing);
    const bool lfWorkaround = closingAt >= 0 && body.mid(closingAt + closing.size()).count('\n') >= 2 &&
                              body.mid(closingAt + closing.size()).trimmed().isEmpty();
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (body[i] != '\n' || (i > 0 && body[i - 1] == '\r'))
            continue;
        if (lfWorkaround) {
            body.insert(i, '\r');
            ++i;
            continue;
        }
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
            return payloadError(
                entitySetHint(body),
                u"System.ArgumentException: Stream was not readable. (The $batch body has a "
                u"line ending in LF without CR at byte %1; end every line with CRLF.)"_s.arg(i));
    }

    QString error;
    const auto rawParts = splitMultipart(body, boundary, &error);
    if (!rawParts)
        return batchError(u"The $batch body is not valid multipart/mixed: %1."_s.arg(error));
    QList<BatchPart> parts;
    int requestCount = 0;
    for (const QByteArrayView raw : *rawParts) {
        QByteArrayView content;
        const HeaderList headers = parseHeaders(raw, &content);
        const QByteArray partType = headerValue(headers, "Content-Type").toLower();
        BatchPart part;
        if (partType.startsWith("multipart/mixed")) {
            part.changeSet = true;
            const auto subParts =
                splitMultipart(content, boundaryOf(headerValue(headers, "Content-Type")), &error);
            if (!subParts)
                return batchError(
                    u"A change set in the $batch body is not valid multipart/mixed: %1."_s.arg(error));
            for (const QByteArrayView sub : *subParts) {
                QByteArrayView subContent;
                const HeaderList subHeaders = parseHeaders(sub, &subContent);
                if (!headerValue(subHeaders, "Content-Type").toLower().startsWith("application/http"))
                    return batchError(u"Change sets cannot be nested, and every change set part needs "
                                      u"'Content-Type: application/http'."_s);
                auto inner = parseInner(subContent, subHeaders, &error);
                if (!inner)
                    return batchError(u"A $batch part is not an HTTP request: %1."_s.arg(error));
                if (inner->method == "GET" || inner->method == "HEAD")
                    // UNCONFIRMED wording; FACTS §6 only says change sets hold data-changing requests.
                    return batchError(
                        u"A change set may contain only data-changing requests (POST, PATCH, "
                        u"PUT, DELETE); move 'GET %1' outside the change set."_s.arg(inner->url));
                part.requests.append(*inner);
                ++requestCount;
            }
        } else if (partType.startsWith("application/http")) {
            auto inner = parseInner(content, headers, &error);
            if (!inner)
                return batchError(u"A $batch part is not an HTTP request: %1."_s.arg(error));
            part.request = *inner;
            ++requestCount;
        } else {
            return batchError(u"Every $batch part needs 'Content-Type: application/http' or a change set "
                              u"'multipart/mixed; boundary=changeset_<id>' (got '%1')."_s.arg(
                                  QString::fromLatin1(partType)));
        }
        parts.append(part);
    }
    if (requestCount > MaxRequests)
        // UNCONFIRMED wording; the limit itself is FACTS §6.
        return batchError(u"The $batch holds %1 requests; the limit is %2 per batch. Split it into several "
                          u"$batch requests."_s.arg(requestCount)
                              .arg(MaxRequests));

    // $n references must point backwards, inside the same change set (FACTS §6), in URLs and bodies.
    static const QRegularExpression bodyRef(u"\"\\$(\\d+)(?:/[^\"]*)?\""_s);
    static const QRegularExpression urlRef(u"^\\$(\\d+)(?:/|$)"_s);
    for (const BatchPart &part : std::as_const(parts)) {
        const QList<InnerRequest> requests =
            part.changeSet ? part.requests : QList<InnerRequest>{part.request};
        QSet<QString> declared;
        for (const InnerRequest &r : requests) {
            QStringList refs;
            if (const auto m = urlRef.match(r.url); m.hasMatch())
                refs.append(m.captured(1));
            auto it = bodyRef.globalMatch(QString::fromUtf8(r.body));
            while (it.hasNext())
                refs.append(it.next().captured(1));
            for (const QString &ref : std::as_const(refs)) {
                if (!declared.contains(ref))
                    return batchError(
                        u"Content-ID Reference: '$%1' does not exist in the batch context."_s.arg(ref));
            }
            if (!r.contentId.isEmpty() && part.changeSet)
                declared.insert(r.contentId);
        }
    }

    const Preferences prefs = parsePrefer(request.header("Prefer"));
    static const QRegularExpression apiPrefix(
        u"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+)?/api/data/v\\d+\\.\\d+/"_s);
    const QString apiPath =
        QString(context.serviceRoot).remove(QRegularExpression(u"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+"_s));

    const auto run = [&](const InnerRequest &inner, const QHash<QString, QString> &refs) {
        QString url = inner.url;
        if (const auto m = urlRef.match(url); m.hasMatch())
            url = refs.value(m.captured(1)) + url.mid(1 + m.capturedLength(1));
        if (url.contains(u"://"_s) || url.startsWith(u'/')) {
            const auto m = apiPrefix.match(url);
            if (!m.hasMatch()) {
                ServiceContext c = context;
                c.requestUrl = url;
                return noHttpResource(c);
            }
            url = url.mid(m.capturedLength(0));
        }
        // UNCONFIRMED (FACTS §6): a service-root-relative URL ("tasks") is tolerated.
        QByteArray innerBody = inner.body;
        for (auto it = refs.constBegin(); it != refs.constEnd(); ++it) {
            const QByteArray from = "\"$" + it.key().toUtf8();
            const QByteArray to = "\"" + (context.serviceRoot + it.value()).toUtf8();
            innerBody.replace(QByteArray(from + "\""), QByteArray(to + "\""));
            innerBody.replace(QByteArray(from + "/"), QByteArray(to + "/"));
        }
        HttpRequest r;
        r.method = inner.method;
        r.httpVersion = "HTTP/1.1";
        r.headers = inner.headers;
        r.body = innerBody;
        r.localHost = request.localHost;
        r.secure = request.secure;
        r.setTarget((apiPath + url).toUtf8());
        ServiceContext c = context;
        c.requestUrl = context.serviceRoot + url;
        const QStringView resource = QStringView(r.path).sliced(qMin(r.path.size(), apiPath.size()));
        if (resource.startsWith(u"$batch"))
            return batchError(u"A $batch cannot contain another $batch."_s);
        return m_dispatch(r, c, resource);
    };

    const QByteArray outerBoundary = "batchresponse_" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    QByteArrayList outParts;
    bool failed = false;
    for (const BatchPart &part : std::as_const(parts)) {
        if (!part.changeSet) {
            const HttpResponse r = run(part.request, {});
            if (r.status >= 400 && !prefs.continueOnError) {
                outParts = {serializePart(r, {})};
                failed = true;
                break;
            }
            outParts.append(serializePart(r, {}));
            continue;
        }
        const qsizetype savepoint = m_store.begin();
        QHash<QString, QString> refs;
        QByteArrayList subParts;
        std::optional<HttpResponse> failure;
        for (const InnerRequest &inner : part.requests) {
            const HttpResponse r = run(inner, refs);
            if (r.status >= 400) {
                failure = r;
                break;
            }
            subParts.append(serializePart(r, inner.contentId));
            const QString entityId = QString::fromUtf8(r.header("OData-EntityId"));
            if (!inner.contentId.isEmpty() && entityId.startsWith(context.serviceRoot))
                refs.insert(inner.contentId, entityId.mid(context.serviceRoot.size()));
        }
        if (failure) {
            // A failed change set is rolled back as a whole and answered with its one error (OData rule).
            m_store.rollback(savepoint);
            qCDebug(lcBatch) << "change set rolled back, status" << failure->status;
            if (!prefs.continueOnError) {
                outParts = {serializePart(*failure, {})};
                failed = true;
                break;
            }
            outParts.append(serializePart(*failure, {}));
            continue;
        }
        m_store.commit(savepoint);
        const QByteArray csBoundary =
            "changesetresponse_" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        QByteArray cs = "Content-Type: multipart/mixed; boundary=" + csBoundary + "\r\n\r\n";
        for (const QByteArray &sub : std::as_const(subParts))
            cs += "--" + csBoundary + "\r\n" + sub + "\r\n";
        cs += "--" + csBoundary + "--";
        outParts.append(cs);
    }

    HttpResponse response;
    response.status = failed ? 400 : 200;
    response.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArray("multipart/mixed; boundary=" + outerBoundary)});
    response.headers.append({QByteArrayLiteral("OData-Version"), QByteArrayLiteral("4.0")});
    for (const QByteArray &p : std::as_const(outParts))
        response.body += "--" + outerBoundary + "\r\n" + p + "\r\n";
    response.body += "--" + outerBoundary + "--\r\n";
    qCDebug(lcBatch) << "batch of" << requestCount << "requests ->" << response.status;
    return response;
}

} // namespace d365::sandbox
