// Where auth's security state lives: unspent SIWE nonces and revoked session ids. Unlike gate
// answers (a cache: losing one only costs an RPC) this state must never be evicted by other
// data, so it has its own bounded store instead of the shared `cache` service:
// - nonces are bounded by a configured maximum of live entries; at the bound issuance is
//   refused (503), never anything evicted;
// - revocations are never dropped before the token they revoke expires.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "kv_store.hpp"

namespace sg::auth {

using NowFn = std::function<int64_t()>;  // Unix seconds; injectable for tests

class SecurityStore {
 public:
  virtual ~SecurityStore() = default;
  // Stores a nonce until `expires_at` (Unix seconds). kOk, kExists, kFull (bound reached) or
  // kUnavailable. May block (SQL): call from the blocking pool.
  virtual KvStatus add_nonce(const std::string& nonce, int64_t expires_at) = 0;
  // Spends a nonce: kOk exactly once while it is live, else kMissing; kUnavailable. May block.
  virtual KvStatus take_nonce(const std::string& nonce) = 0;
  // Revokes a session id until `until` (Unix seconds). kOk or kUnavailable. May block.
  virtual KvStatus revoke(const std::string& jti, int64_t until) = 0;
  // kOk when revoked, kMissing when not, kUnavailable when the store cannot vouch for its
  // answer. NEVER blocks: the gateway asks from a network thread.
  virtual KvStatus is_revoked(const std::string& jti) const = 0;
  virtual const char* kind() const noexcept = 0;
};

// Revoked session ids held in memory, answering is_revoked() without I/O. Entries leave
// only once they expire.
class RevocationSet {
 public:
  explicit RevocationSet(NowFn now) : now_(std::move(now)) {}
  void add(const std::string& jti, int64_t until);
  bool contains(const std::string& jti) const;
  // Drops expired entries; returns how many remain.
  size_t prune();
  size_t size() const;

 private:
  NowFn now_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, int64_t> until_;
};

// One process only (tests, benchmarks, the in-process core): maps under a mutex, the same
// bounds and guarantees as the SQL store.
class MemorySecurityStore final : public SecurityStore {
 public:
  MemorySecurityStore(size_t max_nonces, NowFn now)
      : max_nonces_(max_nonces), now_(now), revoked_(std::move(now)) {}
  KvStatus add_nonce(const std::string& nonce, int64_t expires_at) override;
  KvStatus take_nonce(const std::string& nonce) override;
  KvStatus revoke(const std::string& jti, int64_t until) override;
  KvStatus is_revoked(const std::string& jti) const override;
  const char* kind() const noexcept override { return "memory"; }

 private:
  size_t max_nonces_;
  NowFn now_;
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> nonces_;
  RevocationSet revoked_;
  std::atomic<uint64_t> revokes_{0};
};

}  // namespace sg::auth
