#pragma once

// The mapping: what to read from the warehouse and where to write it in Dataverse. Saved as a mapping file
// (JSON, format version 1, schema in resources/mapping.schema.json) that the GUI exports and d365sync-cli runs
// unchanged. A mapping file never holds a secret: the target names a connection profile, not a token.

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::services {

enum class SyncMode { Upsert, Insert, Update };

QString syncModeName(SyncMode mode);                       // "upsert" | "insert" | "update"
std::optional<SyncMode> syncModeFromName(const QString &name);

struct SourceSpec
{
    QString type = QStringLiteral("sqlite"); // only "sqlite" in format v1's first slice
    QString path;                            // absolute after loading (relative paths resolve against the file)
    QString query;                           // a SELECT; streamed forward-only
    QString keyColumn;                       // the source column that identifies a row (reports, state)
};

struct TargetSpec
{
    QString profile;    // connection profile name
    QString entitySet;  // plural entity set name, e.g. "contacts"
    QStringList matchKey; // target columns of an alternate key (one or several) used to address rows
};

struct FieldMapping
{
    QString source; // warehouse column
    QString target; // Dataverse column logical name
};

struct Mapping
{
    int version = 1;
    QString name;
    SourceSpec source;
    TargetSpec target;
    SyncMode mode = SyncMode::Upsert;
    QList<FieldMapping> fields;

    // The source column mapped to a target column, or an empty string.
    QString sourceFor(const QString &targetColumn) const;
};

} // namespace d365::services
