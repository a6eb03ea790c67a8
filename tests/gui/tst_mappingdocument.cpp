// MappingDocument: the mapping being edited and its undo stack. Every kind of edit is one undo step that
// undo takes back exactly and redo repeats; typing merges; the defaults the document fills in once an
// answer arrives (the match key of a table just chosen, the key column of a table just read) belong to the
// edit that asked for them; a save writes the file the format prescribes and refuses one that would not
// load back. Metadata comes from tests/common/samplemetadata.h, rows from the sample warehouse.

#include "common/samplemetadata.h"
#include "models/fieldmappingmodel.h"
#include "services/mapping/mappingfile.h"
#include "ui/mappingdocument.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

using namespace Qt::StringLiterals;
using d365::services::FieldMapping;
using d365::services::Mapping;
using d365::services::MappingFile;
using d365::ui::MappingDocument;

namespace {

QByteArray json(const Mapping &mapping)
{
    return MappingFile::toJson(mapping, QString());
}

d365::services::EntitySummary contactsSummary()
{
    d365::services::EntitySummary summary = d365::testsupport::sampleContactEntity().summary();
    return summary;
}

enum Edit {
    Name,
    SourcePath,
    Query,
    SourceTable,
    KeyColumn,
    Profile,
    EntitySet,
    MatchKey,
    Mode,
    Writer,
    TimeZone,
    MapColumns,
    AddFields,
    ChangeField,
    RemoveFields,
    AutoMap
};

} // namespace

class TestMappingDocument : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void newMapping_isOpenUnmodifiedAndNamed();
    void edit_eachKind_isOneUndoStepThatUndoAndRedoRepeatExactly_data();
    void edit_eachKind_isOneUndoStepThatUndoAndRedoRepeatExactly();
    void setSourceQuery_typedInSeveralGoes_isOneUndoStep();
    void setEntitySet_metadataKnown_choosesTheAlternateKeyInTheSameStep();
    void setEntitySet_metadataArrivesLater_keyJoinsTheTableChoice();
    void setSourceTable_columnsArrive_keyColumnJoinsTheTableChoice();
    void undo_beforeTheMetadataArrives_noDefaultKeyIsAddedAfterwards();
    void addFields_warehouseColumnAlone_getsTheColumnAutoMapWouldPick();
    void mapColumns_tableColumnAlreadyMapped_replacesItsSourceOnly();
    void mapColumns_unknownOrReadOnlyColumn_changesNothing();
    void problems_followTheEdits();
    void isModified_followsSaveUndoAndRedo();
    void saveAs_incompleteMapping_refusesAndWritesNothing();
    void saveAs_thenLoad_roundTripsTheFileByteForByte();

private:
    void openWithSample(MappingDocument &document);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestMappingDocument::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestMappingDocument::cleanup()
{
    m_dir.reset();
}

void TestMappingDocument::openWithSample(MappingDocument &document)
{
    document.newMapping(u"sandbox"_s);
    document.setTables({contactsSummary()});
    document.setEntity(d365::testsupport::sampleContactEntity());
    document.setSourcePath(QStringLiteral(D365_SAMPLE_DB));
    document.setSourceTable(u"customers"_s);
    document.setEntitySet(u"contacts"_s);
    QTRY_COMPARE(document.sourceColumns().size(), 11);
    QTRY_COMPARE(document.mapping().source.keyColumn, u"customer_id"_s);
}

void TestMappingDocument::newMapping_isOpenUnmodifiedAndNamed()
{
    MappingDocument document;
    QSignalSpy opened(&document, &MappingDocument::openChanged);
    QVERIFY(!document.isOpen());
    document.newMapping(u"sandbox"_s);
    QCOMPARE(opened.count(), 1);
    QVERIFY(document.isOpen());
    QVERIFY(!document.isModified());
    QCOMPARE(document.mapping().name, u"New mapping"_s);
    QCOMPARE(document.mapping().target.profile, u"sandbox"_s);
    QCOMPARE(document.undoStack()->count(), 0);
    QVERIFY(document.filePath().isEmpty());
    QVERIFY(!document.problems().isEmpty()); // a new mapping says what it still needs
}

void TestMappingDocument::edit_eachKind_isOneUndoStepThatUndoAndRedoRepeatExactly_data()
{
    QTest::addColumn<int>("edit");
    QTest::newRow("name") << int(Name);
    QTest::newRow("database") << int(SourcePath);
    QTest::newRow("query") << int(Query);
    QTest::newRow("table of the warehouse") << int(SourceTable);
    QTest::newRow("key column") << int(KeyColumn);
    QTest::newRow("profile") << int(Profile);
    QTest::newRow("target table") << int(EntitySet);
    QTest::newRow("match key") << int(MatchKey);
    QTest::newRow("mode") << int(Mode);
    QTest::newRow("writer") << int(Writer);
    QTest::newRow("time zone") << int(TimeZone);
    QTest::newRow("map columns") << int(MapColumns);
    QTest::newRow("add fields") << int(AddFields);
    QTest::newRow("change a field") << int(ChangeField);
    QTest::newRow("remove fields") << int(RemoveFields);
    QTest::newRow("auto-map") << int(AutoMap);
}

void TestMappingDocument::edit_eachKind_isOneUndoStepThatUndoAndRedoRepeatExactly()
{
    QFETCH(int, edit);
    MappingDocument document;
    openWithSample(document);
    document.mapColumns(u"email"_s, u"emailaddress1"_s);
    document.mapColumns(u"last_name"_s, u"lastname"_s);
    QTRY_VERIFY(!document.sourceColumns().isEmpty());
    const QByteArray before = json(document.mapping());
    const int steps = document.undoStack()->count();

    switch (Edit(edit)) {
    case Name:
        document.setName(u"Customers to contacts"_s);
        break;
    case SourcePath:
        document.setSourcePath(m_dir->filePath(u"other.db"_s));
        break;
    case Query:
        document.setSourceQuery(u"SELECT email, last_name FROM customers"_s);
        break;
    case SourceTable:
        document.setSourceTable(u"customers_2024"_s);
        break;
    case KeyColumn:
        document.setKeyColumn(u"email"_s);
        break;
    case Profile:
        document.setProfile(u"production"_s);
        break;
    case EntitySet:
        document.setEntitySet(u"accounts"_s);
        break;
    case MatchKey:
        document.setMatchKey({u"contactid"_s});
        break;
    case Mode:
        document.setMode(d365::services::SyncMode::Insert);
        break;
    case Writer:
        document.setWriter(d365::services::WriterKind::Batch);
        break;
    case TimeZone:
        document.setSourceTimeZone(u"Europe/Berlin"_s);
        break;
    case MapColumns:
        QVERIFY(document.mapColumns(u"city"_s, u"address1_city"_s));
        break;
    case AddFields:
        document.addFields(
            {FieldMapping{QString(), u"jobtitle"_s}, FieldMapping{u"phone"_s, u"telephone1"_s}}, 0);
        break;
    case ChangeField: {
        FieldMapping field = document.mapping().fields.at(1);
        field.truncate = true;
        field.nullPolicy = d365::services::NullPolicy::LeaveUnchanged;
        document.changeField(1, field);
        break;
    }
    case RemoveFields:
        document.removeFields({1, 0});
        break;
    case AutoMap:
        QVERIFY(!document.autoMap().matches.isEmpty());
        break;
    }

    const QByteArray after = json(document.mapping());
    QVERIFY(after != before);
    QCOMPARE(document.undoStack()->count(), steps + 1);
    QVERIFY(document.isModified());
    QVERIFY(!document.undoStack()->undoText().isEmpty());
    document.undoStack()->undo();
    QCOMPARE(json(document.mapping()), before);
    QCOMPARE(document.fieldModel()->rowCount(), document.mapping().fields.size()); // the view follows
    document.undoStack()->redo();
    QCOMPARE(json(document.mapping()), after);
    QCOMPARE(document.fieldModel()->rowCount(), document.mapping().fields.size());
}

void TestMappingDocument::setSourceQuery_typedInSeveralGoes_isOneUndoStep()
{
    MappingDocument document;
    document.newMapping(u"sandbox"_s);
    document.setSourceQuery(u"SELECT"_s);
    document.setSourceQuery(u"SELECT email"_s);
    document.setSourceQuery(u"SELECT email FROM customers"_s);
    QCOMPARE(document.undoStack()->count(), 1);
    document.undoStack()->undo();
    QVERIFY(document.mapping().source.query.isEmpty());
    // Typed and typed back: nothing left to undo.
    document.setSourceQuery(u"SELECT 1"_s);
    document.setSourceQuery(QString());
    QCOMPARE(document.undoStack()->index(), 0);
    QVERIFY(!document.isModified());
}

void TestMappingDocument::setEntitySet_metadataKnown_choosesTheAlternateKeyInTheSameStep()
{
    MappingDocument document;
    document.newMapping(u"sandbox"_s);
    document.setTables({contactsSummary()});
    document.setEntity(d365::testsupport::sampleContactEntity());
    document.setEntitySet(u"contacts"_s);
    QCOMPARE(document.mapping().target.matchKey, QStringList({u"emailaddress1"_s}));
    QCOMPARE(document.undoStack()->count(), 1);
    document.undoStack()->undo();
    QVERIFY(document.mapping().target.entitySet.isEmpty());
    QVERIFY(document.mapping().target.matchKey.isEmpty());
}

void TestMappingDocument::setEntitySet_metadataArrivesLater_keyJoinsTheTableChoice()
{
    MappingDocument document;
    QSignalSpy requested(&document, &MappingDocument::entityRequested);
    document.newMapping(u"sandbox"_s);
    document.setEntitySet(u"contacts"_s);
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().first().toString(), u"contacts"_s);
    QVERIFY(document.mapping().target.matchKey.isEmpty());
    document.setEntity(d365::testsupport::sampleContactEntity()); // the loader's answer
    QCOMPARE(document.mapping().target.matchKey, QStringList({u"emailaddress1"_s}));
    QCOMPARE(document.undoStack()->count(), 1);
    // A table without alternate keys: its primary key.
    auto noKeys = d365::testsupport::sampleContactEntity();
    noKeys.entitySetName = u"leads"_s;
    noKeys.primaryIdAttribute = u"leadid"_s;
    noKeys.keys.clear();
    document.setEntitySet(u"leads"_s);
    document.setEntity(noKeys);
    QCOMPARE(document.mapping().target.matchKey, QStringList({u"leadid"_s}));
    QCOMPARE(document.undoStack()->count(), 2);
}

void TestMappingDocument::setSourceTable_columnsArrive_keyColumnJoinsTheTableChoice()
{
    MappingDocument document;
    document.newMapping(u"sandbox"_s);
    document.setSourcePath(QStringLiteral(D365_SAMPLE_DB));
    QTRY_COMPARE(document.warehouseTables(), QStringList({u"customers"_s}));
    document.setSourceTable(u"customers"_s);
    QCOMPARE(document.mapping().source.query, u"SELECT * FROM customers"_s);
    QTRY_COMPARE(document.mapping().source.keyColumn, u"customer_id"_s);
    QCOMPARE(document.undoStack()->count(), 2); // the database, then the table (with its key column)
    QCOMPARE(document.preview().rows.size(), d365::services::SourceInspector::PreviewRows);
    document.undoStack()->undo();
    QVERIFY(document.mapping().source.query.isEmpty());
    QVERIFY(document.mapping().source.keyColumn.isEmpty());
}

void TestMappingDocument::undo_beforeTheMetadataArrives_noDefaultKeyIsAddedAfterwards()
{
    MappingDocument document;
    document.newMapping(u"sandbox"_s);
    document.setEntitySet(u"contacts"_s);
    document.undoStack()->undo();
    document.setEntity(d365::testsupport::sampleContactEntity()); // arrives after the undo
    QVERIFY(document.mapping().target.matchKey.isEmpty());
    QVERIFY(document.mapping().target.entitySet.isEmpty());
    QVERIFY(document.undoStack()->canRedo()); // the redo history survived
}

void TestMappingDocument::addFields_warehouseColumnAlone_getsTheColumnAutoMapWouldPick()
{
    MappingDocument document;
    openWithSample(document);
    document.addFields({FieldMapping{u"job_title"_s, QString()}, FieldMapping{u"phone"_s, QString()}});
    QCOMPARE(document.mapping().fields.size(), 2);
    QCOMPARE(document.mapping().fields.at(0).target, u"jobtitle"_s);
    QVERIFY(document.mapping().fields.at(1).target.isEmpty()); // no table column called phone: the user picks
    QCOMPARE(document.undoStack()->undoText(), u"Add 2 fields"_s);
    // A table column that already has a field is not added twice.
    document.addFields({FieldMapping{QString(), u"jobtitle"_s}});
    QCOMPARE(document.mapping().fields.size(), 2);
}

void TestMappingDocument::mapColumns_tableColumnAlreadyMapped_replacesItsSourceOnly()
{
    MappingDocument document;
    openWithSample(document);
    QVERIFY(document.mapColumns(u"first_name"_s, u"lastname"_s));
    FieldMapping field = document.mapping().fields.first();
    field.truncate = true;
    document.changeField(0, field);
    QVERIFY(document.mapColumns(u"last_name"_s, u"lastname"_s));
    QCOMPARE(document.mapping().fields.size(), 1);
    QCOMPARE(document.mapping().fields.first().source, u"last_name"_s);
    QVERIFY(document.mapping().fields.first().truncate); // the field's options stay
    QCOMPARE(document.undoStack()->undoText(), u"Map last_name → lastname"_s);
}

void TestMappingDocument::mapColumns_unknownOrReadOnlyColumn_changesNothing()
{
    MappingDocument document;
    openWithSample(document);
    const int steps = document.undoStack()->count();
    QVERIFY(!document.mapColumns(u"nickname"_s, u"firstname"_s));  // not in the query
    QVERIFY(!document.mapColumns(u"first_name"_s, u"fullname"_s)); // computed by Dataverse
    QVERIFY(!document.mapColumns(u"first_name"_s, u"no_such_column"_s));
    QCOMPARE(document.undoStack()->count(), steps);
    QVERIFY(document.mapping().fields.isEmpty());
}

void TestMappingDocument::problems_followTheEdits()
{
    MappingDocument document;
    openWithSample(document);
    QSignalSpy changed(&document, &MappingDocument::problemsChanged);
    document.mapColumns(u"email"_s, u"emailaddress1"_s);
    document.mapColumns(u"last_name"_s, u"lastname"_s);
    QVERIFY2(document.problems().isEmpty(), qPrintable(document.problems().value(0).message));
    QVERIFY(changed.count() >= 1);
    document.removeFields({1});
    QCOMPARE(document.problems().size(), 1);
    QCOMPARE(document.problems().first().path, u"$.fields"_s); // lastname is required for new contacts
    QCOMPARE(document.errorCount(), 0);                        // an upsert warns
    document.setMode(d365::services::SyncMode::Insert);
    QCOMPARE(document.errorCount(), 1); // an insert cannot do without it
    document.undoStack()->undo();
    document.undoStack()->undo();
    QVERIFY(document.problems().isEmpty());
}

void TestMappingDocument::isModified_followsSaveUndoAndRedo()
{
    MappingDocument document;
    openWithSample(document);
    document.mapColumns(u"email"_s, u"emailaddress1"_s);
    document.mapColumns(u"last_name"_s, u"lastname"_s);
    QSignalSpy modified(&document, &MappingDocument::modifiedChanged);
    const auto saved = document.saveAs(m_dir->filePath(u"contacts.json"_s));
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message));
    QVERIFY(!document.isModified());
    QCOMPARE(modified.count(), 1);
    QCOMPARE(modified.last().first().toBool(), false);
    document.setName(u"Renamed"_s);
    QVERIFY(document.isModified());
    document.undoStack()->undo();
    QVERIFY(!document.isModified()); // back where it was saved
    document.undoStack()->redo();
    QVERIFY(document.isModified());
}

void TestMappingDocument::saveAs_incompleteMapping_refusesAndWritesNothing()
{
    MappingDocument document;
    document.newMapping(u"sandbox"_s);
    document.setName(u"Half done"_s);
    const QString path = m_dir->filePath(u"half.json"_s);
    const auto saved = document.saveAs(path);
    QVERIFY(!saved.ok());
    QVERIFY2(saved.error().message.contains(u"$.target.entitySet"_s), qPrintable(saved.error().message));
    QVERIFY(!QFile::exists(path));
    QVERIFY(document.isModified());
    QVERIFY(document.filePath().isEmpty());
}

void TestMappingDocument::saveAs_thenLoad_roundTripsTheFileByteForByte()
{
    MappingDocument document;
    openWithSample(document);
    document.autoMap();
    document.setName(u"Customers to contacts"_s);
    FieldMapping constant{QString(), u"new_companyname"_s};
    constant.constant = u"Contoso"_s;
    document.addFields({constant});
    document.setWriter(d365::services::WriterKind::Bulk);
    const QString path = m_dir->filePath(u"round-trip.json"_s);
    QVERIFY(document.saveAs(path).ok());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray written = file.readAll();
    file.close();
    // The format's member order, pretty-printed, the database relative to the file only when it lies below.
    QVERIFY(written.startsWith("{\n  \"$schema\": "));
    QVERIFY(written.indexOf("\"source\"") < written.indexOf("\"target\""));
    QVERIFY(written.indexOf("\"mode\"") < written.indexOf("\"writer\""));
    QVERIFY(written.contains("{ \"target\": \"new_companyname\", \"constant\": \"Contoso\" }"));

    MappingDocument again;
    QVERIFY(again.load(path).ok());
    QCOMPARE(json(again.mapping()), json(document.mapping()));
    QCOMPARE(again.fieldModel()->rowCount(), document.mapping().fields.size());
    QVERIFY(!again.isModified());
    const QString copy = m_dir->filePath(u"copy.json"_s);
    QVERIFY(again.saveAs(copy).ok());
    QFile second(copy);
    QVERIFY(second.open(QIODevice::ReadOnly));
    QCOMPARE(second.readAll(), written);
}

QTEST_MAIN(TestMappingDocument)
#include "tst_mappingdocument.moc"
