#include "services/dataverse/metadataclient.h"

#include "services/common/textmatch.h"
#include "services/dataverse/dataverseclient.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcMetadata, "d365.dataverse.metadata")

namespace d365::services {

namespace {

std::optional<double> optionalNumber(const QJsonObject &object, QLatin1StringView name)
{
    const QJsonValue value = object.value(name);
    return value.isDouble() ? std::optional<double>(value.toDouble()) : std::nullopt;
}

// One facet request: a cast segment on the Attributes collection and the properties it contributes.
struct FacetRequest
{
    QString cast;
    QString query;
};

const QList<FacetRequest> &facetRequests()
{
    static const QList<FacetRequest> requests = {
        {u"StringAttributeMetadata"_s, u"$select=LogicalName,MaxLength,FormatName"_s},
        {u"MemoAttributeMetadata"_s, u"$select=LogicalName,MaxLength"_s},
        {u"IntegerAttributeMetadata"_s, u"$select=LogicalName,MinValue,MaxValue,Format"_s},
        {u"MoneyAttributeMetadata"_s, u"$select=LogicalName,Precision,MinValue,MaxValue"_s},
        {u"DecimalAttributeMetadata"_s, u"$select=LogicalName,Precision,MinValue,MaxValue"_s},
        {u"DoubleAttributeMetadata"_s, u"$select=LogicalName,Precision,MinValue,MaxValue"_s},
        {u"DateTimeAttributeMetadata"_s, u"$select=LogicalName,Format,DateTimeBehavior"_s},
        {u"PicklistAttributeMetadata"_s,
         u"$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options,Name)"_s},
        {u"StateAttributeMetadata"_s, u"$select=LogicalName&$expand=OptionSet($select=Options)"_s},
        {u"StatusAttributeMetadata"_s, u"$select=LogicalName&$expand=OptionSet($select=Options)"_s},
        {u"MultiSelectPicklistAttributeMetadata"_s,
         u"$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options,Name)"_s},
        {u"LookupAttributeMetadata"_s, u"$select=LogicalName,Targets"_s},
    };
    return requests;
}

} // namespace

MetadataClient::MetadataClient(DataverseClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{}

QString MetadataClient::labelText(const QJsonValue &label)
{
    const QJsonObject object = label.toObject();
    const QString user = object.value("UserLocalizedLabel"_L1).toObject().value("Label"_L1).toString();
    if (!user.isEmpty()) {
        return user;
    }
    const QJsonArray localized = object.value("LocalizedLabels"_L1).toArray();
    for (const auto &entry : localized) {
        if (entry.toObject().value("LanguageCode"_L1).toInt() == 1033) {
            return entry.toObject().value("Label"_L1).toString();
        }
    }
    return localized.isEmpty() ? QString() : localized.first().toObject().value("Label"_L1).toString();
}

AttributeMetadata MetadataClient::parseAttribute(const QJsonObject &object)
{
    AttributeMetadata attribute;
    attribute.logicalName = object.value("LogicalName"_L1).toString();
    attribute.displayName = labelText(object.value("DisplayName"_L1));
    attribute.typeName = object.value("AttributeTypeName"_L1).toObject().value("Value"_L1).toString();
    attribute.kind = attributeKindFromTypeName(attribute.typeName);
    attribute.requiredLevel = object.value("RequiredLevel"_L1).toObject().value("Value"_L1).toString();
    attribute.validForCreate = object.value("IsValidForCreate"_L1).toBool();
    attribute.validForUpdate = object.value("IsValidForUpdate"_L1).toBool();
    attribute.validForRead = object.value("IsValidForRead"_L1).toBool();
    attribute.attributeOf = object.value("AttributeOf"_L1).toString();
    attribute.isCustom = object.value("IsCustomAttribute"_L1).toBool();
    return attribute;
}

EntitySummary MetadataClient::parseEntitySummary(const QJsonObject &object)
{
    EntitySummary summary;
    summary.logicalName = object.value("LogicalName"_L1).toString();
    summary.schemaName = object.value("SchemaName"_L1).toString();
    summary.entitySetName = object.value("EntitySetName"_L1).toString();
    summary.displayName = labelText(object.value("DisplayName"_L1));
    if (summary.displayName.isEmpty()) {
        // Unlabelled tables (intersect tables, some system tables) still need something to show.
        summary.displayName = summary.logicalName;
    }
    summary.primaryIdAttribute = object.value("PrimaryIdAttribute"_L1).toString();
    summary.primaryNameAttribute = object.value("PrimaryNameAttribute"_L1).toString();
    summary.isCustom = object.value("IsCustomEntity"_L1).toBool();
    summary.objectTypeCode = object.value("ObjectTypeCode"_L1).toInt();
    return summary;
}

RelationshipMetadata MetadataClient::parseRelationship(const QJsonObject &object)
{
    return {object.value("SchemaName"_L1).toString(), object.value("ReferencingAttribute"_L1).toString(),
            object.value("ReferencedEntity"_L1).toString(), object.value("ReferencedAttribute"_L1).toString(),
            object.value("ReferencingEntityNavigationPropertyName"_L1).toString()};
}

void MetadataClient::fetchEntities(ListCallback callback)
{
    m_client->send(
        DataverseRequest::get(u"EntityDefinitions?$select=LogicalName,SchemaName,EntitySetName,DisplayName,"
                              u"PrimaryIdAttribute,PrimaryNameAttribute,IsCustomEntity,"
                              u"ObjectTypeCode"_s),
        this, [this, callback](const DataverseResponse &r) {
            if (!r.ok()) {
                callback(toUserError(*r.error, m_client->errorContext()));
                return;
            }
            QList<EntitySummary> list;
            for (const auto &entry : r.json().value("value"_L1).toArray()) {
                EntitySummary summary = parseEntitySummary(entry.toObject());
                // Tables without an entity set (a few internal ones) cannot be written.
                if (!summary.entitySetName.isEmpty()) {
                    list.append(summary);
                }
            }
            std::sort(list.begin(), list.end(),
                      [](const auto &a, const auto &b) { return a.logicalName < b.logicalName; });
            qCDebug(lcMetadata) << "table list:" << list.size() << "tables";
            callback(list);
        });
}

QList<OptionMetadata> MetadataClient::parseOptions(const QJsonObject &attributeObject)
{
    QList<OptionMetadata> options;
    for (const auto name : {"OptionSet"_L1, "GlobalOptionSet"_L1}) {
        const QJsonArray array = attributeObject.value(name).toObject().value("Options"_L1).toArray();
        for (const auto &entry : array) {
            const QJsonObject option = entry.toObject();
            options.append({option.value("Value"_L1).toInt(), labelText(option.value("Label"_L1))});
        }
        if (!options.isEmpty()) {
            break; // a column has either a local or a global option set
        }
    }
    return options;
}

void MetadataClient::fetchEntity(const QString &entitySetName, EntityCallback callback)
{
    static const QRegularExpression validName(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    if (!validName.match(entitySetName).hasMatch()) {
        callback(
            Error::make(ErrorCategory::Configuration,
                        tr("Entity name '%1' is not valid: use the plural logical (entity set) name, lower "
                           "case, letters, digits and underscores only, e.g. contacts or new_myentities.")
                            .arg(entitySetName)));
        return;
    }
    const QString path = u"EntityDefinitions?$select=LogicalName,SchemaName,EntitySetName,DisplayName,"
                         u"PrimaryIdAttribute,PrimaryNameAttribute,IsCustomEntity,ObjectTypeCode"
                         "&$filter=EntitySetName%20eq%20'"_s +
                         entitySetName + u"'"_s;
    m_client->send(DataverseRequest::get(path), this,
                   [this, entitySetName, callback](const DataverseResponse &r) {
                       if (!r.ok()) {
                           callback(toUserError(*r.error, m_client->errorContext(entitySetName)));
                           return;
                       }
                       const QJsonArray value = r.json().value("value"_L1).toArray();
                       if (value.isEmpty()) {
                           reportNotFound(entitySetName, callback);
                           return;
                       }
                       EntityMetadata entity;
                       static_cast<EntitySummary &>(entity) = parseEntitySummary(value.first().toObject());
                       fetchDetails(entity, callback);
                   });
}

void MetadataClient::reportNotFound(const QString &entitySetName, EntityCallback callback)
{
    const QString path = u"EntityDefinitions?$select=LogicalName,EntitySetName"_s;
    m_client->send(
        DataverseRequest::get(path), this, [this, entitySetName, callback](const DataverseResponse &r) {
            QString suggestion;
            if (r.ok()) {
                QStringList setNames;
                QString singularMatch;
                for (const auto &entry : r.json().value("value"_L1).toArray()) {
                    const QJsonObject object = entry.toObject();
                    const QString setName = object.value("EntitySetName"_L1).toString();
                    if (setName.isEmpty()) {
                        continue;
                    }
                    setNames.append(setName);
                    if (object.value("LogicalName"_L1)
                            .toString()
                            .compare(entitySetName, Qt::CaseInsensitive) == 0) {
                        singularMatch = setName;
                    }
                }
                QStringList closest = d365::closestNames(entitySetName, setNames);
                if (!singularMatch.isEmpty()) {
                    closest.removeAll(singularMatch);
                    closest.prepend(singularMatch);
                }
                if (!closest.isEmpty()) {
                    suggestion = tr(" Did you mean %1?").arg(closest.join(", "_L1));
                }
            }
            callback(Error::make(
                ErrorCategory::Configuration,
                tr("Entity not found: the organization has no table with the entity set name '%1'.")
                        .arg(entitySetName) +
                    suggestion +
                    tr(" Use the plural logical name in lower case (contacts, accounts, leads, "
                       "opportunities, incidents); custom tables carry their publisher prefix, e.g. "
                       "new_myentities.")));
        });
}

void MetadataClient::fetchDetails(EntityMetadata entity, EntityCallback callback)
{
    struct State
    {
        EntityMetadata entity;
        QHash<QString, QJsonObject> facets; // logical name → merged facet properties
        int outstanding = 0;
        std::optional<Error> error;
        EntityCallback callback;
    };
    auto state = std::make_shared<State>();
    state->entity = entity;
    state->callback = callback;

    const QString base = u"EntityDefinitions(LogicalName='"_s + entity.logicalName + u"')"_s;
    auto complete = [state] {
        if (--state->outstanding > 0) {
            return;
        }
        if (state->error) {
            state->callback(*state->error);
            return;
        }
        for (auto &attribute : state->entity.attributes) {
            const QJsonObject facet = state->facets.value(attribute.logicalName);
            if (facet.isEmpty()) {
                continue;
            }
            if (facet.contains("MaxLength"_L1)) {
                attribute.maxLength = facet.value("MaxLength"_L1).toInt();
            }
            attribute.minValue = optionalNumber(facet, "MinValue"_L1);
            attribute.maxValue = optionalNumber(facet, "MaxValue"_L1);
            if (facet.value("Precision"_L1).isDouble()) {
                attribute.precision = facet.value("Precision"_L1).toInt();
            }
            const QString behavior =
                facet.value("DateTimeBehavior"_L1).toObject().value("Value"_L1).toString();
            if (behavior == "DateOnly"_L1) {
                attribute.dateTimeBehavior = DateTimeBehavior::DateOnly;
            } else if (behavior == "TimeZoneIndependent"_L1) {
                attribute.dateTimeBehavior = DateTimeBehavior::TimeZoneIndependent;
            }
            attribute.dateOnlyFormat = facet.value("Format"_L1).toString() == "DateOnly"_L1;
            attribute.format = facet.value("FormatName"_L1).toObject().value("Value"_L1).toString();
            if (attribute.format.isEmpty()) {
                attribute.format = facet.value("Format"_L1).toString();
            }
            attribute.options = parseOptions(facet);
            attribute.optionSetName =
                facet.value("GlobalOptionSet"_L1).toObject().value("Name"_L1).toString();
            for (const auto &target : facet.value("Targets"_L1).toArray()) {
                attribute.targets.append(target.toString());
            }
        }
        qCDebug(lcMetadata) << "metadata of" << state->entity.logicalName << ":"
                            << state->entity.attributes.size() << "attributes," << state->entity.keys.size()
                            << "keys";
        state->callback(state->entity);
    };
    auto fail = [this, state](const DataverseResponse &r) {
        if (!state->error) {
            state->error = toUserError(*r.error, m_client->errorContext(state->entity.entitySetName));
        }
    };

    // Base attribute properties.
    ++state->outstanding;
    m_client->send(DataverseRequest::get(
                       base + u"/Attributes?$select=LogicalName,AttributeType,AttributeTypeName,DisplayName,"
                              "RequiredLevel,IsValidForCreate,IsValidForUpdate,IsValidForRead,AttributeOf,"
                              "IsCustomAttribute"_s),
                   this, [state, complete, fail](const DataverseResponse &r) {
                       if (r.ok()) {
                           for (const auto &entry : r.json().value("value"_L1).toArray()) {
                               state->entity.attributes.append(parseAttribute(entry.toObject()));
                           }
                       } else {
                           fail(r);
                       }
                       complete();
                   });

    // Typed facets through cast segments (FACTS §5: only base properties are selectable without a cast).
    for (const auto &facet : facetRequests()) {
        ++state->outstanding;
        m_client->send(DataverseRequest::get(base + u"/Attributes/Microsoft.Dynamics.CRM."_s + facet.cast +
                                             u'?' + facet.query),
                       this, [state, complete, fail](const DataverseResponse &r) {
                           if (r.ok()) {
                               for (const auto &entry : r.json().value("value"_L1).toArray()) {
                                   const QJsonObject object = entry.toObject();
                                   QJsonObject &merged =
                                       state->facets[object.value("LogicalName"_L1).toString()];
                                   for (auto it = object.begin(); it != object.end(); ++it) {
                                       merged.insert(it.key(), it.value());
                                   }
                               }
                           } else {
                               fail(r);
                           }
                           complete();
                       });
    }

    // Alternate keys.
    ++state->outstanding;
    m_client->send(
        DataverseRequest::get(base + u"/Keys?$select=SchemaName,KeyAttributes,EntityKeyIndexStatus"_s), this,
        [state, complete, fail](const DataverseResponse &r) {
            if (r.ok()) {
                for (const auto &entry : r.json().value("value"_L1).toArray()) {
                    const QJsonObject object = entry.toObject();
                    AlternateKeyMetadata key;
                    key.schemaName = object.value("SchemaName"_L1).toString();
                    for (const auto &column : object.value("KeyAttributes"_L1).toArray()) {
                        key.keyAttributes.append(column.toString());
                    }
                    key.indexStatus = object.value("EntityKeyIndexStatus"_L1).toString();
                    state->entity.keys.append(key);
                }
            } else {
                fail(r);
            }
            complete();
        });

    // Navigation property names of the lookups (FACTS §4).
    ++state->outstanding;
    m_client->send(DataverseRequest::get(base + u"/ManyToOneRelationships?$select=SchemaName,"
                                                u"ReferencingAttribute,ReferencedEntity,ReferencedAttribute,"
                                                u"ReferencingEntityNavigationPropertyName"_s),
                   this, [state, complete, fail](const DataverseResponse &r) {
                       if (r.ok()) {
                           for (const auto &entry : r.json().value("value"_L1).toArray()) {
                               state->entity.manyToOne.append(parseRelationship(entry.toObject()));
                           }
                       } else {
                           fail(r);
                       }
                       complete();
                   });

    // Bulk messages (FACTS §7): a table with both CreateMultiple and UpdateMultiple registered supports
    // UpsertMultiple too (the filter query never lists UpsertMultiple). An org (or sandbox) that cannot
    // answer leaves the flag unknown rather than failing the metadata.
    auto bulk = std::make_shared<QList<std::optional<bool>>>();
    for (const QString &message : {u"CreateMultiple"_s, u"UpdateMultiple"_s}) {
        ++state->outstanding;
        m_client->send(DataverseRequest::get(u"sdkmessagefilters?$select=sdkmessagefilterid&$filter="
                                             u"sdkmessageid/name%20eq%20'"_s +
                                             message + u"'%20and%20primaryobjecttypecode%20eq%20'"_s +
                                             entity.logicalName + u"'"_s),
                       this, [state, complete, bulk, message](const DataverseResponse &r) {
                           if (r.ok()) {
                               bulk->append(!r.json().value("value"_L1).toArray().isEmpty());
                           } else {
                               qCDebug(lcMetadata) << "bulk-message probe for" << message
                                                   << "unavailable, status" << r.status;
                               bulk->append(std::nullopt);
                           }
                           if (bulk->size() == 2) {
                               const bool known = (*bulk)[0].has_value() && (*bulk)[1].has_value();
                               if (known) {
                                   state->entity.supportsBulkMessages = *(*bulk)[0] && *(*bulk)[1];
                               } else if ((*bulk)[0] == false || (*bulk)[1] == false) {
                                   state->entity.supportsBulkMessages = false;
                               }
                           }
                           complete();
                       });
    }
}

} // namespace d365::services
