#pragma once

// What a Preview (a dry run: SyncOptions::dryRun) found, nothing having been written: how many rows a run
// would create, update, leave unchanged and fail, why rows would fail (grouped by error code, with an
// example message), and for a sample of rows each column's value before → after. "Sync now" runs the
// mapping for real; Close keeps everything as it is.
//
// Built in code rather than a .ui file: its two tables are filled from the summary, the form has no fields.

#include "services/sync/syncresult.h"

#include <QDialog>

class QLabel;
class QStandardItemModel;
class QTableView;

namespace d365::ui {

class PreviewDialog : public QDialog
{
    Q_OBJECT
public:
    enum ReasonColumn { ReasonCodeColumn, ReasonRowsColumn, ReasonMessageColumn };
    enum SampleColumn {
        SampleRowColumn,
        SampleKeyColumn,
        SampleOutcomeColumn,
        SampleColumnColumn,
        SampleBeforeColumn,
        SampleAfterColumn
    };

    // `failures`: the rows that would fail (the run's ledger keeps them all, or the first of very many).
    PreviewDialog(const QString &mappingName, const services::SyncSummary &summary,
                  const QList<services::RowOutcome> &failures, QWidget *parent = nullptr);

    QStandardItemModel *reasonsModel() const { return m_reasons; }
    QStandardItemModel *sampleModel() const { return m_sample; }

    // A column value as the sample shows it: "(empty)" for null, text without quotes, else compact JSON.
    static QString valueText(const QJsonValue &value);

Q_SIGNALS:
    void syncRequested();

private:
    QStandardItemModel *m_reasons = nullptr;
    QStandardItemModel *m_sample = nullptr;
};

} // namespace d365::ui
