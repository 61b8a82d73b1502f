#include "sql/config.hpp"

#include <streamgate/plugin.hpp>

namespace sg::sql {

namespace {

int int_in(const nlohmann::json& s, const char* key, int def, int lo, int hi) {
  if (!s.contains(key)) return def;
  const auto& v = s.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    throw Error(SG_ERR_INVALID, std::string("database.") + key + ": must be an integer in [" +
                                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v.get<int>();
}

}  // namespace

Config Config::from_json(const nlohmann::json& s) {
  Config c;
  if (!s.is_object()) throw Error(SG_ERR_INVALID, "database: must be a mapping");
  if (s.contains("driver")) {
    if (!s["driver"].is_string()) throw Error(SG_ERR_INVALID, "database.driver: must be a string");
    std::string d = s["driver"];
    if (d == "sqlite")
      c.driver = Driver::sqlite;
    else if (d == "postgres" || d == "postgresql")
      c.driver = Driver::postgres;
    else
      throw Error(SG_ERR_INVALID, "database.driver: must be sqlite or postgres, got '" + d + "'");
  }
  if (s.contains("sqlite_path")) {
    if (!s["sqlite_path"].is_string() || s["sqlite_path"].get<std::string>().empty())
      throw Error(SG_ERR_INVALID, "database.sqlite_path: must be a non-empty string");
    c.sqlite_path = s["sqlite_path"];
  }
  if (s.contains("postgres_url")) {
    if (!s["postgres_url"].is_string())
      throw Error(SG_ERR_INVALID, "database.postgres_url: must be a string");
    c.postgres_url = s["postgres_url"];
  }
  if (c.driver == Driver::postgres && c.postgres_url.empty())
    throw Error(SG_ERR_INVALID, "database.postgres_url: required when driver is postgres");
  c.pool_size = int_in(s, "pool_size", c.pool_size, 1, 256);
  c.busy_timeout_ms = int_in(s, "busy_timeout_ms", c.busy_timeout_ms, 0, 600000);
  c.connect_timeout_s = int_in(s, "connect_timeout_s", c.connect_timeout_s, 1, 600);
  c.acquire_timeout_ms = int_in(s, "acquire_timeout_ms", c.acquire_timeout_ms, 1, 600000);
  return c;
}

std::string redact_url(const std::string& url) {
  // postgresql://user:password@host... -> postgresql://user:***@host...
  auto scheme = url.find("://");
  if (scheme != std::string::npos) {
    auto start = scheme + 3;
    auto at = url.find('@', start);
    auto slash = url.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = url.find(':', start);
      if (colon != std::string::npos && colon < at)
        return url.substr(0, colon + 1) + "***" + url.substr(at);
    }
  }
  // key=value form or query parameter: password=... up to the next space or '&'.
  std::string out = url;
  for (size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    size_t v = pos + 9;
    size_t end = out.find_first_of(" &", v);
    if (end == std::string::npos) end = out.size();
    out.replace(v, end - v, "***");
    pos = v + 3;
  }
  return out;
}

}  // namespace sg::sql
