#include "models/runhistorymodel.h"

#include "services/sync/runhistory.h"

using namespace Qt::StringLiterals;

namespace d365::models {

using services::StateStore;

RunHistoryModel::RunHistoryModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    // "10,000", not "10000", whatever the C locale of a test or a server says.
    m_locale.setNumberOptions(m_locale.numberOptions() & ~QLocale::OmitGroupSeparator);
}

int RunHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunHistoryModel::durationText(const StateStore::RunRecord &run, const QLocale &locale)
{
    if (!run.ended.isValid() || !run.started.isValid())
        return u"—"_s;
    const qint64 ms = run.started.msecsTo(run.ended);
    if (ms < 60000)
        return tr("%1 s").arg(locale.toString(ms / 1000.0, 'f', 1));
    const qint64 seconds = ms / 1000;
    if (seconds < 3600)
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

QString RunHistoryModel::resultText(const StateStore::RunRecord &run)
{
    // The table is narrow: "Did not end"; the tooltip says it was still running or killed.
    QString text = run.ended.isValid() ? services::runResultText(run) : tr("did not end");
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    if (!run.error.isEmpty()) {
        // The table shows the first sentence; the tooltip has all of it.
        const qsizetype end = run.error.indexOf(u". "_s);
        text += u": "_s + (end > 0 ? run.error.left(end + 1) : run.error);
    }
    return text;
}

QVariant RunHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StateStore::RunRecord &run = m_runs.at(index.row());
    const auto count = [this](qint64 value) { return m_locale.toString(value); };

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case RunColumn:
            return run.id;
        case StartedColumn:
            return run.started.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s); // seconds in the tooltip
        case DurationColumn:
            return durationText(run, m_locale);
        case ModeColumn:
            return run.mode; // the writer is in the tooltip
        case CreatedColumn:
            return count(run.created);
        case UpdatedColumn:
            return count(run.updated);
        case UpsertedColumn:
            return count(run.upserted);
        case UnchangedColumn:
            return count(run.unchanged);
        case FailedColumn:
            return count(run.failed);
        case SkippedColumn:
            return count(run.skipped);
        case AddedColumn:
            return count(run.added);
        case RemovedColumn:
            return count(run.removed);
        case AlreadyMemberColumn:
            return count(run.alreadyMember);
        case NotMemberColumn:
            return count(run.notMember);
        case ResultColumn:
            return resultText(run);
        }
        break;
    case Qt::ToolTipRole: {
        QString tip =
            tr("Run %1 of %2, profile %3, started %4: %5 rows read, %6 write requests")
                .arg(run.id)
                .arg(run.mapping, run.profile, run.started.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s),
                     count(run.rowsRead), count(run.requests));
        tip += run.writer.isEmpty() ? u"."_s : tr(" (%1).").arg(run.writer);
        if (!run.ended.isValid())
            tip += u'\n' + tr("No end was recorded: the run is still going on, or its process was killed. "
                              "The next run picks up where it stopped.");
        if (!run.error.isEmpty())
            tip += u'\n' + run.error;
        return tip;
    }
    case Qt::TextAlignmentRole:
        if (index.column() != StartedColumn && index.column() != ModeColumn && index.column() != ResultColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case RunIdRole:
        return run.id;
    }
    return {};
}

QVariant RunHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case RunColumn:
        return tr("Run");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Time");
    case ModeColumn:
        return tr("Mode");
    case CreatedColumn:
        return tr("Created");
    case UpdatedColumn:
        return tr("Updated");
    case UpsertedColumn:
        return tr("Upserted");
    case UnchangedColumn:
        return tr("Unchanged");
    case FailedColumn:
        return tr("Failed");
    case SkippedColumn:
        return tr("Skipped");
    case AddedColumn:
        return tr("Added");
    case RemovedColumn:
        return tr("Removed");
    case AlreadyMemberColumn:
        return tr("Already members");
    case NotMemberColumn:
        return tr("Not members");
    case ResultColumn:
        return tr("Result");
    }
    return {};
}

void RunHistoryModel::setRuns(const QList<StateStore::RunRecord> &runs)
{
    beginResetModel();
    m_runs = runs;
    endResetModel();
}

int RunHistoryModel::rowOf(qint64 runId) const
{
    for (qsizetype i = 0; i < m_runs.size(); ++i) {
        if (m_runs.at(i).id == runId)
            return int(i);
    }
    return -1;
}

} // namespace d365::models
