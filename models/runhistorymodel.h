#pragma once

// The runs of one mapping's history (StateStore::readHistory), newest first, as a table: when each run
// started, how long it took, its mode and writer, its outcome counts and how it ended. A run with no end
// recorded was killed (or is still running) and says so; its duration is unknown.

#include "services/sync/statestore.h"

#include <QAbstractTableModel>
#include <QLocale>

namespace d365::models {

class RunHistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        RunColumn,
        StartedColumn,
        DurationColumn,
        ModeColumn,
        CreatedColumn,
        UpdatedColumn,
        UpsertedColumn,
        UnchangedColumn,
        FailedColumn,
        SkippedColumn,
        AddedColumn, // audiences: list members added, removed, already in, not in
        RemovedColumn,
        AlreadyMemberColumn,
        NotMemberColumn,
        ResultColumn,
        ColumnCount
    };
    enum Role { RunIdRole = Qt::UserRole + 1 };

    explicit RunHistoryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRuns(const QList<services::StateStore::RunRecord> &runs);
    const QList<services::StateStore::RunRecord> &runs() const { return m_runs; }
    const services::StateStore::RunRecord &run(int row) const { return m_runs.at(row); }
    // The table row of a run, -1 when it is not shown.
    int rowOf(qint64 runId) const;

    // "12.3 s", "4 min 5 s", "—" for a run that did not end.
    static QString durationText(const services::StateStore::RunRecord &run, const QLocale &locale);
    // "Ok", "Rows failed", "Did not end", with the first sentence of the error.
    static QString resultText(const services::StateStore::RunRecord &run);

private:
    QList<services::StateStore::RunRecord> m_runs;
    QLocale m_locale;
};

} // namespace d365::models
