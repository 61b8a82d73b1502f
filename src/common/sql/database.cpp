#include "sql/database.hpp"

#include "sql/postgres_backend.hpp"
#include "sql/sqlite_backend.hpp"

namespace sg::sql {

std::unique_ptr<Database> Database::open(const Config& config) {
  if (config.driver == Driver::postgres) return open_postgres(config);
  return open_sqlite(config);
}

}  // namespace sg::sql
