// FieldMappingModel: a Mapping's fields as Source → Target rows with a Key marker on match-key columns, an
// options summary and the live problems of each row. Edits (cells, drops of our MIME type) become requests
// (QSignalSpy), and the document's edits come back through setFields() as the smallest model change.

#include "models/columndrag.h"
#include "models/fieldmappingmodel.h"

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using d365::models::ColumnDrag;
using d365::models::FieldMappingModel;
using d365::services::EditorProblem;
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

    void setFields_oneEdit_changesOnlyTheRowsThatDiffer_data();
    void setFields_oneEdit_changesOnlyTheRowsThatDiffer();
    void setData_knownColumn_requestsTheChangeWithoutApplyingIt();
    void setData_unknownOrTakenColumn_isRefused();
    void drop_warehouseColumnOnARow_requestsANewSource();
    void drop_tableColumnsBelowTheRows_requestsNewFields();
    void drop_tableColumnOfAnotherTableOrTaken_isRefused();
    void problems_onTheirRows_colourAndListThem();
    void choices_targetCell_offersColumnsNoOtherFieldWrites();
    void display_constantAndOptions_areSummarised();
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

namespace {

FieldMappingModel *editableModel(QObject *parent)
{
    auto *model = new FieldMappingModel(parent);
    model->setMapping(contactsMapping({u"emailaddress1"_s}));
    model->setContext({u"customer_no"_s, u"first_name"_s, u"last_name"_s, u"email"_s, u"city"_s},
                      u"contacts"_s,
                      {u"new_customernumber"_s, u"firstname"_s, u"lastname"_s, u"emailaddress1"_s,
                       u"address1_city"_s, u"jobtitle"_s});
    return model;
}

std::unique_ptr<QMimeData> columns(ColumnDrag::Side side, const QStringList &names,
                                   const QString &entitySet = u"contacts"_s)
{
    return std::unique_ptr<QMimeData>(d365::models::encodeColumnDrag({side, entitySet, names}));
}

} // namespace

void TestFieldMappingModel::setFields_oneEdit_changesOnlyTheRowsThatDiffer_data()
{
    QTest::addColumn<QList<FieldMapping>>("fields");
    QTest::addColumn<int>("inserted");
    QTest::addColumn<int>("removed");
    QTest::addColumn<int>("changed");
    const QList<FieldMapping> original = contactsMapping({}).fields;

    QList<FieldMapping> appended = original;
    appended.append({u"city"_s, u"address1_city"_s});
    QTest::newRow("append") << appended << 1 << 0 << 0;
    QList<FieldMapping> inserted = original;
    inserted.insert(1, {u"city"_s, u"address1_city"_s});
    QTest::newRow("insert in the middle") << inserted << 1 << 0 << 0;
    QList<FieldMapping> removed = original;
    removed.removeAt(2);
    QTest::newRow("remove one") << removed << 0 << 1 << 0;
    QList<FieldMapping> changed = original;
    changed[1].source = u"given_name"_s;
    QTest::newRow("change one") << changed << 0 << 0 << 1;
    QList<FieldMapping> option = original;
    option[3].truncate = true;
    QTest::newRow("an option") << option << 0 << 0 << 1;
    QTest::newRow("all gone") << QList<FieldMapping>{} << 0 << 1 << 0;
    QTest::newRow("same") << original << 0 << 0 << 0;
}

void TestFieldMappingModel::setFields_oneEdit_changesOnlyTheRowsThatDiffer()
{
    QFETCH(QList<FieldMapping>, fields);
    QFETCH(int, inserted);
    QFETCH(int, removed);
    QFETCH(int, changed);
    FieldMappingModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMapping(contactsMapping({}));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy insertedSpy(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removedSpy(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changedSpy(&model, &QAbstractItemModel::dataChanged);

    model.setFields(fields);

    QCOMPARE(reset.count(), 0); // views keep their selection
    QCOMPARE(insertedSpy.count(), inserted);
    QCOMPARE(removedSpy.count(), removed);
    QCOMPARE(changedSpy.count(), changed);
    QCOMPARE(model.rowCount(), fields.size());
    for (int row = 0; row < fields.size(); ++row) {
        QCOMPARE(model.fieldAt(row).source, fields.at(row).source);
        QCOMPARE(model.fieldAt(row).target, fields.at(row).target);
        QCOMPARE(model.fieldAt(row).truncate, fields.at(row).truncate);
    }
}

void TestFieldMappingModel::setData_knownColumn_requestsTheChangeWithoutApplyingIt()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy requested(model, &FieldMappingModel::fieldChangeRequested);

    QVERIFY(model->setData(model->index(1, FieldMappingModel::SourceColumn), u"city"_s));
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().at(0).toInt(), 1);
    const auto field = requested.first().at(1).value<FieldMapping>();
    QCOMPARE(field.source, u"city"_s);
    QCOMPARE(field.target, u"firstname"_s);
    QCOMPARE(model->index(1, FieldMappingModel::SourceColumn).data().toString(),
             u"first_name"_s); // unchanged

    QVERIFY(model->setData(model->index(1, FieldMappingModel::TargetColumn), u"jobtitle"_s));
    QCOMPARE(requested.last().at(1).value<FieldMapping>().target, u"jobtitle"_s);
    // The same value again: accepted, nothing to do.
    QVERIFY(model->setData(model->index(1, FieldMappingModel::SourceColumn), u"first_name"_s));
    QCOMPARE(requested.count(), 2);
}

void TestFieldMappingModel::setData_unknownOrTakenColumn_isRefused()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QSignalSpy requested(model, &FieldMappingModel::fieldChangeRequested);
    QVERIFY(
        !model->setData(model->index(1, FieldMappingModel::SourceColumn), u"nickname"_s)); // not in the query
    QVERIFY(!model->setData(model->index(1, FieldMappingModel::TargetColumn), u"lastname"_s)); // row 2 has it
    QVERIFY(!model->setData(model->index(1, FieldMappingModel::TargetColumn), u"fullname"_s)); // not mappable
    QVERIFY(!model->setData(model->index(1, FieldMappingModel::KeyColumn), u"x"_s));
    QVERIFY(!model->setData(model->index(1, FieldMappingModel::SourceColumn), u""_s));
    QCOMPARE(requested.count(), 0);
}

void TestFieldMappingModel::drop_warehouseColumnOnARow_requestsANewSource()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QSignalSpy changed(model, &FieldMappingModel::fieldChangeRequested);
    QSignalSpy added(model, &FieldMappingModel::fieldsAddRequested);
    const auto data = columns(ColumnDrag::Side::Source, {u"city"_s}, QString());
    const QModelIndex row2 = model->index(2, FieldMappingModel::TargetColumn);
    QVERIFY(model->canDropMimeData(data.get(), Qt::CopyAction, -1, -1, row2));
    QVERIFY(model->dropMimeData(data.get(), Qt::CopyAction, -1, -1, row2));
    QCOMPARE(added.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toInt(), 2);
    QCOMPARE(changed.first().at(1).value<FieldMapping>().source, u"city"_s);
    QCOMPARE(changed.first().at(1).value<FieldMapping>().target, u"lastname"_s);
}

void TestFieldMappingModel::drop_tableColumnsBelowTheRows_requestsNewFields()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QSignalSpy added(model, &FieldMappingModel::fieldsAddRequested);
    const auto data = columns(ColumnDrag::Side::Target, {u"address1_city"_s, u"jobtitle"_s});
    QVERIFY(model->dropMimeData(data.get(), Qt::CopyAction, -1, -1, {})); // on the empty area
    QCOMPARE(added.count(), 1);
    const auto fields = added.first().at(0).value<QList<FieldMapping>>();
    QCOMPARE(fields.size(), 2);
    QCOMPARE(fields.at(0).target, u"address1_city"_s);
    QVERIFY(fields.at(0).source.isEmpty());   // the user chooses it next
    QCOMPARE(added.first().at(1).toInt(), 4); // below the last row
    const auto warehouse = columns(ColumnDrag::Side::Source, {u"city"_s}, QString());
    QVERIFY(model->dropMimeData(warehouse.get(), Qt::CopyAction, 1, -1, {})); // between rows 0 and 1
    QCOMPARE(added.last().at(1).toInt(), 1);
    QCOMPARE(added.last().at(0).value<QList<FieldMapping>>().first().source, u"city"_s);
}

void TestFieldMappingModel::drop_tableColumnOfAnotherTableOrTaken_isRefused()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QSignalSpy changed(model, &FieldMappingModel::fieldChangeRequested);
    QSignalSpy added(model, &FieldMappingModel::fieldsAddRequested);
    const auto otherTable = columns(ColumnDrag::Side::Target, {u"address1_city"_s}, u"accounts"_s);
    QVERIFY(!model->dropMimeData(otherTable.get(), Qt::CopyAction, -1, -1, {}));
    const auto taken = columns(ColumnDrag::Side::Target, {u"lastname"_s});
    QVERIFY(!model->dropMimeData(taken.get(), Qt::CopyAction, -1, -1, model->index(0, 0)));
    const auto unknown = columns(ColumnDrag::Side::Source, {u"nickname"_s}, QString());
    QVERIFY(!model->dropMimeData(unknown.get(), Qt::CopyAction, -1, -1, {}));
    const auto two = columns(ColumnDrag::Side::Source, {u"city"_s, u"email"_s}, QString());
    QVERIFY(
        !model->dropMimeData(two.get(), Qt::CopyAction, -1, -1, model->index(0, 0))); // one row, one column
    QVERIFY(!model->dropMimeData(taken.get(), Qt::MoveAction, -1, -1, {}));
    QCOMPARE(changed.count() + added.count(), 0);
}

void TestFieldMappingModel::problems_onTheirRows_colourAndListThem()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
    model->setProblems({{EditorProblem::Severity::Warning, u"$.fields[1].source"_s, u"long text"_s},
                        {EditorProblem::Severity::Error, u"$.fields[1].target"_s, u"read-only"_s},
                        {EditorProblem::Severity::Warning, u"$.fields[3]"_s, u"check it"_s},
                        {EditorProblem::Severity::Error, u"$.target.matchKey"_s, u"not a row"_s}});
    QCOMPARE(changed.count(), 1);
    using d365::models::Severity;
    QCOMPARE(model->index(0, 0).data(d365::models::SeverityRole).toInt(), int(Severity::None));
    QCOMPARE(model->index(1, 2).data(d365::models::SeverityRole).toInt(), int(Severity::Error));
    QCOMPARE(model->index(3, 0).data(d365::models::SeverityRole).toInt(), int(Severity::Warning));
    QCOMPARE(model->index(1, FieldMappingModel::ProblemColumn).data().toString(),
             u"read-only"_s); // errors first
    QCOMPARE(model->index(1, 0).data(d365::models::ProblemsRole).toString(), u"read-only\nlong text"_s);
    QVERIFY(model->index(1, 0).data(Qt::ToolTipRole).toString().contains(u"Error: read-only"_s));
    model->setProblems(model->mapping().fields.isEmpty()
                           ? QList<EditorProblem>{}
                           : QList<EditorProblem>{
                                 {EditorProblem::Severity::Warning, u"$.fields[1].source"_s, u"long text"_s},
                                 {EditorProblem::Severity::Error, u"$.fields[1].target"_s, u"read-only"_s},
                                 {EditorProblem::Severity::Warning, u"$.fields[3]"_s, u"check it"_s}});
    QCOMPARE(changed.count(), 1); // the same problems: nothing to repaint
}

void TestFieldMappingModel::choices_targetCell_offersColumnsNoOtherFieldWrites()
{
    QObject owner;
    FieldMappingModel *model = editableModel(&owner);
    const QStringList choices =
        model->index(1, FieldMappingModel::TargetColumn).data(d365::models::ChoicesRole).toStringList();
    QCOMPARE(choices, QStringList({u"firstname"_s, u"address1_city"_s, u"jobtitle"_s}));
    QCOMPARE(model->index(1, FieldMappingModel::SourceColumn)
                 .data(d365::models::ChoicesRole)
                 .toStringList()
                 .size(),
             5);
    QVERIFY(!model->index(1, FieldMappingModel::KeyColumn).data(d365::models::ChoicesRole).isValid());
}

void TestFieldMappingModel::display_constantAndOptions_areSummarised()
{
    Mapping mapping = contactsMapping({});
    mapping.fields[1].source.clear();
    mapping.fields[1].constant = u"Trade Show"_s;
    mapping.fields[2].nullPolicy = d365::services::NullPolicy::LeaveUnchanged;
    mapping.fields[2].truncate = true;
    mapping.fields[3].lookup = d365::services::LookupSpec{u"account"_s, {}, {u"accountnumber"_s}, {}};
    FieldMappingModel model;
    model.setMapping(mapping);
    QCOMPARE(model.index(1, FieldMappingModel::SourceColumn).data().toString(), u"= \"Trade Show\""_s);
    QCOMPARE(model.index(1, FieldMappingModel::OptionsColumn).data().toString(), u"constant"_s);
    QCOMPARE(model.index(2, FieldMappingModel::OptionsColumn).data().toString(),
             u"null leaves it unchanged, truncate"_s);
    QCOMPARE(model.index(3, FieldMappingModel::OptionsColumn).data().toString(),
             u"lookup account by accountnumber"_s);
    QVERIFY(model.index(0, FieldMappingModel::OptionsColumn).data().toString().isEmpty());
}

QTEST_GUILESS_MAIN(TestFieldMappingModel)
#include "tst_fieldmappingmodel.moc"
