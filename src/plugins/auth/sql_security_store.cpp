#include "sql_security_store.hpp"

#include <streamgate/plugin.hpp>

#include "sql/migrations.hpp"
#include "sql/util.hpp"

namespace sg::auth {

namespace {

// One counter row keeps "how many live nonces" O(1) and exact under concurrency: the bound
// check is the conditional UPDATE itself, serialised by the row lock (PostgreSQL) or the
// single writer (SQLite).
const char* const kSchemaV1 = R"sql(
CREATE TABLE auth_nonces (
  nonce TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX auth_nonces_expires ON auth_nonces (expires_at);
CREATE TABLE auth_nonce_count (
  id INTEGER PRIMARY KEY,
  live BIGINT NOT NULL
);
INSERT INTO auth_nonce_count (id, live) VALUES (1, 0);
CREATE TABLE auth_revocations (
  jti TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL,
  revoked_at_ms BIGINT NOT NULL
);
CREATE INDEX auth_revocations_expires ON auth_revocations (expires_at);
CREATE INDEX auth_revocations_revoked ON auth_revocations (revoked_at_ms);
)sql";

// How far back each refresh re-reads: covers commits that land late and instances whose
// clocks differ by less than this (keep them NTP-synchronised).
constexpr int64_t kRereadMarginMs = 5 * 60 * 1000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Removes expired nonces and takes them off the live count (inside a write transaction).
void sweep_nonces(sql::Session& s, int64_t now) {
  int64_t gone = s.exec("DELETE FROM auth_nonces WHERE expires_at <= $1", {now}).affected;
  if (gone > 0) s.exec("UPDATE auth_nonce_count SET live = live - $1 WHERE id = 1", {gone});
}

KvStatus unavailable_or_throw(const sg::Error& e) {
  if (e.status() == SG_ERR_UNAVAILABLE || e.status() == SG_ERR_INTERNAL ||
      e.status() == SG_ERR_TIMEOUT)
    return KvStatus::kUnavailable;
  throw;
}

}  // namespace

SqlSecurityStore::SqlSecurityStore(sql::Database& db, size_t max_nonces,
                                   std::chrono::milliseconds max_staleness, NowFn now)
    : db_(db),
      max_nonces_(max_nonces),
      max_staleness_(max_staleness),
      now_(now),
      revoked_(std::move(now)) {
  sql::migrate(db_, "auth", {{1, kSchemaV1, kSchemaV1}});
  refresh();
}

SqlSecurityStore::~SqlSecurityStore() {
  stop_refresher();
}

KvStatus SqlSecurityStore::add_nonce(const std::string& nonce, int64_t expires_at) {
  KvStatus st = KvStatus::kOk;
  try {
    db_.write([&](sql::Session& s) {
      sweep_nonces(s, now_());
      auto counted =
          s.exec("UPDATE auth_nonce_count SET live = live + 1 WHERE id = 1 AND live < $1",
                 {static_cast<int64_t>(max_nonces_)});
      if (counted.affected == 0) {
        st = KvStatus::kFull;  // commit the sweep, store nothing
        return;
      }
      s.exec("INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)", {nonce, expires_at});
    });
  } catch (const sg::Error& e) {
    if (e.status() == SG_ERR_EXISTS) return KvStatus::kExists;  // rolled back, count too
    return unavailable_or_throw(e);
  }
  return st;
}

KvStatus SqlSecurityStore::take_nonce(const std::string& nonce) {
  KvStatus st = KvStatus::kMissing;
  try {
    db_.write([&](sql::Session& s) {
      // Deleting is the atomic test-and-spend: of two concurrent logins one deletes the row.
      auto r =
          s.exec("DELETE FROM auth_nonces WHERE nonce = $1 AND expires_at > $2", {nonce, now_()});
      if (r.affected == 0) return;
      s.exec("UPDATE auth_nonce_count SET live = live - 1 WHERE id = 1");
      st = KvStatus::kOk;
    });
  } catch (const sg::Error& e) {
    return unavailable_or_throw(e);
  }
  return st;
}

KvStatus SqlSecurityStore::revoke(const std::string& jti, int64_t until) {
  // In memory first: this instance refuses the token from now on even if the write fails.
  revoked_.add(jti, until);
  try {
    db_.write([&](sql::Session& s) {
      s.exec(
          "INSERT INTO auth_revocations (jti, expires_at, revoked_at_ms) VALUES ($1, $2, $3) "
          "ON CONFLICT (jti) DO NOTHING",
          {jti, until, sql::now_ms()});
    });
  } catch (const sg::Error& e) {
    return unavailable_or_throw(e);
  }
  return KvStatus::kOk;
}

KvStatus SqlSecurityStore::is_revoked(const std::string& jti) const {
  if (revoked_.contains(jti)) return KvStatus::kOk;
  if (steady_ms() - fresh_at_ms_.load(std::memory_order_acquire) > max_staleness_.count())
    return KvStatus::kUnavailable;
  return KvStatus::kMissing;
}

void SqlSecurityStore::refresh() {
  int64_t now = now_();
  int64_t started_ms = sql::now_ms();
  int64_t since = last_refresh_ms_ == 0 ? 0 : last_refresh_ms_ - kRereadMarginMs;
  db_.read([&](sql::Session& s) {
    auto rows = s.exec(
        "SELECT jti, expires_at FROM auth_revocations WHERE revoked_at_ms >= $1 AND expires_at > "
        "$2",
        {since, now});
    for (size_t i = 0; i < rows.size(); ++i) {
      auto row = rows.row(i);
      revoked_.add(row.str(0), row.i64(1));
    }
  });
  last_refresh_ms_ = started_ms;
  mark_fresh();
  revoked_.prune();
  // Housekeeping: rows past their expiry protect nothing any more.
  db_.write([&](sql::Session& s) {
    s.exec("DELETE FROM auth_revocations WHERE expires_at <= $1", {now});
    sweep_nonces(s, now);
  });
}

void SqlSecurityStore::mark_fresh() {
  fresh_at_ms_.store(steady_ms(), std::memory_order_release);
}

void SqlSecurityStore::start_refresher(std::chrono::milliseconds interval, LogFn log) {
  std::lock_guard guard(thread_mu_);
  if (refresher_.joinable()) return;
  stopping_ = false;
  refresher_ = std::thread([this, interval, log = std::move(log)] {
    bool failing = false;
    std::unique_lock lock(thread_mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        refresh();
        if (failing && log) log(false, "auth: security store reachable again");
        failing = false;
      } catch (const std::exception& e) {
        // One line per outage; sessions fail closed once the view is older than allowed.
        if (!failing && log)
          log(true, std::string("auth: cannot refresh revocations: ") + e.what());
        failing = true;
      }
      lock.lock();
    }
  });
}

void SqlSecurityStore::stop_refresher() {
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

size_t SqlSecurityStore::live_nonces() {
  size_t n = 0;
  db_.read([&](sql::Session& s) {
    n = static_cast<size_t>(
        s.exec("SELECT COUNT(*) FROM auth_nonces WHERE expires_at > $1", {now_()}).row(0).i64(0));
  });
  return n;
}

}  // namespace sg::auth
