#pragma once

// What a drag in the mapping editor carries: our own MIME type with stable ids (column logical names and
// the table's entity set name), never pointers or row numbers, so a drop can be checked against what the
// receiving model knows now (KeePassXC's group/entry drags, Qt's puzzle example).
//
//   application/x-d365sync-columns   {"side": "source" | "target", "entitySet": "contacts",
//                                     "columns": ["email"]}
//
// "source" columns are warehouse (query) columns; "target" columns are Dataverse columns of entitySet. The
// data also carries text/plain (the names, comma-separated) so a column can be dropped into a text editor.

#include <QString>
#include <QStringList>

#include <optional>

class QMimeData;

namespace d365::models {

inline constexpr char ColumnMimeType[] = "application/x-d365sync-columns";

struct ColumnDrag
{
    enum class Side { Source, Target };

    Side side = Side::Source;
    QString entitySet; // target side only
    QStringList columns;

    bool operator==(const ColumnDrag &) const = default;
};

// A new QMimeData the caller (a model's mimeData()) hands to the view.
QMimeData *encodeColumnDrag(const ColumnDrag &drag);
// nullopt unless the data holds our type, well-formed, with at least one non-empty column name.
std::optional<ColumnDrag> decodeColumnDrag(const QMimeData *data);

} // namespace d365::models
