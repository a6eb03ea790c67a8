#include "ui/mappingdocument.h"

#include "models/previewmodel.h"
#include "models/sourcecolumnmodel.h"
#include "models/targetcolumnmodel.h"
#include "services/editor/mappingchecks.h"
#include "services/mapping/mappingfile.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>
#include <QUndoCommand>
#include <QUndoStack>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMappingDocument, "d365.ui.mappingdocument")

namespace d365::ui {

using services::FieldMapping;
using services::Mapping;

namespace {

// Consecutive commands with the same id merge into one undo step (typing a name or a query is one edit).
enum MergeId { NoMerge = -1, MergeName = 1, MergeQuery, MergeSourceTable, MergeTargetTable };

// How long the source must stay unchanged before the warehouse is read again (typing a query).
constexpr int PreviewDelayMs = 400;

bool sameSource(const services::SourceSpec &a, const services::SourceSpec &b)
{
    return a.type == b.type && a.path == b.path && a.connection == b.connection && a.query == b.query &&
           a.delimiter == b.delimiter && a.quote == b.quote && a.columnTypes == b.columnTypes;
}

bool sameMapping(const Mapping &a, const Mapping &b)
{
    // toJson writes every member the format knows; the base folder makes no difference to a comparison.
    return services::MappingFile::toJson(a, QString()) == services::MappingFile::toJson(b, QString());
}

} // namespace

// One edit: the mapping before and after it. A follow-up (the default key chosen once the metadata of the
// table just picked arrives) merges into the command that picked the table.
class MappingEditCommand : public QUndoCommand
{
public:
    MappingEditCommand(MappingDocument *document, const QString &text, Mapping before, Mapping after,
                       int mergeId, bool followUp)
        : QUndoCommand(text)
        , m_document(document)
        , m_before(std::move(before))
        , m_after(std::move(after))
        , m_mergeId(mergeId)
        , m_followUp(followUp)
    {}

    void undo() override
    {
        m_document->cancelFollowUps(); // an answer that arrives after an undo must not redo anything
        m_document->restore(m_before);
    }
    void redo() override { m_document->restore(m_after); }
    int id() const override { return m_mergeId; }
    bool mergeWith(const QUndoCommand *other) override
    {
        const auto *next = static_cast<const MappingEditCommand *>(other);
        const bool typing = m_mergeId == MergeName || m_mergeId == MergeQuery;
        if (!typing && !next->m_followUp)
            return false;
        m_after = next->m_after;
        setObsolete(sameMapping(m_before, m_after)); // typed and typed back: nothing to undo
        return true;
    }

private:
    MappingDocument *m_document;
    Mapping m_before;
    Mapping m_after;
    int m_mergeId;
    bool m_followUp;
};

MappingDocument::MappingDocument(QObject *parent)
    : QObject(parent)
    , m_undo(new QUndoStack(this))
    , m_fieldModel(new models::FieldMappingModel(this))
    , m_sourceModel(new models::SourceColumnModel(this))
    , m_targetModel(new models::TargetColumnModel(this))
    , m_previewModel(new models::PreviewModel(this))
    , m_inspector(new services::SourceInspector(this))
    , m_previewTimer(new QTimer(this))
{
    m_undo->setObjectName(u"mappingUndoStack"_s);
    m_previewTimer->setSingleShot(true);
    m_previewTimer->setInterval(PreviewDelayMs);
    connect(m_previewTimer, &QTimer::timeout, this, &MappingDocument::refreshPreview);
    connect(m_inspector, &services::SourceInspector::previewReady, this, &MappingDocument::onPreview);
    connect(m_inspector, &services::SourceInspector::tablesReady, this,
            [this](const QString &path, const QStringList &tables, const QString &error) {
                if (path != m_mapping.source.path)
                    return;
                m_warehouseTables = tables;
                m_warehouseTablesError = error;
                Q_EMIT warehouseTablesChanged();
            });
    connect(m_undo, &QUndoStack::cleanChanged, this, [this](bool clean) { Q_EMIT modifiedChanged(!clean); });

    // What the views ask for becomes an edit here.
    connect(m_sourceModel, &models::SourceColumnModel::mapRequested, this, &MappingDocument::mapColumns);
    connect(m_targetModel, &models::TargetColumnModel::mapRequested, this, &MappingDocument::mapColumns);
    connect(m_fieldModel, &models::FieldMappingModel::fieldChangeRequested, this,
            &MappingDocument::changeField);
    connect(m_fieldModel, &models::FieldMappingModel::fieldsAddRequested, this,
            [this](const QList<FieldMapping> &fields, int row) { addFields(fields, row); });
}

MappingDocument::~MappingDocument() = default;

// ------------------------------------------------------------------------------------------------ lifecycle

void MappingDocument::newMapping(const QString &profile, const QString &folder)
{
    m_startFolder = folder;
    Mapping mapping;
    mapping.name = tr("New mapping");
    mapping.source.type = u"sqlite"_s;
    mapping.target.profile = profile;
    m_filePath.clear();
    m_undo->clear();
    cancelFollowUps();
    m_open = true;
    restore(mapping);
    m_undo->setClean();
    qCInfo(lcMappingDocument) << "new mapping for profile" << profile;
    Q_EMIT filePathChanged(m_filePath);
    Q_EMIT openChanged(true);
}

Result<void> MappingDocument::load(const QString &filePath)
{
    const QString absolute = QFileInfo(filePath).absoluteFilePath();
    const services::MappingLoadResult result = services::MappingFile::load(absolute);
    if (!result.ok()) {
        QString problems = result.problemsText().trimmed();
        if (problems.isEmpty())
            problems = tr("The file could not be read as a mapping.");
        return Error::make(
            ErrorCategory::Configuration,
            tr("The mapping file %1 could not be loaded. Fix these problems and open it again:\n%2")
                .arg(QDir::toNativeSeparators(absolute), problems),
            u"mapping file has problems"_s);
    }
    m_filePath = absolute;
    m_undo->clear();
    cancelFollowUps();
    m_open = true;
    m_fieldModel->setMapping(*result.mapping); // a whole new list: one reset rather than a diff
    restore(*result.mapping);
    m_undo->setClean();
    Q_EMIT filePathChanged(m_filePath);
    Q_EMIT openChanged(true);
    return {};
}

Result<void> MappingDocument::saveAs(const QString &filePath)
{
    const QString absolute = QFileInfo(filePath).absoluteFilePath();
    const QString folder = QFileInfo(absolute).absolutePath();
    // The editor never writes a file it could not open again.
    const services::MappingLoadResult check =
        services::MappingFile::parse(services::MappingFile::toJson(m_mapping, folder), folder);
    if (!check.ok()) {
        return Error::make(ErrorCategory::Configuration,
                           tr("The mapping was not saved: as a file it would not load again. Fix these first "
                              "(they are also marked in the editor):\n%1")
                               .arg(check.problemsText().trimmed()),
                           u"mapping has structural problems"_s);
    }
    if (auto saved = services::MappingFile::save(m_mapping, absolute); !saved.ok())
        return saved;
    const bool moved = absolute != m_filePath;
    m_filePath = absolute;
    m_undo->setClean();
    if (moved) {
        Q_EMIT filePathChanged(m_filePath);
        runChecks(); // relative paths resolve against the new folder
    }
    return {};
}

void MappingDocument::close()
{
    m_open = false;
    m_filePath.clear();
    m_undo->clear();
    cancelFollowUps();
    m_fieldModel->clear();
    restore(Mapping{});
    m_problems.clear();
    Q_EMIT problemsChanged();
    Q_EMIT filePathChanged(m_filePath);
    Q_EMIT openChanged(false);
}

QString MappingDocument::folder() const
{
    if (!m_filePath.isEmpty())
        return QFileInfo(m_filePath).absolutePath();
    if (!m_mapping.source.path.isEmpty())
        return QFileInfo(m_mapping.source.path).absolutePath();
    if (!m_startFolder.isEmpty() && QFileInfo(m_startFolder).isDir())
        return m_startFolder;
    return QDir::homePath();
}

bool MappingDocument::isModified() const
{
    return m_open && !m_undo->isClean();
}

QString MappingDocument::displayName() const
{
    if (!m_mapping.name.trimmed().isEmpty())
        return m_mapping.name;
    if (!m_filePath.isEmpty())
        return QFileInfo(m_filePath).completeBaseName();
    return tr("New mapping");
}

// ------------------------------------------------------------------------------------------------ edits

void MappingDocument::push(const QString &text, const Mapping &after, int mergeId)
{
    if (!m_open || sameMapping(m_mapping, after))
        return;
    // A default still waiting for its answer stays wanted (the user may pick the warehouse table and the
    // target table before either answer arrives); it just becomes an undo step of its own.
    m_undo->push(new MappingEditCommand(this, text, m_mapping, after, mergeId, false));
}

void MappingDocument::pushFollowUp(const QString &text, const Mapping &after)
{
    if (!m_open || sameMapping(m_mapping, after))
        return;
    const QUndoCommand *top = m_undo->index() > 0 ? m_undo->command(m_undo->index() - 1) : nullptr;
    const bool merge = top && top == m_followUpOf && top->id() != NoMerge;
    m_undo->push(new MappingEditCommand(this, text, m_mapping, after, merge ? top->id() : NoMerge, merge));
}

void MappingDocument::rememberFollowUpTarget()
{
    m_followUpOf = m_undo->index() > 0 ? m_undo->command(m_undo->index() - 1) : nullptr;
}

void MappingDocument::cancelFollowUps()
{
    m_followUpOf = nullptr;
    m_defaultKeyFor.clear();
    m_keyColumnPending = false;
}

void MappingDocument::setName(const QString &name)
{
    Mapping after = m_mapping;
    after.name = name.trimmed();
    push(tr("Rename mapping"), after, MergeName);
}

void MappingDocument::setSourcePath(const QString &path)
{
    Mapping after = m_mapping;
    after.source.path = path.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    push(tr("Choose warehouse %1").arg(QFileInfo(path).fileName()), after);
    if (!after.source.hasQuery()) {
        // A csv file is its own table: its key column is chosen from its columns once they are read.
        rememberFollowUpTarget();
        m_keyColumnPending = m_mapping.source.keyColumn.isEmpty();
    }
}

void MappingDocument::setSourceType(const QString &type)
{
    if (type == m_mapping.source.type)
        return;
    Mapping after = m_mapping;
    services::SourceSpec &source = after.source;
    const bool hadQuery = source.hasQuery();
    source.type = type;
    source.path.clear();
    source.connection.clear();
    if (!source.hasQuery())
        source.query.clear();
    else if (!hadQuery)
        source.keyColumn.clear(); // a csv file's columns are not the query's
    if (type != services::SourceType::Csv) {
        const services::SourceSpec defaults;
        source.delimiter = defaults.delimiter;
        source.quote = defaults.quote;
        source.columnTypes.clear();
    }
    push(tr("Warehouse kind %1").arg(type), after);
}

void MappingDocument::setSourceConnection(const QString &name)
{
    Mapping after = m_mapping;
    after.source.connection = name.trimmed();
    push(tr("Choose warehouse connection %1").arg(after.source.connection), after);
}

void MappingDocument::setCsvDelimiter(const QString &delimiter)
{
    Mapping after = m_mapping;
    after.source.delimiter = delimiter;
    push(tr("CSV delimiter"), after);
}

void MappingDocument::setSourceQuery(const QString &query)
{
    Mapping after = m_mapping;
    after.source.query = query;
    push(tr("Edit query"), after, MergeQuery);
    rememberFollowUpTarget();
    m_keyColumnPending = m_mapping.source.keyColumn.isEmpty();
}

void MappingDocument::setSourceTable(const QString &table)
{
    Mapping after = m_mapping;
    after.source.query = services::SourceInspector::queryForTable(table);
    after.source.keyColumn.clear(); // chosen from the table's columns once they are read
    push(tr("Read table %1").arg(table), after, MergeSourceTable);
    rememberFollowUpTarget();
    m_keyColumnPending = true;
}

void MappingDocument::setKeyColumn(const QString &column)
{
    Mapping after = m_mapping;
    after.source.keyColumn = column;
    push(tr("Key column %1").arg(column), after);
}

void MappingDocument::setProfile(const QString &profile)
{
    Mapping after = m_mapping;
    after.target.profile = profile;
    push(tr("Connection profile %1").arg(profile), after);
}

void MappingDocument::setEntitySet(const QString &entitySet)
{
    if (entitySet == m_mapping.target.entitySet)
        return;
    Mapping after = m_mapping;
    after.target.entitySet = entitySet;
    after.target.matchKey.clear(); // the old table's key means nothing here
    // Fields that the new table cannot take stay, flagged by the checks: the user decides.
    push(tr("Target table %1").arg(entitySet), after, MergeTargetTable);
    rememberFollowUpTarget();
    m_defaultKeyFor = entitySet;
    chooseDefaultKey(); // now, if the metadata is already here
}

void MappingDocument::setMatchKey(const QStringList &columns)
{
    Mapping after = m_mapping;
    after.target.matchKey = columns;
    push(tr("Match key %1").arg(columns.join(u", "_s)), after);
}

void MappingDocument::setMode(services::SyncMode mode)
{
    Mapping after = m_mapping;
    after.mode = mode;
    push(tr("Mode %1").arg(services::syncModeName(mode)), after);
}

void MappingDocument::setList(const std::optional<services::ListSpec> &list)
{
    Mapping after = m_mapping;
    after.target.list = list;
    push(list ? tr("Marketing list %1").arg(list->name.isEmpty() ? list->id : list->name)
              : tr("No marketing list"),
         after);
}

void MappingDocument::setWriter(services::WriterKind writer)
{
    Mapping after = m_mapping;
    after.writer = writer;
    push(tr("Writer %1").arg(services::writerKindName(writer)), after);
}

void MappingDocument::setSourceTimeZone(const QString &zone)
{
    Mapping after = m_mapping;
    after.sourceTimeZone = zone.trimmed();
    push(tr("Source time zone %1").arg(zone), after);
}

bool MappingDocument::mapColumns(const QString &sourceColumn, const QString &targetColumn)
{
    // Checked again here: a request may come from a model whose context is a moment old.
    if (!sourceColumns().contains(sourceColumn) || !isMappable(targetColumn))
        return false;
    Mapping after = m_mapping;
    const int row = m_fieldModel->rowOfTarget(targetColumn);
    if (row >= 0) {
        FieldMapping &field = after.fields[row];
        if (field.source == sourceColumn && !field.hasConstant())
            return true; // already so
        field.source = sourceColumn;
        field.constant = QJsonValue(QJsonValue::Undefined);
        if (field.lookup)
            field.lookup->sources.clear();
    } else {
        after.fields.append(FieldMapping{sourceColumn, targetColumn});
    }
    push(tr("Map %1 → %2").arg(sourceColumn, targetColumn), after);
    return true;
}

void MappingDocument::addFields(const QList<FieldMapping> &fields, int row)
{
    Mapping after = m_mapping;
    QList<FieldMapping> added;
    for (FieldMapping field : fields) {
        if (!field.target.isEmpty() &&
            (after.sourceFor(field.target).size() || m_fieldModel->rowOfTarget(field.target) >= 0))
            continue; // a table column takes one field
        if (field.target.isEmpty() && !field.source.isEmpty() && entity()) {
            // A warehouse column on its own: the table column auto-map would pick, if there is exactly one.
            Mapping withAdded = after;
            withAdded.fields += added;
            const services::AutoMapReport report =
                services::AutoMapper::map(withAdded, *entity(), {field.source});
            if (!report.matches.isEmpty())
                field.target = report.matches.first().target;
        }
        added.append(field);
    }
    if (added.isEmpty())
        return;
    const int at = row < 0 || row > after.fields.size() ? int(after.fields.size()) : row;
    for (qsizetype i = 0; i < added.size(); ++i)
        after.fields.insert(at + i, added.at(i));
    push(added.size() == 1
             ? tr("Add field %1")
                   .arg(added.first().target.isEmpty() ? added.first().source : added.first().target)
             : tr("Add %1 fields").arg(added.size()),
         after);
}

void MappingDocument::changeField(int row, const FieldMapping &field)
{
    if (row < 0 || row >= m_mapping.fields.size())
        return;
    Mapping after = m_mapping;
    after.fields[row] = field;
    push(tr("Change field %1").arg(field.target.isEmpty() ? field.source : field.target), after);
}

void MappingDocument::removeFields(QList<int> rows)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    Mapping after = m_mapping;
    QStringList names;
    for (auto it = rows.crbegin(); it != rows.crend(); ++it) {
        if (*it < 0 || *it >= after.fields.size())
            continue;
        names.prepend(after.fields.at(*it).target);
        after.fields.removeAt(*it);
    }
    if (names.isEmpty())
        return;
    push(names.size() == 1 ? tr("Remove field %1").arg(names.first())
                           : tr("Remove %1 fields").arg(names.size()),
         after);
}

services::AutoMapReport MappingDocument::autoMap()
{
    if (!entity())
        return {};
    const services::AutoMapReport report = services::AutoMapper::map(m_mapping, *entity(), sourceColumns());
    if (!report.matches.isEmpty()) {
        Mapping after = m_mapping;
        after.fields += report.fields();
        push(tr("Auto-map %1 columns").arg(report.matches.size()), after);
    }
    qCInfo(lcMappingDocument) << "auto-map:" << report.matches.size() << "mapped," << report.left.size()
                              << "left";
    return report;
}

// ------------------------------------------------------------------------------------------------ state

void MappingDocument::restore(const Mapping &mapping)
{
    const Mapping before = m_mapping;
    m_mapping = mapping;
    const bool sourceDiffers = !sameSource(before.source, mapping.source);
    const bool targetDiffers = before.target.profile != mapping.target.profile ||
                               before.target.entitySet != mapping.target.entitySet;

    m_orgProblems.clear(); // they were about the mapping before this change
    m_fieldModel->setMatchKey(mapping.target.matchKey);
    m_fieldModel->setFields(mapping.fields);
    if (before.source.path != mapping.source.path || before.source.type != mapping.source.type) {
        m_warehouseTables.clear();
        m_warehouseTablesError.clear();
        if (!mapping.source.path.isEmpty())
            m_inspector->requestTables(mapping.source);
        Q_EMIT warehouseTablesChanged();
    }
    if (targetDiffers) {
        if (const services::EntityMetadata *known = entity())
            m_targetModel->setEntity(*known);
        else
            m_targetModel->clear();
        requestEntity(mapping.target.entitySet);
    }
    if (sourceDiffers)
        schedulePreview();
    updateDerived();
    runChecks();
    if (targetDiffers)
        Q_EMIT targetChanged();
    if (sourceDiffers)
        Q_EMIT sourceChanged();
    Q_EMIT changed();
}

void MappingDocument::updateDerived()
{
    m_targetModel->setMode(m_mapping.mode);
    m_targetModel->setSourceColumns(sourceColumns());
    QHash<QString, QString> sourceOf;
    QHash<QString, QStringList> targetsOf;
    for (const FieldMapping &field : std::as_const(m_mapping.fields)) {
        if (field.target.isEmpty())
            continue;
        if (field.hasConstant())
            sourceOf.insert(field.target, u"= "_s + models::FieldMappingModel::constantText(field.constant));
        else
            sourceOf.insert(field.target, field.sourceColumns().join(u" + "_s));
        for (const QString &column : field.sourceColumns())
            targetsOf[column].append(field.target);
    }
    m_targetModel->setMappedSources(sourceOf);
    m_sourceModel->setMappedTargets(targetsOf);
    const QStringList mappable = entity() ? m_targetModel->mappableColumns() : QStringList();
    m_sourceModel->setTargetTable(m_mapping.target.entitySet, mappable);
    m_fieldModel->setContext(sourceColumns(), m_mapping.target.entitySet, mappable);
}

void MappingDocument::runChecks()
{
    QList<services::EditorProblem> problems;
    if (m_open) {
        services::MappingChecks::Input input;
        input.mapping = &m_mapping;
        input.entity = entity();
        input.tables = m_tables.isEmpty() ? nullptr : &m_tables;
        input.source = &m_preview;
        input.baseDir = m_filePath.isEmpty() ? QString() : QFileInfo(m_filePath).absolutePath();
        problems = services::MappingChecks::check(input);
        for (const services::EditorProblem &problem : std::as_const(m_orgProblems)) {
            if (!problems.contains(problem))
                problems.append(problem);
        }
    }
    m_fieldModel->setProblems(problems);
    if (problems == m_problems)
        return;
    m_problems = problems;
    Q_EMIT problemsChanged();
}

void MappingDocument::setOrgProblems(const QList<services::EditorProblem> &problems)
{
    m_orgProblems = problems;
    runChecks();
}

int MappingDocument::errorCount() const
{
    return int(std::count_if(m_problems.cbegin(), m_problems.cend(), [](const services::EditorProblem &p) {
        return p.severity == services::EditorProblem::Severity::Error;
    }));
}

const services::EntityMetadata *MappingDocument::entity() const
{
    const auto it = m_entities.constFind(m_mapping.target.entitySet);
    return it == m_entities.cend() ? nullptr : &*it;
}

const services::EntityMetadata *MappingDocument::entityByLogicalName(const QString &logicalName)
{
    for (const services::EntityMetadata &known : std::as_const(m_entities)) {
        if (known.logicalName == logicalName)
            return &known;
    }
    for (const services::EntitySummary &table : std::as_const(m_tables)) {
        if (table.logicalName == logicalName) {
            requestEntity(table.entitySetName);
            break;
        }
    }
    return nullptr;
}

QStringList MappingDocument::sourceColumns() const
{
    return sameSource(m_preview.spec, m_mapping.source) ? m_preview.columns : QStringList();
}

bool MappingDocument::isMappable(const QString &targetColumn) const
{
    const services::EntityMetadata *table = entity();
    if (!table)
        return false;
    const services::AttributeMetadata *attribute = table->attribute(targetColumn);
    return attribute && services::AutoMapper::isMappable(*attribute, m_mapping.mode);
}

void MappingDocument::requestEntity(const QString &entitySet)
{
    if (entitySet.isEmpty() || m_requested.contains(entitySet))
        return;
    m_requested.append(entitySet);
    Q_EMIT entityRequested(entitySet);
}

void MappingDocument::setTables(const QList<services::EntitySummary> &tables)
{
    m_tables = tables;
    runChecks();
    Q_EMIT metadataChanged();
}

void MappingDocument::setMarketingLists(const QList<services::MarketingList> &lists)
{
    m_lists = lists;
    Q_EMIT metadataChanged();
}

void MappingDocument::setEntity(const services::EntityMetadata &entity)
{
    m_requested.removeAll(entity.entitySetName);
    const auto known = m_entities.constFind(entity.entitySetName);
    if (known != m_entities.cend() && known->toJson() == entity.toJson())
        return; // the background refresh found nothing new
    m_entities.insert(entity.entitySetName, entity);
    if (entity.entitySetName == m_mapping.target.entitySet) {
        m_targetModel->setEntity(entity);
        chooseDefaultKey();
        updateDerived();
        runChecks();
    }
    Q_EMIT metadataChanged();
}

void MappingDocument::clearMetadata()
{
    m_tables.clear();
    m_lists.clear();
    m_entities.clear();
    m_requested.clear();
    m_targetModel->clear();
    updateDerived();
    runChecks();
    requestEntity(m_mapping.target.entitySet);
    Q_EMIT metadataChanged();
}

QStringList MappingDocument::defaultKey(const services::EntityMetadata &table) const
{
    for (const services::AlternateKeyMetadata &key : table.keys) {
        if (key.indexStatus.isEmpty() || key.indexStatus == "Active"_L1)
            return key.keyAttributes;
    }
    return table.primaryIdAttribute.isEmpty() ? QStringList() : QStringList{table.primaryIdAttribute};
}

void MappingDocument::chooseDefaultKey()
{
    const services::EntityMetadata *table = entity();
    if (m_defaultKeyFor.isEmpty() || !table || m_defaultKeyFor != m_mapping.target.entitySet)
        return;
    m_defaultKeyFor.clear();
    if (!m_mapping.target.matchKey.isEmpty())
        return;
    Mapping after = m_mapping;
    after.target.matchKey = defaultKey(*table);
    pushFollowUp(tr("Match key %1").arg(after.target.matchKey.join(u", "_s)),
                 after); // merges into "Target table …"
}

// ------------------------------------------------------------------------------------------------ warehouse

void MappingDocument::schedulePreview()
{
    m_previewTimer->start();
}

void MappingDocument::refreshPreview()
{
    m_previewTimer->stop();
    if (!m_open || !m_mapping.source.isLocated() ||
        (m_mapping.source.hasQuery() && m_mapping.source.query.trimmed().isEmpty())) {
        onPreview(services::SourcePreview{m_mapping.source, {}, {}, {}, false, std::nullopt});
        return;
    }
    if (!m_previewBusy) {
        m_previewBusy = true;
        Q_EMIT previewBusyChanged(true);
    }
    m_inspector->requestPreview(m_mapping.source);
}

void MappingDocument::onPreview(const services::SourcePreview &preview)
{
    if (!sameSource(preview.spec, m_mapping.source))
        return; // the source changed meanwhile; its own preview is on the way
    if (m_previewBusy) {
        m_previewBusy = false;
        Q_EMIT previewBusyChanged(false);
    }
    m_preview = preview;
    m_previewModel->setPreview(preview);
    m_sourceModel->setColumns(preview.columns, preview.types);
    if (m_keyColumnPending && m_mapping.source.keyColumn.isEmpty() && !preview.columns.isEmpty()) {
        // The table or query was just chosen: its key column is the first "…id" column, else the first.
        m_keyColumnPending = false;
        QString key = preview.columns.first();
        const QString table = services::SourceInspector::tableOfQuery(preview.spec.query).toLower();
        for (const QString &column : preview.columns) {
            const QString lower = column.toLower();
            if (lower == "id"_L1 || lower == table + u"_id"_s || lower.endsWith("_id"_L1)) {
                key = column;
                break;
            }
        }
        Mapping after = m_mapping;
        after.source.keyColumn = key;
        pushFollowUp(tr("Key column %1").arg(key), after); // merges into "Read table …"
    }
    updateDerived();
    runChecks();
    Q_EMIT previewChanged();
}

} // namespace d365::ui
