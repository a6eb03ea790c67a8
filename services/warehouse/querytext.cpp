#include "services/warehouse/querytext.h"

using namespace Qt::StringLiterals;

namespace d365::services {

QString withoutTrailingSemicolons(const QString &query)
{
    QString result = query.trimmed();
    while (result.endsWith(u';'))
        result = result.chopped(1).trimmed();
    return result;
}

QString withoutFinalOrderBy(const QString &query)
{
    // SQLite sorts every row of a subquery with ORDER BY even under COUNT(*), which made counting a sorted
    // 100,000-row query 8× slower; PostgreSQL plans the sort too.
    qsizetype orderAt = -1;
    int depth = 0;
    const qsizetype n = query.size();
    const auto wordAt = [&query, n](qsizetype i, QLatin1StringView word) {
        const qsizetype end = i + word.size();
        return end <= n &&
               QStringView(query).sliced(i, word.size()).compare(word, Qt::CaseInsensitive) == 0 &&
               (i == 0 || !(query[i - 1].isLetterOrNumber() || query[i - 1] == u'_')) &&
               (end == n || !(query[end].isLetterOrNumber() || query[end] == u'_'));
    };
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = query[i];
        if (c == u'\'' || c == u'"' || c == u'`' || c == u'[') {
            const QChar close = c == u'[' ? u']' : c;
            i = query.indexOf(close, i + 1);
            if (i < 0)
                return query; // unbalanced: leave the query alone
        } else if (c == u'-' && i + 1 < n && query[i + 1] == u'-') {
            i = query.indexOf(u'\n', i);
            if (i < 0)
                break;
        } else if (c == u'/' && i + 1 < n && query[i + 1] == u'*') {
            i = query.indexOf("*/"_L1, i + 2);
            if (i < 0)
                return query;
            ++i;
        } else if (c == u'(') {
            ++depth;
        } else if (c == u')') {
            --depth;
        } else if (depth == 0 && wordAt(i, "order"_L1)) {
            orderAt = i;
        } else if (depth == 0 && orderAt >= 0 &&
                   (wordAt(i, "limit"_L1) || wordAt(i, "offset"_L1) || wordAt(i, "fetch"_L1) ||
                    wordAt(i, "union"_L1) || wordAt(i, "except"_L1) || wordAt(i, "intersect"_L1) ||
                    wordAt(i, "window"_L1) || wordAt(i, "for"_L1))) {
            return query; // the order matters to what follows it
        }
    }
    return orderAt > 0 ? query.left(orderAt).trimmed() : query;
}

QString countQuery(const QString &query)
{
    return u"SELECT COUNT(*) FROM (\n"_s + withoutFinalOrderBy(withoutTrailingSemicolons(query)) +
           u"\n) AS d365sync_rows"_s;
}

} // namespace d365::services
