#include "models/runresultsmodel.h"

#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRunResults, "d365.models.runresults")

namespace d365::models {

using services::RowOutcome;
using services::RowStatus;

namespace {

std::size_t statusSlot(RowStatus status)
{
    return static_cast<std::size_t>(status);
}

// Messages from Dataverse can span lines; the table shows one line, the tooltip the whole text.
QString oneLine(const QString &text)
{
    return text.simplified();
}

} // namespace

RunResultsModel::RunResultsModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int RunResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_failedRows.size());
}

int RunResultsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunResultsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RowOutcome &outcome = m_failedRows.at(index.row());

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RowColumn:
            return outcome.sourceRow + 1; // people count rows from 1, like the warehouse's own tools
        case KeyColumn:
            return outcome.key;
        case StatusColumn:
            return statusText(outcome.status);
        case HttpColumn:
            return outcome.httpStatus > 0 ? QVariant(outcome.httpStatus) : QVariant(QString());
        case ErrorCodeColumn:
            return outcome.errorCode;
        case MessageColumn:
            return oneLine(outcome.message);
        }
        break;
    case Qt::ToolTipRole:
        return outcome.message;
    case Qt::TextAlignmentRole:
        if (index.column() == RowColumn || index.column() == HttpColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::UserRole:
        switch (index.column()) {
        case RowColumn:
            return outcome.sourceRow;
        case KeyColumn:
            return outcome.key;
        case StatusColumn:
            return int(outcome.status);
        case HttpColumn:
            return outcome.httpStatus;
        case ErrorCodeColumn:
            return outcome.errorCode;
        case MessageColumn:
            return outcome.message;
        }
        break;
    case OutcomeRole:
        return QVariant::fromValue(outcome);
    }
    return {};
}

QVariant RunResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case RowColumn:
        return tr("Row");
    case KeyColumn:
        return tr("Key");
    case StatusColumn:
        return tr("Status");
    case HttpColumn:
        return tr("HTTP");
    case ErrorCodeColumn:
        return tr("Error code");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

Qt::ItemFlags RunResultsModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemNeverHasChildren;
}

void RunResultsModel::clear()
{
    beginResetModel();
    m_failedRows.clear();
    m_failedRows.squeeze();
    m_counts.fill(0);
    m_droppedFailures = 0;
    endResetModel();
    Q_EMIT countsChanged();
}

void RunResultsModel::appendOutcomes(const QList<RowOutcome> &outcomes)
{
    if (outcomes.isEmpty())
        return;

    QList<RowOutcome> newFailures;
    for (const RowOutcome &outcome : outcomes) {
        const std::size_t slot = statusSlot(outcome.status);
        if (slot < m_counts.size())
            ++m_counts[slot];
        if (outcome.status != RowStatus::Failed)
            continue;
        if (m_failedRows.size() + newFailures.size() < m_maxStoredFailures)
            newFailures.append(outcome);
        else
            ++m_droppedFailures;
    }

    if (!newFailures.isEmpty()) {
        // One insertion per batch: views and proxies update once, not once per row.
        const int first = int(m_failedRows.size());
        beginInsertRows({}, first, first + int(newFailures.size()) - 1);
        m_failedRows.append(std::move(newFailures));
        endInsertRows();
    }
    if (m_droppedFailures > 0)
        qCDebug(lcRunResults) << "failed rows not kept (cap" << m_maxStoredFailures
                              << "):" << m_droppedFailures;
    Q_EMIT countsChanged();
}

qint64 RunResultsModel::count(RowStatus status) const
{
    const std::size_t slot = statusSlot(status);
    return slot < m_counts.size() ? m_counts[slot] : 0;
}

qint64 RunResultsModel::processed() const
{
    qint64 sum = 0;
    for (qint64 value : m_counts)
        sum += value;
    return sum;
}

void RunResultsModel::setMaxStoredFailures(int max)
{
    m_maxStoredFailures = qMax(0, max);
}

QString RunResultsModel::rowsAsText(const QList<int> &rows) const
{
    const auto clean = [](QString value) {
        return value.replace(u'\t', u' ').replace(u'\r', u' ').replace(u'\n', u' ');
    };
    QStringList lines;
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
        cells.append(headerData(column, Qt::Horizontal).toString());
    lines.append(cells.join(u'\t'));
    for (int row : rows) {
        if (row < 0 || row >= m_failedRows.size())
            continue;
        cells.clear();
        for (int column = 0; column < ColumnCount; ++column) {
            // The message goes out whole: the clipboard is where people need the full text.
            const int role = column == MessageColumn ? Qt::ToolTipRole : Qt::DisplayRole;
            cells.append(clean(data(index(row, column), role).toString()));
        }
        lines.append(cells.join(u'\t'));
    }
    return lines.join(u'\n') + u'\n';
}

QString RunResultsModel::statusText(RowStatus status)
{
    switch (status) {
    case RowStatus::Created:
        return tr("Created");
    case RowStatus::Updated:
        return tr("Updated");
    case RowStatus::Unchanged:
        return tr("Unchanged");
    case RowStatus::Failed:
        return tr("Failed");
    case RowStatus::Skipped:
        return tr("Skipped");
    case RowStatus::Upserted:
        return tr("Upserted");
    case RowStatus::Added:
        return tr("Added");
    case RowStatus::AlreadyMember:
        return tr("Already a member");
    case RowStatus::Removed:
        return tr("Removed");
    case RowStatus::NotMember:
        return tr("Not a member");
    }
    return {};
}

} // namespace d365::models
