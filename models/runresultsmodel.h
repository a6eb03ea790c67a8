#pragma once

// The outcome of one sync run as a table, fed by SyncController::rowOutcomes batches:
//
//   clear() → appendOutcomes(batch)* → counts(): created / updated / unchanged / failed / skipped
//
// Every outcome is counted, but only the *failed* rows are kept as table rows (Row, Key, Status, HTTP, Error
// code, Message), so a 1,000,000-row run costs a few counters, not a million entries. Even the failed rows
// are capped (maxStoredFailures()) so that a run where every row fails stays within the memory budget; the
// counters still count every row and droppedFailures() says how many were not kept.
//
// Roles: DisplayRole is formatted for people; ToolTipRole is the full message; Qt::UserRole is the raw value
// of the column (0-based source row, RowStatus as int, HTTP status as int, ...); OutcomeRole is the whole
// RowOutcome.

#include "services/sync/syncresult.h"

#include <QAbstractTableModel>
#include <QList>

#include <array>

namespace d365::models {

class RunResultsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        RowColumn,
        KeyColumn,
        StatusColumn,
        HttpColumn,
        ErrorCodeColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role { OutcomeRole = Qt::UserRole + 1 };

    static constexpr int DefaultMaxStoredFailures = 100000;

    explicit RunResultsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    void clear();
    void appendOutcomes(const QList<d365::services::RowOutcome> &outcomes);

    // The outcome shown in table row `row` (a failed row).
    const services::RowOutcome &outcome(int row) const { return m_failedRows.at(row); }

    qint64 count(services::RowStatus status) const;
    qint64 created() const { return count(services::RowStatus::Created); }
    qint64 updated() const { return count(services::RowStatus::Updated); }
    qint64 upserted() const { return count(services::RowStatus::Upserted); }
    qint64 unchanged() const { return count(services::RowStatus::Unchanged); }
    qint64 failed() const { return count(services::RowStatus::Failed); }
    qint64 skipped() const { return count(services::RowStatus::Skipped); }
    qint64 processed() const; // every outcome received since clear()

    int maxStoredFailures() const { return m_maxStoredFailures; }
    void setMaxStoredFailures(int max);
    qint64 droppedFailures() const { return m_droppedFailures; }

    // Tab-separated text of the given table rows with a header line, for the clipboard (Excel pastes it as a
    // table). Tabs and line breaks inside values become spaces so that columns never shift.
    QString rowsAsText(const QList<int> &rows) const;

    static QString statusText(services::RowStatus status);

Q_SIGNALS:
    void countsChanged();

private:
    QList<services::RowOutcome> m_failedRows;
    std::array<qint64, services::RowStatusCount> m_counts{};
    int m_maxStoredFailures = DefaultMaxStoredFailures;
    qint64 m_droppedFailures = 0;
};

} // namespace d365::models
