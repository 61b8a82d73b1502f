// The C vtable of service "cache" v1.2 over any Backend: argument checks, the C boundary
// (no exception escapes, results copied into sg_owned_str) and hit/miss/error counting.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.h"

namespace sg::cache {

// Longest accepted TTL (100 years): keeps deadline arithmetic far from overflow.
inline constexpr uint64_t kMaxTtlMs = 100ull * 365 * 24 * 3600 * 1000;

// Host metrics to bump alongside the local counters; default-constructed ones are no-ops.
struct ServiceMetrics {
  sg::Metric hits;
  sg::Metric misses;
  sg::Metric errors;
};

class CacheService {
 public:
  explicit CacheService(Backend& backend, ServiceMetrics metrics = {});
  CacheService(const CacheService&) = delete;
  CacheService& operator=(const CacheService&) = delete;

  // Valid as long as this object lives.
  const sg_cache_service* table() const noexcept { return &table_; }

  uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }
  uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }

 private:
  static sg_status get(void* self, const char* key, size_t key_size, sg_owned_str* out,
                       sg_error* err) noexcept;
  static sg_status set(void* self, const char* key, size_t key_size, const char* value,
                       size_t value_size, uint64_t ttl_ms, sg_error* err) noexcept;
  static sg_status set_if_absent(void* self, const char* key, size_t key_size, const char* value,
                                 size_t value_size, uint64_t ttl_ms, sg_error* err) noexcept;
  static sg_status del(void* self, const char* key, size_t key_size, int* out_removed,
                       sg_error* err) noexcept;
  static sg_status incr(void* self, const char* key, size_t key_size, int64_t delta,
                        uint64_t ttl_ms, int64_t* out_value, sg_error* err) noexcept;
  static sg_status take(void* self, const char* key, size_t key_size, sg_owned_str* out,
                        sg_error* err) noexcept;
  static sg_status get_many(void* self, const char* const* keys, const size_t* key_sizes,
                            size_t count, sg_owned_str* values, sg_status* statuses,
                            sg_error* err) noexcept;

  using ManyCallback = void (*)(void* user, sg_status status, const sg_cache_value* values,
                                const sg_status* statuses, const sg_error* err);
  static sg_status get_many_async(void* self, const char* const* keys, const size_t* key_sizes,
                                  size_t count, ManyCallback done, void* user) noexcept;
  void count_found(const std::vector<std::optional<std::string>>& found) noexcept;

  // Counts and reports an outcome; a read (get/take) also counts hits and misses.
  // get_many counts one hit or miss per key itself and calls this with is_read false.
  sg_status finish(const Outcome& outcome, sg_error* err, bool is_read) noexcept;

  Backend& backend_;
  ServiceMetrics metrics_;
  sg_cache_service table_{};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace sg::cache
