#include "samplemapping.h"

#include "sandboxprocess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

namespace d365::testsupport {

QString writeSampleMapping(const QString &path, const std::function<void(QJsonObject &)> &edit)
{
    QFile sample(QStringLiteral(D365_SOURCE_DIR "/resources/sample/customers-to-contacts.json"));
    if (!sample.open(QIODevice::ReadOnly)) {
        return {};
    }
    QJsonObject mapping = QJsonDocument::fromJson(sample.readAll()).object();
    QJsonObject source = mapping.value("source"_L1).toObject();
    source.insert(u"path"_s, QStringLiteral(D365_SAMPLE_DB));
    mapping.insert(u"source"_s, source);
    if (edit) {
        edit(mapping);
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(mapping).toJson()) < 0) {
        return {};
    }
    return path;
}

QString prefixedSampleQuery(const QString &prefix, int rows, const QList<QPair<QString, QString>> &replaced)
{
    QStringList columns{u"customer_id"_s,    u"'%1' || email AS email"_s.arg(prefix),
                        u"first_name"_s,     u"last_name"_s,
                        u"phone"_s,          u"job_title"_s,
                        u"city"_s,           u"company"_s,
                        u"lifetime_value"_s, u"lead_source"_s,
                        u"signup_date"_s};
    for (const auto &[name, expression] : replaced) {
        for (QString &column : columns) {
            if (column == name) {
                column = expression + u" AS "_s + name;
            }
        }
    }
    return u"SELECT %1 FROM customers WHERE customer_id <= %2 ORDER BY customer_id"_s.arg(
        columns.join(u", "_s), QString::number(rows));
}

QList<QJsonObject> readRecords(const SandboxProcess &sandbox, const QString &entitySetAndQuery)
{
    QList<QJsonObject> rows;
    QUrl url = sandbox.webApiUrl().resolved(QUrl(entitySetAndQuery));
    while (url.isValid() && !url.isEmpty()) {
        const HttpResult page =
            request("GET", url, {{"Authorization", "Bearer test"}, {"Prefer", "odata.maxpagesize=5000"}});
        if (page.status != 200) {
            qWarning() << "GET" << url << "answered" << page.status << page.body.left(500) << page.error;
            return {};
        }
        const QJsonObject json = page.json().object();
        for (const auto &row : json.value("value"_L1).toArray()) {
            rows.append(row.toObject());
        }
        url = QUrl(json.value("@odata.nextLink"_L1).toString());
    }
    return rows;
}

void checkAccounting(const QJsonObject &report)
{
    const QJsonObject check = report.value("outcomeCheck"_L1).toObject();
    QCOMPARE(check.value("rowsWithoutOutcome"_L1).toInt(-1), 0);
    QCOMPARE(check.value("duplicateOutcomes"_L1).toInt(-1), 0);
    const auto count = [&](QLatin1StringView member) { return report.value(member).toInteger(); };
    qint64 outcomes = count("unchanged"_L1) + count("failed"_L1) + count("skipped"_L1);
    qint64 extras = 0; // an audience's mirror: the extra members' outcome lines are not source rows
    if (report.contains("audience"_L1)) {
        extras = report.value("audience"_L1).toObject().value("extras"_L1).toInteger();
        outcomes += count("added"_L1) + count("alreadyMember"_L1) + count("removed"_L1) +
                    count("notMember"_L1) - extras;
    } else {
        outcomes += count("created"_L1) + count("updated"_L1) + count("upserted"_L1);
    }
    QCOMPARE(outcomes, report.value("rowsRead"_L1).toInteger());
    QCOMPARE(check.value("outcomes"_L1).toInteger(), outcomes + extras);
    if (report.value("total"_L1).toInteger() >= 0) {
        QCOMPARE(report.value("rowsRead"_L1).toInteger() + report.value("notRead"_L1).toInteger(),
                 report.value("total"_L1).toInteger());
    }
}

} // namespace d365::testsupport
