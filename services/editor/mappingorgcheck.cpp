#include "services/editor/mappingorgcheck.h"

#include "services/dataverse/dataverseclient.h"
#include "services/sync/preflight.h"
#include "services/warehouse/warehousesource.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QThread>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcOrgCheck, "d365.editor.orgcheck")

namespace d365::services {

MappingOrgCheck::MappingOrgCheck(TokenProvider *tokenProvider, QObject *parent)
    : QObject(parent)
    , m_tokenProvider(tokenProvider)
    , m_thread(new QThread(this))
    , m_context(new QObject)
{
    qRegisterMetaType<OrgCheckResult>();
    m_thread->setObjectName(u"mapping-check"_s);
    m_context->moveToThread(m_thread);
    m_thread->start();
}

MappingOrgCheck::~MappingOrgCheck()
{
    // deleteLater runs on the check's thread before it quits: clients and their replies die on their thread.
    m_context->deleteLater();
    m_thread->quit();
    m_thread->wait();
}

int MappingOrgCheck::check(const Mapping &mapping, const ConnectionProfile &profile)
{
    const int id = ++m_lastId;
    qCInfo(lcOrgCheck).noquote() << "checking mapping" << mapping.name << "against"
                                 << profile.orgUrl.toString() << "(check" << id << ")";
    QPointer<MappingOrgCheck> self(this);
    TokenProvider *tokens = m_tokenProvider;
    QObject *context = m_context;
    QMetaObject::invokeMethod(
        m_context,
        [self, tokens, context, id, mapping, profile] {
            auto *client = new DataverseClient(profile, tokens, context);
            auto *preflight = new Preflight(client, client);
            const SourceSpec spec = mapping.source;
            preflight->run(
                mapping, mapping.writer, [spec] { return WarehouseSource::create(spec); },
                [self, client, id](std::shared_ptr<PreflightReport> report) {
                    OrgCheckResult result;
                    result.id = id;
                    result.ok = report->ok();
                    result.problems = report->problems;
                    result.error = report->error ? report->error->message : QString();
                    result.tableName = report->entity.logicalName;
                    result.writer = report->writer;
                    result.privilegesChecked = report->privilegesChecked;
                    report->source.reset(); // the SQL connection closes on the thread that opened it
                    client->deleteLater();
                    QMetaObject::invokeMethod(
                        self,
                        [self, result] {
                            if (self)
                                Q_EMIT self->finished(result);
                        },
                        Qt::QueuedConnection);
                });
        },
        Qt::QueuedConnection);
    return id;
}

} // namespace d365::services
