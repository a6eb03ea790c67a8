#include "services/sync/runledger.h"

#include "services/sync/jsonwriter.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcLedger, "d365.sync.ledger")

namespace d365::services {

RunLedger::RunLedger(int keptFailures)
    : m_keep(std::max(0, keptFailures))
{}

RunLedger::~RunLedger() = default;

void RunLedger::clear()
{
    m_counts = {};
    m_outcomes = 0;
    m_duplicates = 0;
    m_distinctRows = 0;
    m_seen.clear();
    m_kept.clear();
    m_spill.reset();
    m_spillFailed = false;
    m_spilled = 0;
}

void RunLedger::record(const QList<RowOutcome> &outcomes)
{
    for (const RowOutcome &outcome : outcomes) {
        ++m_counts[std::size_t(outcome.status)];
        ++m_outcomes;
        if (outcome.sourceRow >= 0) {
            const auto row = std::size_t(outcome.sourceRow);
            if (row >= m_seen.size()) {
                m_seen.resize(std::max(row + 1, m_seen.size() * 2));
            }
            if (m_seen[row]) {
                ++m_duplicates;
                qCWarning(lcLedger) << "source row" << outcome.sourceRow
                                    << "got a second outcome:" << rowStatusName(outcome.status);
            }
            if (!m_seen[row]) {
                ++m_distinctRows;
            }
            m_seen[row] = true;
        }
        if (outcome.status == RowStatus::Failed) {
            if (m_kept.size() < m_keep) {
                m_kept.append(outcome);
            }
            spill(outcome);
        } else if (outcome.status == RowStatus::Skipped) {
            spill(outcome); // reports list the rows that were read but not sent, too
        }
    }
}

qint64 RunLedger::rowsWithoutOutcome(qint64 rowsRead) const
{
    // Rows read that no outcome named (rows a run leaves out on purpose, --retry-failed, are not read).
    return std::max<qint64>(0, rowsRead - m_distinctRows);
}

void RunLedger::spill(const RowOutcome &outcome)
{
    if (m_spillFailed) {
        return;
    }
    if (!m_spill) {
        m_spill = std::make_unique<QTemporaryFile>(QDir::tempPath() + u"/d365sync-failed-XXXXXX.jsonl"_s);
        if (!m_spill->open()) {
            qCWarning(lcLedger) << "cannot write the failed-rows file in" << QDir::tempPath() << ":"
                                << m_spill->errorString();
            m_spillFailed = true;
            return;
        }
    }
    QByteArray line;
    line.reserve(256 + outcome.message.size());
    line += "{\"status\":" + QByteArray::number(int(outcome.status)) +
            ",\"row\":" + QByteArray::number(outcome.sourceRow) + ",\"key\":";
    json::appendString(line, outcome.key);
    line += ",\"http\":" + QByteArray::number(outcome.httpStatus) + ",\"code\":";
    json::appendString(line, outcome.errorCode);
    line += ",\"message\":";
    json::appendString(line, outcome.message);
    line += "}\n";
    if (m_spill->write(line) != line.size()) {
        qCWarning(lcLedger) << "cannot write the failed-rows file:" << m_spill->errorString();
        m_spillFailed = true;
        return;
    }
    ++m_spilled;
}

bool RunLedger::forEachFailed(const std::function<void(const RowOutcome &)> &visit, QString *error) const
{
    return forEach(RowStatus::Failed, visit, error);
}

bool RunLedger::forEach(RowStatus status, const std::function<void(const RowOutcome &)> &visit,
                        QString *error) const
{
    if (m_spillFailed || !m_spill) {
        for (const RowOutcome &outcome : m_kept) {
            if (outcome.status == status) {
                visit(outcome);
            }
        }
        if (m_spillFailed && error) {
            *error = QCoreApplication::translate("RunLedger",
                                                 "Only the first %1 failed rows are listed: the failed-rows "
                                                 "file in %2 could not be written.")
                         .arg(m_kept.size())
                         .arg(QDir::tempPath());
        }
        return !m_spillFailed;
    }
    m_spill->flush();
    QFile reader(m_spill->fileName());
    if (!reader.open(QIODevice::ReadOnly)) {
        if (error) {
            *error = reader.errorString();
        }
        return false;
    }
    while (!reader.atEnd()) {
        const QJsonObject o = QJsonDocument::fromJson(reader.readLine()).object();
        if (o.value("status"_L1).toInt() != int(status)) {
            continue;
        }
        visit(RowOutcome{o.value("row"_L1).toInteger(), o.value("key"_L1).toString(), status,
                         o.value("http"_L1).toInt(), o.value("code"_L1).toString(),
                         o.value("message"_L1).toString()});
    }
    return true;
}

} // namespace d365::services
