// EntityListModel and AttributeListModel (the schema browser's models) under QAbstractItemModelTester:
// filtering by name and custom-only, roles, sorting through a proxy, and the column detail text.

#include "models/attributelistmodel.h"
#include "models/entitylistmodel.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::models;
using namespace d365::services;

namespace {

QList<EntitySummary> tables()
{
    return {
        {u"account"_s, u"accounts"_s, u"Account"_s, u"accountid"_s, u"name"_s, false, 1, u"Account"_s},
        {u"contact"_s, u"contacts"_s, u"Contact"_s, u"contactid"_s, u"fullname"_s, false, 2, u"Contact"_s},
        {u"cr5a1_warehouserow"_s, u"cr5a1_warehouserows"_s, u"Warehouse Row"_s, u"cr5a1_warehouserowid"_s,
         u"cr5a1_name"_s, true, 10001, u"cr5a1_WarehouseRow"_s},
        {u"new_loyaltycard"_s, u"new_loyaltycards"_s, u"Loyalty Card"_s, u"new_loyaltycardid"_s,
         u"new_name"_s, true, 10002, u"new_LoyaltyCard"_s}};
}

EntityMetadata contact()
{
    EntityMetadata e;
    e.logicalName = u"contact"_s;
    e.entitySetName = u"contacts"_s;
    auto add = [&e](const QString &name, AttributeKind kind, const QString &required,
                    std::optional<int> max) {
        AttributeMetadata a;
        a.logicalName = name;
        a.displayName = name.toUpper();
        a.kind = kind;
        a.typeName = attributeKindName(kind);
        a.requiredLevel = required;
        a.validForCreate = true;
        a.validForUpdate = name != "createdon"_L1;
        a.maxLength = max;
        e.attributes.append(a);
        return &e.attributes.last();
    };
    add(u"lastname"_s, AttributeKind::String, u"ApplicationRequired"_s, 50);
    add(u"emailaddress1"_s, AttributeKind::String, u"None"_s, 100);
    add(u"createdon"_s, AttributeKind::DateTime, u"None"_s, std::nullopt);
    AttributeMetadata *source = add(u"new_leadsource"_s, AttributeKind::Picklist, u"None"_s, std::nullopt);
    source->options = {{100000000, u"Web"_s}, {100000002, u"Trade Show"_s}};
    AttributeMetadata *customer =
        add(u"parentcustomerid"_s, AttributeKind::Customer, u"None"_s, std::nullopt);
    customer->targets = {u"account"_s, u"contact"_s};
    AttributeMetadata *name = add(u"parentcustomeridname"_s, AttributeKind::String, u"None"_s, 100);
    name->attributeOf = u"parentcustomerid"_s;
    e.keys = {{u"new_EmailKey"_s, {u"emailaddress1"_s}, u"Active"_s}};
    e.manyToOne = {{u"contact_customer_accounts"_s, u"parentcustomerid"_s, u"account"_s, u"accountid"_s,
                    u"parentcustomerid_account"_s}};
    return e;
}

} // namespace

class TestSchemaModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void entityList_filter_data();
    void entityList_filter();
    void entityList_rolesAndRowLookup();
    void attributeList_hidesNameCompanionsAndSortsByRawValue();
    void attributeList_describe_listsOptionsTargetsAndKeys();
};

void TestSchemaModels::entityList_filter_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("customOnly");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("everything") << QString() << false
                                << QStringList{u"account"_s, u"contact"_s, u"cr5a1_warehouserow"_s,
                                               u"new_loyaltycard"_s};
    QTest::newRow("by logical name, any case") << u"CONT"_s << false << QStringList{u"contact"_s};
    QTest::newRow("by display name") << u"loyalty c"_s << false << QStringList{u"new_loyaltycard"_s};
    QTest::newRow("by entity set") << u"rows"_s << false << QStringList{u"cr5a1_warehouserow"_s};
    QTest::newRow("custom only") << QString() << true
                                 << QStringList{u"cr5a1_warehouserow"_s, u"new_loyaltycard"_s};
    QTest::newRow("custom only and text") << u"account"_s << true << QStringList{};
    QTest::newRow("no match") << u"zzz"_s << false << QStringList{};
}

void TestSchemaModels::entityList_filter()
{
    QFETCH(QString, text);
    QFETCH(bool, customOnly);
    QFETCH(QStringList, expected);
    EntityListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTables(tables());
    model.setFilterText(text);
    model.setCustomOnly(customOnly);
    QStringList shown;
    for (int row = 0; row < model.rowCount(); ++row) {
        shown << model.index(row, EntityListModel::LogicalNameColumn).data().toString();
    }
    QCOMPARE(shown, expected);
    QCOMPARE(model.totalCount(), 4);
    // Clearing the filters brings every table back.
    model.setFilterText({});
    model.setCustomOnly(false);
    QCOMPARE(model.rowCount(), 4);
}

void TestSchemaModels::entityList_rolesAndRowLookup()
{
    EntityListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTables(tables());
    QCOMPARE(model.columnCount(), int(EntityListModel::ColumnCount));
    QCOMPARE(model.headerData(EntityListModel::DisplayNameColumn, Qt::Horizontal).toString(),
             u"Display name"_s);
    const int row = model.rowOfEntitySet(u"new_loyaltycards"_s);
    QCOMPARE(row, 3);
    QCOMPARE(model.index(row, EntityListModel::DisplayNameColumn).data().toString(), u"Loyalty Card"_s);
    QCOMPARE(model.index(row, 0).data(EntityListModel::EntitySetRole).toString(), u"new_loyaltycards"_s);
    QCOMPARE(model.index(row, 0).data(EntityListModel::IsCustomRole).toBool(), true);
    QVERIFY(model.index(row, 0).data(Qt::ToolTipRole).toString().contains("10002"_L1));
    QCOMPARE(model.tableAt(row).primaryIdAttribute, u"new_loyaltycardid"_s);
    model.setFilterText(u"acc"_s);
    QCOMPARE(model.rowOfEntitySet(u"new_loyaltycards"_s), -1);
    QCOMPARE(model.tableAt(5).logicalName, QString()); // out of range: empty, no crash
}

void TestSchemaModels::attributeList_hidesNameCompanionsAndSortsByRawValue()
{
    AttributeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEntity(contact());
    QCOMPARE(model.rowCount(), 5); // parentcustomeridname is AttributeOf parentcustomerid
    QCOMPARE(model.columnCount(), int(AttributeListModel::ColumnCount));
    QCOMPARE(model.index(0, AttributeListModel::LogicalNameColumn).data().toString(), u"createdon"_s);
    QCOMPARE(model.index(0, AttributeListModel::UpdateColumn).data().toString(), u"No"_s);
    QCOMPARE(model.index(2, AttributeListModel::RequiredColumn).data().toString(), u"Business required"_s);
    QCOMPARE(model.index(2, AttributeListModel::TypeColumn).data().toString(), u"String"_s);

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(AttributeListModel::SortRole);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(AttributeListModel::MaxLengthColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, AttributeListModel::LogicalNameColumn).data().toString(), u"emailaddress1"_s);
    QCOMPARE(proxy.index(1, AttributeListModel::LogicalNameColumn).data().toString(), u"lastname"_s);
    QCOMPARE(proxy.index(1, AttributeListModel::MaxLengthColumn).data().toInt(), 50);
    QCOMPARE(proxy.index(4, AttributeListModel::MaxLengthColumn).data().toString(), QString());

    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(proxy.rowCount(), 0);
}

void TestSchemaModels::attributeList_describe_listsOptionsTargetsAndKeys()
{
    const EntityMetadata entity = contact();
    const QString source = AttributeListModel::describe(*entity.attribute(u"new_leadsource"_s), entity);
    QVERIFY2(source.contains("Options (local):"_L1) && source.contains("100000002 = Trade Show"_L1),
             qPrintable(source));
    const QString customer = AttributeListModel::describe(*entity.attribute(u"parentcustomerid"_s), entity);
    QVERIFY2(customer.contains(u"Lookup target: account — bind as parentcustomerid_account@odata.bind"_s),
             qPrintable(customer));
    QVERIFY2(customer.contains(u"Lookup target: contact — bind as parentcustomerid@odata.bind"_s),
             qPrintable(customer)); // no relationship known: the column name is the best guess
    const QString email = AttributeListModel::describe(*entity.attribute(u"emailaddress1"_s), entity);
    QVERIFY2(email.contains("Max length: 100"_L1) &&
                 email.contains("Alternate key new_EmailKey: [emailaddress1], Active"_L1),
             qPrintable(email));
}

QTEST_GUILESS_MAIN(TestSchemaModels)
#include "tst_schemamodels.moc"
