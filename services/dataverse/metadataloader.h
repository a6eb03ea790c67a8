#pragma once

// Metadata for the GUI, fetched off the GUI thread. The loader owns a thread with a DataverseClient and a
// MetadataService (disk cache per org) for the current profile; the GUI calls its slots and gets queued
// signals back on its own thread:
//
//   setProfile(p)            → the thread's client and service are replaced (no profile → nothing loads)
//   loadTables(refresh)      → busyChanged(true) … tablesLoaded(list) | failed(message) … busyChanged(false)
//   loadEntity(set, refresh) → entityLoaded(entity) | failed(message); a cached copy answers at once and a
//                              background refresh follows (entityLoaded again and schemaChanged(before,
//                              after) when the refresh differs from the cache)
//   checkEntity(set)         → the same cache-then-refresh without busy/failed signals: the window asks it
//                              for the mapping's table so a changed column warns even if nobody browses it
//   loadLists()              → listsLoaded(marketing lists, by name; the first 5,000) | failed(message); not
//                              cached: member counts change with every audience run

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/entitymetadata.h"
#include "services/dataverse/marketinglistinfo.h"

#include <QObject>

#include <functional>
#include <optional>

class QThread;

namespace d365::services {

class TokenProvider;

class MetadataLoader : public QObject
{
    Q_OBJECT
public:
    explicit MetadataLoader(TokenProvider *tokenProvider, const QString &cacheRoot = {},
                            QObject *parent = nullptr);
    ~MetadataLoader() override;

public Q_SLOTS:
    void setProfile(const std::optional<d365::services::ConnectionProfile> &profile);
    void loadTables(bool refresh);
    void loadEntity(const QString &entitySetName, bool refresh);
    void checkEntity(const QString &entitySetName);
    void loadLists();

Q_SIGNALS:
    void tablesLoaded(const QList<d365::services::EntitySummary> &tables);
    void listsLoaded(const QList<d365::services::MarketingList> &lists);
    void entityLoaded(const d365::services::EntityMetadata &entity);
    void schemaChanged(const d365::services::EntityMetadata &before,
                       const d365::services::EntityMetadata &after);
    void failed(const QString &message);
    void busyChanged(bool busy);

private:
    class Worker;
    void request(bool counts, std::function<void(Worker *)> call);
    void finishOne();

    TokenProvider *m_tokenProvider;
    QString m_cacheRoot;
    QThread *m_thread;
    Worker *m_worker = nullptr;
    int m_pending = 0;
};

} // namespace d365::services
