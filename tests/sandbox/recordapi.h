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
#include "rowfilter.h"

#include <QJsonObject>
#include <QList>
#include <QSet>

#include <memory>
#include <optional>

namespace d365::sandbox {

class RecordApi
{
public:
    // POST BulkDelete (bulkdeleteapi.cpp): submits an asynchronous bulk delete job (an asyncoperation row).
    HttpResponse bulkDelete(const HttpRequest &request, const ServiceContext &context);
    explicit RecordApi(OrgStore &store);

    // segments[0] names the entity set (already resolved to `table`); further segments are not supported yet.
    HttpResponse handle(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                        const QList<PathSegment> &segments);

    // Stores the org definition's seed rows ("Rows") through the create validation (seedrows.cpp). Columns
    // not valid for create (e.g. systemuser.isdisabled) are set afterwards, as the system would. Rows whose
    // id exists already are skipped.
    bool seedRows(QString *error);

private:
    struct ResolvedKey
    {
        bool primary = true;
        QUuid id; // primary key value, or the row found by the alternate key
        bool found = false;
        int keyIndex = -1;
        QList<QPair<const AttributeDef *, QJsonValue>> values; // alternate-key values from the URL
        QString urlForm;            // "contacts(<guid>)" or "accounts(accountnumber='A-1')"
        QStringList canonicalParts; // alternate key: the values as OrgStore::findByKey takes them
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
        bool detectDuplicates = false; // the request asked for duplicate detection (ServiceContext)
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
    // Money columns without a currency get the org's base currency (seedrows.cpp; README "Org tables").
    void applyDefaultCurrency(const TableDef &table, Row &row) const;
    std::optional<HttpResponse> keyViolation(const TableDef &table, const Row &row);
    // 412 0x80040333 when `row` matches another row under one of the table's duplicate-detection rules.
    std::optional<HttpResponse> duplicateFound(const TableDef &table, const Row &row) const;

    // Only these rows, paged under `path` (marketing-list member reads, listapi.cpp: e.g.
    // "lists(<id>)/listcontact_association").
    struct RowScope
    {
        QString path;
        QSet<QUuid> ids;
    };
    HttpResponse list(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                      const RowScope *scope = nullptr);
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

    // Navigation properties and $expand (expandapi.cpp). Single-valued: the table's many-to-one
    // relationships by ReferencingEntityNavigationPropertyName; collection-valued: every relationship that
    // references the table, by its SchemaName (= ReferencedEntityNavigationPropertyName).
    struct Navigation
    {
        const RelationshipDef *relationship = nullptr;
        const TableDef *target = nullptr; // the table the property leads to
        bool collection = false;
    };
    struct ExpandPlan
    {
        QString name;
        Navigation navigation;
        QStringList select;
        RowFilter filter;
        QList<RowOrder> order;
        int top = -1;
        // Collection-valued: the target rows that pass `filter`, per parent row id, in insertion order —
        // gathered in one scan, so a page of N parents does not scan the target table N times.
        QHash<QUuid, QList<const Row *>> related;
    };
    std::optional<Navigation> navigation(const TableDef &table, QStringView name) const;
    QList<const Row *> relatedRows(const TableDef &table, const Navigation &navigation, const Row &row) const;
    std::optional<HttpResponse> planExpand(const ServiceContext &context, const TableDef &table,
                                           const QString &expandText, QList<ExpandPlan> *plans);
    QJsonObject renderExpanded(const TableDef &table, const Row &row, const QStringList &select,
                               const Preferences &preferences, const QList<ExpandPlan> &plans) const;
    static QString contextSelect(const QStringList &select, const QList<ExpandPlan> &plans);
    HttpResponse retrieveExpanded(const HttpRequest &request, const ServiceContext &context,
                                  const TableDef &table, const Row &row);
    // <set>(<key>)/<property>, /<navigation>, /<navigation>/$ref (propertyapi.cpp).
    HttpResponse related(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                         const QList<PathSegment> &segments);
    HttpResponse propertyRequest(const HttpRequest &request, const ServiceContext &context,
                                 const TableDef &table, const ResolvedKey &key,
                                 const AttributeDef &attribute);
    HttpResponse navigationRead(const HttpRequest &request, const ServiceContext &context,
                                const TableDef &table, const Row &row, const Navigation &navigation);
    HttpResponse referenceRequest(const HttpRequest &request, const ServiceContext &context,
                                  const TableDef &table, const ResolvedKey &key,
                                  const QString &navigationName, const Navigation &navigation);
    // $ref on a one-to-many collection-valued navigation property (FACTS §4): GET lists the references,
    // POST {"@odata.id": <related row>} sets the related row's lookup to this row, DELETE <nav>(<id>)/$ref or
    // <nav>/$ref?$id=<url> clears it. memberKeyText: the key of <nav>(<key>), empty without one.
    HttpResponse collectionReferenceRequest(const HttpRequest &request, const ServiceContext &context,
                                            const TableDef &table, const ResolvedKey &key,
                                            const QString &navigationName, const Navigation &navigation,
                                            const QString &memberKeyText);
    // "https://org/api/data/v9.2/contacts(<key>)", "/api/data/v9.2/contacts(<key>)", "/contacts(<key>)" or
    // "contacts(<key>)" → entity set and key text; false when it is not such a reference.
    static bool splitEntityReference(const QString &reference, QString *entitySet, QString *keyText);

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
    friend class ListApi; // the list actions reuse the row-level steps (resolveKey, createRow, list, …)
    friend class PrivilegeApi; // the privilege functions find their systemuser with resolveKey/notFound
};

QString etagFor(const Row &row);

} // namespace d365::sandbox
