#include "rowfilter.h"

#include "odataresponse.h"

#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace d365::sandbox {

namespace {

QString operatorKind(FilterTerm::Op op)
{
    static const QStringList names = {
        u"Equal"_s,           u"NotEqual"_s, u"GreaterThan"_s, u"GreaterThanOrEqual"_s, u"LessThan"_s,
        u"LessThanOrEqual"_s, u"Contains"_s, u"StartsWith"_s,  u"EndsWith"_s,           u"In"_s};
    return names.value(int(op));
}

// One $filter term against a stored value. Strings compare case-insensitively, like the SQL collation
// behind Dataverse; null equals only null, a null column is "ne" every non-null literal and fails every
// other comparison.
bool matchesLiteral(const QJsonValue &v, FilterTerm::Op op, const ODataLiteral &literal)
{
    using Op = FilterTerm::Op;
    const bool isNull = v.isNull() || v.isUndefined();
    if (literal.kind == ODataLiteral::Kind::Null) {
        if (op == Op::Eq)
            return isNull;
        if (op == Op::Ne)
            return !isNull;
        return false;
    }
    if (isNull)
        return op == Op::Ne;
    int cmp = 0;
    switch (literal.kind) {
    case ODataLiteral::Kind::Number:
        cmp = v.toDouble() < literal.number ? -1 : (v.toDouble() > literal.number ? 1 : 0);
        break;
    case ODataLiteral::Kind::Boolean:
        cmp = int(v.toBool()) - int(literal.boolean);
        break;
    default: {
        const QString text = v.isString() ? v.toString() : QString::number(v.toDouble(), 'g', 17);
        switch (op) {
        case Op::Contains:
            return text.contains(literal.text, Qt::CaseInsensitive);
        case Op::StartsWith:
            return text.startsWith(literal.text, Qt::CaseInsensitive);
        case Op::EndsWith:
            return text.endsWith(literal.text, Qt::CaseInsensitive);
        default:
            cmp = text.compare(literal.text, Qt::CaseInsensitive);
        }
    }
    }
    switch (op) {
    case Op::Eq:
        return cmp == 0;
    case Op::Ne:
        return cmp != 0;
    case Op::Gt:
        return cmp > 0;
    case Op::Ge:
        return cmp >= 0;
    case Op::Lt:
        return cmp < 0;
    case Op::Le:
        return cmp <= 0;
    default:
        return false;
    }
}

bool matchesTerm(const QJsonValue &v, const FilterTerm &t)
{
    if (t.op != FilterTerm::Op::In)
        return matchesLiteral(v, t.op, t.value);
    return std::any_of(t.values.cbegin(), t.values.cend(), [&](const ODataLiteral &value) {
        return matchesLiteral(v, FilterTerm::Op::Eq, value);
    });
}

std::optional<HttpResponse> compileNode(const TableDef &table, const FilterNode &node, RowFilter *out)
{
    switch (node.kind) {
    case FilterNode::Kind::And:
        out->kind = RowFilter::Kind::And;
        break;
    case FilterNode::Kind::Or:
        out->kind = RowFilter::Kind::Or;
        break;
    case FilterNode::Kind::Not:
        out->kind = RowFilter::Kind::Not;
        break;
    case FilterNode::Kind::Term: {
        FilterTerm t = node.term;
        const AttributeDef *a = table.attributeByProperty(t.property);
        if (!a || !a->validForRead)
            return propertyNotFound(t.property, table.typeName());
        // Microsoft.Dynamics.CRM.In's PropertyValues is a Collection(Edm.String): numbers, choices and ids
        // are written as strings there ('844060003', "<guid>"), so convert them to the column's type.
        if (t.op == FilterTerm::Op::In) {
            for (ODataLiteral &v : t.values) {
                if (v.kind != ODataLiteral::Kind::String)
                    continue;
                if (auto typed = parseLiteral(v.text); typed && typed->kind != ODataLiteral::Kind::String &&
                                                       a->kind != ValueKind::String &&
                                                       a->kind != ValueKind::MultiChoice)
                    v = *typed;
            }
            t.value = t.values.value(0);
        }
        using K = ODataLiteral::Kind;
        const auto kindOk = [a](K kind) {
            if (kind == K::Null)
                return true;
            switch (a->kind) {
            case ValueKind::Integer:
            case ValueKind::BigInt:
            case ValueKind::Decimal:
            case ValueKind::Double:
            case ValueKind::Choice:
                return kind == K::Number;
            case ValueKind::Boolean:
                return kind == K::Boolean;
            case ValueKind::Lookup:
            case ValueKind::Guid:
                return kind == K::Guid;
            default:
                return kind == K::String;
            }
        };
        const QList<ODataLiteral> literals =
            t.op == FilterTerm::Op::In ? t.values : QList<ODataLiteral>{t.value};
        for (const ODataLiteral &v : literals) {
            if (!kindOk(v.kind))
                return badRequest(
                    u"A binary operator with incompatible types was detected. Found operand types "
                    u"'%1' and the literal '%2' for operator kind '%3'."_s.arg(edmTypeName(*a), v.toUrlForm(),
                                                                               operatorKind(t.op)));
        }
        if (t.isStringFunction() && a->kind != ValueKind::String && a->kind != ValueKind::MultiChoice)
            return badRequest(u"The string function in $filter needs a string column; '%1' is %2."_s.arg(
                t.property, edmTypeName(*a)));
        out->kind = RowFilter::Kind::Term;
        out->attribute = a;
        out->term = t;
        return std::nullopt;
    }
    }
    out->children.resize(node.children.size());
    for (size_t i = 0; i < node.children.size(); ++i) {
        if (auto err = compileNode(table, node.children[i], &out->children[i]))
            return err;
    }
    return std::nullopt;
}

int compareValues(const QJsonValue &a, const QJsonValue &b)
{
    const bool an = a.isNull() || a.isUndefined(), bn = b.isNull() || b.isUndefined();
    if (an || bn)
        return an == bn ? 0 : (an ? -1 : 1);
    if (a.isDouble() || a.isBool())
        return a.toDouble() < b.toDouble() ? -1 : (a.toDouble() > b.toDouble() ? 1 : 0);
    return a.toString().compare(b.toString(), Qt::CaseInsensitive);
}

} // namespace

bool RowFilter::matches(const Row &row) const
{
    switch (kind) {
    case Kind::All:
        return true;
    case Kind::Term:
        return matchesTerm(row.values.value(attribute->logicalName), term);
    case Kind::And:
        return std::all_of(children.begin(), children.end(),
                           [&](const RowFilter &c) { return c.matches(row); });
    case Kind::Or:
        return std::any_of(children.begin(), children.end(),
                           [&](const RowFilter &c) { return c.matches(row); });
    case Kind::Not:
        return !children.front().matches(row);
    }
    return false;
}

namespace {

// The index of the one-column alternate key on `attribute`, or -1.
int singleColumnKey(const TableDef &table, const AttributeDef &attribute)
{
    for (int k = 0; k < table.keys.size(); ++k) {
        if (table.keys[k].keyAttributes == QStringList{attribute.logicalName})
            return k;
    }
    return -1;
}

// Adds the canonical key values an equality term (or an Or of them) on one string key column can match;
// false when the node is anything else.
bool collectKeyValues(const RowFilter &filter, const TableDef &table, int *key, QStringList *values)
{
    if (filter.kind == RowFilter::Kind::Or) {
        for (const RowFilter &child : filter.children) {
            if (!collectKeyValues(child, table, key, values))
                return false;
        }
        return true;
    }
    if (filter.kind != RowFilter::Kind::Term || filter.attribute->kind != ValueKind::String ||
        (filter.term.op != FilterTerm::Op::Eq && filter.term.op != FilterTerm::Op::In) || filter.term.negate)
        return false;
    const int k = singleColumnKey(table, *filter.attribute);
    if (k < 0 || (*key >= 0 && *key != k))
        return false;
    *key = k;
    const QList<ODataLiteral> literals =
        filter.term.op == FilterTerm::Op::In ? filter.term.values : QList<ODataLiteral>{filter.term.value};
    for (const ODataLiteral &literal : literals) {
        if (literal.kind != ODataLiteral::Kind::String)
            return false;
        values->append(OrgStore::canonicalKeyValue(*filter.attribute, QJsonValue(literal.text)));
    }
    return true;
}

} // namespace

std::optional<QList<const Row *>> RowFilter::indexedRows(const OrgStore &store, const TableDef &table) const
{
    if (kind == Kind::And) {
        for (const RowFilter &child : children) {
            if (auto rows = child.indexedRows(store, table))
                return rows;
        }
        return std::nullopt;
    }
    int key = -1;
    QStringList values;
    if (kind == Kind::All || !collectKeyValues(*this, table, &key, &values))
        return std::nullopt;
    QList<const Row *> rows;
    QSet<QUuid> seen;
    for (const QString &value : std::as_const(values)) {
        const auto id = store.findByKey(table, key, {value});
        if (!id || seen.contains(*id))
            continue;
        seen.insert(*id);
        if (const Row *row = store.find(table, *id))
            rows.append(row);
    }
    std::sort(rows.begin(), rows.end(), [](const Row *a, const Row *b) { return a->sequence < b->sequence; });
    return rows;
}

std::optional<HttpResponse> compileRowFilter(const TableDef &table, QStringView text, RowFilter *out)
{
    *out = RowFilter();
    if (text.isNull())
        return std::nullopt;
    QString error;
    const auto tree = parseFilterExpression(text, &error);
    if (!tree)
        return badRequest(error);
    return compileNode(table, *tree, out);
}

QString filterText(const HttpRequest &request)
{
    const QString filter = request.queryValue(u"$filter");
    if (!filter.contains(u'@'))
        return filter;
    QString out;
    QChar quote;
    for (qsizetype i = 0; i < filter.size(); ++i) {
        const QChar c = filter[i];
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            out += c;
            continue;
        }
        if (c == u'\'' || c == u'"') {
            quote = c;
            out += c;
            continue;
        }
        if (c == u'@') {
            qsizetype end = i + 1;
            while (end < filter.size() && (filter[end].isLetterOrNumber() || filter[end] == u'_'))
                ++end;
            const QString name = filter.mid(i, end - i);
            if (end > i + 1 && request.hasQuery(name)) {
                out += request.queryValue(name);
                i = end - 1;
                continue;
            }
        }
        out += c;
    }
    return out;
}

std::optional<HttpResponse> parseTop(const HttpRequest &request, int *top)
{
    if (!request.hasQuery(u"$top"))
        return std::nullopt;
    bool ok = false;
    const int value = request.queryValue(u"$top").toInt(&ok);
    if (!ok || value < 0)
        return badRequest(u"Invalid value '%1' for $top query option found. The $top query option requires a "
                          u"non-negative integer value."_s.arg(request.queryValue(u"$top")));
    *top = value;
    return std::nullopt;
}

std::optional<HttpResponse> parseRowOrder(const TableDef &table, QStringView text, QList<RowOrder> *out)
{
    out->clear();
    for (QStringView item : text.split(u',', Qt::SkipEmptyParts)) {
        const QList<QStringView> words = item.trimmed().split(u' ', Qt::SkipEmptyParts);
        const AttributeDef *a = words.isEmpty() ? nullptr : table.attributeByProperty(words[0].toString());
        if (!a)
            return propertyNotFound(words.value(0).toString(), table.typeName());
        if (words.size() > 2 || (words.size() == 2 && words[1] != u"asc" && words[1] != u"desc"))
            return badRequest(
                u"Syntax error in $orderby: '%1'. Use '<property> [asc|desc]', comma-separated."_s.arg(item));
        out->append({a, words.size() == 2 && words[1] == u"desc"});
    }
    return std::nullopt;
}

void sortRows(QList<const Row *> &rows, const QList<RowOrder> &order)
{
    if (order.isEmpty())
        return;
    std::stable_sort(rows.begin(), rows.end(), [&](const Row *x, const Row *y) {
        for (const RowOrder &k : order) {
            const int c = compareValues(x->values.value(k.attribute->logicalName),
                                        y->values.value(k.attribute->logicalName));
            if (c != 0)
                return k.descending ? c > 0 : c < 0;
        }
        return false;
    });
}

QString edmTypeName(const AttributeDef &a)
{
    switch (a.kind) {
    case ValueKind::String:
    case ValueKind::MultiChoice:
    case ValueKind::EntityName:
    case ValueKind::Image:
        return u"Edm.String"_s;
    case ValueKind::Integer:
    case ValueKind::Choice:
        return u"Edm.Int32"_s;
    case ValueKind::BigInt:
        return u"Edm.Int64"_s;
    case ValueKind::Decimal:
        return u"Edm.Decimal"_s;
    case ValueKind::Double:
        return u"Edm.Double"_s;
    case ValueKind::Boolean:
        return u"Edm.Boolean"_s;
    case ValueKind::DateTime:
        return a.dateTimeBehavior == u"DateOnly"_s ? u"Edm.Date"_s : u"Edm.DateTimeOffset"_s;
    case ValueKind::Lookup:
    case ValueKind::Guid:
        return u"Edm.Guid"_s;
    }
    return u"Edm.String"_s;
}

} // namespace d365::sandbox
