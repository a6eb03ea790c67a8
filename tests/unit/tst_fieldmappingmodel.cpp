// FieldMappingModel: a Mapping's fields as Source → Target rows with a Key marker on match-key columns.

#include "models/fieldmappingmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using d365::models::FieldMappingModel;
using d365::services::FieldMapping;
using d365::services::Mapping;

namespace {

Mapping contactsMapping(const QStringList &matchKey)
{
    Mapping mapping;
    mapping.name = u"Customers to contacts"_s;
    mapping.source.path = u"/data/warehouse.db"_s;
    mapping.source.query = u"SELECT * FROM customers"_s;
    mapping.source.keyColumn = u"customer_id"_s;
    mapping.target.profile = u"sandbox"_s;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = matchKey;
    mapping.fields = {{u"customer_no"_s, u"new_customernumber"_s},
                      {u"first_name"_s, u"firstname"_s},
                      {u"last_name"_s, u"lastname"_s},
                      {u"email"_s, u"emailaddress1"_s}};
    return mapping;
}

} // namespace

class TestFieldMappingModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void setMapping_fields_showsOneRowPerFieldWithSourceAndTarget();
    void setMapping_matchKey_marksKeyRowsOnly_data();
    void setMapping_matchKey_marksKeyRowsOnly();
    void setMapping_again_resetsModelOnce();
    void mapping_afterSetMapping_returnsTheSameMapping();
    void clear_afterSetMapping_leavesNoRows();
    void flags_sourceAndTargetCells_areEditableOthersNot();
    void headerData_columns_namesEveryColumn();
};

void TestFieldMappingModel::setMapping_fields_showsOneRowPerFieldWithSourceAndTarget()
{
    FieldMappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMapping(contactsMapping({u"new_customernumber"_s}));

    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), int(FieldMappingModel::ColumnCount));
    QCOMPARE(model.index(1, FieldMappingModel::SourceColumn).data().toString(), u"first_name"_s);
    QCOMPARE(model.index(1, FieldMappingModel::TargetColumn).data().toString(), u"firstname"_s);
    QCOMPARE(model.index(3, FieldMappingModel::TargetColumn).data(Qt::UserRole).toString(),
             u"emailaddress1"_s);
}

void TestFieldMappingModel::setMapping_matchKey_marksKeyRowsOnly_data()
{
    QTest::addColumn<QStringList>("matchKey");
    QTest::addColumn<QList<bool>>("keyRows");

    QTest::newRow("no key") << QStringList{} << QList<bool>{false, false, false, false};
    QTest::newRow("single key") << QStringList{u"new_customernumber"_s}
                                << QList<bool>{true, false, false, false};
    QTest::newRow("composite key") << QStringList{u"firstname"_s, u"lastname"_s}
                                   << QList<bool>{false, true, true, false};
    QTest::newRow("key in other case")
        << QStringList{u"EmailAddress1"_s} << QList<bool>{false, false, false, true};
    QTest::newRow("key not mapped") << QStringList{u"contactid"_s} << QList<bool>{false, false, false, false};
}

void TestFieldMappingModel::setMapping_matchKey_marksKeyRowsOnly()
{
    QFETCH(QStringList, matchKey);
    QFETCH(QList<bool>, keyRows);

    FieldMappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMapping(contactsMapping(matchKey));

    QCOMPARE(model.rowCount(), keyRows.size());
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex key = model.index(row, FieldMappingModel::KeyColumn);
        QCOMPARE(key.data(Qt::UserRole).toBool(), keyRows.at(row));
        QCOMPARE(key.data().toString(), keyRows.at(row) ? u"Key"_s : QString());
        QCOMPARE(model.isKeyRow(row), keyRows.at(row));
    }
}

void TestFieldMappingModel::setMapping_again_resetsModelOnce()
{
    FieldMappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMapping(contactsMapping({}));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    Mapping smaller = contactsMapping({});
    smaller.fields.removeLast();
    model.setMapping(smaller);

    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 3);
}

void TestFieldMappingModel::mapping_afterSetMapping_returnsTheSameMapping()
{
    FieldMappingModel model;
    const Mapping original = contactsMapping({u"lastname"_s});
    model.setMapping(original);

    const Mapping copy = model.mapping();
    QCOMPARE(copy.name, original.name);
    QCOMPARE(copy.source.query, original.source.query);
    QCOMPARE(copy.target.entitySet, original.target.entitySet);
    QCOMPARE(copy.target.matchKey, original.target.matchKey);
    QCOMPARE(copy.fields.size(), original.fields.size());
    for (int i = 0; i < copy.fields.size(); ++i) {
        QCOMPARE(copy.fields.at(i).source, original.fields.at(i).source);
        QCOMPARE(copy.fields.at(i).target, original.fields.at(i).target);
    }
}

void TestFieldMappingModel::clear_afterSetMapping_leavesNoRows()
{
    FieldMappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMapping(contactsMapping({}));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.mapping().fields.isEmpty());
}

void TestFieldMappingModel::flags_sourceAndTargetCells_areEditableOthersNot()
{
    FieldMappingModel model;
    model.setMapping(contactsMapping({}));
    for (int column = 0; column < model.columnCount(); ++column) {
        const Qt::ItemFlags flags = model.flags(model.index(0, column));
        QVERIFY(flags.testFlag(Qt::ItemIsEnabled));
        QVERIFY(flags.testFlag(Qt::ItemIsSelectable));
        QVERIFY(flags.testFlag(Qt::ItemIsDropEnabled));
        const bool editable =
            column == FieldMappingModel::SourceColumn || column == FieldMappingModel::TargetColumn;
        QCOMPARE(flags.testFlag(Qt::ItemIsEditable), editable);
    }
    // Drops below the last row add fields.
    QVERIFY(model.flags({}).testFlag(Qt::ItemIsDropEnabled));
}

void TestFieldMappingModel::headerData_columns_namesEveryColumn()
{
    FieldMappingModel model;
    QCOMPARE(model.headerData(FieldMappingModel::SourceColumn, Qt::Horizontal).toString(),
             u"Source column"_s);
    QCOMPARE(model.headerData(FieldMappingModel::TargetColumn, Qt::Horizontal).toString(),
             u"Target column"_s);
    QCOMPARE(model.headerData(FieldMappingModel::KeyColumn, Qt::Horizontal).toString(), u"Key"_s);
}

QTEST_GUILESS_MAIN(TestFieldMappingModel)
#include "tst_fieldmappingmodel.moc"
