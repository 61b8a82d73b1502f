// The security store of auth.so: nonces and revocations in SQL tables (SQLite by default,
// PostgreSQL in production, where every instance shares them), schema migrated as component
// "auth".
//
// Revocation checks must not block (the gateway asks from a network thread), so revocations
// are also held in memory: loaded when the store opens, added at once by revoke(), and
// topped up from the table by a refresher thread of its own (not the blocking pool, so a
// saturated pool cannot freeze the view) every refresh interval, which is how a logout on
// another instance arrives here. When the view has not been refreshed for longer than
// max_staleness, is_revoked() answers kUnavailable: sessions then fail closed (503) instead
// of a revoked token passing because the database went away.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "security_store.hpp"
#include "sql/database.hpp"

namespace sg::auth {

class SqlSecurityStore final : public SecurityStore {
 public:
  using LogFn = std::function<void(bool warning, const std::string& message)>;

  // Migrates the schema and loads the live revocations; throws sg::Error on failure.
  SqlSecurityStore(sql::Database& db, size_t max_nonces, std::chrono::milliseconds max_staleness,
                   NowFn now);
  ~SqlSecurityStore() override;

  KvStatus add_nonce(const std::string& nonce, int64_t expires_at) override;
  KvStatus take_nonce(const std::string& nonce) override;
  KvStatus revoke(const std::string& jti, int64_t until) override;
  KvStatus is_revoked(const std::string& jti) const override;
  const char* kind() const noexcept override { return "sql"; }

  // Reads revocations added since the last refresh (by any instance) and deletes expired
  // rows. Throws sg::Error when the database fails. Blocking; never called concurrently
  // (the constructor, then only the refresher thread or a test).
  void refresh();
  // Runs refresh() every `interval` on a thread of its own until stop_refresher().
  void start_refresher(std::chrono::milliseconds interval, LogFn log);
  void stop_refresher();

  size_t live_nonces();  // for tests and health; blocking
  size_t revocations_in_memory() const { return revoked_.size(); }

 private:
  void mark_fresh();

  sql::Database& db_;
  size_t max_nonces_;
  std::chrono::milliseconds max_staleness_;
  NowFn now_;
  RevocationSet revoked_;
  // Wall-clock start of the last successful refresh (only the refresher touches it after
  // construction); the next one re-reads from a margin before it, since rows from other
  // instances may commit late or carry a slightly different clock.
  int64_t last_refresh_ms_ = 0;
  std::atomic<int64_t> fresh_at_ms_{0};  // steady clock of the last successful refresh

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace sg::auth
