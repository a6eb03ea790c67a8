#pragma once

// Parsing of the OData pieces the sandbox understands: resource-path segments with key predicates, $select,
// $expand (with nested $select/$filter/$orderby/$top), $filter (comparisons, string functions and
// Microsoft.Dynamics.CRM.In combined with and/or/not and parentheses) and the Prefer header.
// Everything here works on already percent-decoded text (HttpRequest decodes once).

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace d365::sandbox {

// A literal as written in a key predicate or a $filter: 'text' (with '' for a quote), a number, a GUID, null,
// true/false, or an enum literal Namespace.Type'Member'.
struct ODataLiteral
{
    enum class Kind { String, Number, Guid, Null, Boolean, Enum };
    Kind kind = Kind::Null;
    QString text; // String/Enum: the unquoted value; Number/Guid: as written
    double number = 0;
    bool boolean = false;

    // The form used when echoing a key back in a URL: strings quoted (quotes doubled), others as written.
    QString toUrlForm() const;
};

std::optional<ODataLiteral> parseLiteral(QStringView text);

struct KeyPart
{
    QString name; // empty for the single-value form contacts(<guid>)
    ODataLiteral value;
};

struct PathSegment
{
    QString name; // e.g. "contacts", "EntityDefinitions", "Microsoft.Dynamics.CRM.StringAttributeMetadata"
    bool hasKey = false; // "(...)" followed the name
    QString keyText;     // what was inside the parentheses
};

// Splits "a(x='1/2')/b/c" into segments; slashes inside quotes or parentheses don't split. nullopt on
// unbalanced quotes or parentheses.
std::optional<QList<PathSegment>> parseResourcePath(QStringView path);

// "<guid>" or "name='v',name2=2". Sets *error and returns nullopt when malformed.
std::optional<QList<KeyPart>> parseKey(QStringView keyText, QString *error);

// "$select=a,b" -> {"a","b"}; whitespace trimmed, empty items dropped.
QStringList parseSelect(QStringView select);

struct ExpandItem
{
    QString name;
    bool hasSelect = false;
    QStringList select;
    QString filter;
    QString orderBy;          // "$orderby=" text, unparsed
    int top = -1;             // -1: no $top
    QStringList otherOptions; // options this parser does not know (e.g. "$expand", "$count"): callers refuse
};

// "Attributes($select=a,b;$filter=x eq 'y'),Keys" -> items. nullopt on unbalanced parentheses or a bad $top.
std::optional<QList<ExpandItem>> parseExpand(QStringView expand);

struct FilterTerm
{
    enum class Op { Eq, Ne, Gt, Ge, Lt, Le, Contains, StartsWith, EndsWith, In };
    QString property;    // may be a path such as "RequiredLevel/Value"
    bool negate = false; // ne instead of eq (kept for eq/ne-only callers; op is authoritative)
    Op op = Op::Eq;
    ODataLiteral value;         // for In: the first of `values`
    QList<ODataLiteral> values; // Microsoft.Dynamics.CRM.In(PropertyName='p',PropertyValues=['a','b'])

    bool isStringFunction() const { return op == Op::Contains || op == Op::StartsWith || op == Op::EndsWith; }
};

// A $filter expression tree. Precedence as in OData: not > and > or; parentheses group.
struct FilterNode
{
    enum class Kind { Term, And, Or, Not };
    Kind kind = Kind::Term;
    FilterTerm term;                  // Kind::Term
    std::vector<FilterNode> children; // And/Or: two or more; Not: one
};

// "a eq 'x' or not (b gt 2 and endswith(c,'@x.com'))". Sets *error with a message naming the offending part
// and its position when the text is not a filter the sandbox understands.
std::optional<FilterNode> parseFilterExpression(QStringView filter, QString *error);

// Only conjunctions ("a eq 'x' and (b gt 2)"), for the callers that evaluate a flat list (metadata,
// sdkmessagefilters). 'or'/'not' give *error.
std::optional<QList<FilterTerm>> parseFilter(QStringView filter, QString *error);

struct Preferences
{
    bool returnRepresentation = false;
    int maxPageSize = 0; // 0: not requested
    bool includeAnnotations = false;
    QString annotationFilter; // e.g. "*" or "OData.Community.Display.V1.FormattedValue"
    bool continueOnError = false;

    // True when the annotation filter lets that annotation through ("*", an exact name or "Prefix.*").
    bool wantsAnnotation(QStringView annotation) const;
};

Preferences parsePrefer(const QByteArray &header);

} // namespace d365::sandbox
