#pragma once

// Seed rows: the rows every org has at start-up (the test users as systemusers, the default team, the base
// currency), taken from the org definition's per-table "Rows" arrays (README "Org definition format").
//
//   main: SandboxServer server(definition) -> seedRows(server.store()) -> persistence (--data) may replace
//   them with the data file's rows.
//
// Each row is a Web API create body and goes through the same validation as POST <entityset>; a bad row is
// an error in the org file (exit code 2), named by table and index.

#include "orgstore.h"

#include <QString>

namespace d365::sandbox {

// Stores the seed rows of every table, in file order. Rows whose primary key exists are skipped (so seeding
// twice is harmless). Returns false with *error naming the row and the problem.
bool seedRows(OrgStore &store, QString *error);

} // namespace d365::sandbox
