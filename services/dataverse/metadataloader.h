#pragma once

// Metadata for the GUI, fetched off the GUI thread. The loader owns a thread with a DataverseClient and a
// MetadataService (disk cache per org) for the current profile; the GUI calls its slots and gets queued
// signals back on its own thread:
//
//   setProfile(p)            → the thread's client and service are replaced (no profile → nothing loads)
//   loadTables(refresh)      → busyChanged(true) … tablesLoaded(list) | failed(message) … busyChanged(false)
//   loadEntity(set, refresh) → entityLoaded(entity) | failed(message); a cached copy answers at once and a
//                              background refresh follows (entityLoaded again, schemaChanged(warnings) when
//                              the refresh differs from the cache)

#include "services/dataverse/connectionprofile.h"
#include "services/dataverse/entitymetadata.h"

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

    bool hasProfile() const { return m_hasProfile; }

public Q_SLOTS:
    void setProfile(const std::optional<d365::services::ConnectionProfile> &profile);
    void loadTables(bool refresh);
    void loadEntity(const QString &entitySetName, bool refresh);

Q_SIGNALS:
    void tablesLoaded(const QList<d365::services::EntitySummary> &tables);
    void entityLoaded(const d365::services::EntityMetadata &entity);
    void schemaChanged(const QString &entitySetName, const QStringList &warnings);
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
    bool m_hasProfile = false;
    int m_pending = 0;
};

} // namespace d365::services
