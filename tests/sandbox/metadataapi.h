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

namespace d365::sandbox {

class MetadataApi
{
public:
    explicit MetadataApi(const OrgDefinition &definition);

    HttpResponse entityDefinitions(const HttpRequest &request, const ServiceContext &context,
                                   const QList<PathSegment> &segments);
    HttpResponse globalOptionSets(const HttpRequest &request, const ServiceContext &context,
                                  const QList<PathSegment> &segments);

private:
    const OrgDefinition &m_definition;
};

} // namespace d365::sandbox
