#pragma once

// The metadata the app shows and the sync relies on, per org, with a disk cache so a reopen is instant:
//
//   MetadataService service(client, MetadataService::cacheKeyFor(profile.orgUrl));
//   service.tables(Freshness::CacheThenRefresh, cb)
//     cache hit  → cb(cached list) at once, then a background refresh → cache rewritten → tablesRefreshed()
//     cache miss → EntityDefinitions (MetadataClient::fetchEntities) → cache written → cb(list)
//   service.entity("contacts", Freshness::Refresh, cb)
//     → MetadataClient::fetchEntity (not found: "did you mean …", from MetadataClient) → cache → cb
//     when an older copy was cached and differs: entityChanged(before, after); describeChanges() turns that
//     into the warnings a mapping shows ("column x was removed", "column y changed type from A to B").
//
// Cache files: <cacheRoot>/<org key>/tables.json and entity-<entity set>.json, JSON with a format number;
// an unreadable or older-format file is a cache miss. Callbacks run on the service's thread.

#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"

#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace d365::services {

class DataverseClient;
class MetadataClient;

enum class Freshness {
    CacheThenRefresh, // answer from the cache when possible, then refresh in the background
    Refresh,          // ask the org now (the refresh button); the cache is updated
};

class MetadataService : public QObject
{
    Q_OBJECT
public:
    using ListCallback = std::function<void(const Result<QList<EntitySummary>> &)>;
    using EntityCallback = std::function<void(const Result<EntityMetadata> &)>;

    // cacheRoot empty → QStandardPaths::CacheLocation + "/metadata".
    MetadataService(DataverseClient *client, const QString &orgKey, const QString &cacheRoot = {},
                    QObject *parent = nullptr);

    void tables(Freshness freshness, ListCallback callback);
    void entity(const QString &entitySetName, Freshness freshness, EntityCallback callback);

    std::optional<QList<EntitySummary>> cachedTables() const;
    std::optional<EntityMetadata> cachedEntity(const QString &entitySetName) const;
    QString cacheDirectory() const { return m_cacheDir; }

    // "host_port" of the org URL: one cache folder per org.
    static QString cacheKeyFor(const QUrl &orgUrl);
    // Warnings for the given columns (empty = all columns) between two versions of a table's metadata.
    static QStringList describeChanges(const EntityMetadata &before, const EntityMetadata &after,
                                       const QStringList &columns = {});

Q_SIGNALS:
    void tablesRefreshed(const QList<d365::services::EntitySummary> &tables);
    void entityRefreshed(const d365::services::EntityMetadata &entity);
    void entityChanged(const d365::services::EntityMetadata &before,
                       const d365::services::EntityMetadata &after);
    void refreshFailed(const QString &message);

private:
    void refreshTables(ListCallback callback);
    // cached: the copy the caller already read from the cache (read when the answer arrives otherwise).
    void refreshEntity(const QString &entitySetName, EntityCallback callback,
                       std::optional<EntityMetadata> cached = std::nullopt);
    bool writeCache(const QString &fileName, const QJsonValue &data) const;
    std::optional<QJsonValue> readCache(const QString &fileName) const;

    MetadataClient *m_metadata;
    QString m_cacheDir;
};

} // namespace d365::services
