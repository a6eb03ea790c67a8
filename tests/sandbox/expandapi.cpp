// $expand on rows and navigation-property reads (FACTS §4, Microsoft's "Join tables using OData"):
//
//   GET accounts(<id>)?$select=name&$expand=primarycontactid($select=fullname)
//   GET accounts?$expand=contact_customer_accounts($select=fullname;$filter=...;$orderby=...;$top=5)
//
// Single-valued properties take only $select; collection-valued ones also $filter, $orderby and $top.
// Nested $expand, $count and $levels are refused (400 naming the option). Related rows are found by a scan
// of the related table, which is fine for the sandbox's sizes.

#include "recordapi.h"
#include "security.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcExpand, "d365.sandbox.expand")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {
constexpr int MaxExpandOptions = 15; // "You can include up to 15 $expand options in a query."
constexpr int MaxRelatedRows = 5000;
} // namespace

std::optional<RecordApi::Navigation> RecordApi::navigation(const TableDef &table, QStringView name) const
{
    // Names are case-sensitive (FACTS §0): exact comparison only.
    if (const RelationshipDef *rel = table.relationshipByNavigation(name)) {
        if (const TableDef *target = m_store.definition().tableByLogicalName(rel->referencedEntity))
            return Navigation{rel, target, false};
    }
    for (const TableDef &other : m_store.definition().tables()) {
        for (const RelationshipDef &rel : other.manyToOne) {
            if (rel.referencedEntity == table.logicalName && rel.schemaName == name)
                return Navigation{&rel, &other, true};
        }
    }
    return std::nullopt;
}

QList<const Row *> RecordApi::relatedRows(const TableDef &table, const Navigation &nav, const Row &row) const
{
    QList<const Row *> out;
    const QString &lookup = nav.relationship->referencingAttribute;
    if (!nav.collection) {
        // A polymorphic lookup (customer) has one navigation property per target; only the one that
        // matches the stored target table leads anywhere.
        const QJsonValue id = row.values.value(lookup);
        if (id.isString() && row.lookupTargets.value(lookup) == nav.target->logicalName) {
            if (const Row *target = m_store.find(*nav.target, QUuid::fromString(id.toString())))
                out.append(target);
        }
        return out;
    }
    const QString id = row.id.toString(QUuid::WithoutBraces);
    m_store.forEach(*nav.target, 0, [&](const Row &candidate) {
        if (candidate.values.value(lookup).toString() == id &&
            candidate.lookupTargets.value(lookup) == table.logicalName)
            out.append(&candidate);
        return true;
    });
    return out;
}

std::optional<HttpResponse> RecordApi::planExpand(const ServiceContext &context, const TableDef &table,
                                                  const QString &expandText, QList<ExpandPlan> *plans)
{
    plans->clear();
    const auto items = parseExpand(expandText);
    if (!items)
        return badRequest(u"Syntax error in $expand '%1': unbalanced parentheses or a $top that is not a "
                          u"non-negative integer."_s.arg(expandText));
    if (items->size() > MaxExpandOptions)
        return badRequest(u"The query has %1 $expand options; at most %2 are allowed."_s.arg(items->size())
                              .arg(MaxExpandOptions));
    for (const ExpandItem &item : *items) {
        const auto nav = navigation(table, item.name);
        if (!nav) {
            if (table.attributeByProperty(item.name) || table.attribute(item.name))
                return badRequest(
                    u"Property '%1' on type '%2' is not a navigation property or complex property. "
                    u"Only navigation properties can be expanded."_s.arg(item.name, table.typeName()));
            return propertyNotFound(item.name, table.typeName());
        }
        if (!item.otherOptions.isEmpty())
            return badRequest(
                u"The sandbox does not support %1 inside $expand=%2(...); supported: $select, and "
                u"for collection-valued navigation properties $filter, $orderby and $top."_s.arg(
                    item.otherOptions.join(u", "_s), item.name));
        if (!nav->collection && (!item.filter.isEmpty() || !item.orderBy.isEmpty() || item.top >= 0))
            return badRequest(
                u"$filter, $orderby and $top apply only to collection-valued navigation properties; "
                u"'%1' is single-valued."_s.arg(item.name));
        // The related rows are read too: the caller needs Read on their table, not only on this one.
        if (auto denied = checkAccess(context, *nav->target, Access::Read))
            return denied;
        ExpandPlan plan;
        plan.name = item.name;
        plan.navigation = *nav;
        plan.select = item.select;
        plan.top = item.top;
        if (auto err = checkSelect(*nav->target, plan.select))
            return err;
        if (!item.filter.isEmpty()) {
            if (auto err = compileRowFilter(*nav->target, item.filter, &plan.filter))
                return err;
        }
        if (auto err = parseRowOrder(*nav->target, item.orderBy, &plan.order))
            return err;
        if (nav->collection) {
            const QString &lookup = nav->relationship->referencingAttribute;
            m_store.forEach(*nav->target, 0, [&](const Row &candidate) {
                const QJsonValue parent = candidate.values.value(lookup);
                if (parent.isString() && candidate.lookupTargets.value(lookup) == table.logicalName &&
                    plan.filter.matches(candidate))
                    plan.related[QUuid::fromString(parent.toString())].append(&candidate);
                return true;
            });
        }
        plans->append(plan);
    }
    return std::nullopt;
}

QJsonObject RecordApi::renderExpanded(const TableDef &table, const Row &row, const QStringList &select,
                                      const Preferences &prefs, const QList<ExpandPlan> &plans) const
{
    QJsonObject out = render(table, row, select, prefs);
    for (const ExpandPlan &plan : plans) {
        if (!plan.navigation.collection) {
            const QList<const Row *> rows = relatedRows(table, plan.navigation, row);
            out.insert(plan.name, rows.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                 : QJsonValue(render(*plan.navigation.target, *rows.first(),
                                                                     plan.select, prefs)));
            continue;
        }
        QList<const Row *> rows = plan.related.value(row.id);
        sortRows(rows, plan.order);
        const qsizetype limit = plan.top >= 0 ? qMin(plan.top, MaxRelatedRows) : MaxRelatedRows;
        QJsonArray array;
        for (qsizetype i = 0; i < rows.size() && i < limit; ++i)
            array.append(render(*plan.navigation.target, *rows[i], plan.select, prefs));
        out.insert(plan.name, array);
    }
    return out;
}

QString RecordApi::contextSelect(const QStringList &select, const QList<ExpandPlan> &plans)
{
    // OData context URL: "accounts(name,primarycontactid(fullname))"
    QStringList items = select;
    for (const ExpandPlan &plan : plans)
        items.append(plan.name + u'(' + plan.select.join(u',') + u')');
    return items.isEmpty() ? QString() : u'(' + items.join(u',') + u')';
}

HttpResponse RecordApi::retrieveExpanded(const HttpRequest &request, const ServiceContext &context,
                                         const TableDef &table, const Row &row)
{
    QList<ExpandPlan> plans;
    if (auto err = planExpand(context, table, request.queryValue(u"$expand"), &plans))
        return *err;
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    Preferences prefs = parsePrefer(request.header("Prefer"));
    // FACTS §2: never 304 when the query has $expand.
    QJsonObject body = renderExpanded(table, row, select, prefs, plans);
    body.insert(u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#"_s + table.entitySetName +
                                             contextSelect(select, plans) + u"/$entity"_s));
    if (context.stats) {
        for (const ExpandPlan &plan : plans) {
            if (plan.navigation.collection)
                context.stats->rowsRead += int(body.value(plan.name).toArray().size());
        }
    }
    qCDebug(lcExpand) << "expanded" << table.logicalName << row.id << plans.size() << "navigation properties";
    HttpResponse r = jsonResponse(200, body);
    r.headers.append({QByteArrayLiteral("ETag"), etagFor(row).toUtf8()});
    if (prefs.includeAnnotations)
        r.headers.append({QByteArrayLiteral("Preference-Applied"),
                          (u"odata.include-annotations=\""_s + prefs.annotationFilter + u'"').toUtf8()});
    return r;
}

HttpResponse RecordApi::navigationRead(const HttpRequest &request, const ServiceContext &context,
                                       const TableDef &table, const Row &row, const Navigation &nav)
{
    const TableDef &target = *nav.target;
    if (auto denied = checkAccess(context, target, Access::Read))
        return *denied;
    const QStringList select = parseSelect(request.queryValue(u"$select"));
    if (auto err = checkSelect(target, select))
        return *err;
    const Preferences prefs = parsePrefer(request.header("Prefer"));
    QList<const Row *> rows = relatedRows(table, nav, row);
    if (!nav.collection) {
        // OData: a single-valued navigation property without a related row is 204 No Content.
        if (rows.isEmpty())
            return emptyResponse(204);
        return representation(200, context, target, *rows.first(), request.queryValue(u"$select"), prefs);
    }
    for (const auto &q : request.query) {
        static const QStringList supported = {u"$select"_s, u"$filter"_s, u"$orderby"_s, u"$top"_s};
        if (q.first.startsWith(u'$') && !supported.contains(q.first))
            return badRequest(
                u"The query option '%1' is not supported on a collection-valued navigation property "
                u"by the sandbox (supported: %2)."_s.arg(q.first, supported.join(u", "_s)));
    }
    RowFilter filter;
    if (auto err = compileRowFilter(target, filterText(request), &filter))
        return *err;
    QList<RowOrder> order;
    if (auto err = parseRowOrder(target, request.queryValue(u"$orderby"), &order))
        return *err;
    int top = MaxRelatedRows;
    if (auto err = parseTop(request, &top))
        return *err;
    rows.removeIf([&](const Row *r) { return !filter.matches(*r); });
    sortRows(rows, order);
    QJsonArray values;
    for (qsizetype i = 0; i < rows.size() && i < qMin(top, MaxRelatedRows); ++i)
        values.append(render(target, *rows[i], select, prefs));
    if (context.stats)
        context.stats->rowsRead += int(values.size());
    return jsonResponse(
        200, QJsonObject{{u"@odata.context"_s, QString(context.serviceRoot + u"$metadata#"_s +
                                                       target.entitySetName + contextSelect(select, {}))},
                         {u"value"_s, values}});
}

} // namespace d365::sandbox
