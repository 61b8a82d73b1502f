// In-process cache: N independent shards (chosen by key hash), each an LRU list plus a hash
// index, bounded by bytes, with per-entry TTL. Expired entries are dropped lazily when
// touched and by maintain() (driven by a host timer), so memory held by keys nobody reads
// again is reclaimed too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backend.hpp"

namespace sg::cache {

struct MemoryOptions {
  uint64_t max_bytes = 64ull * 1024 * 1024;
  uint32_t shards = 16;
};

class MemoryBackend final : public Backend {
 public:
  // Bytes charged per entry on top of key and value: list node, index node and the two
  // std::string headers. An estimate, so that many tiny entries still count against max_bytes.
  static constexpr size_t kEntryOverhead = 128;

  explicit MemoryBackend(MemoryOptions options);
  ~MemoryBackend() override;

  Outcome get(std::string_view key, std::string& out) override;
  Outcome set(std::string_view key, std::string_view value, uint64_t ttl_ms) override;
  Outcome set_if_absent(std::string_view key, std::string_view value, uint64_t ttl_ms) override;
  Outcome del(std::string_view key, bool& removed) override;
  Outcome incr(std::string_view key, int64_t delta, uint64_t ttl_ms, int64_t& out) override;
  Outcome take(std::string_view key, std::string& out) override;
  Outcome get_many(const std::vector<std::string_view>& keys,
                   std::vector<std::optional<std::string>>& out) override;

  nlohmann::json health() const override;
  void maintain() override;  // sweeps expired entries from every shard
  void shutdown() override;

  // Introspection for health and tests.
  uint64_t size_bytes() const;
  uint64_t key_count() const;
  uint64_t evictions() const noexcept { return evictions_.load(std::memory_order_relaxed); }
  uint64_t expirations() const noexcept { return expirations_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Shard;

  Shard& shard_for(std::string_view key) const;
  Outcome check_fits(std::string_view key, std::string_view value) const;

  MemoryOptions options_;
  uint64_t shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> expirations_{0};
};

}  // namespace sg::cache
