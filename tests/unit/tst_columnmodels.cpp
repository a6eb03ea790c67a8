// The two column lists of the mapping editor and what they carry in a drag: SourceColumnModel (warehouse
// columns), TargetColumnModel (the table's columns) and the schema dock's AttributeListModel, with our MIME
// type (ColumnDrag: stable names, never rows or pointers). A drop never changes anything by itself: it is
// checked again in dropMimeData and becomes a mapRequested(source, target) request (QSignalSpy).

#include "common/samplemetadata.h"
#include "models/attributelistmodel.h"
#include "models/columndrag.h"
#include "models/editorroles.h"
#include "models/sourcecolumnmodel.h"
#include "models/targetcolumnmodel.h"

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using d365::models::ColumnDrag;
using d365::models::SourceColumnModel;
using d365::models::TargetColumnModel;
using d365::services::SyncMode;

namespace {

std::unique_ptr<QMimeData> drag(ColumnDrag::Side side, const QStringList &columns,
                                const QString &entitySet = u"contacts"_s)
{
    return std::unique_ptr<QMimeData>(d365::models::encodeColumnDrag({side, entitySet, columns}));
}

} // namespace

class TestColumnModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void columnDrag_roundTrip_keepsSideTableAndNames();
    void columnDrag_malformed_isRefused_data();
    void columnDrag_malformed_isRefused();

    void sourceModel_columns_listsNamesTypesAndTheirTargets();
    void sourceModel_mimeData_carriesTheColumnName();
    void sourceModel_dropOfATableColumnOnARow_requestsTheMapping();
    void sourceModel_dropOfOtherData_isRefused_data();
    void sourceModel_dropOfOtherData_isRefused();

    void targetModel_entity_sortedByDisplayNameWithoutNameCompanions();
    void targetModel_mode_decidesWhatIsMappable();
    void targetModel_requiredColumnWithoutField_isAWarningUntilMapped();
    void targetModel_dropOfAWarehouseColumn_requestsTheMapping();
    void targetModel_dropOnAReadOnlyColumn_isRefused();

    void attributeListModel_drag_onlyWritableColumnsOfTheTable();
};

void TestColumnModels::columnDrag_roundTrip_keepsSideTableAndNames()
{
    const ColumnDrag original{ColumnDrag::Side::Target, u"contacts"_s, {u"firstname"_s, u"lastname"_s}};
    std::unique_ptr<QMimeData> data(d365::models::encodeColumnDrag(original));
    QVERIFY(data->hasFormat(QString::fromLatin1(d365::models::ColumnMimeType)));
    QCOMPARE(data->text(), u"firstname, lastname"_s);
    const auto decoded = d365::models::decodeColumnDrag(data.get());
    QVERIFY(decoded);
    QCOMPARE(*decoded, original);
}

void TestColumnModels::columnDrag_malformed_isRefused_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("not json") << QByteArray("firstname");
    QTest::newRow("unknown side") << QByteArray(R"({"side":"left","columns":["a"]})");
    QTest::newRow("no columns") << QByteArray(R"({"side":"source","columns":[]})");
    QTest::newRow("empty name") << QByteArray(R"({"side":"source","columns":[" "]})");
    QTest::newRow("number as name") << QByteArray(R"({"side":"source","columns":[3]})");
    QTest::newRow("target without table") << QByteArray(R"({"side":"target","columns":["a"]})");
}

void TestColumnModels::columnDrag_malformed_isRefused()
{
    QFETCH(QByteArray, payload);
    QMimeData data;
    data.setData(QString::fromLatin1(d365::models::ColumnMimeType), payload);
    QVERIFY(!d365::models::decodeColumnDrag(&data));
    QMimeData text;
    text.setText(u"firstname"_s); // plain text from another program
    QVERIFY(!d365::models::decodeColumnDrag(&text));
}

void TestColumnModels::sourceModel_columns_listsNamesTypesAndTheirTargets()
{
    SourceColumnModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setColumns({u"email"_s, u"customer_id"_s}, {{u"customer_id"_s, QMetaType::LongLong}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(1, SourceColumnModel::TypeColumn).data().toString(), u"integer"_s);
    QCOMPARE(model.index(0, SourceColumnModel::TypeColumn).data().toString(), u"any"_s);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setMappedTargets({{u"email"_s, {u"emailaddress1"_s}}});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(0, SourceColumnModel::MappedColumn).data().toString(), u"emailaddress1"_s);
    QCOMPARE(model.index(0, 0).data(d365::models::NameRole).toString(), u"email"_s);
    QVERIFY(model.flags(model.index(0, 0)).testFlag(Qt::ItemIsDragEnabled));
    QCOMPARE(model.rowOf(u"customer_id"_s), 1);
}

void TestColumnModels::sourceModel_mimeData_carriesTheColumnName()
{
    SourceColumnModel model;
    model.setColumns({u"email"_s, u"city"_s}, {});
    std::unique_ptr<QMimeData> data(model.mimeData({model.index(1, 0), model.index(1, 2)}));
    const auto decoded = d365::models::decodeColumnDrag(data.get());
    QVERIFY(decoded);
    QCOMPARE(decoded->side, ColumnDrag::Side::Source);
    QCOMPARE(decoded->columns, QStringList({u"city"_s}));
    QCOMPARE(model.supportedDragActions(), Qt::CopyAction); // never Move: the view would remove the row
}

void TestColumnModels::sourceModel_dropOfATableColumnOnARow_requestsTheMapping()
{
    SourceColumnModel model;
    model.setColumns({u"email"_s, u"city"_s}, {});
    model.setTargetTable(u"contacts"_s, {u"address1_city"_s, u"emailaddress1"_s});
    QSignalSpy requested(&model, &SourceColumnModel::mapRequested);
    const auto data = drag(ColumnDrag::Side::Target, {u"address1_city"_s});
    QVERIFY(model.canDropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(1, 0)));
    QVERIFY(model.dropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(1, 0)));
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first(), QVariantList({u"city"_s, u"address1_city"_s}));
    QCOMPARE(model.rowCount(), 2); // the model itself is unchanged
}

void TestColumnModels::sourceModel_dropOfOtherData_isRefused_data()
{
    QTest::addColumn<int>("side");
    QTest::addColumn<QStringList>("columns");
    QTest::addColumn<QString>("entitySet");
    QTest::addColumn<int>("row"); // -1: onto a row; else between rows
    QTest::newRow("another table") << int(ColumnDrag::Side::Target) << QStringList{u"address1_city"_s}
                                   << u"accounts"_s << -1;
    QTest::newRow("not mappable") << int(ColumnDrag::Side::Target) << QStringList{u"fullname"_s}
                                  << u"contacts"_s << -1;
    QTest::newRow("a warehouse column")
        << int(ColumnDrag::Side::Source) << QStringList{u"email"_s} << QString() << -1;
    QTest::newRow("two columns") << int(ColumnDrag::Side::Target)
                                 << QStringList{u"address1_city"_s, u"emailaddress1"_s} << u"contacts"_s
                                 << -1;
    QTest::newRow("between rows") << int(ColumnDrag::Side::Target) << QStringList{u"address1_city"_s}
                                  << u"contacts"_s << 1;
}

void TestColumnModels::sourceModel_dropOfOtherData_isRefused()
{
    QFETCH(int, side);
    QFETCH(QStringList, columns);
    QFETCH(QString, entitySet);
    QFETCH(int, row);
    SourceColumnModel model;
    model.setColumns({u"email"_s, u"city"_s}, {});
    model.setTargetTable(u"contacts"_s, {u"address1_city"_s, u"emailaddress1"_s});
    QSignalSpy requested(&model, &SourceColumnModel::mapRequested);
    const auto data = drag(ColumnDrag::Side(side), columns, entitySet);
    const QModelIndex parent = row < 0 ? model.index(1, 0) : QModelIndex();
    QVERIFY(!model.canDropMimeData(data.get(), Qt::CopyAction, row, -1, parent));
    QVERIFY(!model.dropMimeData(data.get(), Qt::CopyAction, row, -1, parent));
    QCOMPARE(requested.count(), 0);
}

void TestColumnModels::targetModel_entity_sortedByDisplayNameWithoutNameCompanions()
{
    TargetColumnModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntity(d365::testsupport::sampleContactEntity());
    QCOMPARE(model.entitySet(), u"contacts"_s);
    QCOMPARE(model.rowCount(), d365::testsupport::sampleContactEntity().attributes.size() - 1);
    QCOMPARE(model.rowOf(u"parentcustomeridname"_s), -1);
    QCOMPARE(model.index(0, TargetColumnModel::DisplayNameColumn).data().toString(), u"Address 1: City"_s);
    const int email = model.rowOf(u"emailaddress1"_s);
    QCOMPARE(model.index(email, TargetColumnModel::LogicalNameColumn).data().toString(), u"emailaddress1"_s);
    QCOMPARE(model.index(email, TargetColumnModel::TypeColumn).data().toString(), u"String"_s);
    QCOMPARE(model.index(model.rowOf(u"lastname"_s), TargetColumnModel::RequiredColumn).data().toString(),
             u"Business required"_s);
    QCOMPARE(model.index(model.rowOf(u"contactid"_s), TargetColumnModel::UpdateColumn).data().toString(),
             u"No"_s);
}

void TestColumnModels::targetModel_mode_decidesWhatIsMappable()
{
    TargetColumnModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntity(d365::testsupport::sampleContactEntity());
    const int fullname = model.rowOf(u"fullname"_s);
    const int statecode = model.rowOf(u"statecode"_s);
    QVERIFY(!model.isMappable(fullname));
    QVERIFY(!model.flags(model.index(fullname, 0)).testFlag(Qt::ItemIsDragEnabled));
    QCOMPARE(model.index(fullname, 0).data(d365::models::MappableRole).toBool(), false);
    QVERIFY(model.isMappable(statecode)); // upsert may update it
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setMode(SyncMode::Insert);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!model.isMappable(statecode)); // not valid for create
    QVERIFY(!model.mappableColumns().contains(u"statecode"_s));
    QVERIFY(model.mappableColumns().contains(u"firstname"_s));
}

void TestColumnModels::targetModel_requiredColumnWithoutField_isAWarningUntilMapped()
{
    TargetColumnModel model;
    model.setEntity(d365::testsupport::sampleContactEntity());
    const QModelIndex lastname = model.index(model.rowOf(u"lastname"_s), 0);
    QCOMPARE(lastname.data(d365::models::SeverityRole).toInt(), int(d365::models::Severity::Warning));
    QVERIFY(lastname.data(d365::models::ProblemsRole).toString().contains(u"required"_s));
    // Dataverse fills the owner itself; the primary key is not asked for.
    QCOMPARE(model.index(model.rowOf(u"ownerid"_s), 0).data(d365::models::SeverityRole).toInt(), 0);
    QCOMPARE(model.index(model.rowOf(u"contactid"_s), 0).data(d365::models::SeverityRole).toInt(), 0);
    model.setMappedSources({{u"lastname"_s, u"last_name"_s}});
    QCOMPARE(lastname.data(d365::models::SeverityRole).toInt(), 0);
    QCOMPARE(model.index(lastname.row(), TargetColumnModel::MappedColumn).data().toString(), u"last_name"_s);
    model.setMappedSources({});
    model.setMode(SyncMode::Update); // an update never creates: nothing is required
    QCOMPARE(lastname.data(d365::models::SeverityRole).toInt(), 0);
}

void TestColumnModels::targetModel_dropOfAWarehouseColumn_requestsTheMapping()
{
    TargetColumnModel model;
    model.setEntity(d365::testsupport::sampleContactEntity());
    model.setSourceColumns({u"city"_s, u"email"_s});
    QSignalSpy requested(&model, &TargetColumnModel::mapRequested);
    const QModelIndex city = model.index(model.rowOf(u"address1_city"_s), 0);
    const auto data = drag(ColumnDrag::Side::Source, {u"city"_s}, QString());
    QVERIFY(model.dropMimeData(data.get(), Qt::CopyAction, -1, -1, city));
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first(), QVariantList({u"city"_s, u"address1_city"_s}));
    // A column the query does not return (a drag from a stale list) is refused.
    const auto stale = drag(ColumnDrag::Side::Source, {u"town"_s}, QString());
    QVERIFY(!model.dropMimeData(stale.get(), Qt::CopyAction, -1, -1, city));
    QCOMPARE(requested.count(), 1);
    // The mapping list's own drag of a table column onto another table column means nothing.
    const auto target = drag(ColumnDrag::Side::Target, {u"firstname"_s});
    QVERIFY(!model.canDropMimeData(target.get(), Qt::CopyAction, -1, -1, city));
}

void TestColumnModels::targetModel_dropOnAReadOnlyColumn_isRefused()
{
    TargetColumnModel model;
    model.setEntity(d365::testsupport::sampleContactEntity());
    model.setSourceColumns({u"first_name"_s});
    const QModelIndex fullname = model.index(model.rowOf(u"fullname"_s), 0);
    QVERIFY(!model.flags(fullname).testFlag(Qt::ItemIsDropEnabled));
    const auto data = drag(ColumnDrag::Side::Source, {u"first_name"_s}, QString());
    QVERIFY(!model.canDropMimeData(data.get(), Qt::CopyAction, -1, -1, fullname));
}

void TestColumnModels::attributeListModel_drag_onlyWritableColumnsOfTheTable()
{
    d365::models::AttributeListModel model;
    model.setEntity(d365::testsupport::sampleContactEntity());
    int firstname = -1;
    int fullname = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QString name = model.index(row, 0).data(Qt::UserRole).toString();
        firstname = name == "firstname"_L1 ? row : firstname;
        fullname = name == "fullname"_L1 ? row : fullname;
    }
    QVERIFY(model.flags(model.index(firstname, 0)).testFlag(Qt::ItemIsDragEnabled));
    QVERIFY(!model.flags(model.index(fullname, 0)).testFlag(Qt::ItemIsDragEnabled));
    std::unique_ptr<QMimeData> data(model.mimeData({model.index(firstname, 0), model.index(fullname, 0)}));
    const auto decoded = d365::models::decodeColumnDrag(data.get());
    QVERIFY(decoded);
    QCOMPARE(decoded->side, ColumnDrag::Side::Target);
    QCOMPARE(decoded->entitySet, u"contacts"_s);
    QCOMPARE(decoded->columns, QStringList({u"firstname"_s}));
    QVERIFY(!model.mimeData({model.index(fullname, 0)}));
}

QTEST_GUILESS_MAIN(TestColumnModels)
#include "tst_columnmodels.moc"
