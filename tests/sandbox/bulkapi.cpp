// Bulk operation messages on standard tables (FACTS §7): CreateMultiple, UpdateMultiple, UpsertMultiple.
//
// Flow: parse {"Targets":[...]} -> check every target's @odata.type names this table -> (UpsertMultiple)
// resolve every target's row and refuse duplicates -> run each target through the same create/upsert core
// as single requests inside one OrgStore transaction -> any error rolls everything back and is returned as
// it would be for a single request (standard tables have no partial success).

#include "recordapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

Q_LOGGING_CATEGORY(lcBulk, "d365.sandbox.bulk")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

std::optional<HttpResponse> RecordApi::bulkTargets(const HttpRequest &request, const TableDef &table,
                                                   const QString &message, QList<QJsonObject> *targets)
{
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    const QJsonValue list = doc.object().value(u"Targets"_s);
    if (!doc.isObject() || !list.isArray())
        return payloadError(
            table.entitySetName,
            u"Microsoft.OData.ODataException: %1 needs a JSON body {\"Targets\":[...]} with one "
            u"object per row."_s.arg(message));
    const QString expectedType = u"Microsoft.Dynamics.CRM."_s + table.logicalName;
    const QJsonArray array = list.toArray();
    int index = 0;
    for (const QJsonValue &v : array) {
        if (!v.isObject())
            return payloadError(
                table.entitySetName,
                u"Microsoft.OData.ODataException: Targets[%1] is not an object."_s.arg(index));
        QString type = v.toObject().value(u"@odata.type"_s).toString();
        if (type.startsWith(u'#'))
            type.remove(0, 1);
        // FACTS §7: every target must carry @odata.type, and all targets are rows of this table.
        if (type != expectedType)
            return payloadError(
                table.entitySetName,
                (type.isEmpty()
                     ? u"Microsoft.OData.ODataException: Targets[%1] has no '@odata.type'. Every target of "
                       u"%2 must carry \"@odata.type\": \"%3\"."_s.arg(index)
                           .arg(message, expectedType)
                     : u"Microsoft.OData.ODataException: Targets[%1] has '@odata.type' '%4', but %2 on "
                       u"'%5' takes only \"%3\" rows."_s.arg(index)
                           .arg(message, expectedType, type, table.entitySetName)));
        targets->append(v.toObject());
        ++index;
    }
    return std::nullopt;
}

HttpResponse RecordApi::bulk(const HttpRequest &request, const ServiceContext &context, const TableDef &table,
                             const QString &message)
{
    // FACTS §7: custom tables and many, not all, system tables have the bulk messages (the org file's
    // BulkMessages; UpsertMultiple needs CreateMultiple and UpdateMultiple). Wording as the service's
    // "method does not support entities of type" error; status and code UNCONFIRMED (our choice).
    if (!table.supportsBulk(message))
        return badRequest(
            u"The '%1' method does not support entities of type '%2'. MessageProcessorCache returned "
            u"MessageProcessor.Empty."_s.arg(message, table.logicalName),
            u"0x80040203"_s);
    QList<QJsonObject> targets;
    if (auto err = bulkTargets(request, table, message, &targets))
        return *err;
    // Priced per target (README "Service protection and execution cost"); handle() counts no record
    // operation for a bulk message.
    if (context.stats)
        context.stats->bulkTargets += int(targets.size());

    // UpsertMultiple: resolve all rows first, so duplicates are refused before anything is written.
    QList<QString> keyTexts; // per target: key predicate text, or empty for "create with a new id"
    QList<ResolvedKey> keys; // per target: resolved once here, re-checked cheaply when writing
    if (message == u"UpsertMultiple"_s) {
        static const QRegularExpression apiPrefix(
            u"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+)?/?api/data/v\\d+\\.\\d+/"_s);
        QHash<QString, int> seen;
        for (int i = 0; i < targets.size(); ++i) {
            const QJsonObject &t = targets[i];
            QString keyText;
            if (t.contains(u"@odata.id"_s)) {
                QString ref = t.value(u"@odata.id"_s).toString();
                ref.remove(apiPrefix);
                if (ref.startsWith(u'/'))
                    ref.remove(0, 1);
                const auto segments = parseResourcePath(ref);
                if (!segments || segments->size() != 1 || !segments->first().hasKey ||
                    segments->first().name != table.entitySetName)
                    return payloadError(
                        table.entitySetName,
                        u"Microsoft.OData.ODataException: Targets[%1] has '@odata.id' '%2'; it must name a "
                        u"row of this table such as '%3(<key>=<value>)'."_s.arg(i)
                            .arg(t.value(u"@odata.id"_s).toString(), table.entitySetName));
                keyText = segments->first().keyText;
            } else if (t.value(table.primaryIdAttribute).isString()) {
                keyText = t.value(table.primaryIdAttribute).toString();
            }
            keyTexts.append(keyText);
            keys.append(ResolvedKey());
            if (keyText.isEmpty())
                continue;
            ResolvedKey &key = keys.last();
            if (auto err = resolveKey(table, keyText, &key))
                return *err;
            QString identity;
            if (key.primary) {
                identity = u"id:"_s + key.id.toString();
            } else {
                QStringList parts;
                for (const auto &kv : std::as_const(key.values))
                    parts.append(kv.first->logicalName + u'=' +
                                 OrgStore::canonicalKeyValue(*kv.first, kv.second));
                parts.sort();
                identity = u"key:"_s + parts.join(u'\x1f');
            }
            if (const auto it = seen.constFind(identity); it != seen.constEnd())
                // UNCONFIRMED status/code (FACTS §7): our choice is 400 DuplicateRecord, naming both targets.
                return errorResponse(
                    400, u"0x80040237"_s,
                    u"A record with matching key values already exists: Targets[%1] and Targets[%2] both "
                    u"identify %3. UpsertMultiple takes each row at most once; remove the duplicate "
                    u"targets and try again."_s.arg(*it)
                        .arg(i)
                        .arg(key.urlForm));
            seen.insert(identity, i);
        }
    }

    const qsizetype savepoint = m_store.begin();
    const auto fail = [&](HttpResponse error, int index) {
        m_store.rollback(savepoint);
        qCDebug(lcBulk) << message << "on" << table.entitySetName << "rolled back at target" << index
                        << "status" << error.status;
        return error;
    };
    QJsonArray ids;
    QSet<QUuid> updated;
    for (int i = 0; i < targets.size(); ++i) {
        const QJsonObject &t = targets[i];
        if (message == u"CreateMultiple"_s) {
            QUuid id;
            if (auto err = createRow(table, t, context, &id))
                return fail(*err, i);
            ids.append(id.toString(QUuid::WithoutBraces));
        } else if (message == u"UpdateMultiple"_s) {
            const QJsonValue pk = t.value(table.primaryIdAttribute);
            const QUuid id = pk.isString() ? QUuid::fromString(pk.toString()) : QUuid();
            if (id.isNull())
                return fail(
                    errorResponse(400, u"0x80040203"_s,
                                  u"Targets[%1] has no valid '%2'. Each UpdateMultiple target must carry its "
                                  u"primary key column; alternate keys are not supported with UpdateMultiple "
                                  u"in the Web API (use UpsertMultiple with '@odata.id')."_s.arg(i)
                                      .arg(table.primaryIdAttribute)),
                    i);
            if (updated.contains(id))
                continue; // FACTS §7: only the first of duplicate targets is applied
            updated.insert(id);
            ResolvedKey key;
            key.primary = true;
            key.id = id;
            key.found = m_store.find(table, id) != nullptr;
            key.urlForm = table.entitySetName + u'(' + id.toString(QUuid::WithoutBraces) + u')';
            if (!key.found)
                return fail(errorResponse(404, u"0x80040217"_s,
                                          u"%1 With Ids = %2 Do Not Exist"_s.arg(
                                              table.logicalName, id.toString(QUuid::WithoutBraces))),
                            i);
            bool created = false;
            QUuid written;
            if (auto err = upsertRow(table, key, t, context, &written, &created))
                return fail(*err, i);
        } else {
            bool created = false;
            QUuid written;
            if (keyTexts[i].isEmpty()) {
                if (auto err = createRow(table, t, context, &written))
                    return fail(*err, i);
                continue;
            }
            // An earlier target may have created the row this one names (e.g. by primary key after another
            // created it by alternate key): look it up again, without re-parsing the key.
            ResolvedKey &key = keys[i];
            if (!key.found) {
                const std::optional<QUuid> id =
                    key.primary ? (m_store.find(table, key.id) ? std::optional<QUuid>(key.id) : std::nullopt)
                                : m_store.findByKey(table, key.keyIndex, key.canonicalParts);
                key.found = id.has_value();
                if (id)
                    key.id = *id;
            }
            if (auto err = upsertRow(table, key, t, context, &written, &created))
                return fail(*err, i);
        }
    }
    m_store.commit(savepoint);
    qCDebug(lcBulk) << message << "on" << table.entitySetName << "wrote" << targets.size() << "targets";
    if (message == u"CreateMultiple"_s)
        return jsonResponse(
            200, QJsonObject{{u"@odata.context"_s,
                              QString(context.serviceRoot +
                                      u"$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"_s)},
                             {u"Ids"_s, ids}});
    return emptyResponse(204);
}

} // namespace d365::sandbox
