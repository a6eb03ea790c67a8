#pragma once

// Test support for in-process engine tests: a fake HttpTransport that hands every request to a handler (so a
// test can answer 429, drop a connection after "executing" a request, or refuse one bulk target on purpose),
// a tiny in-memory Dataverse org behind it (one contact table: metadata, WhoAmI, privileges, the three bulk
// messages, $batch of PATCHes and key lookups), a warehouse source over a list of rows and a token provider
// whose tokens the org refuses after N requests. Header-only; used by unit tests that link d365core.
//
//   FakeOrg org;                          // contacts keyed by emailaddress1
//   auto client = org.client();           // a DataverseClient over a FakeTransport answered by the org
//   org.fault = [](const HttpRequest &r, int n) -> std::optional<FakeOrg::Fault> {...};

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/tokenprovider.h"
#include "services/warehouse/warehousesource.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

#include <functional>
#include <memory>
#include <optional>

namespace d365::testsupport {

using namespace Qt::StringLiterals;
using services::HttpReply;
using services::HttpRequest;
using services::TransportError;

inline HttpReply jsonReply(int status, const QJsonObject &body, services::HttpHeaders headers = {})
{
    HttpReply reply;
    reply.status = status;
    reply.requestSent = true;
    reply.headers = std::move(headers);
    reply.headers.append(
        qMakePair(QByteArray("Content-Type"), QByteArray("application/json; odata.metadata=minimal")));
    reply.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return reply;
}

inline HttpReply emptyReply(int status)
{
    HttpReply reply;
    reply.status = status;
    reply.requestSent = true;
    return reply;
}

inline HttpReply errorReply(int status, const QString &code, const QString &message,
                            services::HttpHeaders headers = {})
{
    return jsonReply(status,
                     QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}},
                     std::move(headers));
}

inline HttpReply transportFailure(TransportError error, bool requestSent)
{
    HttpReply reply;
    reply.error = error;
    reply.requestSent = requestSent;
    reply.errorText = u"fake %1"_s.arg(services::transportErrorName(error));
    return reply;
}

// Hands each request to `handler` and answers on the next turn of the event loop, like a socket would.
class FakeTransport : public services::HttpTransport
{
public:
    std::function<HttpReply(const HttpRequest &)> handler;
    QList<HttpRequest> requests;
    int connections = 8;

    void send(HttpRequest request, Callback callback) override
    {
        requests.append(request);
        HttpReply reply =
            handler ? handler(request) : transportFailure(TransportError::ConnectionRefused, false);
        QTimer::singleShot(0,
                           [callback = std::move(callback), reply = std::move(reply)] { callback(reply); });
    }
    void setMaxConnectionsPerHost(int n) override { connections = n; }
    int maxConnectionsPerHost() const override { return connections; }
};

// Tokens "t1", "t2", …; the org refuses each after `usesPerToken` requests (0: never). invalidate() of the
// current token makes the next accessToken() a new one (a refresh), counted in refreshes.
class FakeTokenProvider : public services::TokenProvider
{
public:
    int refreshes = 0;
    std::optional<Error> failure; // every accessToken() fails with this (a refused secret, …)

    Result<QByteArray> accessToken(const services::ConnectionProfile &) override
    {
        if (failure) {
            return *failure;
        }
        if (m_current.isEmpty()) {
            ++refreshes;
            m_current = "t" + QByteArray::number(refreshes);
        }
        return m_current;
    }
    void invalidate(const QByteArray &token) override
    {
        if (token == m_current) {
            m_current.clear();
        }
    }

private:
    QByteArray m_current;
};

// One $batch request part as the fake sees it.
struct FakeBatchPart
{
    QByteArray method;
    QString url;
    QByteArray body;
};

inline QList<FakeBatchPart> parseBatch(const HttpRequest &request)
{
    QByteArray contentType;
    for (const auto &[name, value] : request.headers) {
        if (name.compare("Content-Type", Qt::CaseInsensitive) == 0) {
            contentType = value;
        }
    }
    const QByteArray boundary = "--" + contentType.mid(contentType.indexOf("boundary=") + 9).replace('"', "");
    QList<FakeBatchPart> parts;
    qsizetype pos = 0;
    while ((pos = request.body.indexOf(QByteArray(boundary + "\r\n"), pos)) >= 0) {
        pos += boundary.size() + 2;
        const qsizetype end = request.body.indexOf(boundary, pos);
        const QByteArray part = request.body.mid(pos, end - pos);
        const qsizetype innerStart = part.indexOf("\r\n\r\n") + 4; // after the part's own headers
        const QByteArray inner = part.mid(innerStart);
        const qsizetype lineEnd = inner.indexOf("\r\n");
        const QList<QByteArray> words = inner.left(lineEnd).split(' ');
        const qsizetype bodyStart = inner.indexOf("\r\n\r\n");
        FakeBatchPart parsed;
        parsed.method = words.value(0);
        parsed.url = QString::fromUtf8(words.value(1));
        parsed.body = bodyStart >= 0 ? inner.mid(bodyStart + 4).trimmed() : QByteArray();
        parts.append(parsed);
        pos = end;
    }
    return parts;
}

// A multipart/mixed $batch answer; each part (status, JSON body or empty).
inline HttpReply batchReply(const QList<QPair<int, QByteArray>> &parts)
{
    const QByteArray boundary = "batchresponse_fake";
    QByteArray body;
    for (const auto &[status, json] : parts) {
        body += "--" + boundary +
                "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        body += "HTTP/1.1 " + QByteArray::number(status) + " X\r\n";
        if (!json.isEmpty()) {
            body += "Content-Type: application/json; odata.metadata=minimal\r\n\r\n" + json + "\r\n";
        } else {
            body += "\r\n\r\n";
        }
    }
    body += "--" + boundary + "--\r\n";
    HttpReply reply;
    reply.status = 200;
    reply.requestSent = true;
    reply.headers.append(
        qMakePair(QByteArray("Content-Type"), QByteArray("multipart/mixed; boundary=" + boundary)));
    reply.body = body;
    return reply;
}

// A warehouse source over rows held in memory.
class FakeSource : public services::WarehouseSource
{
public:
    FakeSource(QStringList columns, QList<QVariantList> rows, std::optional<Error> openError = std::nullopt)
        : m_columns(std::move(columns))
        , m_rows(std::move(rows))
        , m_openError(std::move(openError))
    {}
    Result<void> open() override
    {
        if (m_openError) {
            return *m_openError;
        }
        return {};
    }
    QStringList columns() const override { return m_columns; }
    QHash<QString, QMetaType::Type> columnTypes() const override { return {}; }
    // Runs on the thread that counts (the engine counts alongside the run): a test can make counting slow.
    std::function<void()> beforeCount;
    Result<qint64> countRows() override
    {
        if (beforeCount) {
            beforeCount();
        }
        return qint64(m_rows.size());
    }
    bool next(services::SourceRow &row) override
    {
        if (m_next >= m_rows.size()) {
            return false;
        }
        row.index = m_next;
        row.values = m_rows.at(m_next++);
        return true;
    }
    std::optional<Error> lastError() const override { return std::nullopt; }

private:
    QStringList m_columns;
    QList<QVariantList> m_rows;
    std::optional<Error> m_openError;
    qsizetype m_next = 0;
};

// A contact table keyed by emailaddress1 (alternate key) with firstname and lastname, in memory, behind the
// Web API requests the sync engine makes. A target whose lastname is "BAD" is refused with a 400 (a bulk
// request then fails as a whole, as on a standard table).
class FakeOrg
{
public:
    struct Record
    {
        QString id;
        QDateTime createdOn;
        QJsonObject values;
    };
    struct Fault
    {
        HttpReply reply;      // what the client gets instead of the real answer
        bool execute = false; // carry the request out first (a dropped answer), or not at all
    };

    // Called for every request with its running number; a Fault replaces (or follows) the real answer.
    std::function<std::optional<Fault>(const HttpRequest &, int)> fault;
    QHash<QString, Record> records; // lower-cased email → record
    QSet<QString> heldPrivileges{u"prvCreateContact"_s, u"prvWriteContact"_s, u"prvReadContact"_s};
    int usesPerToken = 0; // a token is refused (401) after this many requests; 0 = never
    int writes = 0;       // write requests carried out
    int requestCount = 0;
    QList<HttpRequest> requests; // every request the org was sent
    FakeTokenProvider tokens;

    std::unique_ptr<services::DataverseClient> client()
    {
        auto fake = std::make_unique<FakeTransport>();
        fake->handler = [this](const HttpRequest &request) { return answer(request); };
        services::ConnectionProfile profile;
        profile.name = u"fake"_s;
        profile.orgUrl = QUrl(u"https://fake.crm.dynamics.com"_s);
        auto result = std::make_unique<services::DataverseClient>(profile, &tokens, std::move(fake));
        services::RetryPolicy policy;
        policy.baseDelayMs = 1; // the fake never needs a real back-off
        policy.maxDelayMs = 5;
        result->setRetryPolicy(policy);
        return result;
    }

    void seed(const QString &email, const QDateTime &createdOn)
    {
        records.insert(email.toLower(), Record{QUuid::createUuid().toString(QUuid::WithoutBraces), createdOn,
                                               QJsonObject{{u"emailaddress1"_s, email}}});
    }

    HttpReply answer(const HttpRequest &request)
    {
        const int number = ++requestCount;
        requests.append(request);
        std::optional<Fault> injected = fault ? fault(request, number) : std::nullopt;
        if (injected && !injected->execute) {
            return injected->reply;
        }
        HttpReply real = handle(request);
        return injected ? injected->reply : real;
    }

private:
    QHash<QByteArray, int> m_tokenUses;

    static QString pathOf(const HttpRequest &request)
    {
        return QUrl::fromPercentEncoding(request.url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority))
            .section(u"/api/data/v9.2/"_s, 1);
    }

    HttpReply handle(const HttpRequest &request)
    {
        for (const auto &[name, value] : request.headers) {
            if (name == "Authorization" && usesPerToken > 0 && ++m_tokenUses[value] > usesPerToken) {
                return errorReply(401, u"0x80072560"_s, u"The user is not authenticated."_s);
            }
        }
        const QString path = pathOf(request);
        if (path.startsWith("WhoAmI"_L1)) {
            return jsonReply(200, {{u"UserId"_s, u"00000000-0000-0000-0000-0000000000aa"_s}});
        }
        if (path.startsWith("EntityDefinitions?"_L1)) {
            if (path.contains("$filter"_L1) && !path.contains("'contacts'"_L1)) {
                return jsonReply(200, {{u"value"_s, QJsonArray{}}});
            }
            return jsonReply(200,
                             {{u"value"_s, QJsonArray{QJsonObject{{u"LogicalName"_s, u"contact"_s},
                                                                  {u"SchemaName"_s, u"Contact"_s},
                                                                  {u"EntitySetName"_s, u"contacts"_s},
                                                                  {u"PrimaryIdAttribute"_s, u"contactid"_s},
                                                                  {u"PrimaryNameAttribute"_s, u"fullname"_s},
                                                                  {u"ObjectTypeCode"_s, 2}}}}});
        }
        if (path.startsWith("EntityDefinitions(LogicalName='contact')/Attributes?"_L1)) {
            QJsonArray attributes;
            const auto add = [&attributes](const QString &name, const QString &type, bool create,
                                           bool update) {
                attributes.append(QJsonObject{{u"LogicalName"_s, name},
                                              {u"AttributeTypeName"_s, QJsonObject{{u"Value"_s, type}}},
                                              {u"RequiredLevel"_s, QJsonObject{{u"Value"_s, u"None"_s}}},
                                              {u"IsValidForCreate"_s, create},
                                              {u"IsValidForUpdate"_s, update},
                                              {u"IsValidForRead"_s, true}});
            };
            add(u"contactid"_s, u"UniqueidentifierType"_s, true, false);
            add(u"emailaddress1"_s, u"StringType"_s, true, true);
            add(u"firstname"_s, u"StringType"_s, true, true);
            add(u"lastname"_s, u"StringType"_s, true, true);
            add(u"createdon"_s, u"DateTimeType"_s, false, false);
            return jsonReply(200, {{u"value"_s, attributes}});
        }
        if (path.contains("/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata"_L1)) {
            QJsonArray strings;
            for (const auto &name : {u"emailaddress1"_s, u"firstname"_s, u"lastname"_s}) {
                strings.append(QJsonObject{{u"LogicalName"_s, name}, {u"MaxLength"_s, 100}});
            }
            return jsonReply(200, {{u"value"_s, strings}});
        }
        if (path.contains("/Keys?"_L1)) {
            return jsonReply(
                200,
                {{u"value"_s, QJsonArray{QJsonObject{{u"SchemaName"_s, u"new_EmailKey"_s},
                                                     {u"KeyAttributes"_s, QJsonArray{u"emailaddress1"_s}},
                                                     {u"EntityKeyIndexStatus"_s, u"Active"_s}}}}});
        }
        if (path.startsWith("EntityDefinitions("_L1)) {
            return jsonReply(200, {{u"value"_s, QJsonArray{}}}); // other casts, relationships: none
        }
        if (path.startsWith("sdkmessagefilters"_L1)) {
            return jsonReply(200, {{u"value"_s, QJsonArray{QJsonObject{{u"sdkmessagefilterid"_s, u"1"_s}}}}});
        }
        if (path.startsWith("systemusers("_L1) && path.contains("RetrieveUserSetOfPrivilegesByNames"_L1)) {
            QJsonArray held;
            for (const QString &name : std::as_const(heldPrivileges)) {
                if (path.contains(name)) {
                    held.append(QJsonObject{{u"PrivilegeName"_s, name}, {u"Depth"_s, u"Global"_s}});
                }
            }
            return jsonReply(200, {{u"RolePrivileges"_s, held}});
        }
        if (path.startsWith("contacts/Microsoft.Dynamics.CRM."_L1)) {
            return bulk(path.section(u'.', -1), QJsonDocument::fromJson(request.body).object());
        }
        if (path == "$batch"_L1) {
            return batch(request);
        }
        return errorReply(404, u"0x8006088a"_s, u"Resource not found for the segment '%1'."_s.arg(path));
    }

    static QString emailOf(const QJsonObject &target)
    {
        static const QRegularExpression key(u"emailaddress1='((?:[^']|'')*)'"_s);
        const auto match = key.match(target.value("@odata.id"_L1).toString());
        return (match.hasMatch() ? match.captured(1).replace("''"_L1, "'"_L1)
                                 : target.value("emailaddress1"_L1).toString())
            .toLower();
    }

    HttpReply bulk(const QString &message, const QJsonObject &body)
    {
        const QJsonArray targets = body.value("Targets"_L1).toArray();
        // All or nothing: check every target before writing any.
        for (const QJsonValue &value : targets) {
            const QJsonObject target = value.toObject();
            if (target.value("lastname"_L1).toString() == "BAD"_L1) {
                return errorReply(400, u"0x80040203"_s, u"lastname BAD is refused"_s);
            }
            const QString email = emailOf(target);
            if (message == "CreateMultiple"_L1 && records.contains(email)) {
                return errorReply(412, u"0x80060892"_s, u"Entity Key new_EmailKey violated."_s);
            }
            if (message == "UpdateMultiple"_L1) {
                bool found = false;
                for (const Record &record : std::as_const(records)) {
                    found = found || record.id == target.value("contactid"_L1).toString();
                }
                if (!found) {
                    return errorReply(404, u"0x80040217"_s, u"contact With Ids = x Do Not Exist"_s);
                }
            }
        }
        ++writes;
        for (const QJsonValue &value : targets) {
            const QJsonObject target = value.toObject();
            QString email = emailOf(target);
            if (message == "UpdateMultiple"_L1) {
                for (auto it = records.begin(); it != records.end(); ++it) {
                    if (it->id == target.value("contactid"_L1).toString()) {
                        email = it.key();
                    }
                }
            }
            Record &record = records[email];
            if (record.id.isEmpty()) {
                record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
                record.createdOn = QDateTime::currentDateTimeUtc();
            }
            for (auto it = target.begin(); it != target.end(); ++it) {
                if (!it.key().startsWith(u'@')) {
                    record.values.insert(it.key(), it.value());
                }
            }
        }
        return emptyReply(message == "CreateMultiple"_L1 ? 200 : 204);
    }

    HttpReply batch(const HttpRequest &request)
    {
        QList<QPair<int, QByteArray>> answers;
        for (const FakeBatchPart &part : parseBatch(request)) {
            if (part.method == "GET") {
                // A key lookup: every e-mail named in the filter.
                static const QRegularExpression quoted(u"'((?:[^']|'')*)'"_s);
                QJsonArray rows;
                const QString url = QUrl::fromPercentEncoding(part.url.toUtf8());
                auto it = quoted.globalMatch(url.section(u"$filter="_s, 1));
                while (it.hasNext()) {
                    const QString email = it.next().captured(1).replace("''"_L1, "'"_L1).toLower();
                    if (email == "emailaddress1"_L1 || !records.contains(email)) {
                        continue;
                    }
                    const Record &record = records.value(email);
                    rows.append(QJsonObject{{u"contactid"_s, record.id},
                                            {u"emailaddress1"_s, email},
                                            {u"createdon"_s, record.createdOn.toString(Qt::ISODate)}});
                }
                answers.append(
                    {200, QJsonDocument(QJsonObject{{u"value"_s, rows}}).toJson(QJsonDocument::Compact)});
                continue;
            }
            // PATCH contacts(emailaddress1='x'): If-None-Match / If-Match are not visible per part here; the
            // fake treats PATCH as an upsert.
            static const QRegularExpression key(u"emailaddress1='((?:[^']|'')*)'"_s);
            const QString email = key.match(QUrl::fromPercentEncoding(part.url.toUtf8()))
                                      .captured(1)
                                      .replace("''"_L1, "'"_L1)
                                      .toLower();
            const QJsonObject values = QJsonDocument::fromJson(part.body).object();
            if (values.value("lastname"_L1).toString() == "BAD"_L1) {
                answers.append(
                    {400,
                     QJsonDocument(
                         QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, u"0x80040203"_s},
                                                              {u"message"_s, u"lastname BAD is refused"_s}}}})
                         .toJson(QJsonDocument::Compact)});
                continue;
            }
            ++writes;
            const bool created = !records.contains(email);
            Record &record = records[email];
            if (created) {
                record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
                record.createdOn = QDateTime::currentDateTimeUtc();
            }
            for (auto it = values.begin(); it != values.end(); ++it) {
                record.values.insert(it.key(), it.value());
            }
            answers.append(
                {created ? 201 : 200,
                 QJsonDocument(QJsonObject{{u"contactid"_s, record.id}}).toJson(QJsonDocument::Compact)});
        }
        return batchReply(answers);
    }
};

} // namespace d365::testsupport
