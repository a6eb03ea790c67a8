#pragma once

// A warehouse source streams the rows of one query, forward-only, so memory stays bounded whatever the size
// of the result. A source is created, opened and read on one thread (Qt SQL connections are thread-bound):
// the sync worker creates it on its own thread.
//
//   open() → columns() / columnTypes() / countRows() → next() … next() returns false → lastError() tells end
//   from failure

#include "services/common/result.h"

#include <QHash>
#include <QMetaType>
#include <QStringList>
#include <QVariantList>

#include <functional>
#include <memory>

namespace d365::services {

struct SourceSpec;

struct SourceRow
{
    qint64 index = 0;    // 0-based position in the result
    QVariantList values; // in columns() order; null QVariant for SQL NULL
};

class WarehouseSource
{
public:
    virtual ~WarehouseSource() = default;

    virtual Result<void> open() = 0;
    virtual QStringList columns() const = 0;
    // The declared type of each column the source knows one for (after open()); a column missing here, or
    // typed QString, can hold anything and is checked row by row. The mapping validator uses it to refuse a
    // column that can never become the target's type (a date column onto a number) before any row is sent.
    virtual QHash<QString, QMetaType::Type> columnTypes() const = 0;
    // Number of rows the query returns (runs SELECT COUNT(*) over it); used for progress. May be called on a
    // source that was never open()ed (the engine counts on a second source, on another thread).
    virtual Result<qint64> countRows() = 0;
    // Fills row and returns true, or returns false at the end or on error (then lastError() is set).
    virtual bool next(SourceRow &row) = 0;
    virtual std::optional<Error> lastError() const = 0;

    // Creates the source for a mapping's source spec (sqlite, postgresql, odbc, csv), or a Configuration
    // error. A postgresql or odbc spec names a warehouse connection: its definition and password come from
    // the installed connection resolver (connectionresolver.h), on the calling thread.
    static Result<std::unique_ptr<WarehouseSource>> create(const SourceSpec &spec);
};

// Makes a new, unopened source for the run's spec (the engine opens one to read and, on another thread, a
// second one to count the rows).
using SourceFactory = std::function<Result<std::unique_ptr<WarehouseSource>>()>;

} // namespace d365::services
