#pragma once

// "Did you mean …?" for the whole core: one edit distance and one rule for what counts as a typo, used for
// entity set names, column names and mapping-file members alike.

#include <QString>
#include <QStringList>

namespace d365 {

// Levenshtein distance (insert, delete, substitute: 1 each), case-sensitive.
int editDistance(const QString &a, const QString &b);

// Up to `max` candidates close to `wanted`, best first, compared case-insensitively. A candidate is close
// when its distance is at most a third of the wanted name's length (at least 1, at least 2 for names of
// six or more characters), or when one name is a prefix of the other and the shorter has three or more
// characters (contact → contacts).
QStringList closestNames(const QString &wanted, const QStringList &candidates, int max = 3);

} // namespace d365
