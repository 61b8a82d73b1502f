#include "sql/postgres_backend.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <streamgate/plugin.hpp>

namespace sg::sql {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kInt8Oid = 20;
constexpr unsigned kFloat8Oid = 701;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s;
}

// Where a connection attempt went, for error messages ("127.0.0.1:5432").
std::string where(PGconn* c) {
  if (c == nullptr) return "?";
  const char* h = PQhost(c);
  const char* p = PQport(c);
  return std::string(h != nullptr && *h ? h : "localhost") + ":" +
         (p != nullptr && *p ? p : "5432");
}

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { PQclear(r); }
};

class PgConn final : public Session {
 public:
  explicit PgConn(PGconn* c) : conn_(c) {}
  ~PgConn() override { PQfinish(conn_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  Driver driver() const noexcept override { return Driver::postgres; }
  bool broken() const noexcept { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

  void exec_script(std::string_view sql) override {
    std::string text(sql);
    ResultGuard g{PQexec(conn_, text.c_str())};
    check(g.r, "script");
  }

  Result exec(std::string_view sql, const Params& params) override {
    std::vector<unsigned> types;
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::string key(sql);
    key += '\x1f';
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      unsigned oid = 0;
      if (auto* x = std::get_if<int64_t>(&v)) {
        oid = kInt8Oid;
        storage[i] = std::to_string(*x);
        values[i] = storage[i].c_str();
      } else if (auto* d = std::get_if<double>(&v)) {
        oid = kFloat8Oid;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        storage[i] = buf;
        values[i] = storage[i].c_str();
      } else if (auto* s = std::get_if<std::string>(&v)) {
        values[i] = s->c_str();
      }
      types.push_back(oid);
      key += std::to_string(oid);
      key += ',';
    }
    // Statements are prepared once per connection and parameter-type signature.
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = "sg" + std::to_string(prepared_.size() + 1);
      std::string text(sql);
      ResultGuard g{PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()),
                              types.empty() ? nullptr : types.data())};
      check(g.r, "prepare");
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    ResultGuard g{PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                 values.empty() ? nullptr : values.data(), nullptr, nullptr, 0)};
    check(g.r, "exec");
    Result out;
    int ncol = PQnfields(g.r);
    for (int i = 0; i < ncol; ++i) out.columns->emplace_back(PQfname(g.r, i));
    int nrow = PQntuples(g.r);
    out.values.reserve(static_cast<size_t>(nrow));
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        if (PQgetisnull(g.r, r, c))
          row.emplace_back(nullptr);
        else
          row.emplace_back(
              std::string(PQgetvalue(g.r, r, c), static_cast<size_t>(PQgetlength(g.r, r, c))));
      }
      out.values.push_back(std::move(row));
    }
    const char* n = PQcmdTuples(g.r);
    out.affected = (n != nullptr && *n) ? std::stoll(n) : 0;
    return out;
  }

 private:
  void check(PGresult* r, const char* what) {
    ExecStatusType st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state != nullptr ? state : "";
    std::string msg = trim(r != nullptr && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
                                                                    : PQerrorMessage(conn_));
    if (PQstatus(conn_) != CONNECTION_OK || code.rfind("08", 0) == 0 || code == "57P01" ||
        code == "57P02" || code == "57P03" || code.empty()) {
      broken_ = true;
      throw Error(SG_ERR_UNAVAILABLE, "postgres: connection to " + where(conn_) + " lost: " + msg);
    }
    if (code == "23505") throw Error(SG_ERR_EXISTS, std::string("postgres: ") + msg);
    if (code == "40001" || code == "40P01")
      throw Error(SG_ERR_CONFLICT, std::string("postgres: ") + msg);
    if (code.rfind("23", 0) == 0 || code.rfind("22", 0) == 0)
      throw Error(SG_ERR_INVALID, std::string("postgres: ") + msg);
    throw Error(SG_ERR_INTERNAL, std::string("postgres: ") + what + ": " + msg);
  }

  PGconn* conn_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> prepared_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const Config& c) : config_(c) {
    // Eager first connection: start-up fails here with host/port and the reason.
    idle_.push_back(connect_now());
    open_count_ = 1;
  }

  Driver driver() const noexcept override { return Driver::postgres; }
  std::string describe() const override { return redact_url(config_.postgres_url); }

  void read(const std::function<void(Session&)>& fn) override {
    Lease lease(*this);
    run(lease, fn);
  }

  void write(const std::function<void(Session&)>& fn) override {
    Lease lease(*this);
    lease.conn->exec_script("BEGIN");
    try {
      run(lease, fn);
      lease.conn->exec_script("COMMIT");
    } catch (...) {
      if (!lease.conn->broken()) {
        try {
          lease.conn->exec_script("ROLLBACK");
        } catch (...) {
          // The connection is now marked broken and will be discarded on release.
        }
      }
      throw;
    }
  }

  bool healthy() noexcept override { return healthy_.load(); }

 private:
  struct Lease {
    PostgresDatabase& db;
    std::unique_ptr<PgConn> conn;
    explicit Lease(PostgresDatabase& d) : db(d), conn(d.acquire()) {}
    ~Lease() { db.release(std::move(conn)); }
  };

  void run(Lease& lease, const std::function<void(Session&)>& fn) {
    try {
      fn(*lease.conn);
      healthy_ = true;
    } catch (const Error& e) {
      if (e.status() == SG_ERR_UNAVAILABLE) healthy_ = false;
      throw;
    }
  }

  std::unique_ptr<PgConn> connect_now() {
    std::string timeout = std::to_string(config_.connect_timeout_s);
    const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* vals[] = {config_.postgres_url.c_str(), timeout.c_str(), "streamgate", nullptr};
    PGconn* c = PQconnectdbParams(keys, vals, 1);
    if (c == nullptr) throw Error(SG_ERR_UNAVAILABLE, "postgres: out of memory connecting");
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg =
          "cannot connect to PostgreSQL at " + where(c) + ": " + trim(PQerrorMessage(c));
      PQfinish(c);
      throw Error(SG_ERR_UNAVAILABLE, msg);
    }
    return std::make_unique<PgConn>(c);
  }

  std::unique_ptr<PgConn> acquire() {
    std::unique_lock lock(mu_);
    auto deadline = Clock::now() + std::chrono::milliseconds(config_.acquire_timeout_ms);
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      if (open_count_ < config_.pool_size) {
        // Reconnect with exponential backoff: while in the backoff window, fail fast so a
        // dead server costs callers microseconds, not connect timeouts.
        auto now = Clock::now();
        if (now < retry_at_) {
          healthy_ = false;
          throw Error(SG_ERR_UNAVAILABLE, "database unavailable: " + last_error_);
        }
        ++open_count_;
        lock.unlock();
        try {
          auto c = connect_now();
          lock.lock();
          backoff_ = std::chrono::milliseconds(0);
          return c;
        } catch (const Error& e) {
          lock.lock();
          --open_count_;
          backoff_ =
              std::min(std::chrono::milliseconds(5000),
                       backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
          retry_at_ = Clock::now() + backoff_;
          last_error_ = e.what();
          healthy_ = false;
          cv_.notify_all();
          throw;
        }
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_count_ >= config_.pool_size)
        throw Error(SG_ERR_UNAVAILABLE, "postgres: no free connection within " +
                                            std::to_string(config_.acquire_timeout_ms) + " ms");
    }
  }

  void release(std::unique_ptr<PgConn> c) {
    std::lock_guard lock(mu_);
    if (c->broken()) {
      --open_count_;  // dropped; a later acquire reconnects
      c.reset();
    } else {
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  Config config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int open_count_ = 0;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  std::string last_error_;
  std::atomic<bool> healthy_{true};
};

}  // namespace

std::unique_ptr<Database> open_postgres(const Config& config) {
  return std::make_unique<PostgresDatabase>(config);
}

}  // namespace sg::sql
