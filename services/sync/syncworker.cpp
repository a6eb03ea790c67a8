#include "services/sync/syncworker.h"

#include "services/dataverse/dataverseclient.h"
#include "services/sync/audienceengine.h"
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
    delete m_audience;
    delete m_client;
}

void SyncWorker::cancel()
{
    m_cancelRequested.store(true);
    if (SyncEngine *engine = m_engine) {
        engine->cancel();
    }
    if (AudienceEngine *audience = m_audience) {
        audience->cancel();
    }
}

template<typename Engine> void SyncWorker::relay(Engine *engine)
{
    connect(engine, &Engine::started, this, &SyncWorker::started);
    connect(engine, &Engine::progress, this, &SyncWorker::progress);
    connect(engine, &Engine::rowOutcomes, this, &SyncWorker::rowOutcomes);
    connect(engine, &Engine::error, this, &SyncWorker::error);
    connect(engine, &Engine::finished, this, &SyncWorker::finished);
    if (m_cancelRequested.load()) {
        engine->cancel();
    }
    engine->start();
}

void SyncWorker::run()
{
    m_client = new DataverseClient(m_profile, m_tokenProvider);
    const SourceSpec spec = m_mapping.source;
    const SourceFactory sources = [spec] { return WarehouseSource::create(spec); };
    if (m_mapping.isAudience()) {
        auto *audience = new AudienceEngine(m_mapping, m_client, sources, m_options);
        m_audience.store(audience);
        relay(audience);
        return;
    }
    auto *engine = new SyncEngine(m_mapping, m_client, sources, m_options);
    m_engine.store(engine);
    relay(engine);
}

} // namespace d365::services
