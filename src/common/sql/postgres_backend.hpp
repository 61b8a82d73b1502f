// PostgreSQL backend over libpq: a bounded connection pool, per-connection prepared
// statements, reconnect with exponential backoff. Connection loss at run time is
// SG_ERR_UNAVAILABLE, never a crash or a hang past the configured timeouts.
#pragma once

#include <memory>

#include "sql/database.hpp"

namespace sg::sql {

std::unique_ptr<Database> open_postgres(const Config& config);

}  // namespace sg::sql
