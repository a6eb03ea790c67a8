// The schema browser against a real sandbox, offscreen, wired like main.cpp wires it (MetadataLoader on its
// own thread): it lists the org's tables, a search narrows them, selecting a table shows its columns, a
// column shows its details, the spinner shows while loading, and its state survives a restart.

#include "common/sandboxprocess.h"
#include "models/attributelistmodel.h"
#include "models/entitylistmodel.h"
#include "services/auth/tokenprovider.h"
#include "services/dataverse/metadataloader.h"
#include "ui/schemabrowser.h"

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace d365::services;
using d365::ui::SchemaBrowser;

class TestSchemaBrowser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void searchSelectTable_showsItsColumnsAndDetails();
    void noProfile_showsAnInlineMessage();
    void state_roundTripsSearchCustomOnlyAndSelection();

private:
    void wire(SchemaBrowser &browser, MetadataLoader &loader);

    d365::testsupport::SandboxProcess m_sandbox;
    ConnectionProfile m_profile;
    EnvironmentTokenProvider m_tokens;
    QTemporaryDir m_cache;
};

void TestSchemaBrowser::initTestCase()
{
    QVERIFY(m_sandbox.start());
    QVERIFY(m_cache.isValid());
    m_profile.name = u"sandbox"_s;
    m_profile.kind = ConnectionProfile::Kind::Sandbox;
    m_profile.orgUrl = m_sandbox.baseUrl();
}

void TestSchemaBrowser::wire(SchemaBrowser &browser, MetadataLoader &loader)
{
    connect(&browser, &SchemaBrowser::tablesRequested, &loader, &MetadataLoader::loadTables);
    connect(&browser, &SchemaBrowser::entityRequested, &loader, &MetadataLoader::loadEntity);
    connect(&loader, &MetadataLoader::tablesLoaded, &browser, &SchemaBrowser::setTables);
    connect(&loader, &MetadataLoader::entityLoaded, &browser, &SchemaBrowser::setEntity);
    connect(&loader, &MetadataLoader::failed, &browser, &SchemaBrowser::showError);
    connect(&loader, &MetadataLoader::busyChanged, &browser, &SchemaBrowser::setBusy);
}

void TestSchemaBrowser::searchSelectTable_showsItsColumnsAndDetails()
{
    MetadataLoader loader(&m_tokens, m_cache.path());
    loader.setProfile(m_profile);
    SchemaBrowser browser;
    wire(browser, loader);
    browser.resize(700, 800);
    browser.show();
    QVERIFY(QTest::qWaitForWindowExposed(&browser));

    QSignalSpy busy(&loader, &MetadataLoader::busyChanged);
    browser.requestTables(false);
    auto *spinner = browser.findChild<QProgressBar *>(u"schemaSpinner"_s);
    QVERIFY(spinner);
    QTRY_VERIFY_WITH_TIMEOUT(browser.entityModel()->rowCount() >= 8, 20000);
    QTRY_VERIFY(spinner->isHidden()); // busy went on and off
    QVERIFY(busy.count() >= 2);
    QCOMPARE(busy.first().first().toBool(), true);

    auto *search = browser.findChild<QLineEdit *>(u"schemaSearch"_s);
    QVERIFY(search);
    search->setFocus();
    QTest::keyClicks(search, u"contact"_s);
    // contact and the intersect table cr5a1_contact_warehouserow match; the list narrows as you type.
    QTRY_COMPARE(browser.entityModel()->rowCount(), 2);
    QTest::keyClick(search, Qt::Key_Return); // keyboard: Return moves into the list, first row selected
    auto *tables = browser.findChild<QTableView *>(u"schemaTables"_s);
    QVERIFY(tables && tables->hasFocus());
    const int contactRow = browser.entityModel()->rowOfEntitySet(u"contacts"_s);
    QVERIFY(contactRow >= 0);
    tables->selectRow(contactRow);
    QCOMPARE(browser.selectedEntitySet(), u"contacts"_s);

    QTRY_VERIFY_WITH_TIMEOUT(browser.attributeModel()->rowCount() > 20, 20000);
    auto *columns = browser.findChild<QTableView *>(u"schemaColumns"_s);
    QVERIFY(columns);
    int emailRow = -1;
    for (int row = 0; row < columns->model()->rowCount(); ++row) {
        if (columns->model()->index(row, 0).data().toString() == "emailaddress1"_L1) {
            emailRow = row;
        }
    }
    QVERIFY(emailRow >= 0);
    QCOMPARE(
        columns->model()->index(emailRow, d365::models::AttributeListModel::MaxLengthColumn).data().toInt(),
        100);
    columns->setFocus();
    columns->selectRow(emailRow);
    auto *detail = browser.findChild<QPlainTextEdit *>(u"schemaDetail"_s);
    QVERIFY(detail);
    QVERIFY2(detail->toPlainText().contains("Alternate key"_L1), qPrintable(detail->toPlainText()));
    // Keyboard: the next column down shows its own details.
    QTest::keyClick(columns, Qt::Key_Down);
    QVERIFY(!detail->toPlainText().contains("emailaddress1"_L1));

    // Custom only hides the system tables.
    auto *customOnly = browser.findChild<QCheckBox *>(u"schemaCustomOnly"_s);
    search->clear();
    customOnly->setChecked(true);
    for (int row = 0; row < browser.entityModel()->rowCount(); ++row) {
        QVERIFY(
            browser.entityModel()->index(row, 0).data(d365::models::EntityListModel::IsCustomRole).toBool());
    }
    QVERIFY(browser.entityModel()->rowCount() >= 1);
}

void TestSchemaBrowser::noProfile_showsAnInlineMessage()
{
    MetadataLoader loader(&m_tokens, m_cache.path());
    SchemaBrowser browser;
    wire(browser, loader);
    browser.show();
    browser.requestTables(false);
    auto *message = browser.findChild<QLabel *>(u"schemaMessage"_s);
    QVERIFY(message);
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains("No connection profile"_L1), qPrintable(message->text()));
}

void TestSchemaBrowser::state_roundTripsSearchCustomOnlyAndSelection()
{
    QByteArray state;
    {
        MetadataLoader loader(&m_tokens, m_cache.path());
        loader.setProfile(m_profile);
        SchemaBrowser browser;
        wire(browser, loader);
        browser.show();
        browser.requestTables(false);
        QTRY_VERIFY_WITH_TIMEOUT(browser.entityModel()->rowCount() >= 8, 20000);
        browser.findChild<QLineEdit *>(u"schemaSearch"_s)->setText(u"ware"_s);
        QTRY_VERIFY(browser.entityModel()->rowOfEntitySet(u"cr5a1_warehouserows"_s) >= 0);
        browser.findChild<QTableView *>(u"schemaTables"_s)
            ->selectRow(browser.entityModel()->rowOfEntitySet(u"cr5a1_warehouserows"_s));
        QCOMPARE(browser.selectedEntitySet(), u"cr5a1_warehouserows"_s);
        state = browser.saveState();
    }
    MetadataLoader loader(&m_tokens, m_cache.path());
    loader.setProfile(m_profile);
    SchemaBrowser browser;
    wire(browser, loader);
    browser.restoreState(state);
    QCOMPARE(browser.findChild<QLineEdit *>(u"schemaSearch"_s)->text(), u"ware"_s);
    browser.show();
    browser.requestTables(false); // answered from the disk cache
    QTRY_COMPARE_WITH_TIMEOUT(browser.selectedEntitySet(), u"cr5a1_warehouserows"_s, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(browser.attributeModel()->rowCount() > 0, 20000);
    browser.restoreState(QByteArray("garbage")); // damaged state is ignored
    QCOMPARE(browser.findChild<QLineEdit *>(u"schemaSearch"_s)->text(), u"ware"_s);
}

QTEST_MAIN(TestSchemaBrowser)
#include "tst_schemabrowser.moc"
