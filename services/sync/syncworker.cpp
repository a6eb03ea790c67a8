#include "services/sync/syncworker.h"

#include "services/dataverse/dataverseclient.h"
#include "services/sync/syncengine.h"
#include "services/warehouse/warehousesource.h"

namespace d365::services {

SyncWorker::SyncWorker(const Mapping &mapping, const ConnectionProfile &profile, TokenProvider *tokenProvider,
                       const SyncOptions &options)
    : m_mapping(mapping)
    , m_profile(profile)
    , m_tokenProvider(tokenProvider)
    , m_options(options)
{}

SyncWorker::~SyncWorker()
{
    // The engine and the client go before QObject's destructor runs, so nothing calls back into a
    // half-destroyed worker.
    delete m_engine;
    delete m_client;
}

void SyncWorker::cancel()
{
    m_cancelRequested.store(true);
    if (SyncEngine *engine = m_engine) {
        engine->cancel();
    }
}

void SyncWorker::run()
{
    m_client = new DataverseClient(m_profile, m_tokenProvider);
    const SourceSpec spec = m_mapping.source;
    auto *engine = new SyncEngine(
        m_mapping, m_client, [spec] { return WarehouseSource::create(spec); }, m_options);
    connect(engine, &SyncEngine::started, this, &SyncWorker::started);
    connect(engine, &SyncEngine::progress, this, &SyncWorker::progress);
    connect(engine, &SyncEngine::rowOutcomes, this, &SyncWorker::rowOutcomes);
    connect(engine, &SyncEngine::error, this, &SyncWorker::error);
    connect(engine, &SyncEngine::finished, this, &SyncWorker::finished);
    m_engine.store(engine);
    if (m_cancelRequested.load()) {
        engine->cancel();
    }
    engine->start();
}

} // namespace d365::services
