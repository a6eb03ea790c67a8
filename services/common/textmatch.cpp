#include "services/common/textmatch.h"

#include <QList>
#include <QPair>

#include <algorithm>

namespace d365 {

int editDistance(const QString &a, const QString &b)
{
    QList<int> previous(b.size() + 1);
    QList<int> current(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j) {
        previous[j] = int(j);
    }
    for (qsizetype i = 1; i <= a.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int cost = a.at(i - 1) == b.at(j - 1) ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

QStringList closestNames(const QString &wanted, const QStringList &candidates, int max)
{
    const QString needle = wanted.toLower();
    const int limit = std::max<int>(needle.size() >= 6 ? 2 : 1, int(needle.size()) / 3);
    QList<QPair<int, QString>> scored;
    for (const auto &candidate : candidates) {
        const QString lower = candidate.toLower();
        const int distance = editDistance(needle, lower);
        const bool prefix = std::min(needle.size(), lower.size()) >= 3 &&
                            (lower.startsWith(needle) || needle.startsWith(lower));
        if (distance <= limit || prefix) {
            scored.append({distance, candidate});
        }
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    QStringList result;
    for (const auto &[distance, name] : std::as_const(scored)) {
        if (!result.contains(name)) {
            result.append(name);
        }
        if (result.size() >= max) {
            break;
        }
    }
    return result;
}

} // namespace d365
