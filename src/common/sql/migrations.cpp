#include "sql/migrations.hpp"

#include <algorithm>

#include <streamgate/plugin.hpp>

#include "sql/util.hpp"

namespace sg::sql {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS sg_schema_migrations ("
    " component TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " applied_at BIGINT NOT NULL,"
    " PRIMARY KEY (component, version))";

int current(Session& s, const std::string& component) {
  auto r = s.exec("SELECT MAX(version) AS v FROM sg_schema_migrations WHERE component = $1",
                  {component});
  auto row = r.first();
  return (row && !row->is_null(0)) ? static_cast<int>(row->i64(0)) : 0;
}

}  // namespace

int schema_version(Database& db, const std::string& component) {
  int v = 0;
  db.write([&](Session& s) {
    s.exec_script(kCreateTable);
    v = current(s, component);
  });
  return v;
}

int migrate(Database& db, const std::string& component, const std::vector<Migration>& steps) {
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].version != static_cast<int>(i) + 1)
      throw Error(SG_ERR_INVALID, "migrations for " + component + " must be numbered 1..N");
  const int latest = static_cast<int>(steps.size());
  int result = 0;
  db.write([&](Session& s) {
    if (s.driver() == Driver::postgres) {
      // Two processes starting together must not both apply the same step. The lock is
      // taken before CREATE TABLE, which itself can race on a fresh database.
      s.exec("SELECT pg_advisory_xact_lock(7365201)");
    }
    s.exec_script(kCreateTable);
    int have = current(s, component);
    if (have > latest)
      throw Error(SG_ERR_VERSION, "database schema of '" + component + "' is at version " +
                                      std::to_string(have) + " but this streamgate knows only " +
                                      std::to_string(latest) +
                                      "; upgrade streamgate (or restore a matching backup)");
    for (int v = have + 1; v <= latest; ++v) {
      const auto& step = steps[static_cast<size_t>(v - 1)];
      s.exec_script(s.driver() == Driver::postgres ? step.postgres_sql : step.sqlite_sql);
      s.exec(
          "INSERT INTO sg_schema_migrations (component, version, applied_at) VALUES ($1, $2, $3)",
          {component, int64_t{v}, now_ms()});
    }
    result = std::max(have, latest);
  });
  return result;
}

}  // namespace sg::sql
