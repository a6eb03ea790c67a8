#include "services/dataverse/metadataservice.h"

#include "services/dataverse/metadataclient.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMetadataService, "d365.dataverse.metadataservice")

namespace d365::services {

namespace {
// Bumped when the cached JSON shape changes; an older file is then simply refetched.
constexpr int CacheFormat = 1;

QString entityFileName(const QString &entitySetName)
{
    return u"entity-"_s + entitySetName + u".json"_s;
}
} // namespace

MetadataService::MetadataService(DataverseClient *client, const QString &orgKey, const QString &cacheRoot,
                                 QObject *parent)
    : QObject(parent)
    , m_metadata(new MetadataClient(client, this))
{
    const QString root =
        cacheRoot.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + u"/metadata"_s
                            : cacheRoot;
    m_cacheDir = root + u'/' + orgKey;
}

QString MetadataService::cacheKeyFor(const QUrl &orgUrl)
{
    QString key = orgUrl.host().toLower();
    if (orgUrl.port() > 0) {
        key += u'_' + QString::number(orgUrl.port());
    }
    static const QRegularExpression unsafe(u"[^a-z0-9._-]"_s);
    key.replace(unsafe, u"_"_s);
    return key.isEmpty() ? u"default"_s : key;
}

bool MetadataService::writeCache(const QString &fileName, const QJsonValue &data) const
{
    if (!QDir().mkpath(m_cacheDir)) {
        qCWarning(lcMetadataService) << "cannot create cache folder" << m_cacheDir;
        return false;
    }
    QSaveFile file(m_cacheDir + u'/' + fileName);
    const QJsonObject envelope{{u"format"_s, CacheFormat},
                               {u"fetchedAt"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
                               {u"data"_s, data}};
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(envelope).toJson(QJsonDocument::Compact)) < 0 || !file.commit()) {
        // The cache only saves time: failing to write it is not the user's problem.
        qCWarning(lcMetadataService) << "cannot write" << file.fileName() << file.errorString();
        return false;
    }
    return true;
}

std::optional<QJsonValue> MetadataService::readCache(const QString &fileName) const
{
    QFile file(m_cacheDir + u'/' + fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QJsonObject envelope = QJsonDocument::fromJson(file.readAll()).object();
    if (envelope.value("format"_L1).toInt() != CacheFormat || !envelope.contains("data"_L1)) {
        qCDebug(lcMetadataService) << "ignoring stale or damaged cache file" << file.fileName();
        return std::nullopt;
    }
    return envelope.value("data"_L1);
}

std::optional<QList<EntitySummary>> MetadataService::cachedTables() const
{
    const auto data = readCache(u"tables.json"_s);
    if (!data || !data->isArray()) {
        return std::nullopt;
    }
    QList<EntitySummary> list;
    for (const auto &entry : data->toArray()) {
        list.append(entitySummaryFromJson(entry.toObject()));
    }
    return list;
}

std::optional<EntityMetadata> MetadataService::cachedEntity(const QString &entitySetName) const
{
    const auto data = readCache(entityFileName(entitySetName));
    if (!data || !data->isObject()) {
        return std::nullopt;
    }
    EntityMetadata entity = EntityMetadata::fromJson(data->toObject());
    if (entity.logicalName.isEmpty()) {
        return std::nullopt;
    }
    return entity;
}

void MetadataService::tables(Freshness freshness, ListCallback callback)
{
    if (freshness == Freshness::CacheThenRefresh) {
        if (auto cached = cachedTables()) {
            callback(*cached);
            refreshTables({});
            return;
        }
    }
    refreshTables(std::move(callback));
}

void MetadataService::refreshTables(ListCallback callback)
{
    m_metadata->fetchEntities([this, callback](const Result<QList<EntitySummary>> &result) {
        if (result.ok()) {
            QJsonArray array;
            for (const auto &summary : result.value()) {
                array.append(entitySummaryToJson(summary));
            }
            writeCache(u"tables.json"_s, array);
            Q_EMIT tablesRefreshed(result.value());
        } else if (!callback) {
            Q_EMIT refreshFailed(result.error().message);
        }
        if (callback) {
            callback(result);
        }
    });
}

void MetadataService::entity(const QString &entitySetName, Freshness freshness, EntityCallback callback)
{
    if (freshness == Freshness::CacheThenRefresh) {
        if (auto cached = cachedEntity(entitySetName)) {
            callback(*cached);
            refreshEntity(entitySetName, {}, std::move(cached));
            return;
        }
    }
    refreshEntity(entitySetName, std::move(callback));
}

void MetadataService::refreshEntity(const QString &entitySetName, EntityCallback callback,
                                    std::optional<EntityMetadata> cached)
{
    m_metadata->fetchEntity(entitySetName,
                            [this, entitySetName, callback, cached](const Result<EntityMetadata> &result) {
                                if (result.ok()) {
                                    const auto before = cached ? cached : cachedEntity(entitySetName);
                                    writeCache(entityFileName(entitySetName), result.value().toJson());
                                    Q_EMIT entityRefreshed(result.value());
                                    if (before && !describeChanges(*before, result.value()).isEmpty()) {
                                        Q_EMIT entityChanged(*before, result.value());
                                    }
                                } else if (!callback) {
                                    Q_EMIT refreshFailed(result.error().message);
                                }
                                if (callback) {
                                    callback(result);
                                }
                            });
}

QStringList MetadataService::describeChanges(const EntityMetadata &before, const EntityMetadata &after,
                                             const QStringList &columns)
{
    QStringList changes;
    for (const auto &old : before.attributes) {
        if (!columns.isEmpty() && !columns.contains(old.logicalName)) {
            continue;
        }
        const AttributeMetadata *now = after.attribute(old.logicalName);
        if (!now) {
            changes.append(
                tr("Column %1 was removed from table %2; remove it from the mapping or map another "
                   "column.")
                    .arg(old.logicalName, after.logicalName));
        } else if (now->typeName != old.typeName) {
            changes.append(tr("Column %1 of table %2 changed type from %3 to %4; check that the warehouse "
                              "values still fit.")
                               .arg(old.logicalName, after.logicalName, old.typeName, now->typeName));
        } else if (now->isWritable() != old.isWritable()) {
            changes.append(tr("Column %1 of table %2 is %3 writable.")
                               .arg(old.logicalName, after.logicalName,
                                    now->isWritable() ? tr("now") : tr("no longer")));
        }
    }
    return changes;
}

} // namespace d365::services
