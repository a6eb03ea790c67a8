#pragma once

// Reads one table's metadata from EntityDefinitions, asynchronously, through a DataverseClient:
//
//   fetchEntity("contacts")
//     1. EntityDefinitions?$filter=EntitySetName eq 'contacts'      → logical name, primary id/name
//        (no match → the list of all entity set names → "Entity not found … did you mean contacts?")
//     2. in parallel: …/Attributes (base properties), one cast request per typed facet
//        (String/Memo MaxLength, Integer/Money/Decimal/Double ranges and precision, DateTime behaviour,
//        Picklist/State/Status/MultiSelect options, Lookup targets), …/Keys, …/ManyToOneRelationships
//        (navigation property names) and the bulk-message probe (sdkmessagefilters; failure = unknown)
//     3. callback(Result<EntityMetadata>) once, on the client's thread
//
//   fetchEntities() → EntityDefinitions?$select=<the few list columns> →
//   callback(Result<QList<EntitySummary>>)
//
// MetadataService adds the per-org disk cache on top of this.

#include "services/common/result.h"
#include "services/dataverse/entitymetadata.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#include <functional>

namespace d365::services {

class DataverseClient;

class MetadataClient : public QObject
{
    Q_OBJECT
public:
    using EntityCallback = std::function<void(const Result<EntityMetadata> &)>;
    using ListCallback = std::function<void(const Result<QList<EntitySummary>> &)>;

    explicit MetadataClient(DataverseClient *client, QObject *parent = nullptr);

    void fetchEntity(const QString &entitySetName, EntityCallback callback);
    void fetchEntities(ListCallback callback);

    // Parsing helpers, public for tests.
    static QString labelText(const QJsonValue &label);
    static EntitySummary parseEntitySummary(const QJsonObject &object);
    static RelationshipMetadata parseRelationship(const QJsonObject &object);
    static AttributeMetadata parseAttribute(const QJsonObject &object);
    static QList<OptionMetadata> parseOptions(const QJsonObject &attributeObject);

private:
    void fetchDetails(EntityMetadata entity, EntityCallback callback);
    void reportNotFound(const QString &entitySetName, EntityCallback callback);

    DataverseClient *m_client;
};

} // namespace d365::services
