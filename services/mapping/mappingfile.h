#pragma once

// Reading and writing mapping files. Loading never stops at the first problem: it reports every problem it
// finds, each with the JSON path of the offending value ("$.fields[2].target") and what to do about it.

#include "services/common/result.h"
#include "services/mapping/mapping.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace d365::services {

struct MappingProblem
{
    QString path;    // JSON path, "$" for the document itself
    QString message; // what is wrong and how to fix it
};

struct MappingLoadResult
{
    std::optional<Mapping> mapping; // set only when problems is empty
    QList<MappingProblem> problems;

    bool ok() const { return mapping.has_value() && problems.isEmpty(); }
    QString problemsText() const; // one "path: message" per line
};

class MappingFile
{
public:
    static constexpr int CurrentVersion = 1;
    // The "$schema" value written into every file; the schema itself is the resource
    // :/d365/mapping.schema.json.
    static QString schemaUrl();

    // baseDir resolves a relative source.path; parse() is used by load() and by tests.
    static MappingLoadResult parse(const QByteArray &json, const QString &baseDir);
    static MappingLoadResult load(const QString &filePath);

    // Serialises with source.path made relative to baseDir when it lies below it.
    static QByteArray toJson(const Mapping &mapping, const QString &baseDir);
    static Result<void> save(const Mapping &mapping, const QString &filePath);
};

} // namespace d365::services
