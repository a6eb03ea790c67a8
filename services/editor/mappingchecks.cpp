#include "services/editor/mappingchecks.h"

#include "services/common/textmatch.h"
#include "services/editor/automapper.h"
#include "services/mapping/mappingfile.h"
#include "services/mapping/mappingvalidator.h"

#include <QCoreApplication>
#include <QDir>

using namespace Qt::StringLiterals;

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(MappingChecks)
};

void addUnique(QList<EditorProblem> &problems, const EditorProblem &problem)
{
    if (!problems.contains(problem))
        problems.append(problem);
}

} // namespace

QList<EditorProblem> MappingChecks::check(const Input &input)
{
    Q_ASSERT(input.mapping);
    const Mapping &mapping = *input.mapping;
    QList<EditorProblem> problems;

    // What a load of the saved file would say: the editor never saves a file it could not open again.
    const QString baseDir = input.baseDir.isEmpty() ? QDir::rootPath() : input.baseDir;
    const MappingLoadResult parsed = MappingFile::parse(MappingFile::toJson(mapping, baseDir), baseDir);
    for (const EditorProblem &problem : EditorProblem::fromMappingProblems(parsed.problems))
        addUnique(problems, problem);

    // The warehouse.
    const SourcePreview *source = input.source;
    const bool sourceCurrent = source && source->spec.path == mapping.source.path &&
                               source->spec.connection == mapping.source.connection &&
                               source->spec.query == mapping.source.query &&
                               source->spec.type == mapping.source.type;
    const bool sourceComplete =
        mapping.source.isLocated() && (!mapping.source.hasQuery() || !mapping.source.query.isEmpty());
    if (sourceCurrent && source->error && sourceComplete) {
        // A query's error is the query's; a file kind without one (csv) has only its file to blame.
        const QString path = mapping.source.hasQuery() ? u"$.source.query"_s : u"$.source.path"_s;
        addUnique(problems, {EditorProblem::Severity::Error, path, source->error->message});
    }
    if (sourceCurrent && source->ok() && !mapping.source.keyColumn.isEmpty() &&
        !source->columns.contains(mapping.source.keyColumn)) {
        addUnique(problems, {EditorProblem::Severity::Error, u"$.source.keyColumn"_s,
                             Text::tr("The query returns no column '%1'. Choose one of: %2.")
                                 .arg(mapping.source.keyColumn, source->columns.join(u", "_s))});
    }

    // The table.
    if (input.tables && !input.tables->isEmpty() && !mapping.target.entitySet.isEmpty()) {
        QStringList sets;
        for (const EntitySummary &table : *input.tables)
            sets.append(table.entitySetName);
        if (!sets.contains(mapping.target.entitySet)) {
            const QStringList close = closestNames(mapping.target.entitySet, sets);
            addUnique(problems,
                      {EditorProblem::Severity::Error, u"$.target.entitySet"_s,
                       Text::tr("The org has no table with the entity set name '%1'.%2 Choose the table in "
                                "the Target tab.")
                           .arg(mapping.target.entitySet,
                                close.isEmpty() ? QString()
                                                : Text::tr(" Did you mean %1?").arg(close.join(u", "_s)))});
        }
    }

    const EntityMetadata *entity = input.entity;
    if (entity && entity->entitySetName == mapping.target.entitySet) {
        SourceColumns columns;
        if (sourceCurrent && source->ok()) {
            columns.names = source->columns;
            columns.types = source->types;
        }
        // Fields without a target are reported by the parse above; the validator would add "no column ''".
        Mapping complete = mapping;
        QList<int> rows; // complete.fields[i] is mapping.fields[rows[i]]
        complete.fields.clear();
        for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
            if (!mapping.fields.at(i).target.isEmpty()) {
                complete.fields.append(mapping.fields.at(i));
                rows.append(int(i));
            }
        }
        for (MappingProblem problem : MappingValidator::validate(complete, *entity, columns)) {
            // Back to the rows of the edited mapping.
            const EditorProblem asEditor{EditorProblem::Severity::Error, problem.path, problem.message};
            if (const int row = asEditor.fieldRow(); row >= 0 && row < rows.size()) {
                const QString prefix = u"$.fields[%1]"_s.arg(row);
                problem.path = u"$.fields[%1]"_s.arg(rows.at(row)) + problem.path.mid(prefix.size());
            }
            addUnique(problems, {EditorProblem::Severity::Error, problem.path, problem.message});
        }

        // An audience writes records only in its upsert mode; add, remove and mirror change memberships.
        const bool writesRecords = !mapping.target.list || mapping.target.list->mode == AudienceMode::Upsert;
        if (mapping.mode == SyncMode::Upsert && writesRecords) {
            const QStringList missing = AutoMapper::requiredUnmapped(mapping, *entity);
            if (!missing.isEmpty()) {
                addUnique(
                    problems,
                    {EditorProblem::Severity::Warning, u"$.fields"_s,
                     Text::tr("An upsert creates the %1 records that do not exist yet, and those need %2. "
                              "Map a warehouse column or a constant to each, or rows for new records "
                              "will fail.")
                         .arg(entity->logicalName, missing.join(u", "_s))});
            }
        }

        if (sourceCurrent && source->ok()) {
            const QHash<QString, int> longest = source->longestText();
            for (qsizetype i = 0; i < mapping.fields.size(); ++i) {
                const FieldMapping &field = mapping.fields.at(i);
                const AttributeMetadata *attribute = entity->attribute(field.target);
                if (field.truncate || field.source.isEmpty() || !attribute || !attribute->maxLength ||
                    (attribute->kind != AttributeKind::String && attribute->kind != AttributeKind::Memo))
                    continue;
                const int length = longest.value(field.source);
                if (length > *attribute->maxLength) {
                    addUnique(problems,
                              {EditorProblem::Severity::Warning, u"$.fields[%1].source"_s.arg(i),
                               Text::tr("In the previewed rows '%1' holds text of up to %2 characters, but "
                                        "'%3' takes at most %4: those rows will fail. Turn on Truncate in "
                                        "the field's options, or shorten the text in the query.")
                                   .arg(field.source)
                                   .arg(length)
                                   .arg(field.target)
                                   .arg(*attribute->maxLength)});
                }
            }
        }
    }
    return problems;
}

} // namespace d365::services
