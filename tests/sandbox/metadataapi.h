#pragma once

// The metadata endpoints over the org definition (FACTS §5): EntityDefinitions (collection with
// $select/$filter/ $expand, single by LogicalName or MetadataId), its Attributes (with cast segments such as
// Microsoft.Dynamics.CRM.StringAttributeMetadata and $expand=OptionSet,GlobalOptionSet), Keys and
// ManyToOneRelationships, and GlobalOptionSetDefinitions. Metadata is never paged.
//
// Each metadata object is rendered in full once per request and then cut down to the $select list; MetadataId
// is always kept, and items of a polymorphic collection carry "@odata.type".

#include "httprequest.h"
#include "odataquery.h"
#include "odataresponse.h"
#include "orgdefinition.h"

#include <QJsonObject>

#include <functional>

namespace d365::sandbox {

class MetadataApi
{
public:
    explicit MetadataApi(const OrgDefinition &definition);

    HttpResponse entityDefinitions(const HttpRequest &request, const ServiceContext &context,
                                   const QList<PathSegment> &segments);
    HttpResponse globalOptionSets(const HttpRequest &request, const ServiceContext &context,
                                  const QList<PathSegment> &segments);

    // Where the keys' current EntityKeyIndexStatus comes from (the store; without it the org file's).
    using KeyStatusSource = std::function<KeyIndexStatus(const TableDef &table, int keyIndex)>;
    void setKeyStatusSource(KeyStatusSource source) { m_keyStatus = std::move(source); }

private:
    KeyIndexStatus keyStatus(const TableDef &table, int keyIndex) const;

    const OrgDefinition &m_definition;
    KeyStatusSource m_keyStatus;
};

} // namespace d365::sandbox
