#pragma once

// Text helpers for the warehouse query of a SQL source (SQLite, PostgreSQL, ODBC): the query is wrapped in
// SELECT COUNT(*) FROM (…) for progress, which needs it without a trailing ';' and, for speed (and because
// SQL Server refuses ORDER BY in a derived table), without a final ORDER BY.

#include <QString>

namespace d365::services {

// "SELECT … ;  " → "SELECT …".
QString withoutTrailingSemicolons(const QString &query);

// The query without a final top-level ORDER BY: only a last clause ORDER BY … with nothing but its terms
// after it is dropped (a LIMIT, OFFSET, FETCH or set operation after it keeps it: they depend on the order);
// quotes, brackets, comments and parentheses are skipped while looking.
QString withoutFinalOrderBy(const QString &query);

// SELECT COUNT(*) FROM (<query without ';' and final ORDER BY>) AS d365sync_rows. The newline ends a line
// comment the query may finish with; the alias is required by PostgreSQL and SQL Server.
QString countQuery(const QString &query);

} // namespace d365::services
