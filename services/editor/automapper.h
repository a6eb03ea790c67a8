#pragma once

// Auto-map: pairs the warehouse columns that no field reads yet with the table's columns that no field
// writes yet, by name, and says what it did and what it left:
//
//   1. the same logical name (case-insensitive):            emailaddress1 → emailaddress1
//   2. the same display name, normalised:                    "email" → Email (emailaddress1)
//   3. the same normalised name, publisher prefix dropped:   first_name → firstname,
//                                                             lifetime_value → new_lifetimevalue
//
// Normalised: lower case, without spaces, underscores, hyphens and other punctuation. A publisher prefix
// ("new_", "cr5a1_") is dropped only from custom columns: address1_city keeps its "address1_". Only
// columns the mode can write are candidates (valid for create in insert mode, for update in update mode,
// either in upsert), never the "name" companions of lookups or types the Web API cannot write; a lookup only
// by its own logical name (it takes a GUID or a key, so "company" is no match for "Company Name"). Stronger
// rules go first; a warehouse column that matches several table columns by the same rule is left alone
// and reported as ambiguous, and a table column is given to the first warehouse column that matches it.

#include "services/dataverse/entitymetadata.h"
#include "services/mapping/mapping.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace d365::services {

struct AutoMapReport
{
    enum class Rule { LogicalName, DisplayName, NormalisedName };
    struct Match
    {
        QString source;
        QString target;
        Rule rule = Rule::LogicalName;
    };
    struct Left
    {
        QString source;
        QStringList candidates; // several table columns matched: ambiguous; empty: no match
        QString takenBy;        // the table column it matched already had a field (from this column)
    };

    QList<Match> matches;         // in warehouse column order
    QList<Left> left;             // warehouse columns still without a field, in column order
    QStringList requiredUnmapped; // required table columns (create modes) that still have no field

    QList<FieldMapping> fields() const; // the new fields, one per match
    // For people: "Auto-map mapped 7 columns: first_name → firstname, …. Left 4 unmapped: customer_id, …
    // (no table column of that name); … Required columns still without a field: …"
    QString summary() const;
    static QString ruleName(Rule rule);
};

class AutoMapper
{
public:
    // Lower case without spaces, underscores, hyphens, dots, colons and other punctuation.
    static QString normalise(const QString &name);
    // The logical name without its publisher prefix for custom columns (new_leadsource → leadsource).
    static QString withoutPrefix(const AttributeMetadata &attribute);
    // Whether the mode can write the column (and the editor should offer it as a target).
    static bool isMappable(const AttributeMetadata &attribute, SyncMode mode);

    static AutoMapReport map(const Mapping &mapping, const EntityMetadata &entity,
                             const QStringList &sourceColumns);
    // Required columns a create (insert, upsert of a new row) needs that the mapping does not write.
    static QStringList requiredUnmapped(const Mapping &mapping, const EntityMetadata &entity);
};

} // namespace d365::services
