// The SQL layer's one interface: a database with a connection pool, parameterised
// statements only ($1, $2, ... placeholders on both backends), transactions and typed rows.
//
//   auto db = sg::sql::Database::open(config);           // throws sg::Error on failure
//   db->read([&](sg::sql::Session& s) { s.exec("SELECT ... WHERE id = $1", {id}); });
//   db->write([&](sg::sql::Session& s) { ... });           // one transaction, committed at
//                                                          // the end, rolled back on throw
// Errors are sg::Error: SG_ERR_UNAVAILABLE when the server is unreachable (callers answer
// 503), SG_ERR_EXISTS for a unique violation, SG_ERR_INTERNAL for other SQL errors.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sql/config.hpp"
#include "sql/value.hpp"

namespace sg::sql {

// A borrowed connection. Valid only inside the read()/write() callback.
class Session {
 public:
  virtual ~Session() = default;
  // Runs one parameterised statement (prepared and cached per connection).
  virtual Result exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs a parameter-less script of several statements (migrations only).
  virtual void exec_script(std::string_view sql) = 0;
  virtual Driver driver() const noexcept = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Connects (eagerly, so start-up fails with host/port and the reason) and returns the
  // database. Throws sg::Error(SG_ERR_UNAVAILABLE or SG_ERR_INVALID).
  static std::unique_ptr<Database> open(const Config& config);

  virtual Driver driver() const noexcept = 0;
  // A human description without secrets, e.g. "sqlite:/data/x.db" or "postgres://u:***@h/db".
  virtual std::string describe() const = 0;

  // Runs fn on a pooled connection, outside any explicit transaction (each statement
  // commits on its own). For reads.
  virtual void read(const std::function<void(Session&)>& fn) = 0;
  // Runs fn inside one transaction that takes the write lock up front (SQLite: BEGIN
  // IMMEDIATE on the single writer connection; PostgreSQL: BEGIN). Commits when fn returns,
  // rolls back when it throws (and rethrows).
  virtual void write(const std::function<void(Session&)>& fn) = 0;

  // Quick liveness probe for health(); never throws.
  virtual bool healthy() noexcept = 0;
};

}  // namespace sg::sql
