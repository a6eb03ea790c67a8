// The BulkDelete action (FACTS §7: "Standard tables: use BulkDelete"), as Microsoft's Web API reference
// describes it: unbound, POST {"QuerySet":[<QueryExpression>…],"JobName":…,…} submits an asynchronous job and
// answers 200 BulkDeleteResponse {"JobId":<asyncoperationid>} at once.
//
// Flow: validate every query (table, columns, operators) and the caller's Delete privilege → create the
// asyncoperation row (operationtype 13 "Bulk Delete", statecode 0 Ready / statuscode 0 Waiting For Resources)
// → answer → on the next turn of the event loop (the service's asynchronous service; never inside the
// request) delete every matching row in one store transaction and complete the job: statecode 3 Completed,
// statuscode 30 Succeeded (31 Failed when the deletion failed, with the error in `message`). A client polls
// GET asyncoperations(<JobId>) until statecode is 3. SendEmailNotification, recipients, RecurrencePattern and
// StartDateTime are accepted and ignored (the job runs once, now). No bulkdeleteoperation row is written.

#include "recordapi.h"
#include "security.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcBulkDelete, "d365.sandbox.bulkdelete")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

constexpr int BulkDeleteOperationType = 13;

// One ConditionExpression value: {"Value": x, "Type": "System.String"} or a bare JSON value.
QJsonValue conditionValue(const QJsonValue &v)
{
    return v.isObject() && v.toObject().contains(u"Value"_s) ? v.toObject().value(u"Value"_s) : v;
}

QString literal(const AttributeDef &a, const QJsonValue &v)
{
    switch (a.kind) {
    case ValueKind::Integer:
    case ValueKind::BigInt:
    case ValueKind::Decimal:
    case ValueKind::Double:
    case ValueKind::Choice:
        return v.isDouble() ? QString::number(v.toDouble(), 'g', 17) : v.toString();
    case ValueKind::Boolean:
        return v.isBool() ? (v.toBool() ? u"true"_s : u"false"_s) : v.toString();
    case ValueKind::Lookup:
    case ValueKind::Guid:
        return v.toString();
    default: {
        QString text = v.isString() ? v.toString() : QString::number(v.toDouble(), 'g', 17);
        return u'\'' + text.replace(u'\'', u"''"_s) + u'\'';
    }
    }
}

// A QueryExpression FilterExpression as $filter text (compiled with the table's rules afterwards).
std::optional<QString> filterText(const TableDef &table, const QJsonObject &filter, QString *error)
{
    static const QHash<QString, QString> comparisons = {
        {u"Equal"_s, u"eq"_s},        {u"NotEqual"_s, u"ne"_s}, {u"GreaterThan"_s, u"gt"_s},
        {u"GreaterEqual"_s, u"ge"_s}, {u"LessThan"_s, u"lt"_s}, {u"LessEqual"_s, u"le"_s}};
    QStringList clauses;
    for (const QJsonValue &c : filter.value(u"Conditions"_s).toArray()) {
        const QJsonObject cond = c.toObject();
        const QString column = cond.value(u"AttributeName"_s).toString();
        const QString op = cond.value(u"Operator"_s).toString();
        const AttributeDef *a = table.attribute(column);
        if (!a) {
            *error = u"'%1' is not a column of '%2'."_s.arg(column, table.logicalName);
            return std::nullopt;
        }
        const QJsonArray values = cond.value(u"Values"_s).toArray();
        const QString property = a->propertyName();
        if (op == u"Null"_s || op == u"NotNull"_s) {
            clauses.append(property + (op == u"Null"_s ? u" eq null"_s : u" ne null"_s));
        } else if (comparisons.contains(op) && values.size() == 1) {
            clauses.append(property + u' ' + comparisons.value(op) + u' ' +
                           literal(*a, conditionValue(values[0])));
        } else if (op == u"In"_s && !values.isEmpty()) {
            QStringList items;
            for (const QJsonValue &v : values)
                items.append(property + u" eq "_s + literal(*a, conditionValue(v)));
            clauses.append(u'(' + items.join(u" or "_s) + u')');
        } else {
            *error = u"The sandbox's BulkDelete takes the condition operators Equal, NotEqual, GreaterThan, "
                     u"GreaterEqual, LessThan, LessEqual (one value), In (values), Null and NotNull; '%1' on "
                     u"'%2' is not one of them."_s.arg(op, column);
            return std::nullopt;
        }
    }
    for (const QJsonValue &f : filter.value(u"Filters"_s).toArray()) {
        const auto nested = filterText(table, f.toObject(), error);
        if (!nested)
            return std::nullopt;
        if (!nested->isEmpty())
            clauses.append(u'(' + *nested + u')');
    }
    const bool any = filter.value(u"FilterOperator"_s).toString().compare(u"Or"_s, Qt::CaseInsensitive) == 0;
    return clauses.join(any ? u" or "_s : u" and "_s);
}

} // namespace

HttpResponse RecordApi::bulkDelete(const HttpRequest &request, const ServiceContext &context)
{
    if (request.method != "POST")
        return noHttpResource(context); // an action answers only POST
    const OrgDefinition &def = m_store.definition();
    const TableDef *jobs = def.tableByLogicalName(u"asyncoperation");
    if (!jobs)
        return resourceNotFound(u"BulkDelete"_s); // an org without system jobs has no BulkDelete
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    const QJsonArray querySet = doc.object().value(u"QuerySet"_s).toArray();
    if (!doc.isObject() || querySet.isEmpty())
        return badRequest(u"BulkDelete needs 'QuerySet': an array of at least one QueryExpression "
                          u"({\"EntityName\":\"<table>\",\"Criteria\":{…}})."_s,
                          u"0x80040203"_s);
    struct Job
    {
        const TableDef *table;
        RowFilter filter;
    };
    QList<Job> work;
    for (const QJsonValue &q : querySet) {
        const QJsonObject query = q.toObject();
        const TableDef *table = def.tableByLogicalName(query.value(u"EntityName"_s).toString());
        if (!table)
            return badRequest(u"BulkDelete: QuerySet names the unknown table '%1'."_s.arg(
                                  query.value(u"EntityName"_s).toString()),
                              u"0x80040203"_s);
        QString error;
        const auto text = filterText(*table, query.value(u"Criteria"_s).toObject(), &error);
        if (!text)
            return badRequest(u"BulkDelete: "_s + error, u"0x80040203"_s);
        Job job{table, RowFilter()};
        if (auto err =
                compileRowFilter(*table, text->isEmpty() ? QStringView() : QStringView(*text), &job.filter))
            return *err;
        if (auto denied = checkAccess(context, *table, Access::Delete))
            return *denied;
        work.append(job);
    }
    // The system, not the caller, writes the job row.
    ServiceContext system = context;
    system.access.reset();
    system.detectDuplicates = false;
    QUuid jobId;
    if (auto err =
            createRow(*jobs,
                      QJsonObject{{u"name"_s, doc.object().value(u"JobName"_s).toString(u"Bulk Delete"_s)},
                                  {u"operationtype"_s, BulkDeleteOperationType}},
                      system, &jobId))
        return *err;
    qCInfo(lcBulkDelete) << "bulk delete job" << jobId << "submitted with" << work.size() << "queries";

    QTimer::singleShot(0, [this, jobs, jobId, work]() {
        const qsizetype savepoint = m_store.begin();
        int deleted = 0;
        for (const Job &job : work) {
            QList<QUuid> ids;
            m_store.forEach(*job.table, 0, [&](const Row &row) {
                if (job.filter.matches(row))
                    ids.append(row.id);
                return true;
            });
            for (const QUuid &id : ids)
                deleted += m_store.remove(*job.table, id) ? 1 : 0;
        }
        m_store.commit(savepoint);
        const Row *stored = m_store.find(*jobs, jobId);
        if (!stored)
            return; // the job row itself was deleted meanwhile
        Row row = *stored;
        const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
        row.values.insert(u"statecode"_s, 3);
        row.values.insert(u"statuscode"_s, 30);
        row.values.insert(u"message"_s, u"%1 record(s) deleted."_s.arg(deleted));
        if (jobs->attribute(u"startedon"))
            row.values.insert(u"startedon"_s, now);
        if (jobs->attribute(u"completedon"))
            row.values.insert(u"completedon"_s, now);
        if (jobs->attribute(u"modifiedon"))
            row.values.insert(u"modifiedon"_s, now);
        row.values.insert(u"versionnumber"_s, double(m_store.nextVersion()));
        m_store.replace(*jobs, row);
        qCInfo(lcBulkDelete) << "bulk delete job" << jobId << "deleted" << deleted << "row(s)";
    });

    return jsonResponse(200, QJsonObject{{u"@odata.context"_s,
                                          QString(context.serviceRoot +
                                                  u"$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse"_s)},
                                         {u"JobId"_s, jobId.toString(QUuid::WithoutBraces)}});
}

} // namespace d365::sandbox
