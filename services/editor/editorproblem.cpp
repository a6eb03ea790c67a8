#include "services/editor/editorproblem.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace d365::services {

int EditorProblem::fieldRow() const
{
    static const QRegularExpression field(u"^\\$\\.fields\\[(\\d+)\\]"_s);
    const QRegularExpressionMatch match = field.match(path);
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

QString EditorProblem::area() const
{
    static const QRegularExpression member(u"^\\$\\.([A-Za-z$]+)"_s);
    const QRegularExpressionMatch match = member.match(path);
    return match.hasMatch() ? match.captured(1) : QString();
}

QList<EditorProblem> EditorProblem::fromMappingProblems(const QList<MappingProblem> &problems,
                                                        Severity severity)
{
    QList<EditorProblem> result;
    result.reserve(problems.size());
    for (const MappingProblem &problem : problems)
        result.append({severity, problem.path, problem.message});
    return result;
}

} // namespace d365::services
