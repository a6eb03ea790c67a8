// The mapping editor driven as a user drives it, in the main window, against a freshly started sandbox org
// (metadata through the MetadataLoader, Validate through MappingOrgCheck, like main.cpp wires them) and the
// sample warehouse: build a mapping from nothing, map columns with the mouse and with the keyboard, undo and
// redo, field options, live problems, Validate, Save — and the saved file runs unchanged in d365sync-cli.
//
// Drag and drop uses real mouse events (tests/gui/dragdrop.h): QTest press, moves and release on the views,
// through Qt's own QDrag and platform drag, so the drop arrives at the view and its model exactly as a
// user's does. Every drag has its keyboard path tested next to it.

#include "common/cliprocess.h"
#include "common/sandboxprocess.h"
#include "gui/dragdrop.h"
#include "models/editorroles.h"
#include "models/entitylistmodel.h"
#include "models/fieldmappingmodel.h"
#include "models/sourcecolumnmodel.h"
#include "models/targetcolumnmodel.h"
#include "services/auth/connectionsession.h"
#include "services/auth/tokenprovider.h"
#include "services/dataverse/metadataloader.h"
#include "services/editor/mappingorgcheck.h"
#include "services/settings/settings.h"
#include "services/sync/synccontroller.h"
#include "ui/mainwindow.h"
#include "ui/mappingdocument.h"
#include "ui/mappingeditor.h"
#include "ui/messagebanner.h"
#include "ui/schemabrowser.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QUndoStack>

#include <memory>

using namespace Qt::StringLiterals;
using d365::models::FieldMappingModel;
using d365::services::ConnectionProfile;
using d365::testsupport::mouseDragAndDrop;
using d365::ui::MainWindow;
using d365::ui::MappingEditor;

namespace {

const QString ProfileName = u"editor-sandbox"_s;
constexpr int MetadataTimeoutMs = 20000;

} // namespace

class TestMappingEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void newMapping_sampleCustomersToContacts_autoMapMapsSevenAndReportsTheRest();
    void mouseDrag_warehouseColumnOntoTableColumn_mapsItAndUndoRedoFollow();
    void keyboard_warehouseAndTableColumnSelectedThenEnter_mapsIt();
    void mouseDrag_tableColumnOntoWarehouseColumn_mapsIt();
    void keyboard_contextMenuMapToOnAWarehouseColumn_mapsIt();
    void mouseDrag_warehouseColumnOntoAFieldRow_replacesItsSource();
    void keyboard_f2OnTheSourceCell_choosesAnotherColumn();
    void mouseDrag_tableColumnBelowTheFields_addsAFieldForIt();
    void mouseDrag_warehouseColumnBelowTheFields_addsAFieldWithTheColumnOfItsName();
    void keyboard_warehouseColumnAloneThenEnter_addsAFieldOrAsksForItsTarget();
    void keyboard_tableColumnAloneThenEnter_addsAFieldAndAsksForItsSource();
    void mouseDrag_schemaDockColumnOntoAWarehouseColumn_mapsIt();
    void keyboard_enterOnASchemaDockColumn_mapsItToTheSelectedWarehouseColumn();
    void schemaDock_connectedWithoutAMapping_browsesAndUseAsTargetStartsOne();
    void fieldOptions_constantAndNullPolicy_isOneUndoStep();
    void fieldOptions_customerLookup_tableAndAlternateKeyOfThatTable();
    void liveValidation_problemsShowOnTheirRowsAndTabs();
    void validate_againstTheOrg_valid_thenAProblemOnlyTheOrgKnowsOnItsRow();
    void buildFromNothing_saveThenValidateAndRunUnchangedInTheCli();

private:
    template<typename T> T *child(const QString &objectName) const;
    d365::ui::MappingDocument *document() const { return m_window->document(); }
    MappingEditor *editor() const { return m_window->mappingEditor(); }
    QTableView *sourceView() const { return editor()->sourceColumnsView(); }
    QTableView *fieldView() const { return editor()->fieldMappingView(); }
    QTableView *targetView() const { return editor()->targetColumnsView(); }
    QModelIndex sourceIndex(const QString &column) const;
    QModelIndex targetIndex(const QString &column) const;
    void goToTab(int tab);
    void newMappingOfSampleCustomersToContacts();
    void selectRow(QTableView *view, const QModelIndex &index);
    QString sourceOf(const QString &target) const;

    d365::testsupport::SandboxProcess m_sandbox;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<d365::services::Settings> m_settings;
    std::unique_ptr<d365::services::EnvironmentTokenProvider> m_tokens;
    std::unique_ptr<d365::services::SyncController> m_controller;
    std::unique_ptr<d365::services::MetadataLoader> m_loader;
    std::unique_ptr<d365::services::MappingOrgCheck> m_orgCheck;
    std::unique_ptr<MainWindow> m_window;
};

void TestMappingEditor::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv(d365::services::EnvironmentTokenProvider::EnvironmentVariable);
    QVERIFY2(QFileInfo::exists(QStringLiteral(D365_SAMPLE_DB)), "build the target sample_warehouse first");
    QVERIFY2(m_sandbox.start(), "d365sync-sandbox did not start");
}

void TestMappingEditor::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_settings = std::make_unique<d365::services::Settings>(m_dir->filePath(u"settings.ini"_s));
    ConnectionProfile profile;
    profile.name = ProfileName;
    profile.kind = ConnectionProfile::Kind::Sandbox;
    profile.orgUrl = m_sandbox.baseUrl();
    QVERIFY(m_settings->saveProfile(profile).ok());
    QVERIFY(m_settings->sync().ok()); // the CLI reads the same file

    m_tokens = std::make_unique<d365::services::EnvironmentTokenProvider>();
    m_controller = std::make_unique<d365::services::SyncController>();
    m_loader = std::make_unique<d365::services::MetadataLoader>(m_tokens.get(), m_dir->filePath(u"cache"_s));
    m_orgCheck = std::make_unique<d365::services::MappingOrgCheck>(m_tokens.get());
    m_window = std::make_unique<MainWindow>(m_controller.get(), m_settings.get(), m_tokens.get());
    m_window->setMetadataLoader(m_loader.get());
    m_window->setMappingOrgCheck(m_orgCheck.get());
    m_window->resize(1300, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QApplication::setActiveWindow(m_window.get());
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestMappingEditor::cleanup()
{
    if (m_window && m_window->document()->isModified())
        m_window->document()->close(); // no save prompt between tests
    m_window.reset();
    m_orgCheck.reset();
    m_loader.reset();
    m_controller.reset();
    m_tokens.reset();
    m_settings.reset();
    m_dir.reset();
}

template<typename T> T *TestMappingEditor::child(const QString &objectName) const
{
    T *widget = m_window->findChild<T *>(objectName);
    if (!widget)
        qWarning("no child named %s", qPrintable(objectName));
    return widget;
}

QModelIndex TestMappingEditor::sourceIndex(const QString &column) const
{
    const auto *model = document()->sourceModel();
    return model->index(model->rowOf(column), d365::models::SourceColumnModel::NameColumn);
}

QModelIndex TestMappingEditor::targetIndex(const QString &column) const
{
    QAbstractItemModel *model = targetView()->model(); // the filter proxy the view shows
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, 0);
        if (index.data(d365::models::NameRole).toString() == column)
            return index;
    }
    return {};
}

QString TestMappingEditor::sourceOf(const QString &target) const
{
    for (const auto &field : document()->mapping().fields) {
        if (field.target == target)
            return field.hasConstant() ? u"="_s : field.source;
    }
    return u"<no field>"_s;
}

void TestMappingEditor::goToTab(int tab)
{
    QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + tab), Qt::AltModifier);
    QTRY_COMPARE(editor()->tabs()->currentIndex(), tab);
}

void TestMappingEditor::selectRow(QTableView *view, const QModelIndex &index)
{
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, d365::testsupport::centreOf(view, index));
    QVERIFY(view->selectionModel()->isRowSelected(index.row(), {}));
}

void TestMappingEditor::newMappingOfSampleCustomersToContacts()
{
    // File → New (Ctrl+N): the only stored profile is the target's.
    QTest::keyClick(m_window.get(), Qt::Key_N, Qt::ControlModifier);
    QTRY_VERIFY(document()->isOpen());
    QCOMPARE(document()->mapping().target.profile, ProfileName);
    QCOMPARE(editor()->tabs()->currentIndex(), int(MappingEditor::SourceTab));

    // Source: the database file, typed; then its table, clicked.
    auto *path = child<QLineEdit>(u"databasePathLineEdit"_s);
    path->setFocus();
    QTest::keyClicks(path, QStringLiteral(D365_SAMPLE_DB));
    QTest::keyClick(path, Qt::Key_Return);
    auto *tables = child<QListWidget>(u"sourceTablesListWidget"_s);
    QTRY_COMPARE(tables->count(), 1);
    QTest::mouseClick(tables->viewport(), Qt::LeftButton, {},
                      tables->visualItemRect(tables->item(0)).center());
    QTRY_COMPARE(document()->sourceColumns().size(), 11);
    QTRY_COMPARE(document()->mapping().source.keyColumn, u"customer_id"_s);
    QTRY_COMPARE(child<QTableView>(u"previewTableView"_s)->model()->rowCount(), 100);

    // Target: the table, found by typing its name.
    goToTab(MappingEditor::TargetTab);
    auto *table = child<QComboBox>(u"targetTableComboBox"_s);
    QTRY_VERIFY_WITH_TIMEOUT(table->count() >= 8, MetadataTimeoutMs); // the org's tables
    table->lineEdit()->setFocus();
    table->lineEdit()->selectAll();
    QTest::keyClicks(table->lineEdit(), u"contacts"_s);
    QTest::keyClick(table->lineEdit(), Qt::Key_Return);
    QTRY_COMPARE(document()->mapping().target.entitySet, u"contacts"_s);
    QTRY_VERIFY_WITH_TIMEOUT(document()->entity() != nullptr, MetadataTimeoutMs);
    QTRY_COMPARE(document()->mapping().target.matchKey, QStringList({u"emailaddress1"_s}));
    QVERIFY(child<QComboBox>(u"matchKeyComboBox"_s)->currentText().contains(u"new_EmailKey"_s));

    goToTab(MappingEditor::FieldsTab);
    QTRY_VERIFY(targetIndex(u"address1_city"_s).isValid());
}

void TestMappingEditor::newMapping_sampleCustomersToContacts_autoMapMapsSevenAndReportsTheRest()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(m_window->isWindowModified()); // "*" in the title
    auto *autoMap = child<QToolButton>(u"autoMapButton"_s);
    QTRY_VERIFY(autoMap->isEnabled());
    QTest::mouseClick(autoMap, Qt::LeftButton);

    QCOMPARE(document()->mapping().fields.size(), 7);
    QCOMPARE(fieldView()->model()->rowCount(), 7);
    QCOMPARE(sourceOf(u"firstname"_s), u"first_name"_s);
    QCOMPARE(sourceOf(u"emailaddress1"_s), u"email"_s);
    QCOMPARE(sourceOf(u"new_lifetimevalue"_s), u"lifetime_value"_s);
    const QString report = m_window->messageBanner()->text();
    QVERIFY2(report.contains(u"Auto-map mapped 7 columns: first_name → firstname, last_name → lastname"_s),
             qPrintable(report));
    QVERIFY2(report.contains(
                 u"Left 4 unmapped: customer_id, phone, company, city (no table column of that name)"_s),
             qPrintable(report));
    // The match key's row is marked, and nothing is wrong.
    QCOMPARE(fieldView()->model()->index(2, FieldMappingModel::KeyColumn).data().toString(), u"Key"_s);
    QVERIFY2(document()->problems().isEmpty(), qPrintable(document()->problems().value(0).message));
    QCOMPARE(editor()->tabs()->tabText(MappingEditor::ProblemsTab), u"Problems"_s);
    // One undo step takes all of it back.
    QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(document()->mapping().fields.size(), 0);
}

void TestMappingEditor::mouseDrag_warehouseColumnOntoTableColumn_mapsItAndUndoRedoFollow()
{
    newMappingOfSampleCustomersToContacts();
    const QModelIndex city = targetIndex(u"address1_city"_s);
    QVERIFY(mouseDragAndDrop(sourceView(), sourceIndex(u"city"_s), targetView()->viewport(),
                             d365::testsupport::centreOf(targetView(), city)));
    QTRY_COMPARE(sourceOf(u"address1_city"_s), u"city"_s);
    QCOMPARE(document()->undoStack()->undoText(), u"Map city → address1_city"_s);
    QCOMPARE(targetIndex(u"address1_city"_s)
                 .siblingAtColumn(d365::models::TargetColumnModel::MappedColumn)
                 .data()
                 .toString(),
             u"city"_s);

    QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier); // Edit → Undo
    QCOMPARE(sourceOf(u"address1_city"_s), u"<no field>"_s);
    QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier); // Edit → Redo
    QCOMPARE(sourceOf(u"address1_city"_s), u"city"_s);
}

void TestMappingEditor::keyboard_warehouseAndTableColumnSelectedThenEnter_mapsIt()
{
    newMappingOfSampleCustomersToContacts();
    // Warehouse column: into the list with the keyboard, down to "city".
    sourceView()->setFocus(Qt::TabFocusReason);
    QTest::keyClick(sourceView(), Qt::Key_Home);
    for (int row = 0; row < sourceIndex(u"city"_s).row(); ++row)
        QTest::keyClick(sourceView(), Qt::Key_Down);
    QCOMPARE(sourceView()->currentIndex().data(d365::models::NameRole).toString(), u"city"_s);
    // Table column: typed into the filter, Return moves into the list with the first match selected.
    auto *filter = child<QLineEdit>(u"targetFilterLineEdit"_s);
    filter->setFocus(Qt::TabFocusReason);
    QTest::keyClicks(filter, u"address1_city"_s);
    QTest::keyClick(filter, Qt::Key_Return);
    QTRY_VERIFY(targetView()->hasFocus());
    QCOMPARE(targetView()->currentIndex().data(d365::models::NameRole).toString(), u"address1_city"_s);
    QTest::keyClick(targetView(), Qt::Key_Return);
    QCOMPARE(sourceOf(u"address1_city"_s), u"city"_s);
    QVERIFY(fieldView()->selectionModel()->isRowSelected(
        document()->fieldModel()->rowOfTarget(u"address1_city"_s), {}));
}

void TestMappingEditor::mouseDrag_tableColumnOntoWarehouseColumn_mapsIt()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(mouseDragAndDrop(targetView(), targetIndex(u"telephone1"_s), sourceView()->viewport(),
                             d365::testsupport::centreOf(sourceView(), sourceIndex(u"phone"_s))));
    QTRY_COMPARE(sourceOf(u"telephone1"_s), u"phone"_s);
    // A column the mode cannot write does not even start a drag.
    QVERIFY(!mouseDragAndDrop(targetView(), targetIndex(u"fullname"_s), sourceView()->viewport(),
                              d365::testsupport::centreOf(sourceView(), sourceIndex(u"first_name"_s))));
    QCOMPARE(sourceOf(u"fullname"_s), u"<no field>"_s);
}

void TestMappingEditor::keyboard_contextMenuMapToOnAWarehouseColumn_mapsIt()
{
    newMappingOfSampleCustomersToContacts();
    sourceView()->setFocus(Qt::TabFocusReason);
    sourceView()->setCurrentIndex(sourceIndex(u"phone"_s));
    // The Menu key: a keyboard context-menu event at the current row, as the platform sends it.
    const QPoint at = d365::testsupport::centreOf(sourceView(), sourceIndex(u"phone"_s));
    QContextMenuEvent menuKey(QContextMenuEvent::Keyboard, at, sourceView()->viewport()->mapToGlobal(at));
    QApplication::sendEvent(sourceView()->viewport(), &menuKey);
    QMenu *menu = nullptr;
    QTRY_VERIFY((menu = sourceView()->findChild<QMenu *>(u"sourceColumnMenu"_s)) && menu->isVisible());
    auto *mapTo = menu->findChild<QMenu *>(u"mapToMenu"_s);
    QVERIFY(mapTo);
    // "Map to ▸" opens with Right; the table column is chosen by its first letters, then Return.
    menu->setActiveAction(mapTo->menuAction());
    QTest::keyClick(menu, Qt::Key_Right);
    QTRY_VERIFY(mapTo->isVisible());
    QAction *telephone = nullptr;
    for (QAction *action : mapTo->actions()) {
        if (action->data().toString() == "telephone1"_L1)
            telephone = action;
    }
    QVERIFY(telephone);
    mapTo->setActiveAction(telephone);
    QTest::keyClick(mapTo, Qt::Key_Return);
    QTRY_COMPARE(sourceOf(u"telephone1"_s), u"phone"_s);
}

void TestMappingEditor::mouseDrag_warehouseColumnOntoAFieldRow_replacesItsSource()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(document()->mapColumns(u"first_name"_s, u"jobtitle"_s)); // a wrong pair to fix
    const int row = document()->fieldModel()->rowOfTarget(u"jobtitle"_s);
    const QModelIndex cell = document()->fieldModel()->index(row, FieldMappingModel::SourceColumn);
    QVERIFY(mouseDragAndDrop(sourceView(), sourceIndex(u"job_title"_s), fieldView()->viewport(),
                             d365::testsupport::centreOf(fieldView(), cell)));
    QTRY_COMPARE(sourceOf(u"jobtitle"_s), u"job_title"_s);
    QCOMPARE(document()->mapping().fields.size(), 1); // replaced, not added
}

void TestMappingEditor::keyboard_f2OnTheSourceCell_choosesAnotherColumn()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(document()->mapColumns(u"first_name"_s, u"jobtitle"_s));
    const QModelIndex cell = document()->fieldModel()->index(0, FieldMappingModel::SourceColumn);
    fieldView()->setFocus(Qt::TabFocusReason);
    fieldView()->setCurrentIndex(cell);
    QTest::keyClick(fieldView(), Qt::Key_F2);
    QComboBox *choice = nullptr;
    QTRY_VERIFY((choice = fieldView()->findChild<QComboBox *>(u"columnChoiceComboBox"_s)) &&
                choice->isVisible());
    QVERIFY(choice->findText(u"job_title"_s) >= 0);
    choice->lineEdit()->selectAll();
    QTest::keyClicks(choice->lineEdit(), u"job_title"_s);
    QTest::keyClick(choice->lineEdit(), Qt::Key_Return);
    QTRY_COMPARE(sourceOf(u"jobtitle"_s), u"job_title"_s);
    QCOMPARE(document()->undoStack()->undoText(), u"Change field jobtitle"_s);
}

void TestMappingEditor::mouseDrag_tableColumnBelowTheFields_addsAFieldForIt()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(document()->mapColumns(u"email"_s, u"emailaddress1"_s));
    // Below the last row: an empty part of the field table.
    const QPoint below(fieldView()->viewport()->width() / 2, fieldView()->viewport()->height() - 10);
    QVERIFY(mouseDragAndDrop(targetView(), targetIndex(u"mobilephone"_s), fieldView()->viewport(), below));
    QTRY_COMPARE(document()->mapping().fields.size(), 2);
    QCOMPARE(document()->mapping().fields.last().target, u"mobilephone"_s);
    QVERIFY(document()->mapping().fields.last().source.isEmpty());
    // Its row says what is missing.
    QCOMPARE(fieldView()->model()->index(1, 0).data(d365::models::SeverityRole).toInt(),
             int(d365::models::Severity::Error));
}

void TestMappingEditor::mouseDrag_warehouseColumnBelowTheFields_addsAFieldWithTheColumnOfItsName()
{
    newMappingOfSampleCustomersToContacts();
    const QPoint below(fieldView()->viewport()->width() / 2, fieldView()->viewport()->height() - 10);
    QVERIFY(mouseDragAndDrop(sourceView(), sourceIndex(u"job_title"_s), fieldView()->viewport(), below));
    QTRY_COMPARE(sourceOf(u"jobtitle"_s), u"job_title"_s); // the table column auto-map would pick
}

void TestMappingEditor::keyboard_warehouseColumnAloneThenEnter_addsAFieldOrAsksForItsTarget()
{
    newMappingOfSampleCustomersToContacts();
    targetView()->clearSelection();
    sourceView()->setFocus(Qt::TabFocusReason);
    sourceView()->setCurrentIndex(sourceIndex(u"job_title"_s));
    QTest::keyClick(sourceView(), Qt::Key_Return);
    QCOMPARE(sourceOf(u"jobtitle"_s), u"job_title"_s);

    // No table column of that name: the field is added and its target cell opens for a choice.
    sourceView()->setFocus(Qt::TabFocusReason);
    sourceView()->setCurrentIndex(sourceIndex(u"phone"_s));
    QTest::keyClick(sourceView(), Qt::Key_Return);
    QCOMPARE(document()->mapping().fields.size(), 2);
    QComboBox *choice = nullptr;
    QTRY_VERIFY((choice = fieldView()->findChild<QComboBox *>(u"columnChoiceComboBox"_s)) &&
                choice->isVisible());
    QVERIFY(choice->findText(u"telephone1"_s) >= 0);
    choice->lineEdit()->selectAll();
    QTest::keyClicks(choice->lineEdit(), u"telephone1"_s);
    QTest::keyClick(choice->lineEdit(), Qt::Key_Return);
    QTRY_COMPARE(sourceOf(u"telephone1"_s), u"phone"_s);
}

void TestMappingEditor::keyboard_tableColumnAloneThenEnter_addsAFieldAndAsksForItsSource()
{
    newMappingOfSampleCustomersToContacts();
    sourceView()->clearSelection();
    targetView()->setFocus(Qt::TabFocusReason);
    targetView()->setCurrentIndex(targetIndex(u"mobilephone"_s));
    QTest::keyClick(targetView(), Qt::Key_Return);
    QCOMPARE(document()->mapping().fields.size(), 1);
    QCOMPARE(document()->mapping().fields.first().target, u"mobilephone"_s);
    // The source cell is open for a choice right away.
    QComboBox *choice = nullptr;
    QTRY_VERIFY((choice = fieldView()->findChild<QComboBox *>(u"columnChoiceComboBox"_s)) &&
                choice->isVisible());
    choice->lineEdit()->selectAll();
    QTest::keyClicks(choice->lineEdit(), u"phone"_s);
    QTest::keyClick(choice->lineEdit(), Qt::Key_Return);
    QTRY_COMPARE(sourceOf(u"mobilephone"_s), u"phone"_s);
}

void TestMappingEditor::mouseDrag_schemaDockColumnOntoAWarehouseColumn_mapsIt()
{
    newMappingOfSampleCustomersToContacts();
    d365::ui::SchemaBrowser *browser = m_window->schemaBrowser();
    auto *tables = browser->findChild<QTableView *>(u"schemaTables"_s);
    QTRY_VERIFY_WITH_TIMEOUT(browser->entityModel()->rowOfEntitySet(u"contacts"_s) >= 0, MetadataTimeoutMs);
    tables->selectRow(browser->entityModel()->rowOfEntitySet(u"contacts"_s));
    auto *columns = browser->findChild<QTableView *>(u"schemaColumns"_s);
    QTRY_VERIFY_WITH_TIMEOUT(columns->model()->rowCount() > 20, MetadataTimeoutMs);
    QModelIndex jobtitle;
    for (int row = 0; row < columns->model()->rowCount(); ++row) {
        if (columns->model()->index(row, 0).data(Qt::UserRole).toString() == "jobtitle"_L1)
            jobtitle = columns->model()->index(row, 0);
    }
    QVERIFY(jobtitle.isValid());
    QVERIFY(mouseDragAndDrop(columns, jobtitle, sourceView()->viewport(),
                             d365::testsupport::centreOf(sourceView(), sourceIndex(u"job_title"_s))));
    QTRY_COMPARE(sourceOf(u"jobtitle"_s), u"job_title"_s);
}

void TestMappingEditor::keyboard_enterOnASchemaDockColumn_mapsItToTheSelectedWarehouseColumn()
{
    newMappingOfSampleCustomersToContacts();
    selectRow(sourceView(), sourceIndex(u"company"_s));
    d365::ui::SchemaBrowser *browser = m_window->schemaBrowser();
    QTRY_VERIFY_WITH_TIMEOUT(browser->entityModel()->rowOfEntitySet(u"contacts"_s) >= 0, MetadataTimeoutMs);
    browser->findChild<QTableView *>(u"schemaTables"_s)
        ->selectRow(browser->entityModel()->rowOfEntitySet(u"contacts"_s));
    auto *columns = browser->findChild<QTableView *>(u"schemaColumns"_s);
    QTRY_VERIFY_WITH_TIMEOUT(columns->model()->rowCount() > 20, MetadataTimeoutMs);
    columns->setFocus(Qt::TabFocusReason);
    for (int row = 0; row < columns->model()->rowCount(); ++row) {
        if (columns->model()->index(row, 0).data(Qt::UserRole).toString() == "new_companyname"_L1)
            columns->setCurrentIndex(columns->model()->index(row, 0));
    }
    QTest::keyClick(columns, Qt::Key_Return); // "Add to mapping"
    QCOMPARE(sourceOf(u"new_companyname"_s), u"company"_s);
    QCOMPARE(editor()->tabs()->currentIndex(), int(MappingEditor::FieldsTab));
}

void TestMappingEditor::schemaDock_connectedWithoutAMapping_browsesAndUseAsTargetStartsOne()
{
    // A window with a connection session and no mapping: the signed-in profile's org is browsable.
    d365::services::ConnectionSession session;
    MainWindow window(m_controller.get(), m_settings.get(), &session);
    d365::services::MetadataLoader loader(&session, m_dir->filePath(u"cache2"_s));
    window.setConnectionSession(&session);
    window.setMetadataLoader(&loader);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.document()->isOpen());
    session.restore(*m_settings->profile(ProfileName)); // Connect… in the connection strip does this
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), d365::services::ConnectionSession::State::Connected, 15000);
    d365::ui::SchemaBrowser *browser = window.schemaBrowser();
    QTRY_VERIFY_WITH_TIMEOUT(browser->entityModel()->rowOfEntitySet(u"accounts"_s) >= 0, MetadataTimeoutMs);
    auto *tables = browser->findChild<QTableView *>(u"schemaTables"_s);
    tables->setFocus(Qt::TabFocusReason);
    tables->selectRow(browser->entityModel()->rowOfEntitySet(u"accounts"_s));
    auto *useAsTarget = browser->findChild<QToolButton *>(u"useAsTargetButton"_s);
    QVERIFY(useAsTarget->isEnabled());
    useAsTarget->setFocus(Qt::TabFocusReason);
    QTest::keyClick(useAsTarget, Qt::Key_Space); // the keyboard presses it like a click
    QTRY_VERIFY(window.document()->isOpen());
    QCOMPARE(window.document()->mapping().target.entitySet, u"accounts"_s);
    QCOMPARE(window.document()->mapping().target.profile, ProfileName);
    QTRY_COMPARE_WITH_TIMEOUT(window.document()->mapping().target.matchKey, QStringList({u"accountnumber"_s}),
                              MetadataTimeoutMs);
    QCOMPARE(window.mappingEditor()->tabs()->currentIndex(), int(MappingEditor::TargetTab));
    window.document()->close();
}

void TestMappingEditor::fieldOptions_constantAndNullPolicy_isOneUndoStep()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(document()->mapColumns(u"lead_source"_s, u"new_leadsource"_s));
    const int steps = document()->undoStack()->count();
    editor()->selectField(0);
    fieldView()->setFocus(Qt::TabFocusReason);
    QTest::keyClick(m_window.get(), Qt::Key_E, Qt::ControlModifier); // Field options…
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(u"fieldOptionsDialog"_s)) && dialog->isVisible());
    QTest::mouseClick(dialog->findChild<QRadioButton *>(u"constantRadioButton"_s), Qt::LeftButton);
    auto *constant = dialog->findChild<QLineEdit *>(u"constantLineEdit"_s);
    QVERIFY(constant->isEnabled());
    QTest::keyClicks(constant, u"Trade Show"_s);
    auto *nullPolicy = dialog->findChild<QComboBox *>(u"nullPolicyComboBox"_s);
    nullPolicy->setCurrentIndex(1); // leave unchanged
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"fieldOptionsOkButton"_s), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QDialog *>(u"fieldOptionsDialog"_s));

    const auto field = document()->mapping().fields.first();
    QCOMPARE(field.constant.toString(), u"Trade Show"_s);
    QVERIFY(field.source.isEmpty());
    QCOMPARE(field.nullPolicy, d365::services::NullPolicy::LeaveUnchanged);
    QCOMPARE(fieldView()->model()->index(0, FieldMappingModel::SourceColumn).data().toString(),
             u"= \"Trade Show\""_s);
    QCOMPARE(document()->undoStack()->count(), steps + 1);
    QVERIFY2(document()->problems().isEmpty() || document()->problems().first().fieldRow() != 0,
             qPrintable(document()->problems().value(0).message)); // the label is one of the column's
    child<QAction>(u"undoAction"_s)->trigger();                    // Edit → Undo
    QCOMPARE(document()->mapping().fields.first().source, u"lead_source"_s);
    QVERIFY(!document()->mapping().fields.first().hasConstant());
}

void TestMappingEditor::fieldOptions_customerLookup_tableAndAlternateKeyOfThatTable()
{
    newMappingOfSampleCustomersToContacts();
    QVERIFY(
        document()->mapColumns(u"company"_s, u"parentcustomerid"_s)); // a customer lookup: account or contact
    editor()->selectField(0);
    QTest::mouseClick(child<QToolButton>(u"fieldOptionsButton"_s), Qt::LeftButton);
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(u"fieldOptionsDialog"_s)) && dialog->isVisible());
    QVERIFY(dialog->findChild<QWidget *>(u"lookupGroupBox"_s)->isVisible());
    auto *table = dialog->findChild<QComboBox *>(u"lookupTableComboBox"_s);
    QCOMPARE(table->count(), 3); // account, contact, per row
    QCOMPARE(table->itemData(0).toString(), u"account"_s);

    // Per row: the table named in a warehouse column, the value a GUID.
    table->setCurrentIndex(2);
    auto *bindBy = dialog->findChild<QComboBox *>(u"bindByComboBox"_s);
    QVERIFY(dialog->findChild<QComboBox *>(u"tableColumnComboBox"_s)->isEnabled());
    QVERIFY(!bindBy->isEnabled());

    // account, found by its alternate key: the keys are read from the org when the table is chosen.
    table->setCurrentIndex(0);
    QVERIFY(bindBy->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(bindBy->count() == 2, MetadataTimeoutMs);
    QVERIFY2(bindBy->itemText(1).contains(u"new_AccountNumberKey: accountnumber"_s),
             qPrintable(bindBy->itemText(1)));
    bindBy->setCurrentIndex(1);
    auto *keySource = dialog->findChild<QComboBox *>(u"keySource0ComboBox"_s);
    QVERIFY(keySource);
    QCOMPARE(keySource->currentText(), u"company"_s); // the field's own column, to start with
    keySource->setCurrentIndex(keySource->findText(u"customer_id"_s));
    const int steps = document()->undoStack()->count();
    QTest::mouseClick(dialog->findChild<QPushButton *>(u"fieldOptionsOkButton"_s), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QDialog *>(u"fieldOptionsDialog"_s));

    const auto field = document()->mapping().fields.first();
    QVERIFY(field.lookup.has_value());
    QCOMPARE(field.lookup->table, u"account"_s);
    QCOMPARE(field.lookup->key, QStringList({u"accountnumber"_s}));
    QCOMPARE(field.source, u"customer_id"_s); // one key column: the field's source
    QVERIFY(field.lookup->sources.isEmpty());
    QCOMPARE(document()->undoStack()->count(), steps + 1);
    QCOMPARE(fieldView()->model()->index(0, FieldMappingModel::OptionsColumn).data().toString(),
             u"lookup account by accountnumber"_s);
    QCOMPARE(fieldView()->model()->index(0, FieldMappingModel::SourceColumn).data().toString(),
             u"customer_id"_s);
}

void TestMappingEditor::liveValidation_problemsShowOnTheirRowsAndTabs()
{
    newMappingOfSampleCustomersToContacts();
    QTest::mouseClick(child<QToolButton>(u"autoMapButton"_s), Qt::LeftButton);
    QVERIFY(document()->problems().isEmpty());

    // A type mismatch: an integer column into a date.
    QVERIFY(document()->mapColumns(u"customer_id"_s, u"birthdate"_s));
    const int birthdate = document()->fieldModel()->rowOfTarget(u"birthdate"_s);
    QCOMPARE(fieldView()->model()->index(birthdate, 0).data(d365::models::SeverityRole).toInt(),
             int(d365::models::Severity::Error));
    QVERIFY2(fieldView()
                 ->model()
                 ->index(birthdate, FieldMappingModel::ProblemColumn)
                 .data()
                 .toString()
                 .contains(u"holds numbers"_s),
             qPrintable(
                 fieldView()->model()->index(birthdate, FieldMappingModel::ProblemColumn).data().toString()));
    QCOMPARE(editor()->tabs()->tabText(MappingEditor::FieldsTab), u"Fields (1)"_s);
    QTest::keyClick(m_window.get(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(editor()->tabs()->tabText(MappingEditor::FieldsTab), u"Fields"_s);

    // A required column dropped: lastname (new contacts need it) — a warning for an upsert …
    const int lastname = document()->fieldModel()->rowOfTarget(u"lastname"_s);
    editor()->selectField(lastname);
    fieldView()->setFocus(Qt::TabFocusReason);
    QTest::keyClick(fieldView(), Qt::Key_Delete);
    QCOMPARE(sourceOf(u"lastname"_s), u"<no field>"_s);
    QCOMPARE(targetIndex(u"lastname"_s).data(d365::models::SeverityRole).toInt(),
             int(d365::models::Severity::Warning));
    QCOMPARE(document()->errorCount(), 0);
    // … an error in insert mode, chosen in the Target tab.
    goToTab(MappingEditor::TargetTab);
    auto *mode = child<QComboBox>(u"modeComboBox"_s);
    mode->setFocus(Qt::TabFocusReason);
    QTest::keyClick(mode, Qt::Key_Down); // Insert
    QCOMPARE(document()->mapping().mode, d365::services::SyncMode::Insert);
    QCOMPARE(document()->errorCount(), 1);

    // The match key's column removed: the Target tab says so under its form.
    const int email = document()->fieldModel()->rowOfTarget(u"emailaddress1"_s);
    document()->removeFields({email});
    auto *targetProblems = child<QLabel>(u"targetProblemsLabel"_s);
    QTRY_VERIFY(targetProblems->isVisible());
    QVERIFY2(targetProblems->text().contains(u"emailaddress1"_s), qPrintable(targetProblems->text()));
    QCOMPARE(editor()->tabs()->tabText(MappingEditor::TargetTab), u"Target (1)"_s);

    // Text longer than its column in the previewed rows: a warning on the row (lastname holds 50).
    goToTab(MappingEditor::SourceTab);
    auto *query = child<QPlainTextEdit>(u"sourceQueryEdit"_s);
    query->setFocus(Qt::TabFocusReason);
    query->selectAll();
    QTest::keyClicks(query,
                     u"SELECT customer_id, email, first_name || ' ' || last_name || ' the third of that "
                     u"name, of the family' AS last_name FROM customers"_s);
    goToTab(MappingEditor::FieldsTab); // leaving the editor commits the query
    QVERIFY(document()->mapColumns(u"last_name"_s, u"lastname"_s) ||
            !document()->sourceColumns().contains(u"last_name"_s));
    QTRY_VERIFY(document()->sourceColumns().contains(u"last_name"_s));
    QVERIFY(document()->mapColumns(u"last_name"_s, u"lastname"_s) ||
            sourceOf(u"lastname"_s) == "last_name"_L1);
    const int longName = document()->fieldModel()->rowOfTarget(u"lastname"_s);
    QTRY_COMPARE(fieldView()->model()->index(longName, 0).data(d365::models::SeverityRole).toInt(),
                 int(d365::models::Severity::Warning));
    QVERIFY(fieldView()
                ->model()
                ->index(longName, 0)
                .data(d365::models::ProblemsRole)
                .toString()
                .contains(u"Truncate"_s));

    // The Problems tab lists them; Enter on one goes to its row.
    goToTab(MappingEditor::ProblemsTab);
    auto *list = child<QListWidget>(u"problemsListWidget"_s);
    QVERIFY(list->count() >= 2);
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->text().contains(u"lastname"_s))
            list->setCurrentRow(i);
    }
    list->setFocus(Qt::TabFocusReason);
    QTest::keyClick(list, Qt::Key_Return);
    QCOMPARE(editor()->tabs()->currentIndex(), int(MappingEditor::FieldsTab));
    QVERIFY(fieldView()->selectionModel()->isRowSelected(longName, {}));
}

void TestMappingEditor::validate_againstTheOrg_valid_thenAProblemOnlyTheOrgKnowsOnItsRow()
{
    newMappingOfSampleCustomersToContacts();
    QTest::mouseClick(child<QToolButton>(u"autoMapButton"_s), Qt::LeftButton);
    QTest::keyClick(m_window.get(), Qt::Key_V, Qt::ControlModifier | Qt::ShiftModifier); // Validate
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBanner()->text().startsWith(u"Valid:"_s), 30000);
    QVERIFY2(m_window->messageBanner()->text().contains(u"bulk messages"_s),
             qPrintable(m_window->messageBanner()->text()));

    // A lookup bound by a column that is not an alternate key of its target table: only the org knows the
    // target's keys, so only Validate finds it — and puts it on the field's row.
    d365::services::FieldMapping company{u"company"_s, u"parentcustomerid"_s};
    company.lookup = d365::services::LookupSpec{u"account"_s, {}, {u"name"_s}, {}};
    document()->addFields({company});
    const int row = document()->fieldModel()->rowOfTarget(u"parentcustomerid"_s);
    QCOMPARE(fieldView()->model()->index(row, 0).data(d365::models::SeverityRole).toInt(), 0);
    QTest::mouseClick(child<QToolButton>(u"validateButton"_s), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBanner()->text().startsWith(u"Validate found"_s), 30000);
    QCOMPARE(fieldView()->model()->index(row, 0).data(d365::models::SeverityRole).toInt(),
             int(d365::models::Severity::Error));
    QVERIFY2(
        fieldView()->model()->index(row, 0).data(d365::models::ProblemsRole).toString().contains(u"key"_s),
        qPrintable(fieldView()->model()->index(row, 0).data(d365::models::ProblemsRole).toString()));
    // The next edit makes that answer old: it goes until the next Validate.
    document()->setName(u"Renamed"_s);
    QCOMPARE(fieldView()->model()->index(row, 0).data(d365::models::SeverityRole).toInt(), 0);
}

void TestMappingEditor::buildFromNothing_saveThenValidateAndRunUnchangedInTheCli()
{
    newMappingOfSampleCustomersToContacts();
    m_window->mappingEditor()->findChild<QLineEdit *>(u"mappingNameLineEdit"_s)->setFocus();
    auto *name = child<QLineEdit>(u"mappingNameLineEdit"_s);
    name->selectAll();
    QTest::keyClicks(name, u"Customers to contacts"_s);
    QTest::keyClick(name, Qt::Key_Tab);
    QCOMPARE(document()->mapping().name, u"Customers to contacts"_s);
    QTest::mouseClick(child<QToolButton>(u"autoMapButton"_s), Qt::LeftButton);
    // Fix what auto-map left, by drag and drop: the city.
    QVERIFY(mouseDragAndDrop(sourceView(), sourceIndex(u"city"_s), targetView()->viewport(),
                             d365::testsupport::centreOf(targetView(), targetIndex(u"address1_city"_s))));
    QTRY_COMPARE(sourceOf(u"address1_city"_s), u"city"_s);
    QCOMPARE(document()->mapping().fields.size(), 8);
    QVERIFY(m_window->windowTitle().startsWith(u"Customers to contacts"_s));
    QVERIFY(m_window->isWindowModified());

    // Save (Ctrl+S): a new mapping asks where, in a file dialog; the name is typed.
    const QString path = m_dir->filePath(u"customers-to-contacts.json"_s);
    QTest::keyClick(m_window.get(), Qt::Key_S, Qt::ControlModifier);
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QFileDialog *>(u"saveMappingFileDialog"_s)) &&
                dialog->isVisible());
    auto *fileName = dialog->findChild<QLineEdit *>(u"fileNameEdit"_s);
    QVERIFY(fileName);
    dialog->setDirectory(m_dir->path()); // the user browses to the folder …
    fileName->clear();
    QTest::keyClicks(fileName, u"customers-to-contacts.json"_s); // … and types the name
    QCOMPARE(fileName->text(), u"customers-to-contacts.json"_s);
    // The Save button (Return would first pick from the file name completer's list).
    auto *buttons = dialog->findChild<QDialogButtonBox *>(u"buttonBox"_s);
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Save), Qt::LeftButton);
    QTRY_VERIFY(QFileInfo::exists(path));
    QTRY_VERIFY(!m_window->isWindowModified());
    QCOMPARE(document()->filePath(), path);
    QCOMPARE(m_settings->recentMappings().value(0), path);

    // The file, unchanged, in the CLI: validate, then run.
    m_settings->sync();
    const auto validate = d365::testsupport::runCli(m_settings->fileName(), {u"validate"_s, path});
    QVERIFY2(validate.exitCode == 0, qPrintable(validate.err + validate.out));
    QVERIFY2(validate.out.contains(u"8 columns mapped onto contact"_s), qPrintable(validate.out));
    const QString report = m_dir->filePath(u"report.json"_s);
    const auto run =
        d365::testsupport::runCli(m_settings->fileName(), {u"run"_s, path, u"--report"_s, report});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err + run.out));
    QVERIFY2(run.out.contains(u"10,000 upserted, 0 failed"_s), qPrintable(run.out));
    QFile written(path);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QByteArray text = written.readAll();
    const QByteArray database = QFileInfo(QStringLiteral(D365_SAMPLE_DB)).absoluteFilePath().toUtf8();
    const QByteArray pathMember = QByteArray("\"path\": \"") + database + '"';
    QVERIFY2(text.contains(pathMember), text.constData()); // the database lies elsewhere: absolute
    QVERIFY(text.contains("{ \"source\": \"city\", \"target\": \"address1_city\" }"));

    // And in the app: Sync now with the saved mapping.
    auto *syncNow = child<QPushButton>(u"syncNowButton"_s);
    QVERIFY(syncNow->isEnabled());
    QTest::mouseClick(syncNow, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), 120000);
    QVERIFY2(child<QLabel>(u"syncStatusLabel"_s)->text().startsWith(u"Synced 10,000 rows"_s),
             qPrintable(child<QLabel>(u"syncStatusLabel"_s)->text()));
}

QTEST_MAIN(TestMappingEditor)
#include "tst_mappingeditor.moc"
