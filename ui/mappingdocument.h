#pragma once

// The mapping being edited: the Mapping value, the file it belongs to, and the undo stack every edit goes
// through. The editor's views only present models; what the user does through them comes here as a
// request, and each accepted request is one undoable command holding the mapping before and after it
// (mappings are small, so a snapshot is the simplest command that is always right):
//
//   view gesture (drop, Enter, cell edit, picker) → model / widget signal → MappingDocument::<edit>()
//     → QUndoStack::push(MappingEditCommand) → restore(after) → models updated (only rows that differ),
//       live checks run (MappingChecks), changed() / problemsChanged()
//   undo / redo → restore(before / after) → the same updates
//
// It also keeps what the checks and the models need besides the mapping, none of which is undone: the org's
// table list and table metadata (MetadataLoader answers, cached by entity set; entityRequested asks for
// more) and the warehouse's columns, types and first rows (SourceInspector, re-read a moment after the
// source changes).
//
// It lives in ui/ only because QUndoStack lives in QtGui, which the core (d365core) does not link; it has
// no widgets.

#include "models/fieldmappingmodel.h"
#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"
#include "services/dataverse/marketinglistinfo.h"
#include "services/editor/automapper.h"
#include "services/editor/editorproblem.h"
#include "services/editor/sourceinspector.h"
#include "services/mapping/mapping.h"

#include <QHash>
#include <QObject>

class QTimer;
class QUndoCommand;
class QUndoStack;

namespace d365::models {
class PreviewModel;
class SourceColumnModel;
class TargetColumnModel;
} // namespace d365::models

namespace d365::ui {

class MappingDocument : public QObject
{
    Q_OBJECT
public:
    explicit MappingDocument(QObject *parent = nullptr);
    ~MappingDocument() override;

    // --- lifecycle (none of these is undoable; each starts a fresh undo history)
    // folder: where file choosers start for a mapping that has no file yet (the last mapping's folder).
    void newMapping(const QString &profile, const QString &folder = {});
    Result<void> load(const QString &filePath);
    // Refuses (and writes nothing) when the saved file would not load back: every problem, one per line.
    Result<void> saveAs(const QString &filePath);
    void close();

    bool isOpen() const { return m_open; }
    bool isModified() const;
    QString filePath() const { return m_filePath; }
    // Where a file chooser starts: the mapping's folder, else the warehouse's, else the folder given to
    // newMapping(), else the home folder.
    QString folder() const;
    // The name the window shows: the mapping's name, else the file's name, else "New mapping".
    QString displayName() const;
    const services::Mapping &mapping() const { return m_mapping; }
    QUndoStack *undoStack() const { return m_undo; }

    // --- edits (each one command; a no-op change pushes nothing)
    void setName(const QString &name);
    // The kind of warehouse (SourceType): the file or connection of the former kind is forgotten, the query
    // kept when the new kind has one.
    void setSourceType(const QString &type);
    void setSourcePath(const QString &path);
    void setSourceConnection(const QString &name); // postgresql, odbc: a warehouse connection's name
    void setCsvDelimiter(const QString &delimiter);
    void setSourceQuery(const QString &query); // consecutive query edits merge into one command
    void setSourceTable(const QString &table); // query SELECT * FROM table, key column guessed
    void setKeyColumn(const QString &column);
    void setProfile(const QString &profile);
    // The table; its default match key (first alternate key, else the primary key) is chosen with it, once
    // its metadata is known.
    void setEntitySet(const QString &entitySet);
    void setMatchKey(const QStringList &columns);
    void setMode(services::SyncMode mode);
    // An audience: the marketing list (its mode, creation and mirror gate with it); nullopt syncs records.
    void setList(const std::optional<services::ListSpec> &list);
    void setWriter(services::WriterKind writer);
    void setSourceTimeZone(const QString &zone);
    // Maps a warehouse column to a table column: the field that writes the target gets the source, or a new
    // field is added. Returns false (and changes nothing) when either is unknown or not mappable.
    bool mapColumns(const QString &sourceColumn, const QString &targetColumn);
    // Adds fields at row; a field with a source but no target gets the column auto-map would give it.
    void addFields(const QList<services::FieldMapping> &fields, int row = -1);
    void changeField(int row, const services::FieldMapping &field);
    void removeFields(QList<int> rows);
    services::AutoMapReport autoMap();

    // --- what the checks know
    const QList<services::EditorProblem> &problems() const { return m_problems; }
    int errorCount() const;
    const QList<services::EntitySummary> &tables() const { return m_tables; }
    // The org's marketing lists (setMarketingLists), for the target's list picker; requestLists() asks.
    const QList<services::MarketingList> &marketingLists() const { return m_lists; }
    void requestLists() { Q_EMIT listsRequested(); }
    // The target table's metadata, when loaded.
    const services::EntityMetadata *entity() const;
    // Any table's metadata by logical name, when loaded (lookup targets); asks for it otherwise.
    const services::EntityMetadata *entityByLogicalName(const QString &logicalName);
    const services::SourcePreview &preview() const { return m_preview; }
    // The warehouse's tables (SQLite today), read when the database changes.
    const QStringList &warehouseTables() const { return m_warehouseTables; }
    QString warehouseTablesError() const { return m_warehouseTablesError; }
    // Problems the Validate action's preflight found (OrgCheckResult), shown with the live ones until the
    // next edit (they describe the mapping as it was checked).
    void setOrgProblems(const QList<services::EditorProblem> &problems);
    QStringList sourceColumns() const;
    bool isMappable(const QString &targetColumn) const;

    models::FieldMappingModel *fieldModel() const { return m_fieldModel; }
    models::SourceColumnModel *sourceModel() const { return m_sourceModel; }
    models::TargetColumnModel *targetModel() const { return m_targetModel; }
    models::PreviewModel *previewModel() const { return m_previewModel; }
    services::SourceInspector *sourceInspector() const { return m_inspector; }

public Q_SLOTS:
    void setTables(const QList<d365::services::EntitySummary> &tables);
    void setMarketingLists(const QList<d365::services::MarketingList> &lists);
    void setEntity(const d365::services::EntityMetadata &entity);
    // Another org: forget its tables and metadata.
    void clearMetadata();
    // Reads the warehouse again now (Preview), whatever changed.
    void refreshPreview();

Q_SIGNALS:
    void openChanged(bool open);
    void modifiedChanged(bool modified);
    void filePathChanged(const QString &path);
    void changed();       // the mapping changed (any edit, undo, redo, load, new, close)
    void targetChanged(); // profile or entity set changed
    void sourceChanged(); // path, query or type changed
    void problemsChanged();
    void previewChanged();  // a new preview (or its failure) arrived
    void metadataChanged(); // tables or a table's metadata arrived
    void previewBusyChanged(bool busy);
    void warehouseTablesChanged();
    void entityRequested(const QString &entitySet);
    void listsRequested();

private:
    friend class MappingEditCommand;
    // Applies a state: from a command's redo/undo, or a lifecycle change.
    void restore(const services::Mapping &mapping);
    void push(const QString &text, const services::Mapping &after, int mergeId = -1);
    // An edit the document makes itself once an answer arrives (the default match key when the table's
    // metadata is in, the key column when the table's columns are): merged into the edit that asked for it
    // while that edit is still on top, so one undo takes back both; a step of its own otherwise. An undo
    // cancels what is still waiting: an answer must never push an edit onto the redo history.
    void pushFollowUp(const QString &text, const services::Mapping &after);
    void rememberFollowUpTarget();
    void cancelFollowUps();
    void updateDerived();
    void runChecks();
    void schedulePreview();
    void onPreview(const services::SourcePreview &preview);
    void requestEntity(const QString &entitySet);
    void chooseDefaultKey();
    QStringList defaultKey(const services::EntityMetadata &entity) const;

    bool m_open = false;
    services::Mapping m_mapping;
    QString m_filePath;
    QString m_startFolder;
    QUndoStack *m_undo;
    models::FieldMappingModel *m_fieldModel;
    models::SourceColumnModel *m_sourceModel;
    models::TargetColumnModel *m_targetModel;
    models::PreviewModel *m_previewModel;
    services::SourceInspector *m_inspector;
    QTimer *m_previewTimer;
    bool m_previewBusy = false;
    services::SourcePreview m_preview;
    QList<services::EntitySummary> m_tables;
    QList<services::MarketingList> m_lists;
    QHash<QString, services::EntityMetadata> m_entities; // by entity set name
    QStringList m_requested;                             // entity sets asked for, not yet answered
    QString m_defaultKeyFor; // the table just chosen: its match key is chosen when its metadata arrives
    bool m_keyColumnPending = false; // the table / query just chosen: its key column, when its columns arrive
    const QUndoCommand *m_followUpOf = nullptr; // the command a follow-up may merge into (identity only)
    QList<services::EditorProblem> m_problems;
    QList<services::EditorProblem> m_orgProblems;
    QStringList m_warehouseTables;
    QString m_warehouseTablesError;
};

} // namespace d365::ui
