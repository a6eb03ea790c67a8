#pragma once

// $filter and $orderby on rows: compiled once against a table (property names checked, literal types
// checked against the columns) and then evaluated per row. Used by collection queries and by $expand of
// collection-valued navigation properties.
//
//   RowFilter filter;
//   if (auto err = compileRowFilter(table, request.queryValue(u"$filter"), &filter)) return *err;
//   store.forEach(table, 0, [&](const Row &row) { if (filter.matches(row)) ...; return true; });

#include "httprequest.h"
#include "httpresponse.h"
#include "odataquery.h"
#include "orgstore.h"

#include <QList>

#include <optional>
#include <vector>

namespace d365::sandbox {

struct RowFilter
{
    enum class Kind { All, Term, And, Or, Not }; // All: no $filter
    Kind kind = Kind::All;
    const AttributeDef *attribute = nullptr; // Term
    FilterTerm term;                         // Term
    std::vector<RowFilter> children;         // And/Or/Not

    bool matches(const Row &row) const;
    // The rows an equality filter on a one-column string alternate key can match, found through the key's
    // index instead of a scan (`emailaddress1 eq 'a' or emailaddress1 eq 'b'`, In(...), or such a filter
    // and-ed with anything), in insertion order; matches() still decides. nullopt: the filter needs a scan.
    // Real Dataverse answers these from an index too; without this a key lookup costs a full table scan.
    std::optional<QList<const Row *>> indexedRows(const OrgStore &store, const TableDef &table) const;
};

// Empty text → Kind::All. Errors: syntax 400 0x0 (message names the position), unknown property 400 0x0
// "Could not find a property named …", literal of the wrong type 400 0x0 (OData's "incompatible types").
std::optional<HttpResponse> compileRowFilter(const TableDef &table, QStringView text, RowFilter *out);
// The request's $filter with its parameter aliases (`@p1`, outside string literals) replaced by their values
// from the query (`&@p1='lastname'`), as the "Filter rows" page writes Microsoft.Dynamics.CRM.In. An alias
// without a value stays as it is (the parser then names it).
QString filterText(const HttpRequest &request);

struct RowOrder
{
    const AttributeDef *attribute = nullptr;
    bool descending = false;
};

// "$orderby=a desc,b" → keys; 400 naming the bad item.
std::optional<HttpResponse> parseRowOrder(const TableDef &table, QStringView text, QList<RowOrder> *out);
// "$top=n" of the request into *top (left as it is when the option is absent); 400 unless n is an integer ≥
// 0.
std::optional<HttpResponse> parseTop(const HttpRequest &request, int *top);
// Stable sort: nulls first ascending (SQL Server), strings case-insensitively.
void sortRows(QList<const Row *> &rows, const QList<RowOrder> &order);

// The Edm type name of a column's values, e.g. "Edm.Int32" (used in error messages).
QString edmTypeName(const AttributeDef &attribute);

} // namespace d365::sandbox
