#include "odataquery.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace d365::sandbox {

QString ODataLiteral::toUrlForm() const
{
    switch (kind) {
    case Kind::String: {
        QString quoted = text;
        quoted.replace(u'\'', u"''"_s);
        return u'\'' + quoted + u'\'';
    }
    case Kind::Null:
        return u"null"_s;
    case Kind::Boolean:
        return boolean ? u"true"_s : u"false"_s;
    default:
        return text;
    }
}

std::optional<ODataLiteral> parseLiteral(QStringView text)
{
    const QStringView t = text.trimmed();
    ODataLiteral lit;
    if (t.isEmpty())
        return std::nullopt;
    if (t.startsWith(u'\'')) {
        if (t.size() < 2 || !t.endsWith(u'\''))
            return std::nullopt;
        QString value;
        const QStringView inner = t.sliced(1, t.size() - 2);
        for (qsizetype i = 0; i < inner.size(); ++i) {
            if (inner[i] == u'\'') {
                if (i + 1 < inner.size() && inner[i + 1] == u'\'') {
                    value += u'\'';
                    ++i;
                    continue;
                }
                return std::nullopt; // a lone quote inside a string
            }
            value += inner[i];
        }
        lit.kind = ODataLiteral::Kind::String;
        lit.text = value;
        return lit;
    }
    if (t == u"null") {
        lit.kind = ODataLiteral::Kind::Null;
        return lit;
    }
    if (t == u"true" || t == u"false") {
        lit.kind = ODataLiteral::Kind::Boolean;
        lit.boolean = t == u"true";
        return lit;
    }
    // Enum literal: Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'
    if (const qsizetype q = t.indexOf(u'\''); q > 0 && t.endsWith(u'\'')) {
        lit.kind = ODataLiteral::Kind::Enum;
        lit.text = t.sliced(q + 1, t.size() - q - 2).toString();
        return lit;
    }
    if (t.size() == 36 && !QUuid::fromString(t).isNull()) {
        lit.kind = ODataLiteral::Kind::Guid;
        lit.text = t.toString().toLower();
        return lit;
    }
    bool ok = false;
    QStringView num = t;
    if (num.endsWith(u'M') || num.endsWith(u'm') || num.endsWith(u'd') || num.endsWith(u'D'))
        num.chop(1);
    const double d = num.toDouble(&ok);
    if (ok) {
        lit.kind = ODataLiteral::Kind::Number;
        lit.text = t.toString();
        lit.number = d;
        return lit;
    }
    return std::nullopt;
}

std::optional<QList<PathSegment>> parseResourcePath(QStringView path)
{
    QList<PathSegment> out;
    PathSegment current;
    int depth = 0;
    bool inQuote = false;
    QString buffer;
    auto flush = [&]() {
        if (!buffer.isEmpty() || current.hasKey) {
            current.name = buffer;
            out.append(current);
        }
        current = PathSegment();
        buffer.clear();
    };
    for (qsizetype i = 0; i < path.size(); ++i) {
        const QChar c = path[i];
        if (inQuote) {
            current.keyText += c;
            if (c == u'\'') {
                if (i + 1 < path.size() && path[i + 1] == u'\'') {
                    current.keyText += path[++i];
                } else {
                    inQuote = false;
                }
            }
            continue;
        }
        if (depth > 0) {
            if (c == u'\'') {
                inQuote = true;
                current.keyText += c;
            } else if (c == u'(') {
                ++depth;
                current.keyText += c;
            } else if (c == u')') {
                if (--depth > 0)
                    current.keyText += c;
            } else {
                current.keyText += c;
            }
            continue;
        }
        if (c == u'/') {
            flush();
        } else if (c == u'(') {
            if (current.hasKey)
                return std::nullopt; // "a(1)(2)"
            current.hasKey = true;
            depth = 1;
        } else {
            if (current.hasKey)
                return std::nullopt; // text after ")" in the same segment
            buffer += c;
        }
    }
    if (depth != 0 || inQuote)
        return std::nullopt;
    flush();
    return out;
}

// Splits on a separator at depth 0, outside quotes.
static QList<QStringView> splitTopLevel(QStringView text, QChar separator)
{
    QList<QStringView> parts;
    int depth = 0;
    bool inQuote = false;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == u'\'')
            inQuote = !inQuote; // '' toggles twice, which is what we want
        else if (!inQuote && c == u'(')
            ++depth;
        else if (!inQuote && c == u')')
            --depth;
        else if (!inQuote && depth == 0 && c == separator) {
            parts.append(text.sliced(start, i - start));
            start = i + 1;
        }
    }
    parts.append(text.sliced(start));
    return parts;
}

std::optional<QList<KeyPart>> parseKey(QStringView keyText, QString *error)
{
    QList<KeyPart> parts;
    const QList<QStringView> items = splitTopLevel(keyText, u',');
    for (QStringView item : items) {
        item = item.trimmed();
        KeyPart part;
        qsizetype eq = -1;
        if (!item.startsWith(u'\''))
            eq = item.indexOf(u'=');
        QStringView valueText = item;
        if (eq > 0) {
            part.name = item.first(eq).trimmed().toString();
            valueText = item.sliced(eq + 1);
        } else if (items.size() > 1) {
            *error = u"The key segment '%1' mixes named and unnamed values."_s.arg(keyText);
            return std::nullopt;
        }
        const auto lit = parseLiteral(valueText);
        if (!lit) {
            *error = u"Bad Request - Error in query syntax: the key value '%1' is not a valid literal."_s.arg(
                valueText);
            return std::nullopt;
        }
        part.value = *lit;
        parts.append(part);
    }
    if (parts.isEmpty()) {
        *error = u"The key segment is empty."_s;
        return std::nullopt;
    }
    return parts;
}

QStringList parseSelect(QStringView select)
{
    QStringList out;
    for (QStringView item : select.split(u',')) {
        item = item.trimmed();
        if (!item.isEmpty())
            out.append(item.toString());
    }
    return out;
}

std::optional<QList<ExpandItem>> parseExpand(QStringView expand)
{
    QList<ExpandItem> out;
    for (QStringView item : splitTopLevel(expand, u',')) {
        item = item.trimmed();
        if (item.isEmpty())
            continue;
        ExpandItem e;
        const qsizetype paren = item.indexOf(u'(');
        if (paren < 0) {
            e.name = item.toString();
        } else {
            if (!item.endsWith(u')'))
                return std::nullopt;
            e.name = item.first(paren).trimmed().toString();
            const QStringView options = item.sliced(paren + 1, item.size() - paren - 2);
            for (QStringView opt : splitTopLevel(options, u';')) {
                opt = opt.trimmed();
                if (opt.isEmpty())
                    continue;
                if (opt.startsWith(u"$select=")) {
                    e.hasSelect = true;
                    e.select = parseSelect(opt.sliced(8));
                } else if (opt.startsWith(u"$filter=")) {
                    e.filter = opt.sliced(8).toString();
                } else if (opt.startsWith(u"$orderby=")) {
                    e.orderBy = opt.sliced(9).toString();
                } else if (opt.startsWith(u"$top=")) {
                    bool ok = false;
                    e.top = opt.sliced(5).trimmed().toInt(&ok);
                    if (!ok || e.top < 0)
                        return std::nullopt;
                } else {
                    const qsizetype eq = opt.indexOf(u'=');
                    e.otherOptions.append((eq < 0 ? opt : opt.first(eq)).toString());
                }
            }
        }
        out.append(e);
    }
    return out;
}

namespace {

// One term: a comparison, a string function or Microsoft.Dynamics.CRM.In, without surrounding parentheses.
bool parseTerm(QStringView clause, FilterTerm *term, QString *error)
{
    static const QRegularExpression comparison(
        u"^\\s*([A-Za-z_][A-Za-z0-9_/]*)\\s+(eq|ne|gt|ge|lt|le)\\s+(.+?)\\s*$"_s);
    static const QRegularExpression function(
        u"^\\s*(contains|startswith|endswith)\\(\\s*([A-Za-z_][A-Za-z0-9_/]*)\\s*,\\s*(.+?)\\s*\\)\\s*$"_s);
    static const QRegularExpression in(u"^Microsoft\\.Dynamics\\.CRM\\.In\\(\\s*PropertyName\\s*=\\s*['\"](["
                                       u"A-Za-z_][A-Za-z0-9_]*)['\"]\\s*,\\s*"
                                       u"PropertyValues\\s*=\\s*\\[(.*)\\]\\s*\\)$"_s);
    clause = clause.trimmed();
    QString literalText;
    if (const auto m = in.match(clause.toString()); m.hasMatch()) {
        term->op = FilterTerm::Op::In;
        term->property = m.captured(1);
        const QString list = m.captured(2);
        // The "Filter rows" page writes the values as a JSON array of double-quoted strings (needed when a
        // value holds a single quote: ["O'Brian"]); OData literals ('O''Brian', 5) work too.
        const bool jsonList = list.trimmed().startsWith(u'"');
        if (jsonList) {
            QJsonParseError parseError;
            const QJsonDocument doc =
                QJsonDocument::fromJson(QString(u'[' + list + u']').toUtf8(), &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isArray()) {
                *error = u"Invalid JSON. %1 in PropertyValues of Microsoft.Dynamics.CRM.In."_s.arg(
                    parseError.errorString());
                return false;
            }
            for (const QJsonValue &v : doc.array()) {
                ODataLiteral lit;
                if (v.isString()) {
                    lit.kind = ODataLiteral::Kind::String;
                    lit.text = v.toString();
                } else if (v.isDouble()) {
                    lit.kind = ODataLiteral::Kind::Number;
                    lit.number = v.toDouble();
                    lit.text = QString::number(lit.number, 'g', 17);
                } else {
                    *error = u"Microsoft.Dynamics.CRM.In takes strings or numbers in PropertyValues."_s;
                    return false;
                }
                term->values.append(lit);
            }
        }
        // Otherwise split the value list on commas outside quotes.
        bool quoted = false;
        qsizetype start = 0;
        for (qsizetype i = 0; !jsonList && i <= list.size(); ++i) {
            if (i < list.size() && list[i] == u'\'')
                quoted = !quoted;
            if (i == list.size() || (list[i] == u',' && !quoted)) {
                const QString item = list.mid(start, i - start).trimmed();
                start = i + 1;
                if (item.isEmpty())
                    continue;
                const auto lit = parseLiteral(item);
                if (!lit) {
                    *error = u"Syntax error: '%1' in Microsoft.Dynamics.CRM.In is not a valid literal."_s.arg(
                        item);
                    return false;
                }
                term->values.append(*lit);
            }
        }
        if (term->values.isEmpty()) {
            *error = u"Microsoft.Dynamics.CRM.In needs at least one value in PropertyValues=[...]."_s;
            return false;
        }
        term->value = term->values.first();
        return true;
    }
    if (const auto f = function.match(clause.toString()); f.hasMatch()) {
        const QStringView name = f.capturedView(1);
        term->op = name == u"contains"     ? FilterTerm::Op::Contains
                   : name == u"startswith" ? FilterTerm::Op::StartsWith
                                           : FilterTerm::Op::EndsWith;
        term->property = f.captured(2);
        literalText = f.captured(3);
    } else if (const auto m = comparison.match(clause.toString()); m.hasMatch()) {
        static const QStringList ops = {u"eq"_s, u"ne"_s, u"gt"_s, u"ge"_s, u"lt"_s, u"le"_s};
        term->op = FilterTerm::Op(ops.indexOf(m.captured(2)));
        term->negate = term->op == FilterTerm::Op::Ne;
        term->property = m.captured(1);
        literalText = m.captured(3);
    } else {
        *error = u"The sandbox supports $filter comparisons '<property> eq|ne|gt|ge|lt|le <literal>', "
                 u"contains/startswith/endswith(<property>,'<text>') and Microsoft.Dynamics.CRM.In combined "
                 u"with and/or/not; it cannot evaluate '%1'."_s.arg(clause);
        return false;
    }
    const auto lit = parseLiteral(literalText);
    if (!lit) {
        *error = u"Syntax error: '%1' in $filter is not a valid literal."_s.arg(literalText);
        return false;
    }
    if (term->isStringFunction() && lit->kind != ODataLiteral::Kind::String) {
        *error =
            u"The second argument of a string function in $filter must be a quoted string, got '%1'."_s.arg(
                literalText);
        return false;
    }
    term->value = *lit;
    return true;
}

// Recursive descent over the $filter text: or := and ('or' and)*; and := not ('and' not)*;
// not := 'not' not | primary; primary := '(' or ')' | term. Operators are lower-case, as OData requires.
class FilterParser
{
public:
    FilterParser(QStringView text, QString *error)
        : m_text(text)
        , m_error(error)
    {}

    std::optional<FilterNode> parse()
    {
        auto node = parseOr();
        if (!node)
            return std::nullopt;
        skipSpace();
        if (m_pos < m_text.size())
            return fail(u"unexpected '%1'"_s.arg(m_text.sliced(m_pos)));
        return node;
    }

private:
    std::optional<FilterNode> fail(const QString &what)
    {
        if (m_error->isEmpty())
            *m_error = u"Syntax error at position %1 in $filter '%2': %3."_s.arg(m_pos).arg(m_text, what);
        return std::nullopt;
    }
    void skipSpace()
    {
        while (m_pos < m_text.size() && m_text[m_pos].isSpace())
            ++m_pos;
    }
    // Consumes `word` when it stands alone (followed by a space, '(' or the end).
    bool keyword(QStringView word)
    {
        skipSpace();
        if (!m_text.sliced(m_pos).startsWith(word))
            return false;
        const qsizetype end = m_pos + word.size();
        if (end < m_text.size() && !(m_text[end].isSpace() || m_text[end] == u'('))
            return false;
        m_pos = end;
        return true;
    }
    std::optional<FilterNode> parseList(FilterNode::Kind kind, QStringView word,
                                        std::optional<FilterNode> (FilterParser::*operand)())
    {
        auto first = (this->*operand)();
        if (!first)
            return std::nullopt;
        FilterNode node;
        node.kind = kind;
        node.children.push_back(std::move(*first));
        while (keyword(word)) {
            auto next = (this->*operand)();
            if (!next)
                return std::nullopt;
            node.children.push_back(std::move(*next));
        }
        if (node.children.size() == 1)
            return std::move(node.children.front());
        return node;
    }
    std::optional<FilterNode> parseOr()
    {
        return parseList(FilterNode::Kind::Or, u"or", &FilterParser::parseAnd);
    }
    std::optional<FilterNode> parseAnd()
    {
        return parseList(FilterNode::Kind::And, u"and", &FilterParser::parseNot);
    }
    std::optional<FilterNode> parseNot()
    {
        if (!keyword(u"not"))
            return parsePrimary();
        auto operand = parseNot();
        if (!operand)
            return std::nullopt;
        FilterNode node;
        node.kind = FilterNode::Kind::Not;
        node.children.push_back(std::move(*operand));
        return node;
    }
    std::optional<FilterNode> parsePrimary()
    {
        skipSpace();
        if (m_pos >= m_text.size())
            return fail(u"expected a condition"_s);
        if (m_text[m_pos] == u'(') {
            if (++m_depth > 100)
                return fail(u"parentheses nested too deeply"_s);
            ++m_pos;
            auto inner = parseOr();
            if (!inner)
                return std::nullopt;
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != u')')
                return fail(u"expected ')'"_s);
            ++m_pos;
            --m_depth;
            return inner;
        }
        const qsizetype start = m_pos;
        while (m_pos < m_text.size() && (m_text[m_pos].isLetterOrNumber() || m_text[m_pos] == u'_' ||
                                         m_text[m_pos] == u'.' || m_text[m_pos] == u'/'))
            ++m_pos;
        if (m_pos == start)
            return fail(u"expected a property or function, found '%1'"_s.arg(m_text.sliced(m_pos)));
        if (m_pos < m_text.size() && m_text[m_pos] == u'(') {
            // Function call: up to the matching parenthesis, quotes respected: OData's single quotes and
            // the JSON strings (double quotes, backslash escapes) of In's PropertyValues.
            int depth = 0;
            QChar quote;
            for (; m_pos < m_text.size(); ++m_pos) {
                const QChar c = m_text[m_pos];
                if (quote == u'"' && c == u'\\')
                    ++m_pos; // the escaped character
                else if (!quote.isNull() && c == quote)
                    quote = QChar();
                else if (quote.isNull() && (c == u'\'' || c == u'"'))
                    quote = c;
                else if (quote.isNull() && c == u'(')
                    ++depth;
                else if (quote.isNull() && c == u')' && --depth == 0) {
                    ++m_pos;
                    break;
                }
            }
            const bool inQuote = !quote.isNull();
            if (depth != 0 || inQuote)
                return fail(u"unbalanced parentheses or quotes in '%1'"_s.arg(m_text.sliced(start)));
        } else {
            // property op literal
            skipSpace();
            const qsizetype opStart = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos].isLetter())
                ++m_pos;
            if (m_pos == opStart)
                return fail(
                    u"expected an operator after '%1'"_s.arg(m_text.sliced(start, m_pos - start).trimmed()));
            skipSpace();
            const qsizetype literalStart = m_pos;
            bool inQuote = false;
            for (; m_pos < m_text.size(); ++m_pos) {
                const QChar c = m_text[m_pos];
                if (c == u'\'')
                    inQuote = !inQuote; // '' toggles twice
                else if (!inQuote && (c.isSpace() || c == u')'))
                    break;
            }
            if (inQuote)
                return fail(u"unterminated string literal"_s);
            if (m_pos == literalStart)
                return fail(
                    u"expected a value after '%1'"_s.arg(m_text.sliced(start, m_pos - start).trimmed()));
        }
        FilterNode node;
        QString termError;
        if (!parseTerm(m_text.sliced(start, m_pos - start), &node.term, &termError)) {
            *m_error = termError;
            return std::nullopt;
        }
        return node;
    }

    QStringView m_text;
    QString *m_error;
    qsizetype m_pos = 0;
    int m_depth = 0;
};

bool flatten(const FilterNode &node, QList<FilterTerm> *terms)
{
    if (node.kind == FilterNode::Kind::Term) {
        terms->append(node.term);
        return true;
    }
    if (node.kind != FilterNode::Kind::And)
        return false;
    for (const FilterNode &child : node.children) {
        if (!flatten(child, terms))
            return false;
    }
    return true;
}

} // namespace

std::optional<FilterNode> parseFilterExpression(QStringView filter, QString *error)
{
    error->clear();
    if (filter.trimmed().isEmpty()) {
        *error = u"The $filter query option is empty; give a condition such as \"statecode eq 0\"."_s;
        return std::nullopt;
    }
    return FilterParser(filter, error).parse();
}

std::optional<QList<FilterTerm>> parseFilter(QStringView filter, QString *error)
{
    const auto tree = parseFilterExpression(filter, error);
    if (!tree)
        return std::nullopt;
    QList<FilterTerm> terms;
    if (!flatten(*tree, &terms)) {
        *error =
            u"This endpoint of the sandbox evaluates only conditions joined by 'and'; it cannot evaluate "
            u"'or' or 'not' in '%1'."_s.arg(filter);
        return std::nullopt;
    }
    return terms;
}

bool Preferences::wantsAnnotation(QStringView annotation) const
{
    if (!includeAnnotations)
        return false;
    for (QStringView f : QStringView(annotationFilter).split(u',')) {
        f = f.trimmed();
        if (f == u"*" || f == annotation)
            return true;
        if (f.endsWith(u".*") && annotation.startsWith(f.chopped(1)))
            return true;
    }
    return false;
}

Preferences parsePrefer(const QByteArray &header)
{
    Preferences p;
    if (header.isEmpty())
        return p;
    const QString text = QString::fromUtf8(header);
    // Split on commas outside double quotes: include-annotations may carry a quoted comma list.
    QList<QStringView> items;
    bool inQuote = false;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] == u'"')
            inQuote = !inQuote;
        else if (text[i] == u',' && !inQuote) {
            items.append(QStringView(text).sliced(start, i - start));
            start = i + 1;
        }
    }
    items.append(QStringView(text).sliced(start));
    for (QStringView item : items) {
        item = item.trimmed();
        if (item.compare(u"return=representation", Qt::CaseInsensitive) == 0) {
            p.returnRepresentation = true;
        } else if (item.startsWith(u"odata.maxpagesize=", Qt::CaseInsensitive)) {
            p.maxPageSize = item.sliced(18).trimmed().toInt();
        } else if (item.startsWith(u"odata.include-annotations=", Qt::CaseInsensitive)) {
            p.includeAnnotations = true;
            QStringView v = item.sliced(26).trimmed();
            if (v.startsWith(u'"') && v.endsWith(u'"') && v.size() >= 2)
                v = v.sliced(1, v.size() - 2);
            p.annotationFilter = v.toString();
        } else if (item.compare(u"odata.continue-on-error", Qt::CaseInsensitive) == 0) {
            p.continueOnError = true;
        }
    }
    return p;
}

} // namespace d365::sandbox
