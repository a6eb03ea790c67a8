// MappingChecks: the editor's live validation without the network — what loading the saved file would say,
// MappingValidator against the cached metadata (with the previewed columns and types), and the editor's own
// warnings (required columns an upsert leaves out, previewed text longer than its column) — each with the
// JSON path of the row or picker it concerns.

#include "common/samplemetadata.h"
#include "services/editor/mappingchecks.h"

#include <QTest>

using namespace Qt::StringLiterals;
using d365::services::AudienceMode;
using d365::services::EditorProblem;
using d365::services::FieldMapping;
using d365::services::ListSpec;
using d365::services::Mapping;
using d365::services::MappingChecks;
using d365::services::SourcePreview;
using d365::services::SyncMode;

namespace {

Mapping validMapping()
{
    Mapping mapping;
    mapping.name = u"Customers"_s;
    mapping.source.path = u"/data/warehouse.db"_s;
    mapping.source.query = u"SELECT * FROM customers"_s;
    mapping.source.keyColumn = u"customer_id"_s;
    mapping.target.profile = u"sandbox"_s;
    mapping.target.entitySet = u"contacts"_s;
    mapping.target.matchKey = {u"emailaddress1"_s};
    mapping.fields = {FieldMapping{u"email"_s, u"emailaddress1"_s},
                      FieldMapping{u"last_name"_s, u"lastname"_s}};
    return mapping;
}

SourcePreview previewOf(const Mapping &mapping, const QList<QVariantList> &rows = {})
{
    SourcePreview preview;
    preview.spec = mapping.source;
    preview.columns = d365::testsupport::sampleCustomerColumns();
    for (const QString &column : preview.columns)
        preview.types.insert(column, QMetaType::QString);
    preview.types.insert(u"customer_id"_s, QMetaType::LongLong);
    preview.rows = rows;
    return preview;
}

QList<EditorProblem> check(const Mapping &mapping, const SourcePreview *preview = nullptr,
                           const QList<d365::services::EntitySummary> *tables = nullptr)
{
    static const auto entity = d365::testsupport::sampleContactEntity();
    MappingChecks::Input input;
    input.mapping = &mapping;
    input.entity = &entity;
    input.source = preview;
    input.tables = tables;
    return MappingChecks::check(input);
}

QStringList paths(const QList<EditorProblem> &problems)
{
    QStringList result;
    for (const auto &problem : problems)
        result << problem.path;
    return result;
}

} // namespace

class TestMappingChecks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void check_validMapping_findsNothing();
    void check_newMapping_saysWhatIsMissingWhereTheFileWould();
    void check_fieldWithoutTarget_isReportedOnItsRowOnly();
    void check_validatorProblems_landOnTheRowsOfTheEditedMapping();
    void check_readOnlyColumn_isAnErrorOnItsRow();
    void check_upsertWithoutARequiredColumn_warns();
    void check_insertWithoutARequiredColumn_isAnError();
    void check_audienceWithoutARequiredColumn_warnsOnlyInUpsertMode();
    void check_matchKeyNotMapped_isAnErrorOnTheMatchKey();
    void check_columnMappedTwice_isAnErrorOnTheSecondField();
    void check_sourceTypeThatCannotBecomeTheColumnType_isAnErrorOnTheSource();
    void check_previewedTextLongerThanTheColumn_warnsUnlessTruncated();
    void check_keyColumnNotInTheQuery_isAnError();
    void check_unknownTable_suggestsTheClosest();
    void fieldRowAndArea_ofPaths_data();
    void fieldRowAndArea_ofPaths();
};

void TestMappingChecks::check_validMapping_findsNothing()
{
    const Mapping mapping = validMapping();
    const SourcePreview preview = previewOf(mapping);
    const auto problems = check(mapping, &preview);
    QVERIFY2(problems.isEmpty(), qPrintable(paths(problems).join(u", "_s)));
}

void TestMappingChecks::check_newMapping_saysWhatIsMissingWhereTheFileWould()
{
    Mapping mapping;
    mapping.name = u"New mapping"_s;
    mapping.target.profile = u"sandbox"_s;
    MappingChecks::Input input;
    input.mapping = &mapping;
    const QStringList where = paths(MappingChecks::check(input));
    for (const QString &path : {u"$.source.path"_s, u"$.source.query"_s, u"$.source.keyColumn"_s,
                                u"$.target.entitySet"_s, u"$.target.matchKey"_s, u"$.fields"_s})
        QVERIFY2(where.contains(path), qPrintable(path + u" missing from: "_s + where.join(u", "_s)));
}

void TestMappingChecks::check_fieldWithoutTarget_isReportedOnItsRowOnly()
{
    Mapping mapping = validMapping();
    mapping.fields.insert(0, FieldMapping{u"phone"_s, QString()});
    const auto problems = check(mapping);
    QCOMPARE(paths(problems), QStringList({u"$.fields[0].target"_s}));
    QVERIFY2(problems.first().message.contains(u"target column is empty"_s),
             qPrintable(problems.first().message));
}

void TestMappingChecks::check_validatorProblems_landOnTheRowsOfTheEditedMapping()
{
    // The validator sees the fields without the one that has no target yet; its paths are mapped back.
    Mapping mapping = validMapping();
    mapping.fields.insert(0, FieldMapping{u"phone"_s, QString()});
    mapping.fields.append(FieldMapping{u"city"_s, u"address1_town"_s});
    const auto problems = check(mapping);
    QVERIFY2(paths(problems).contains(u"$.fields[3].target"_s), qPrintable(paths(problems).join(u", "_s)));
    for (const auto &problem : problems) {
        if (problem.path == "$.fields[3].target"_L1)
            QVERIFY2(problem.message.contains(u"Did you mean address1_city"_s), qPrintable(problem.message));
    }
}

void TestMappingChecks::check_readOnlyColumn_isAnErrorOnItsRow()
{
    Mapping mapping = validMapping();
    mapping.fields.append(FieldMapping{u"first_name"_s, u"fullname"_s});
    const auto problems = check(mapping);
    QCOMPARE(paths(problems), QStringList({u"$.fields[2].target"_s}));
    QCOMPARE(problems.first().severity, EditorProblem::Severity::Error);
    QVERIFY2(problems.first().message.contains(u"cannot be written"_s), qPrintable(problems.first().message));
}

void TestMappingChecks::check_upsertWithoutARequiredColumn_warns()
{
    Mapping mapping = validMapping();
    mapping.fields.removeLast(); // lastname
    const auto problems = check(mapping);
    QCOMPARE(paths(problems), QStringList({u"$.fields"_s}));
    QCOMPARE(problems.first().severity, EditorProblem::Severity::Warning);
    QVERIFY2(problems.first().message.contains(u"lastname"_s), qPrintable(problems.first().message));
}

void TestMappingChecks::check_audienceWithoutARequiredColumn_warnsOnlyInUpsertMode()
{
    // Add, remove and mirror change a list's members and write no record: only the match key matters.
    Mapping mapping = validMapping();
    mapping.fields.removeLast(); // lastname
    mapping.target.list = ListSpec{{}, u"Newsletter"_s, false, 20, AudienceMode::Mirror};
    QCOMPARE(paths(check(mapping)), QStringList());
    mapping.target.list->mode = AudienceMode::Upsert; // the member records are upserted first
    const auto problems = check(mapping);
    QCOMPARE(paths(problems), QStringList({u"$.fields"_s}));
    QVERIFY2(problems.first().message.contains(u"lastname"_s), qPrintable(problems.first().message));
}

void TestMappingChecks::check_insertWithoutARequiredColumn_isAnError()
{
    Mapping mapping = validMapping();
    mapping.mode = SyncMode::Insert;
    mapping.fields.removeLast();
    const auto problems = check(mapping);
    QCOMPARE(paths(problems), QStringList({u"$.fields"_s}));
    QCOMPARE(problems.first().severity, EditorProblem::Severity::Error);
}

void TestMappingChecks::check_matchKeyNotMapped_isAnErrorOnTheMatchKey()
{
    Mapping mapping = validMapping();
    mapping.fields.removeFirst(); // emailaddress1
    const auto problems = check(mapping);
    QVERIFY2(paths(problems).contains(u"$.target.matchKey[0]"_s), qPrintable(paths(problems).join(u", "_s)));
}

void TestMappingChecks::check_columnMappedTwice_isAnErrorOnTheSecondField()
{
    Mapping mapping = validMapping();
    mapping.fields.append(FieldMapping{u"last_name"_s, u"emailaddress1"_s});
    const auto problems = check(mapping);
    QVERIFY2(paths(problems).contains(u"$.fields[2].target"_s), qPrintable(paths(problems).join(u", "_s)));
}

void TestMappingChecks::check_sourceTypeThatCannotBecomeTheColumnType_isAnErrorOnTheSource()
{
    Mapping mapping = validMapping();
    mapping.fields.append(FieldMapping{u"customer_id"_s, u"birthdate"_s}); // an integer into a date
    const SourcePreview preview = previewOf(mapping);
    const auto problems = check(mapping, &preview);
    QCOMPARE(paths(problems), QStringList({u"$.fields[2].source"_s}));
    QVERIFY2(problems.first().message.contains(u"holds numbers"_s), qPrintable(problems.first().message));
}

void TestMappingChecks::check_previewedTextLongerThanTheColumn_warnsUnlessTruncated()
{
    Mapping mapping = validMapping();
    QVariantList row(11);
    row[2] = QString(60, u'L'); // last_name, 60 characters; lastname takes 50
    const SourcePreview preview = previewOf(mapping, {row});
    auto problems = check(mapping, &preview);
    QCOMPARE(paths(problems), QStringList({u"$.fields[1].source"_s}));
    QCOMPARE(problems.first().severity, EditorProblem::Severity::Warning);
    QVERIFY2(problems.first().message.contains(u"up to 60 characters"_s),
             qPrintable(problems.first().message));

    mapping.fields[1].truncate = true;
    const SourcePreview same = previewOf(mapping, {row});
    problems = check(mapping, &same);
    QVERIFY2(problems.isEmpty(), qPrintable(paths(problems).join(u", "_s)));
}

void TestMappingChecks::check_keyColumnNotInTheQuery_isAnError()
{
    Mapping mapping = validMapping();
    mapping.source.keyColumn = u"id"_s;
    const SourcePreview preview = previewOf(mapping);
    QCOMPARE(paths(check(mapping, &preview)), QStringList({u"$.source.keyColumn"_s}));
    // A preview of another query says nothing about this one.
    SourcePreview stale = preview;
    stale.spec.query = u"SELECT id FROM other"_s;
    QVERIFY(check(mapping, &stale).isEmpty());
}

void TestMappingChecks::check_unknownTable_suggestsTheClosest()
{
    Mapping mapping = validMapping();
    mapping.target.entitySet = u"contact"_s;
    QList<d365::services::EntitySummary> tables(2);
    tables[0].entitySetName = u"contacts"_s;
    tables[1].entitySetName = u"accounts"_s;
    const auto problems = check(mapping, nullptr, &tables);
    QCOMPARE(paths(problems), QStringList({u"$.target.entitySet"_s}));
    QVERIFY2(problems.first().message.contains(u"Did you mean contacts?"_s),
             qPrintable(problems.first().message));
}

void TestMappingChecks::fieldRowAndArea_ofPaths_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("area");
    QTest::newRow("field target") << u"$.fields[3].target"_s << 3 << u"fields"_s;
    QTest::newRow("lookup table") << u"$.fields[12].lookup.table"_s << 12 << u"fields"_s;
    QTest::newRow("all fields") << u"$.fields"_s << -1 << u"fields"_s;
    QTest::newRow("match key entry") << u"$.target.matchKey[0]"_s << -1 << u"target"_s;
    QTest::newRow("query") << u"$.source.query"_s << -1 << u"source"_s;
    QTest::newRow("document") << u"$"_s << -1 << QString();
}

void TestMappingChecks::fieldRowAndArea_ofPaths()
{
    QFETCH(QString, path);
    QFETCH(int, row);
    QFETCH(QString, area);
    const EditorProblem problem{EditorProblem::Severity::Error, path, u"x"_s};
    QCOMPARE(problem.fieldRow(), row);
    QCOMPARE(problem.area(), area);
}

QTEST_GUILESS_MAIN(TestMappingChecks)
#include "tst_mappingchecks.moc"
