#pragma once

// The mapping: what to read from the warehouse and where to write it in Dataverse. Saved as a mapping file
// (JSON, format version 1, schema in resources/mapping.schema.json) that the GUI exports and d365sync-cli
// runs unchanged. A mapping file never holds a secret: the target names a connection profile, not a token.

#include "services/warehouse/sourcespec.h"

#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace d365::services {

enum class SyncMode { Upsert, Insert, Update };

QString syncModeName(SyncMode mode); // "upsert" | "insert" | "update"
std::optional<SyncMode> syncModeFromName(const QString &name);

// How rows are written: bulk messages (CreateMultiple/UpdateMultiple/UpsertMultiple), $batch of single
// writes, or whichever the table supports (auto: bulk where available).
enum class WriterKind { Auto, Bulk, Batch };

QString writerKindName(WriterKind kind); // "auto" | "bulk" | "batch"
std::optional<WriterKind> writerKindFromName(const QString &name);

// An audience: the membership of a static marketing list (FACTS §11). The target's entity set is then the
// member table (contacts, accounts or leads) and its match key finds each source row's member.
enum class AudienceMode {
    Add,    // the source rows' members end up in the list; nobody is removed
    Remove, // the source rows' members end up out of the list
    Mirror, // the list's membership becomes exactly the source's members
    Upsert, // the member records are upserted with the fields, then added to the list
};

QString audienceModeName(AudienceMode mode); // "add" | "remove" | "mirror" | "upsert"
std::optional<AudienceMode> audienceModeFromName(const QString &name);

struct ListSpec
{
    QString id;                   // listid (GUID text); empty → found by name
    QString name;                 // listname; must be unique in the org when id is empty
    bool createIfMissing = false; // by name only: a static list of the member table is created
    int maxRemovalPercent = 20;   // Mirror refuses to remove more than this share of the members
    AudienceMode mode = AudienceMode::Add;

    bool operator==(const ListSpec &) const = default;
};

struct TargetSpec
{
    QString profile;              // connection profile name
    QString entitySet;            // plural entity set name, e.g. "contacts"
    QStringList matchKey;         // target columns of an alternate key (one or several) used to address rows
    std::optional<ListSpec> list; // set: an audience into this marketing list (entitySet = member table)
};

// What a null source value (SQL NULL, or empty text for a non-text column) does to the target column.
enum class NullPolicy {
    SendNull,       // "send-null" (default): the column is cleared
    LeaveUnchanged, // "leave-unchanged": the column is left out of the request, Dataverse keeps its value
};

QString nullPolicyName(NullPolicy policy); // "send-null" | "leave-unchanged"
std::optional<NullPolicy> nullPolicyFromName(const QString &name);

// How a lookup column finds the record it points at: "<navigation property>@odata.bind": "/<set>(<key>)".
struct LookupSpec
{
    QString table;       // target table logical name; empty → the lookup's only target (or tableColumn)
    QString tableColumn; // source column naming the target table per row (polymorphic: account / contact)
    QStringList key; // alternate key columns of the target table; empty → the value is the record's GUID
    QStringList sources; // source columns giving the key parts, in key order; empty → [field.source]

    bool operator==(const LookupSpec &) const = default;
};

struct FieldMapping
{
    QString source;                                          // warehouse column (empty for a constant)
    QString target;                                          // Dataverse column logical name
    QJsonValue constant = QJsonValue(QJsonValue::Undefined); // written on every row instead of a source value
    NullPolicy nullPolicy = NullPolicy::SendNull;
    bool truncate = false;       // cut text longer than the column's max length instead of failing the row
    QString sourceTimeZone = {}; // IANA id for date-times without offset; empty → the mapping's
    std::optional<LookupSpec> lookup = std::nullopt;

    bool hasConstant() const { return !constant.isUndefined(); }
    // Every source column this field reads (source, lookup sources and table column).
    QStringList sourceColumns() const;
};

struct Mapping
{
    int version = 1;
    QString name;
    SourceSpec source;
    TargetSpec target;
    SyncMode mode = SyncMode::Upsert;
    WriterKind writer = WriterKind::Auto;
    QString sourceTimeZone; // IANA id of warehouse date-times without offset; empty → UTC
    QList<FieldMapping> fields;

    // The source column mapped to a target column, or an empty string.
    QString sourceFor(const QString &targetColumn) const;
    bool isAudience() const { return target.list.has_value(); }
    // The "mode" member as the file says it: the audience mode for an audience, else the sync mode.
    QString modeName() const;
};

} // namespace d365::services
