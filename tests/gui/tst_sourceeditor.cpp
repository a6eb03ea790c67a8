// The Source tab for every kind of warehouse, driven as a user drives it: the kind chosen with the keyboard
// in its combo box, a CSV file typed into the path (its delimiter picked), a PostgreSQL connection picked by
// name from the connections of the settings, a query typed, Preview — and the mapping the document holds
// afterwards is the one the mapping file format expects (a csv source has no query; a connection source has
// no path). The PostgreSQL part reads the test server installer/test.sh starts (D365SYNC_TEST_PG_*), with
// the password from D365SYNC_WAREHOUSE_PASSWORD_<NAME> as a headless run would.

#include "models/previewmodel.h"
#include "services/auth/warehousecredentials.h"
#include "services/settings/settings.h"
#include "services/warehouse/sourcespec.h"
#include "ui/mappingdocument.h"
#include "ui/sourceeditor.h"

#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace Qt::StringLiterals;
namespace SourceType = d365::services::SourceType;
using d365::ui::MappingDocument;
using d365::ui::SourceEditor;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

} // namespace

class TestSourceEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void kind_eachChosenWithTheKeyboard_showsOnlyTheRowsItNeeds();
    void csv_fileAndDelimiter_previewReadsIt_mappingHasNoQuery();
    void csv_missingFile_problemNamesTheFile();
    void postgresql_connectionPickedAndQueryTyped_previewReadsTheServer();
    void connection_notDefinedHere_isShownAsSuchAndFailsClearly();
    void connectionsButton_asksTheWindowForTheDialog();
    void kindChange_isOneUndoStep();

private:
    // Chooses the item whose data is `type` the way a keyboard user does: focus, then arrow keys.
    void chooseKind(const QString &type);
    template<typename T> T *child(const QString &name) const { return m_editor->findChild<T *>(name); }
    bool rowVisible(QWidget *field) const;

    QTemporaryDir m_dir;
    QString m_settingsFile;
    std::unique_ptr<MappingDocument> m_document;
    std::unique_ptr<SourceEditor> m_editor;
};

void TestSourceEditor::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_settingsFile = m_dir.filePath(u"settings.ini"_s);
    d365::services::WarehouseCredentials::install(m_settingsFile);
}

void TestSourceEditor::init()
{
    m_document = std::make_unique<MappingDocument>();
    m_document->newMapping(u"sandbox"_s);
    m_editor = std::make_unique<SourceEditor>(m_document.get());
    m_editor->resize(900, 600);
    m_editor->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_editor.get()));
}

void TestSourceEditor::cleanup()
{
    m_editor.reset();
    m_document.reset();
}

void TestSourceEditor::chooseKind(const QString &type)
{
    auto *combo = child<QComboBox>(u"sourceTypeComboBox"_s);
    QVERIFY(combo);
    const int wanted = combo->findData(type);
    QVERIFY2(wanted >= 0, qPrintable(type));
    combo->setFocus();
    while (combo->currentIndex() != wanted) {
        const int before = combo->currentIndex();
        QTest::keyClick(combo, combo->currentIndex() < wanted ? Qt::Key_Down : Qt::Key_Up);
        QVERIFY(combo->currentIndex() != before);
    }
    QTRY_COMPARE(m_document->mapping().source.type, type);
}

bool TestSourceEditor::rowVisible(QWidget *field) const
{
    auto *form = m_editor->findChild<QFormLayout *>();
    return form && field && field->isVisibleTo(m_editor.get()) && form->labelForField(field) &&
           form->labelForField(field)->isVisibleTo(m_editor.get());
}

void TestSourceEditor::kind_eachChosenWithTheKeyboard_showsOnlyTheRowsItNeeds()
{
    auto *path = child<QLineEdit>(u"databasePathLineEdit"_s);
    auto *connection = child<QComboBox>(u"warehouseConnectionComboBox"_s);
    auto *delimiter = child<QComboBox>(u"csvDelimiterComboBox"_s);
    auto *query = child<QPlainTextEdit>(u"sourceQueryEdit"_s);
    QVERIFY(path && connection && delimiter && query);

    QCOMPARE(m_document->mapping().source.type, SourceType::Sqlite);
    QVERIFY(rowVisible(path->parentWidget()));
    QVERIFY(!rowVisible(connection->parentWidget()));
    QVERIFY(!rowVisible(delimiter));
    QVERIFY(query->isVisibleTo(m_editor.get()));

    chooseKind(SourceType::Csv);
    QVERIFY(rowVisible(path->parentWidget()));
    QVERIFY(!rowVisible(connection->parentWidget()));
    QVERIFY(rowVisible(delimiter));
    QVERIFY(!query->isVisibleTo(m_editor.get())); // a csv source reads the whole file

    chooseKind(SourceType::Odbc);
    QVERIFY(!rowVisible(path->parentWidget()));
    QVERIFY(rowVisible(connection->parentWidget()));
    QVERIFY(!rowVisible(delimiter));
    QVERIFY(query->isVisibleTo(m_editor.get()));
    // No ODBC connection is defined: the picker says what to do.
    QVERIFY2(connection->currentText().contains(u"Connections…"_s), qPrintable(connection->currentText()));

    chooseKind(SourceType::PostgreSql);
    QVERIFY(rowVisible(connection->parentWidget()));
}

void TestSourceEditor::csv_fileAndDelimiter_previewReadsIt_mappingHasNoQuery()
{
    // The sample's customers, with semicolons.
    const QString csv = m_dir.filePath(u"customers-semicolon.csv"_s);
    {
        QFile file(csv);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            "customer_id;email;last_name\n1;ana@example.com;\"Silva; Jr.\"\n2;ben@example.com;Okafor\n");
    }
    chooseKind(SourceType::Csv);
    auto *path = child<QLineEdit>(u"databasePathLineEdit"_s);
    path->setFocus();
    QTest::keyClicks(path, csv);
    QTest::keyClick(path, Qt::Key_Return);
    QTRY_COMPARE(m_document->mapping().source.path, csv);

    auto *delimiter = child<QComboBox>(u"csvDelimiterComboBox"_s);
    delimiter->setFocus();
    QTest::keyClick(delimiter, Qt::Key_Down); // comma → semicolon
    QTRY_COMPARE(m_document->mapping().source.delimiter, u";"_s);

    QTRY_COMPARE(m_document->sourceColumns(), (QStringList{u"customer_id"_s, u"email"_s, u"last_name"_s}));
    QCOMPARE(m_document->previewModel()->rowCount(), 2);
    QCOMPARE(m_document->previewModel()->index(0, 2).data().toString(), u"Silva; Jr."_s);
    QTRY_COMPARE(m_document->mapping().source.keyColumn, u"customer_id"_s);
    QVERIFY(m_document->mapping().source.query.isEmpty());
    QVERIFY(m_document->mapping().source.connection.isEmpty());
    const auto *status = m_editor->findChild<QLabel *>(u"sourceStatusLabel"_s);
    QVERIFY2(status->text().contains(u"(2)"_s), qPrintable(status->text()));
}

void TestSourceEditor::csv_missingFile_problemNamesTheFile()
{
    chooseKind(SourceType::Csv);
    const QString missing = m_dir.filePath(u"no-such-export.csv"_s);
    m_document->setSourcePath(missing);
    const auto *problems = m_editor->findChild<QLabel *>(u"sourceProblemsLabel"_s);
    QTRY_VERIFY2(problems->isVisibleTo(m_editor.get()) && problems->text().contains(u"no-such-export.csv"_s),
                 qPrintable(problems->text()));
}

void TestSourceEditor::postgresql_connectionPickedAndQueryTyped_previewReadsTheServer()
{
    // installer/test.sh (the README's test command, and CI) always starts the PostgreSQL server and
    // sets D365SYNC_TEST_PG_*, so there this never skips; it only spares a developer who runs this
    // binary by hand without one a wall of connection failures.
    if (env("D365SYNC_TEST_PG_PORT").isEmpty())
        QSKIP("No test PostgreSQL server: run the suite with installer/test.sh (it starts one).");
    {
        auto admin = QSqlDatabase::addDatabase(u"QPSQL"_s, u"admin"_s);
        admin.setHostName(env("D365SYNC_TEST_PG_SOCKET"));
        admin.setPort(env("D365SYNC_TEST_PG_PORT").toInt());
        admin.setDatabaseName(env("D365SYNC_TEST_PG_DATABASE"));
        admin.setUserName(u"postgres"_s);
        QVERIFY2(admin.open(), qPrintable(admin.lastError().text()));
        QSqlQuery q(admin);
        QVERIFY(q.exec(u"DROP TABLE IF EXISTS tst_sourceeditor_people"_s));
        QVERIFY(q.exec(u"CREATE TABLE tst_sourceeditor_people (id integer PRIMARY KEY, email text)"_s));
        QVERIFY(q.exec(u"INSERT INTO tst_sourceeditor_people SELECT g, 'p' || g || '@example.com' FROM "
                       "generate_series(1, 3) g"_s));
        QVERIFY(q.exec(u"GRANT SELECT ON tst_sourceeditor_people TO "_s + env("D365SYNC_TEST_PG_USER")));
    }
    QSqlDatabase::removeDatabase(u"admin"_s);

    d365::services::Settings settings(m_settingsFile);
    d365::services::WarehouseConnection dw;
    dw.name = u"dw-editor"_s;
    dw.kind = d365::services::WarehouseConnection::Kind::PostgreSql;
    dw.host = env("D365SYNC_TEST_PG_HOST");
    dw.port = env("D365SYNC_TEST_PG_PORT").toInt();
    dw.database = env("D365SYNC_TEST_PG_DATABASE");
    dw.user = env("D365SYNC_TEST_PG_USER");
    QVERIFY(settings.saveWarehouseConnection(dw).ok());
    qputenv("D365SYNC_WAREHOUSE_PASSWORD_DW_EDITOR", env("D365SYNC_TEST_PG_PASSWORD").toUtf8());
    d365::services::WarehouseConnection odbc = dw;
    odbc.name = u"other-odbc"_s;
    odbc.kind = d365::services::WarehouseConnection::Kind::Odbc;
    odbc.dsn = u"warehouse"_s;
    m_editor->setWarehouseConnections({dw, odbc});

    chooseKind(SourceType::PostgreSql);
    auto *connection = child<QComboBox>(u"warehouseConnectionComboBox"_s);
    QCOMPARE(connection->count(), 2); // "Choose a connection" and dw-editor: the ODBC one is not offered
    connection->setFocus();
    QTest::keyClick(connection, Qt::Key_Down);
    QTRY_COMPARE(m_document->mapping().source.connection, u"dw-editor"_s);
    QVERIFY2(connection->currentText().startsWith(u"dw-editor — "_s), qPrintable(connection->currentText()));

    auto *query = child<QPlainTextEdit>(u"sourceQueryEdit"_s);
    query->setFocus();
    QTest::keyClicks(query, u"SELECT id, email FROM tst_sourceeditor_people ORDER BY id"_s);
    child<QPushButton>(u"previewButton"_s)->click();
    QTRY_COMPARE(m_document->sourceColumns(), (QStringList{u"id"_s, u"email"_s}));
    QCOMPARE(m_document->previewModel()->rowCount(), 3);
    QCOMPARE(m_document->previewModel()->index(2, 1).data().toString(), u"p3@example.com"_s);
    QVERIFY(m_document->mapping().source.path.isEmpty());
    QTRY_COMPARE(m_document->mapping().source.keyColumn, u"id"_s);
    qunsetenv("D365SYNC_WAREHOUSE_PASSWORD_DW_EDITOR");
}

void TestSourceEditor::connection_notDefinedHere_isShownAsSuchAndFailsClearly()
{
    // A mapping file from another computer names a connection this one does not have.
    chooseKind(SourceType::PostgreSql);
    m_document->setSourceConnection(u"finance-dw"_s);
    m_document->setSourceQuery(u"SELECT 1 AS id"_s);
    auto *connection = child<QComboBox>(u"warehouseConnectionComboBox"_s);
    QTRY_VERIFY2(connection->currentText().contains(u"finance-dw (not defined on this computer)"_s),
                 qPrintable(connection->currentText()));
    const auto *problems = m_editor->findChild<QLabel *>(u"sourceProblemsLabel"_s);
    QTRY_VERIFY2(problems->isVisibleTo(m_editor.get()) && problems->text().contains(u"finance-dw"_s),
                 qPrintable(problems->text()));
}

void TestSourceEditor::connectionsButton_asksTheWindowForTheDialog()
{
    chooseKind(SourceType::Odbc);
    QSignalSpy asked(m_editor.get(), &SourceEditor::manageConnectionsRequested);
    auto *button = child<QPushButton>(u"manageWarehouseConnectionsButton"_s);
    QVERIFY(button->isVisibleTo(m_editor.get()));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(asked.count(), 1);
}

void TestSourceEditor::kindChange_isOneUndoStep()
{
    m_document->setSourcePath(QStringLiteral(D365_SAMPLE_DB));
    m_document->setSourceTable(u"customers"_s);
    QTRY_COMPARE(m_document->mapping().source.keyColumn, u"customer_id"_s);
    const d365::services::SourceSpec before = m_document->mapping().source;
    const int steps = m_document->undoStack()->count();

    chooseKind(SourceType::Csv);
    QCOMPARE(m_document->undoStack()->count(), steps + 1);
    QVERIFY(m_document->mapping().source.path.isEmpty()); // the SQLite file is not a CSV file
    QVERIFY(m_document->mapping().source.query.isEmpty());

    m_document->undoStack()->undo();
    QCOMPARE(m_document->mapping().source.type, SourceType::Sqlite);
    QCOMPARE(m_document->mapping().source.path, before.path);
    QCOMPARE(m_document->mapping().source.query, before.query);
    QTRY_COMPARE(child<QComboBox>(u"sourceTypeComboBox"_s)->currentData().toString(), SourceType::Sqlite);
    QVERIFY(child<QPlainTextEdit>(u"sourceQueryEdit"_s)->isVisibleTo(m_editor.get()));
}

QTEST_MAIN(TestSourceEditor)
#include "tst_sourceeditor.moc"
