// Where nonces, revoked session ids and gate answers live: the `cache` v1 service when it is
// loaded (shared by every instance, e.g. Redis), else a bounded in-process map.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <streamgate/services/cache.hpp>

namespace sg::auth {

// Errors are values: kUnavailable when the backend is down (callers fail closed).
enum class KvStatus { kOk, kMissing, kExists, kUnavailable, kFull };

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual KvStatus get(const std::string& key, std::string* value) = 0;
  virtual KvStatus set(const std::string& key, const std::string& value,
                       std::chrono::seconds ttl) = 0;
  virtual KvStatus set_if_absent(const std::string& key, const std::string& value,
                                 std::chrono::seconds ttl) = 0;
  // Atomically reads and removes (single use).
  virtual KvStatus take(const std::string& key, std::string* value) = 0;
  virtual const char* kind() const noexcept = 0;
};

class MemoryStore final : public KvStore {
 public:
  explicit MemoryStore(size_t max_entries) : max_entries_(max_entries) {}
  KvStatus get(const std::string& key, std::string* value) override;
  KvStatus set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  KvStatus set_if_absent(const std::string& key, const std::string& value,
                         std::chrono::seconds ttl) override;
  KvStatus take(const std::string& key, std::string* value) override;
  const char* kind() const noexcept override { return "memory"; }
  size_t size();

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string value;
    Clock::time_point expires;
  };
  bool make_room_locked(Clock::time_point now);
  std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  size_t max_entries_;
};

class CacheServiceStore final : public KvStore {
 public:
  explicit CacheServiceStore(const sg_cache_service* svc) : cache_(svc) {}
  KvStatus get(const std::string& key, std::string* value) override;
  KvStatus set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  KvStatus set_if_absent(const std::string& key, const std::string& value,
                         std::chrono::seconds ttl) override;
  KvStatus take(const std::string& key, std::string* value) override;
  const char* kind() const noexcept override { return "cache"; }

 private:
  cache::Client cache_;
};

}  // namespace sg::auth
