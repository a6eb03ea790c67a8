#pragma once

// The field mappings of the mapping being edited, one row per field: Source → Target, a "Key" marker on the
// rows whose target is part of the match key, a summary of the field's options and the problems live
// validation found on it (EditorProblem, by JSON path "$.fields[N]…").
//
// The model presents; it never changes the mapping on its own. What the user does through it becomes a
// request the mapping document turns into an undoable edit, which then comes back through setFields():
//
//   a cell edited (Source, Target)                 → fieldChangeRequested(row, field)
//   a warehouse / table column dropped onto a row   → fieldChangeRequested(row, field)  (source / target set)
//   columns dropped between rows or below them      → fieldsAddRequested(fields, row)  (one field each)
//
// Drops carry a ColumnDrag (models/columndrag.h) and are checked again against what setContext() said: a
// warehouse column the query returns; a table column of the current table, writable in the mode, that no
// other field writes.
//
// Roles: DisplayRole for people; Qt::UserRole the raw value (column names, bool for Key); SeverityRole and
// ProblemsRole (editorroles.h) on every cell of a row with problems; ChoicesRole on Source / Target cells
// (the columns a cell editor may offer).

#include "models/editorroles.h"
#include "services/editor/editorproblem.h"
#include "services/mapping/mapping.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonValue>

#include <optional>

namespace d365::models {

class FieldMappingModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { SourceColumn, TargetColumn, KeyColumn, OptionsColumn, ProblemColumn, ColumnCount };

    explicit FieldMappingModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    QStringList mimeTypes() const override;
    Qt::DropActions supportedDropActions() const override;
    bool canDropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                         const QModelIndex &parent) const override;
    bool dropMimeData(const QMimeData *data, Qt::DropAction action, int row, int column,
                      const QModelIndex &parent) override;

    // Everything at once (a loaded mapping): one reset.
    void setMapping(const services::Mapping &mapping);
    void clear();
    // The mapping last set, with the fields as the model holds them.
    services::Mapping mapping() const;
    // An edit's result: only the rows that differ change (inserted, removed or dataChanged), so views keep
    // their selection and scroll position.
    void setFields(const QList<services::FieldMapping> &fields);
    void setMatchKey(const QStringList &matchKey);
    void setProblems(const QList<services::EditorProblem> &problems);
    // What drops and cell edits are checked against.
    void setContext(const QStringList &sourceColumns, const QString &entitySet,
                    const QStringList &mappableTargets);

    services::FieldMapping fieldAt(int row) const { return m_fields.value(row); }
    int rowOfTarget(const QString &target) const;
    bool isKeyRow(int row) const;
    // "leave unchanged when null, truncate, lookup account by accountnumber" (empty: defaults only).
    static QString optionsSummary(const services::FieldMapping &field);
    static QString constantText(const QJsonValue &constant);

Q_SIGNALS:
    void fieldChangeRequested(int row, const d365::services::FieldMapping &field);
    void fieldsAddRequested(const QList<d365::services::FieldMapping> &fields, int row);

private:
    std::optional<services::FieldMapping> changedBy(int row, const QString &value, int column) const;
    bool targetTakenByOtherRow(const QString &target, int row) const;
    Severity severityOf(int row) const;

    services::Mapping m_mapping; // everything but the fields, kept so mapping() round-trips
    QList<services::FieldMapping> m_fields;
    QHash<int, QList<services::EditorProblem>> m_problems; // by row
    QStringList m_sourceColumns;
    QString m_entitySet;
    QStringList m_mappableTargets;
};

} // namespace d365::models
