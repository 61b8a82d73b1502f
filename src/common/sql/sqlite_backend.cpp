#include "sql/sqlite_backend.hpp"

#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <streamgate/plugin.hpp>

namespace sg::sql {
namespace {

sg_status status_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                 ? SG_ERR_EXISTS
                 : SG_ERR_INVALID;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return SG_ERR_UNAVAILABLE;
    default:
      return SG_ERR_INTERNAL;
  }
}

class Conn final : public Session {
 public:
  Conn(const std::string& path, int busy_timeout_ms, bool writer) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = "cannot open SQLite database '" + path +
                        "': " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(SG_ERR_UNAVAILABLE, msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    if (writer) exec_script("PRAGMA journal_mode=WAL");
    exec_script("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL");
  }
  ~Conn() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Driver driver() const noexcept override { return Driver::sqlite; }

  void exec_script(std::string_view sql) override {
    std::string text(sql);
    char* errmsg = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &errmsg);
    if (rc != SQLITE_OK) {
      std::string msg = std::string("sqlite: ") + (errmsg != nullptr ? errmsg : sqlite3_errstr(rc));
      sqlite3_free(errmsg);
      throw Error(status_for(rc), msg);
    }
  }

  Result exec(std::string_view sql, const Params& params) override {
    sqlite3_stmt* stmt = prepare(sql);
    // Reset and unbind whatever happens, so the cached statement is reusable and holds no
    // read snapshot open.
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    bind(stmt, params);
    Result out;
    int ncol = sqlite3_column_count(stmt);
    for (int i = 0; i < ncol; ++i) out.columns->emplace_back(sqlite3_column_name(stmt, i));
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW)
        throw Error(status_for(rc), std::string("sqlite: ") + sqlite3_errmsg(db_));
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(ncol));
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_NULL:
            row.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(stmt, i));
            break;
          default: {
            const auto* p = sqlite3_column_text(stmt, i);
            int n = sqlite3_column_bytes(stmt, i);
            row.emplace_back(std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)));
          }
        }
      }
      out.values.push_back(std::move(row));
    }
    out.affected = sqlite3_changes64(db_);
    return out;
  }

 private:
  sqlite3_stmt* prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK)
      throw Error(status_for(rc), std::string("sqlite: prepare failed: ") + sqlite3_errmsg(db_));
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  // Placeholders are written $1..$N; SQLite treats them as named parameters, so each one is
  // mapped back to its number.
  void bind(sqlite3_stmt* stmt, const Params& params) {
    int n = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      size_t num = 0;
      if (name == nullptr || name[0] != '$' ||
          std::from_chars(name + 1, name + std::strlen(name), num).ec != std::errc() || num == 0)
        throw Error(SG_ERR_INTERNAL, "sqlite: placeholders must be $1..$N");
      if (num > params.size())
        throw Error(SG_ERR_INTERNAL, "sqlite: statement needs parameter $" + std::to_string(num) +
                                         " but only " + std::to_string(params.size()) + " given");
      const Value& v = params[num - 1];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v))
        rc = sqlite3_bind_null(stmt, i);
      else if (auto* x = std::get_if<int64_t>(&v))
        rc = sqlite3_bind_int64(stmt, i, *x);
      else if (auto* d = std::get_if<double>(&v))
        rc = sqlite3_bind_double(stmt, i, *d);
      else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(stmt, i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK)
        throw Error(status_for(rc), std::string("sqlite: bind: ") + sqlite3_errmsg(db_));
    }
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const Config& c) : config_(c) {
    std::filesystem::path p(c.sqlite_path);
    if (p.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec)
        throw Error(SG_ERR_UNAVAILABLE, "cannot create directory for SQLite database '" +
                                            c.sqlite_path + "': " + ec.message());
    }
    writer_ = std::make_unique<Conn>(c.sqlite_path, c.busy_timeout_ms, true);
    for (int i = 0; i < c.pool_size; ++i)
      readers_.push_back(std::make_unique<Conn>(c.sqlite_path, c.busy_timeout_ms, false));
  }

  Driver driver() const noexcept override { return Driver::sqlite; }
  std::string describe() const override { return "sqlite:" + config_.sqlite_path; }

  void read(const std::function<void(Session&)>& fn) override {
    std::unique_ptr<Conn> conn;
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::milliseconds(config_.acquire_timeout_ms),
                        [&] { return !readers_.empty(); }))
        throw Error(SG_ERR_UNAVAILABLE, "sqlite: no free reader connection");
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
    struct Back {
      SqliteDatabase* self;
      std::unique_ptr<Conn>& c;
      ~Back() {
        std::lock_guard lock(self->mu_);
        self->readers_.push_back(std::move(c));
        self->cv_.notify_one();
      }
    } back{this, conn};
    fn(*conn);
  }

  void write(const std::function<void(Session&)>& fn) override {
    std::lock_guard lock(write_mu_);
    writer_->exec_script("BEGIN IMMEDIATE");
    try {
      fn(*writer_);
      writer_->exec_script("COMMIT");
    } catch (...) {
      try {
        writer_->exec_script("ROLLBACK");
      } catch (...) {
        // Already rolled back by SQLite (e.g. after SQLITE_FULL); nothing left to undo.
      }
      throw;
    }
  }

  bool healthy() noexcept override {
    try {
      bool ok = false;
      read([&](Session& s) { ok = s.exec("SELECT 1").size() == 1; });
      return ok;
    } catch (...) {
      return false;
    }
  }

 private:
  Config config_;
  std::mutex write_mu_;
  std::unique_ptr<Conn> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> readers_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const Config& config) {
  return std::make_unique<SqliteDatabase>(config);
}

}  // namespace sg::sql
