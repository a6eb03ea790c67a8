#pragma once

// A problem the mapping editor shows inline: where (the mapping file's JSON path, as MappingFile and
// MappingValidator report it), how bad (an error stops a run; a warning is something the run may trip over,
// e.g. a value longer than its column in the preview) and what to do about it. The editor puts each on the
// row or the picker its path names: "$.fields[3].target" → the fourth field, "$.target.matchKey" → the match
// key picker, "$.source.query" → the query editor.

#include "services/mapping/mappingfile.h"

#include <QList>
#include <QString>

namespace d365::services {

struct EditorProblem
{
    enum class Severity { Warning, Error };

    Severity severity = Severity::Error;
    QString path;
    QString message;

    // The field a path points into ("$.fields[3]…" → 3), or -1.
    int fieldRow() const;
    // The first member below "$": "source", "target", "fields", "mode", … ("" for "$").
    QString area() const;
    bool operator==(const EditorProblem &) const = default;

    static QList<EditorProblem> fromMappingProblems(const QList<MappingProblem> &problems,
                                                    Severity severity = Severity::Error);
};

} // namespace d365::services
