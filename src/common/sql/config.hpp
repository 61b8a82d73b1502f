// Database configuration as read from host.config("database").
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace sg::sql {

enum class Driver { sqlite, postgres };

struct Config {
  Driver driver = Driver::sqlite;
  std::string sqlite_path = "./data/streamgate.db";
  std::string postgres_url;
  int pool_size = 4;              // PostgreSQL connections / SQLite reader connections
  int busy_timeout_ms = 5000;     // SQLite lock wait
  int connect_timeout_s = 5;      // PostgreSQL connect timeout
  int acquire_timeout_ms = 5000;  // waiting for a free pooled connection

  // Parses the "database" section; throws sg::Error(SG_ERR_INVALID) naming the key.
  // A relative sqlite_path is resolved against `data_dir`'s parent conventions by the caller.
  static Config from_json(const nlohmann::json& section);
};

// The URL with any password replaced by "***", safe for logs and error messages.
std::string redact_url(const std::string& url);

}  // namespace sg::sql
