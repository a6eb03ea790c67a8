// Values the system writes itself: the org definition's seed rows and the default currency of money
// columns. RecordApi members (declared in recordapi.h) so they share the create path's validation.

#include "seedrows.h"

#include "recordapi.h"

#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSeedRows, "d365.sandbox.seedrows")

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

QString errorMessage(const HttpResponse &response)
{
    const QJsonObject error = QJsonDocument::fromJson(response.body).object().value(u"error"_s).toObject();
    const QString message = error.value(u"message"_s).toString();
    return message.isEmpty() ? u"HTTP %1"_s.arg(response.status) : message;
}

} // namespace

bool seedRows(OrgStore &store, QString *error)
{
    RecordApi records(store);
    return records.seedRows(error);
}

bool RecordApi::seedRows(QString *error)
{
    const OrganizationInfo &org = m_store.definition().organization();
    ServiceContext context;
    context.serviceRoot = u"/api/data/v9.2/"_s;
    context.callerId = org.userId;
    int stored = 0;
    for (const TableDef &table : m_store.definition().tables()) {
        for (qsizetype i = 0; i < table.seedRows.size(); ++i) {
            const QJsonObject &body = table.seedRows.at(i);
            const QString where = u"Tables(%1).Rows[%2]"_s.arg(table.logicalName).arg(i);
            const QJsonValue pk = body.value(table.primaryIdAttribute);
            if (pk.isString() && m_store.find(table, QUuid::fromString(pk.toString())))
                continue;
            // Columns a client may not set on create are the system's to write: set them after the create.
            QJsonObject createBody;
            QList<QPair<const AttributeDef *, QJsonValue>> systemValues;
            for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
                const AttributeDef *a = table.attribute(it.key());
                if (a && !a->isLookup() && !a->validForCreate)
                    systemValues.append({a, it.value()});
                else
                    createBody.insert(it.key(), it.value());
            }
            QUuid id;
            if (const auto err = createRow(table, createBody, context, &id)) {
                *error = u"Invalid seed row %1: %2"_s.arg(where, errorMessage(*err));
                return false;
            }
            if (!systemValues.isEmpty()) {
                Row row = *m_store.find(table, id);
                for (const auto &[attribute, value] : std::as_const(systemValues)) {
                    QJsonValue normalized;
                    if (const auto err = validateValue(table, *attribute, value, &normalized)) {
                        m_store.remove(table, id);
                        *error = u"Invalid seed row %1: %2"_s.arg(where, errorMessage(*err));
                        return false;
                    }
                    row.values.insert(attribute->logicalName, normalized);
                }
                m_store.replace(table, row);
            }
            ++stored;
        }
    }
    qCDebug(lcSeedRows) << "stored" << stored << "seed rows";
    return true;
}

void RecordApi::applyDefaultCurrency(const TableDef &table, Row &row) const
{
    // Sandbox rule (README "Org tables"): a row that holds a money value and no currency gets the org's base
    // currency, the way Dataverse fills in the currency when the client sends none.
    const QUuid base = m_store.definition().organization().baseCurrencyId;
    const AttributeDef *currency = table.attribute(u"transactioncurrencyid");
    if (base.isNull() || !currency || !currency->isLookup() ||
        row.values.value(currency->logicalName).isString())
        return;
    for (const AttributeDef &a : table.attributes) {
        if (a.typeName == u"MoneyType"_s && a.attributeOf.isEmpty() &&
            row.values.value(a.logicalName).isDouble()) {
            row.values.insert(currency->logicalName, base.toString(QUuid::WithoutBraces));
            row.lookupTargets.insert(currency->logicalName, u"transactioncurrency"_s);
            return;
        }
    }
}

} // namespace d365::sandbox
