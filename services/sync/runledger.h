#pragma once

// The run's book of outcomes: it receives every row's outcome (in batches, from SyncController) and is what
// the GUI and the CLI read after — and during — a run:
//
//   clear() → record(batch)* → counts, failed rows (all of them, read back in order), and the proof that
//   every row read got exactly one outcome (rows recorded twice, rows never recorded)
//
// Memory stays bounded for any run: counts are numbers, the first `keptFailures` failed rows are kept in
// memory for display, and *every* failed or skipped row is also appended to a spill file on disk (JSON lines
// in a temporary file that is removed with the ledger) from which forEachFailed() reads them back for
// reports. One bit per source row checks the one-outcome rule (125 KB per million rows).
//
// Not thread-safe: use it on one thread (the controller's).

#include "services/sync/syncresult.h"

#include <QList>
#include <QTemporaryFile>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace d365::services {

class RunLedger
{
public:
    explicit RunLedger(int keptFailures = 1000);
    ~RunLedger();

    void clear();
    void record(const QList<RowOutcome> &outcomes);

    qint64 count(RowStatus status) const { return m_counts[std::size_t(status)]; }
    qint64 outcomes() const { return m_outcomes; }
    // Outcomes for a source row that already had one (must stay 0).
    qint64 duplicateOutcomes() const { return m_duplicates; }
    // How many of the `rowsRead` rows read have no outcome (must be 0 at the end of a run).
    qint64 rowsWithoutOutcome(qint64 rowsRead) const;

    const QList<RowOutcome> &keptFailures() const { return m_kept; }
    // Every failed row recorded since clear(), in the order recorded. Returns false (and says why in
    // `error`) when the spill file could not be read back.
    bool forEachFailed(const std::function<void(const RowOutcome &)> &visit, QString *error = nullptr) const;
    // The same for another status that is spilled: Failed or Skipped.
    bool forEach(RowStatus status, const std::function<void(const RowOutcome &)> &visit,
                 QString *error = nullptr) const;
    // The spill file could not be written: failed rows beyond keptFailures() are counted but not listed.
    bool spillFailed() const { return m_spillFailed; }

private:
    void spill(const RowOutcome &outcome);

    int m_keep;
    std::array<qint64, RowStatusCount> m_counts{};
    qint64 m_outcomes = 0;
    qint64 m_duplicates = 0;
    std::vector<bool> m_seen; // by source row
    qint64 m_distinctRows = 0;
    QList<RowOutcome> m_kept;
    std::unique_ptr<QTemporaryFile> m_spill;
    bool m_spillFailed = false;
    qint64 m_spilled = 0;
};

} // namespace d365::services
