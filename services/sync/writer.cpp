#include "services/sync/writer.h"

#include "services/dataverse/odata.h"

using namespace Qt::StringLiterals;

namespace d365::services {

Writer::Writer(DataverseClient *client, WriteTarget target, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_target(std::move(target))
{}

bool Writer::stopsRun(const Error &error)
{
    switch (error.category) {
    case ErrorCategory::Authentication:
    case ErrorCategory::Privilege:
    case ErrorCategory::Network:
    case ErrorCategory::Configuration:
    case ErrorCategory::Throttled:
    case ErrorCategory::Cancelled:
        return true;
    default:
        return false;
    }
}

QString Writer::keySegment(const ConvertedRow &row) const
{
    return odata::keySegment(m_target.matchKey, row.keyValues);
}

RowOutcome Writer::failedOutcome(const ConvertedRow &row, const Error &error, int httpStatus,
                                 const QString &code) const
{
    return RowOutcome{row.sourceRow,
                      row.sourceKey,
                      RowStatus::Failed,
                      httpStatus,
                      code.isEmpty() ? errorCategoryName(error.category) : code,
                      error.message};
}

RowOutcome Writer::outcomeFor(const ConvertedRow &row, const DataverseResponse &answer,
                              RowStatus success) const
{
    if (answer.ok()) {
        return RowOutcome{row.sourceRow, row.sourceKey, success, answer.status, {}, {}};
    }
    const ServiceError &serviceError = *answer.error;
    Error error = toUserError(serviceError, m_client->errorContext(m_target.entitySet));
    if (m_target.mode == SyncMode::Update && serviceError.httpStatus == 404 &&
        serviceError.code != "0x8006088a"_L1) {
        error.message = tr("No %1 record matches this key; Update mode does not create records. (%2)")
                            .arg(m_target.logicalName, serviceError.message);
    } else if (m_target.mode == SyncMode::Insert && serviceError.httpStatus == 412 &&
               serviceError.code != "0x80040333"_L1) { // not a key clash: duplicate detection
        error.message = tr("A %1 record with this key already exists; Insert mode does not change existing "
                           "records. (%2)")
                            .arg(m_target.logicalName, serviceError.message);
    }
    return failedOutcome(row, error, serviceError.httpStatus, serviceError.code);
}

} // namespace d365::services
