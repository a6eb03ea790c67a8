// The dry run's comparison of what a row would send with the record as it is: which columns count as
// changed, and which values are the same although written differently.

#include "services/sync/rowpreview.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;

class TestRowPreview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void compare_sameValuesWrittenDifferently_noChange_data();
    void compare_sameValuesWrittenDifferently_noChange();
    void compare_differentValues_areChanges_data();
    void compare_differentValues_areChanges();
    void compare_lookupByKey_isShownButNotCompared();
    void newRecord_everyMemberFromNothing();
    void parseMembers_readsTheWritersText();
};

namespace {

const QHash<QString, QString> Lookups{{u"parentcustomerid_account@odata.bind"_s, u"parentcustomerid"_s}};
const QString AccountId = u"a1a1a1a1-0000-4000-8000-000000000001"_s;

} // namespace

void TestRowPreview::compare_sameValuesWrittenDifferently_noChange_data()
{
    QTest::addColumn<QJsonObject>("sent");
    QTest::addColumn<QJsonObject>("record");
    QTest::newRow("text") << QJsonObject{{u"firstname"_s, u"Ana"_s}}
                          << QJsonObject{{u"firstname"_s, u"Ana"_s}};
    QTest::newRow("decimal") << QJsonObject{{u"new_lifetimevalue"_s, 12.5}}
                             << QJsonObject{{u"new_lifetimevalue"_s, 12.50000000001}};
    QTest::newRow("choice") << QJsonObject{{u"new_leadsource"_s, 100000002}}
                            << QJsonObject{{u"new_leadsource"_s, 100000002.0}};
    QTest::newRow("date-time, other notation")
        << QJsonObject{{u"birthdate"_s, u"2024-05-01T10:00:00Z"_s}}
        << QJsonObject{{u"birthdate"_s, u"2024-05-01T12:00:00.000+02:00"_s}};
    QTest::newRow("empty text is null")
        << QJsonObject{{u"telephone1"_s, u""_s}} << QJsonObject{{u"telephone1"_s, QJsonValue::Null}};
    QTest::newRow("null sent, column absent")
        << QJsonObject{{u"jobtitle"_s, QJsonValue::Null}} << QJsonObject{};
    QTest::newRow("lookup by id, same record")
        << QJsonObject{{u"parentcustomerid_account@odata.bind"_s,
                        QString(u"/accounts("_s + AccountId + u')')}}
        << QJsonObject{{u"_parentcustomerid_value"_s, AccountId.toUpper()}};
    QTest::newRow("lookup cleared, already empty")
        << QJsonObject{{u"parentcustomerid_account@odata.bind"_s, QJsonValue::Null}}
        << QJsonObject{{u"_parentcustomerid_value"_s, QJsonValue::Null}};
}

void TestRowPreview::compare_sameValuesWrittenDifferently_noChange()
{
    QFETCH(QJsonObject, sent);
    QFETCH(QJsonObject, record);
    const QList<ColumnChange> changes = compareWithRecord(sent, record, Lookups);
    QVERIFY2(changes.isEmpty(), qPrintable(changes.value(0).column));
}

void TestRowPreview::compare_differentValues_areChanges_data()
{
    QTest::addColumn<QJsonObject>("sent");
    QTest::addColumn<QJsonObject>("record");
    QTest::addColumn<QString>("column");
    QTest::newRow("text, case differs") << QJsonObject{{u"firstname"_s, u"ana"_s}}
                                        << QJsonObject{{u"firstname"_s, u"Ana"_s}} << u"firstname"_s;
    QTest::newRow("number") << QJsonObject{{u"numberofchildren"_s, 3}}
                            << QJsonObject{{u"numberofchildren"_s, 2}} << u"numberofchildren"_s;
    QTest::newRow("value onto empty") << QJsonObject{{u"jobtitle"_s, u"CTO"_s}}
                                      << QJsonObject{{u"jobtitle"_s, QJsonValue::Null}} << u"jobtitle"_s;
    QTest::newRow("null onto value") << QJsonObject{{u"jobtitle"_s, QJsonValue::Null}}
                                     << QJsonObject{{u"jobtitle"_s, u"CTO"_s}} << u"jobtitle"_s;
    QTest::newRow("date-time, other instant")
        << QJsonObject{{u"birthdate"_s, u"2024-05-01T10:00:00Z"_s}}
        << QJsonObject{{u"birthdate"_s, u"2024-05-01T10:00:01Z"_s}} << u"birthdate"_s;
    QTest::newRow("lookup by id, other record")
        << QJsonObject{{u"parentcustomerid_account@odata.bind"_s,
                        QString(u"/accounts("_s + AccountId + u')')}}
        << QJsonObject{{u"_parentcustomerid_value"_s, u"b2b2b2b2-0000-4000-8000-000000000002"_s}}
        << u"parentcustomerid"_s;
    QTest::newRow("lookup cleared") << QJsonObject{{u"parentcustomerid_account@odata.bind"_s,
                                                    QJsonValue::Null}}
                                    << QJsonObject{{u"_parentcustomerid_value"_s, AccountId}}
                                    << u"parentcustomerid"_s;
}

void TestRowPreview::compare_differentValues_areChanges()
{
    QFETCH(QJsonObject, sent);
    QFETCH(QJsonObject, record);
    QFETCH(QString, column);
    const QList<ColumnChange> changes = compareWithRecord(sent, record, Lookups);
    QCOMPARE(changes.size(), 1);
    QCOMPARE(changes.first().column, column);
    QVERIFY(changes.first().compared);
    QCOMPARE(changes.first().after, sent.begin().value());
}

void TestRowPreview::compare_lookupByKey_isShownButNotCompared()
{
    const QJsonObject sent{{u"parentcustomerid_account@odata.bind"_s, u"/accounts(accountnumber='A1')"_s}};
    const QList<ColumnChange> changes =
        compareWithRecord(sent, {{u"_parentcustomerid_value"_s, AccountId}}, Lookups);
    QCOMPARE(changes.size(), 1);
    QVERIFY(!changes.first().compared);
    QCOMPARE(changes.first().before.toString(), AccountId);
}

void TestRowPreview::newRecord_everyMemberFromNothing()
{
    const QList<ColumnChange> columns = newRecordColumns(
        {{u"firstname"_s, u"Ana"_s}, {u"parentcustomerid_account@odata.bind"_s, u"/accounts(x='1')"_s}},
        Lookups);
    QCOMPARE(columns.size(), 2);
    for (const ColumnChange &column : columns) {
        QVERIFY(column.before.isNull());
    }
    QCOMPARE(columns.at(0).column, u"firstname"_s);
    QCOMPARE(columns.at(1).column, u"parentcustomerid"_s);
}

void TestRowPreview::parseMembers_readsTheWritersText()
{
    const QJsonObject parsed =
        parseMembers(R"("firstname":"Ana","new_leadsource":100000002,"jobtitle":null)");
    QCOMPARE(parsed.value("firstname"_L1).toString(), u"Ana"_s);
    QCOMPARE(parsed.value("new_leadsource"_L1).toInt(), 100000002);
    QVERIFY(parsed.value("jobtitle"_L1).isNull());
    QVERIFY(parseMembers("not json").isEmpty());
}

QTEST_GUILESS_MAIN(TestRowPreview)
#include "tst_rowpreview.moc"
