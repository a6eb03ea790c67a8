// `d365sync-cli validate` and `run` against an org whose match key is not usable yet (FACTS §3: a new
// alternate key's index is built asynchronously; Pending, InProgress and Failed keys address no rows). The
// sandbox's /_sandbox/keys admin endpoint moves the contact key new_EmailKey (the sample mapping's match key)
// through the states, as the service's index job would.

#include "common/cliprocess.h"
#include "common/samplemapping.h"
#include "common/sandboxprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::testsupport::CliResult;
using d365::testsupport::runCli;

class TestCliKeyStatus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void validate_matchKeyNotActive_exitTwoNamesStatusAndWhatToDo_data();
    void validate_matchKeyNotActive_exitTwoNamesStatusAndWhatToDo();
    void validate_matchKeyActiveAgain_succeeds();

private:
    CliResult cli(const QStringList &arguments) { return runCli(m_settings, arguments); }
    QString setKeyStatus(const QString &status);

    d365::testsupport::SandboxProcess m_sandbox;
    QTemporaryDir m_dir;
    QString m_settings;
    QString m_mapping;
};

QString TestCliKeyStatus::setKeyStatus(const QString &status)
{
    const auto r = d365::testsupport::request(
        "POST", m_sandbox.baseUrl().resolved(QUrl(u"/_sandbox/keys"_s)),
        {{"Content-Type", "application/json"}},
        QJsonDocument(
            QJsonObject{{u"table"_s, u"contact"_s}, {u"key"_s, u"new_EmailKey"_s}, {u"status"_s, status}})
            .toJson(QJsonDocument::Compact));
    return r.status == 200 ? r.json()[u"status"].toString() : u"HTTP %1"_s.arg(r.status);
}

void TestCliKeyStatus::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_sandbox.start());
    m_settings = m_dir.filePath(u"settings.ini"_s);
    const CliResult added = cli(
        {u"profile"_s, u"add"_s, u"sandbox"_s, u"--url"_s, m_sandbox.baseUrl().toString(), u"--sandbox"_s});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    m_mapping = d365::testsupport::writeSampleMapping(m_dir.filePath(u"sample.json"_s), {});
    QVERIFY(!m_mapping.isEmpty());
}

void TestCliKeyStatus::validate_matchKeyNotActive_exitTwoNamesStatusAndWhatToDo_data()
{
    QTest::addColumn<QString>("status");
    QTest::newRow("Pending") << u"Pending"_s;
    QTest::newRow("InProgress") << u"InProgress"_s;
    QTest::newRow("Failed") << u"Failed"_s;
}

void TestCliKeyStatus::validate_matchKeyNotActive_exitTwoNamesStatusAndWhatToDo()
{
    QFETCH(QString, status);
    QCOMPARE(setKeyStatus(status), status);
    const CliResult validate = cli({u"validate"_s, m_mapping});
    QCOMPARE(validate.exitCode, 2);
    for (const QString &part :
         {u"$.target.matchKey"_s, u"new_EmailKey"_s, u"status %1"_s.arg(status),
          u"Wait until Dataverse has built its index"_s, u"reactivate it if it failed"_s}) {
        QVERIFY2(validate.err.contains(part), qPrintable(part + u" not in: "_s + validate.err));
    }
    // `run` refuses the same way before it sends a row.
    const CliResult run = cli({u"run"_s, m_mapping});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"status %1"_s.arg(status)), qPrintable(run.err));
    QCOMPARE(d365::testsupport::readRecords(m_sandbox, u"contacts?$select=contactid"_s).size(), 0);
}

void TestCliKeyStatus::validate_matchKeyActiveAgain_succeeds()
{
    QCOMPARE(setKeyStatus(u"Active"_s), u"Active"_s);
    const CliResult validate = cli({u"validate"_s, m_mapping});
    QVERIFY2(validate.exitCode == 0, qPrintable(validate.err));
    QVERIFY2(validate.out.contains("is valid"_L1), qPrintable(validate.out));
}

QTEST_GUILESS_MAIN(TestCliKeyStatus)
#include "tst_clikeystatus.moc"
