#pragma once

// Rows of the sandbox org over the Web API: create (POST), retrieve/list (GET), update/upsert (PATCH),
// delete.
//
// A write runs in two phases so nothing is half-applied: prepare() validates the whole body (unknown
// properties, types, lengths, choice values, ranges, @odata.bind targets, deep-insert children) into a
// PreparedWrite; only then does commit write the children and the row to the OrgStore. Behaviour follows
// FACTS.md §1-4, §8, §10; every choice where FACTS says UNCONFIRMED is listed in README.md.

#include "httprequest.h"
#include "odataquery.h"
#include "odataresponse.h"
#include "orgstore.h"

#include <QJsonObject>
#include <QList>
#include <QSet>

#include <memory>
#include <optional>

namespace d365::sandbox {

class RecordApi
{
public:
    explicit RecordApi(OrgStore &store);

    // segments[0] names the entity set (already resolved to `table`); further segments are not supported yet.
    HttpResponse handle(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                        const QList<PathSegment> &segments);

private:
    struct ResolvedKey
    {
        bool primary = true;
        QUuid id; // primary key value, or the row found by the alternate key
        bool found = false;
        int keyIndex = -1;
        QList<QPair<const AttributeDef *, QJsonValue>> values; // alternate-key values from the URL
        QString urlForm; // "contacts(<guid>)" or "accounts(accountnumber='A-1')"
    };
    struct PreparedWrite;
    struct NestedCreate
    {
        const TableDef *table = nullptr;
        QString lookup; // lookup column of the parent that will point at the child
        std::shared_ptr<PreparedWrite> write;
        QUuid id;
    };
    struct PreparedWrite
    {
        QHash<QString, QJsonValue> values;
        QHash<QString, QString> lookupTargets;
        QList<NestedCreate> nested;
    };
    enum class Mode { Create, Update };

    std::optional<HttpResponse> resolveKey(const TableDef &table, const QString &keyText, ResolvedKey *key);
    std::optional<HttpResponse> prepare(const TableDef &table, const QJsonObject &body, Mode mode,
                                        const ServiceContext &context, PreparedWrite *out);
    std::optional<HttpResponse> validateValue(const TableDef &table, const AttributeDef &attribute,
                                              const QJsonValue &value, QJsonValue *normalized);
    std::optional<HttpResponse> resolveBind(const TableDef &table, const RelationshipDef &relationship,
                                            const QString &reference, const ServiceContext &context,
                                            QUuid *targetId);
    std::optional<HttpResponse> finishCreate(const TableDef &table, PreparedWrite &write, const QUuid &id,
                                             Row *row);
    std::optional<HttpResponse> checkRequired(const TableDef &table, const Row &row);
    std::optional<HttpResponse> buildNested(PreparedWrite &write,
                                            QList<std::pair<const TableDef *, Row>> *rows);
    std::optional<HttpResponse> commitNested(PreparedWrite &write);
    void applyComputed(const TableDef &table, Row &row);
    std::optional<HttpResponse> keyViolation(const TableDef &table, const Row &row);

    HttpResponse list(const HttpRequest &request, const ServiceContext &context, const TableDef &table);
    HttpResponse retrieve(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                          const QString &keyText);
    HttpResponse create(const HttpRequest &request, const ServiceContext &context, const TableDef &table);
    HttpResponse upsert(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                        const QString &keyText);
    HttpResponse remove(const HttpRequest &request, const TableDef &table, const QString &keyText);
    // The body-level cores of create and upsert, shared with the bulk messages.
    std::optional<HttpResponse> createRow(const TableDef &table, const QJsonObject &body,
                                          const ServiceContext &context, QUuid *id);
    std::optional<HttpResponse> upsertRow(const TableDef &table, const ResolvedKey &key,
                                          const QJsonObject &body, const ServiceContext &context, QUuid *id,
                                          bool *created);

    // Bulk messages (bulkapi.cpp): POST <set>/Microsoft.Dynamics.CRM.CreateMultiple|UpdateMultiple|
    // UpsertMultiple, one transaction each (FACTS §7).
    HttpResponse bulk(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                      const QString &message);
    std::optional<HttpResponse> bulkTargets(const HttpRequest &request, const TableDef &table,
                                            const QString &message, QList<QJsonObject> *targets);

    // $select checked against the table; nullopt = OK.
    std::optional<HttpResponse> checkSelect(const TableDef &table, const QStringList &select);
    QJsonObject render(const TableDef &table, const Row &row, const QStringList &select,
                       const Preferences &preferences) const;
    void renderProperty(QJsonObject &out, const TableDef &table, const AttributeDef &attribute,
                        const Row &row, const Preferences &preferences) const;
    HttpResponse representation(int status, const ServiceContext &context, const TableDef &table,
                                const Row &row, const QString &selectText,
                                const Preferences &preferences) const;
    std::optional<HttpResponse> parseBody(const HttpRequest &request, const TableDef &table,
                                          QJsonObject *body);
    HttpResponse notFound(const TableDef &table, const ResolvedKey &key) const;

    OrgStore &m_store;
};

QString etagFor(const Row &row);

} // namespace d365::sandbox
