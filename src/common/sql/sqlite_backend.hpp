// SQLite backend: WAL, busy_timeout, foreign keys on, synchronous=FULL (an acknowledged
// write survives a crash). One writer connection behind a mutex (so in-process writers
// queue instead of spinning on SQLITE_BUSY) plus a pool of reader connections.
#pragma once

#include <memory>

#include "sql/database.hpp"

namespace sg::sql {

std::unique_ptr<Database> open_sqlite(const Config& config);

}  // namespace sg::sql
