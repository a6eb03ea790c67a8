#include "services/dataverse/metadataloader.h"

#include "services/dataverse/dataverseclient.h"
#include "services/dataverse/metadataservice.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QPointer>
#include <QThread>

#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMetadataLoader, "d365.dataverse.metadataloader")

namespace d365::services {

// Lives on the loader's thread; everything network-related is created and used there.
class MetadataLoader::Worker : public QObject
{
public:
    Worker(MetadataLoader *loader, const ConnectionProfile &profile, TokenProvider *tokens,
           const QString &cacheRoot)
        : m_loader(loader)
        , m_profile(profile)
        , m_tokens(tokens)
        , m_cacheRoot(cacheRoot)
    {}

    MetadataService *service()
    {
        if (!m_service) {
            m_client = new DataverseClient(m_profile, m_tokens, this);
            m_service = new MetadataService(m_client, MetadataService::cacheKeyFor(m_profile.orgUrl),
                                            m_cacheRoot, this);
            // A background refresh that differs from the cached copy, whoever asked for the table: the
            // browser shows the fresh columns, the window checks them against the mapping.
            QObject::connect(m_service, &MetadataService::entityChanged, m_service,
                             [loader = m_loader](const EntityMetadata &before, const EntityMetadata &after) {
                                 QMetaObject::invokeMethod(loader, [loader, before, after] {
                                     if (loader) {
                                         Q_EMIT loader->entityLoaded(after);
                                         Q_EMIT loader->schemaChanged(before, after);
                                     }
                                 });
                             });
        }
        return m_service;
    }

    DataverseClient *client()
    {
        service();
        return m_client;
    }

private:
    QPointer<MetadataLoader> m_loader;
    ConnectionProfile m_profile;
    TokenProvider *m_tokens;
    QString m_cacheRoot;
    DataverseClient *m_client = nullptr;
    MetadataService *m_service = nullptr;
};

MetadataLoader::MetadataLoader(TokenProvider *tokenProvider, const QString &cacheRoot, QObject *parent)
    : QObject(parent)
    , m_tokenProvider(tokenProvider)
    , m_cacheRoot(cacheRoot)
    , m_thread(new QThread(this))
{
    m_thread->setObjectName(u"metadata"_s);
    m_thread->start();
}

MetadataLoader::~MetadataLoader()
{
    if (m_worker) {
        // deleteLater runs on the worker thread before it quits: the client's replies die on their thread.
        m_worker->deleteLater();
        m_worker = nullptr;
    }
    m_thread->quit();
    m_thread->wait();
}

void MetadataLoader::setProfile(const std::optional<ConnectionProfile> &profile)
{
    if (m_worker) {
        m_worker->deleteLater();
        m_worker = nullptr;
    }
    if (!profile) {
        return;
    }
    m_worker = new Worker(this, *profile, m_tokenProvider, m_cacheRoot);
    m_worker->moveToThread(m_thread);
}

void MetadataLoader::loadLists()
{
    QPointer<MetadataLoader> self(this);
    request(true, [self](Worker *worker) {
        DataverseClient *client = worker->client();
        DataverseRequest get = DataverseRequest::get(u"lists?$select="_s + MarketingList::selectColumns() +
                                                     u"&$orderby=listname"_s);
        get.headers.append(qMakePair(QByteArray("Prefer"), QByteArray("odata.maxpagesize=5000")));
        client->send(get, worker, [self, client](const DataverseResponse &r) {
            QList<MarketingList> lists;
            QString failure;
            if (r.ok()) {
                for (const QJsonValue &row : r.json().value("value"_L1).toArray())
                    lists.append(MarketingList::fromJson(row.toObject()));
            } else {
                failure = toUserError(*r.error, client->errorContext(u"lists"_s)).message;
            }
            QMetaObject::invokeMethod(self, [self, lists, failure] {
                if (!self)
                    return;
                if (failure.isEmpty())
                    Q_EMIT self->listsLoaded(lists);
                else
                    Q_EMIT self->failed(failure);
                self->finishOne();
            });
        });
    });
}

void MetadataLoader::request(bool counts, std::function<void(Worker *)> call)
{
    if (!m_worker) {
        Q_EMIT failed(
            tr("No connection profile: connect to one (Connect… at the top) or open a mapping whose "
               "profile exists to browse its org."));
        return;
    }
    if (counts && m_pending++ == 0) {
        Q_EMIT busyChanged(true);
    }
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, call] { call(worker); }, Qt::QueuedConnection);
}

void MetadataLoader::finishOne()
{
    if (m_pending > 0 && --m_pending == 0) {
        Q_EMIT busyChanged(false);
    }
}

void MetadataLoader::loadTables(bool refresh)
{
    QPointer<MetadataLoader> self(this);
    request(true, [self, refresh](Worker *worker) {
        worker->service()->tables(refresh ? Freshness::Refresh : Freshness::CacheThenRefresh,
                                  [self](const Result<QList<EntitySummary>> &result) {
                                      // Back to the GUI thread through the event loop.
                                      QMetaObject::invokeMethod(self, [self, result] {
                                          if (!self) {
                                              return;
                                          }
                                          if (result.ok()) {
                                              Q_EMIT self->tablesLoaded(result.value());
                                          } else {
                                              Q_EMIT self->failed(result.error().message);
                                          }
                                          self->finishOne();
                                      });
                                  });
    });
}

void MetadataLoader::loadEntity(const QString &entitySetName, bool refresh)
{
    QPointer<MetadataLoader> self(this);
    request(true, [self, entitySetName, refresh](Worker *worker) {
        MetadataService *service = worker->service();
        service->entity(entitySetName, refresh ? Freshness::Refresh : Freshness::CacheThenRefresh,
                        [self](const Result<EntityMetadata> &result) {
                            QMetaObject::invokeMethod(self, [self, result] {
                                if (!self) {
                                    return;
                                }
                                if (result.ok()) {
                                    Q_EMIT self->entityLoaded(result.value());
                                } else {
                                    Q_EMIT self->failed(result.error().message);
                                }
                                self->finishOne();
                            });
                        });
    });
}

void MetadataLoader::checkEntity(const QString &entitySetName)
{
    if (!m_worker) {
        return; // no profile: nothing to check against
    }
    // Not counted as busy and failures only logged: the browser did not ask, and a sync of a mapping whose
    // table is gone reports that itself. A cached copy that differs from the org ends in schemaChanged.
    request(false, [entitySetName](Worker *worker) {
        worker->service()->entity(entitySetName, Freshness::CacheThenRefresh,
                                  [entitySetName](const Result<EntityMetadata> &result) {
                                      if (!result.ok()) {
                                          qCInfo(lcMetadataLoader) << "checking" << entitySetName
                                                                   << "failed:" << result.error().detail;
                                      }
                                  });
    });
}

} // namespace d365::services
