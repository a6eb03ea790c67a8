#include "services/dataverse/batchrequest.h"

#include <QCoreApplication>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(BatchRequest)
};

// Headers and content of a MIME part or an HTTP message: split at the first empty line (CRLF, tolerating LF).
struct Head
{
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArrayView firstLine;              // the status line of an HTTP message; empty for a MIME part
    QByteArrayView rest;
};

Head splitHead(QByteArrayView text, bool hasFirstLine)
{
    Head head;
    qsizetype pos = 0;
    bool first = hasFirstLine;
    while (pos < text.size()) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        QByteArrayView line = text.sliced(pos, end - pos);
        if (line.endsWith('\r'))
            line.chop(1);
        pos = end + 1;
        if (first) {
            head.firstLine = line;
            first = false;
            continue;
        }
        if (line.isEmpty())
            break;
        const qsizetype colon = line.indexOf(':');
        if (colon > 0) {
            head.headers.insert(line.first(colon).trimmed().toByteArray().toLower(),
                                line.sliced(colon + 1).trimmed().toByteArray());
        }
    }
    head.rest = pos < text.size() ? text.sliced(pos) : QByteArrayView();
    return head;
}

QByteArray boundaryOf(const QByteArray &contentType)
{
    for (const QByteArray &parameter : contentType.split(';')) {
        const QByteArray p = parameter.trimmed();
        if (p.toLower().startsWith("boundary=")) {
            QByteArray value = p.mid(9).trimmed();
            if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
                value = value.mid(1, value.size() - 2);
            return value;
        }
    }
    return {};
}

Error malformed(const QString &detail)
{
    return Error::make(ErrorCategory::Server,
                       Text::tr("The service's answer to a batch of rows could not be read. Run again with "
                                "--verbose and report the log if it happens again."),
                       u"malformed $batch response: "_s + detail);
}

// Appends the parts between the delimiters of `boundary` (nested change sets are flattened in order).
std::optional<Error> decodeMultipart(const QByteArray &boundary, QByteArrayView body, int depth,
                                     QList<BatchPartResponse> *parts)
{
    if (boundary.isEmpty())
        return malformed(u"no boundary"_s);
    if (depth > 2)
        return malformed(u"nested too deeply"_s);
    const QByteArray delimiter = "--" + boundary;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0)
        return malformed(u"boundary %1 not found"_s.arg(QString::fromLatin1(boundary)));
    while (true) {
        const qsizetype afterDelimiter = pos + delimiter.size();
        if (body.sliced(afterDelimiter).startsWith("--"))
            return std::nullopt; // close delimiter
        const qsizetype lineEnd = body.indexOf('\n', afterDelimiter);
        if (lineEnd < 0)
            return malformed(u"part without content"_s);
        const qsizetype start = lineEnd + 1;
        const qsizetype next = body.indexOf(delimiter, start);
        if (next < 0)
            return malformed(u"missing close delimiter"_s);
        // The CRLF before a delimiter belongs to the delimiter.
        qsizetype end = next;
        if (end > start && body.at(end - 1) == '\n')
            --end;
        if (end > start && body.at(end - 1) == '\r')
            --end;
        const Head mime = splitHead(body.sliced(start, end - start), false);
        const QByteArray contentType = mime.headers.value("content-type");
        if (contentType.toLower().startsWith("multipart/mixed")) {
            if (auto error = decodeMultipart(boundaryOf(contentType), mime.rest, depth + 1, parts))
                return error;
        } else {
            const Head http = splitHead(mime.rest, true);
            // "HTTP/1.1 201 Created"
            const QList<QByteArray> words = http.firstLine.toByteArray().split(' ');
            bool isNumber = false;
            const int status = words.size() >= 2 ? words.at(1).toInt(&isNumber) : 0;
            if (!http.firstLine.startsWith("HTTP/") || !isNumber)
                return malformed(u"bad status line '%1'"_s.arg(QString::fromUtf8(http.firstLine)));
            parts->append({status, http.headers, http.rest.toByteArray()});
        }
        pos = next;
    }
}

} // namespace

BatchRequest BatchRequest::encode(const QList<DataverseRequest> &requests, const QUrl &webApiBaseUrl,
                                  bool continueOnError)
{
    const QByteArray boundary = "batch_" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    const QByteArray base = webApiBaseUrl.toEncoded();
    QByteArray body;
    body.reserve(requests.size() * 512);
    for (const DataverseRequest &r : requests) {
        body += "--" + boundary + "\r\n";
        body += "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        body += r.method + ' ' + base + r.path.toUtf8() + " HTTP/1.1\r\n";
        if (!r.body.isEmpty())
            body += "Content-Type: application/json;type=entry\r\n";
        for (const auto &[name, value] : r.headers)
            body += name + ": " + value + "\r\n";
        body += "\r\n";
        body += r.body;
        body += "\r\n";
    }
    body += "--" + boundary + "--\r\n";

    BatchRequest batch;
    batch.request.method = "POST";
    batch.request.path = u"$batch"_s;
    batch.request.body = std::move(body);
    batch.request.headers.append(
        qMakePair(QByteArray("Content-Type"), "multipart/mixed; boundary=" + boundary));
    batch.request.headers.append(qMakePair(QByteArray("Accept"), QByteArray("multipart/mixed")));
    if (continueOnError)
        batch.request.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("odata.continue-on-error")));
    // Re-sending is safe only when every inner request is.
    batch.request.idempotent = std::all_of(requests.cbegin(), requests.cend(),
                                           [](const DataverseRequest &r) { return r.idempotent; });
    return batch;
}

Result<QList<BatchPartResponse>> BatchRequest::decode(const QByteArray &contentType, const QByteArray &body)
{
    if (!contentType.toLower().startsWith("multipart/mixed"))
        return malformed(u"content type '%1'"_s.arg(QString::fromLatin1(contentType)));
    QList<BatchPartResponse> parts;
    if (auto error = decodeMultipart(boundaryOf(contentType), body, 0, &parts))
        return *error;
    return parts;
}

} // namespace d365::services
