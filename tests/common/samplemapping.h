#pragma once

// Test support: mapping files over the sample warehouse, and reading back what a sync wrote.
//
//   const QString mapping = writeSampleMapping(dir.filePath(u"m.json"_s), [](QJsonObject &m) {
//       m.insert(u"mode"_s, u"insert"_s);
//   });
//   const QList<QJsonObject> rows = readRecords(sandbox, u"contacts?$select=emailaddress1"_s);
//
// Integration tests share one sandbox org per test case; each gives its rows a prefix of its own (on the
// e-mail address, the sample mapping's match key) so tests never see each other's records.

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace d365::testsupport {

class SandboxProcess;

// resources/sample/customers-to-contacts.json reading the built sample warehouse, after `edit`; written to
// `path`. Empty on an I/O error.
QString writeSampleMapping(const QString &path, const std::function<void(QJsonObject &)> &edit = {});

// The sample query for customers 1..rows with every e-mail address prefixed; `extraColumns` replace the named
// columns, e.g. {{"job_title", "upper(job_title)"}}.
QString prefixedSampleQuery(const QString &prefix, int rows,
                            const QList<QPair<QString, QString>> &replacedColumns = {});

// Every record of `entitySetAndQuery` (e.g. "contacts?$select=…&$filter=…"), following @odata.nextLink;
// nullopt semantics: an empty list and a warning when a page fails.
QList<QJsonObject> readRecords(const SandboxProcess &sandbox, const QString &entitySetAndQuery);

// The counts of a run's --report add up: every row read has exactly one outcome, and rows read plus rows not
// read are the total. Fails the current test (QCOMPARE) otherwise; check QTest::currentTestFailed() after.
void checkAccounting(const QJsonObject &report);

} // namespace d365::testsupport
