#pragma once

// SyncWorker runs one sync on the thread it was moved to (SyncController creates that thread): in run() it
// creates, on that thread, the DataverseClient (its sockets) and the SyncEngine with a factory for the
// mapping's warehouse source, and relays the engine's signals. A mapping into a marketing list runs an
// AudienceEngine instead (same signals). Everything about the run itself is the
// engine's (see syncengine.h); the worker only puts it on its thread.

#include "services/dataverse/connectionprofile.h"
#include "services/mapping/mapping.h"
#include "services/sync/syncoptions.h"
#include "services/sync/syncresult.h"

#include <QObject>

#include <atomic>

namespace d365::services {

class AudienceEngine;
class DataverseClient;
class SyncEngine;
class TokenProvider;

class SyncWorker : public QObject
{
    Q_OBJECT
public:
    SyncWorker(const Mapping &mapping, const ConnectionProfile &profile, TokenProvider *tokenProvider,
               const SyncOptions &options);
    ~SyncWorker() override;

    void cancel(); // thread-safe

public Q_SLOTS:
    void run();

Q_SIGNALS:
    void started(qint64 total);
    void progress(qint64 done, qint64 total, const QString &stage);
    void rowOutcomes(const QList<d365::services::RowOutcome> &outcomes);
    void error(d365::ErrorCategory category, const QString &message);
    void finished(const d365::services::SyncSummary &summary);

private:
    template<typename Engine> void relay(Engine *engine);

    Mapping m_mapping;
    ConnectionProfile m_profile;
    TokenProvider *m_tokenProvider;
    SyncOptions m_options;
    DataverseClient *m_client = nullptr;
    std::atomic<SyncEngine *> m_engine{nullptr}; // read by cancel() on another thread
    std::atomic<AudienceEngine *> m_audience{nullptr};
    std::atomic_bool m_cancelRequested{false};
};

} // namespace d365::services
