// Numbered schema migrations per component, one script per backend.
//
// migrate() runs at start-up in ONE write transaction: it creates sg_schema_migrations if
// needed, serialises concurrent starters (PostgreSQL advisory lock; SQLite BEGIN IMMEDIATE),
// applies every pending step in order and records each (component, version). A database
// whose recorded version is newer than the newest step this binary knows is refused with a
// clear error, since running old code on a newer schema could corrupt data.
#pragma once

#include <string>
#include <vector>

#include "sql/database.hpp"

namespace sg::sql {

struct Migration {
  int version;             // 1, 2, 3 ... contiguous
  std::string sqlite_sql;  // script for SQLite (may hold several statements)
  std::string postgres_sql;
};

// Returns the schema version after migrating. Throws sg::Error(SG_ERR_VERSION) when the
// database is newer than `steps`, SG_ERR_INVALID for malformed steps.
int migrate(Database& db, const std::string& component, const std::vector<Migration>& steps);

// The recorded version of `component` (0 when none).
int schema_version(Database& db, const std::string& component);

}  // namespace sg::sql
