// Per-client token buckets (local backend). Sharded so that concurrent clients rarely
// contend; the shared `cache` backend is driven from the session (it blocks).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sg::gateway {

struct RateDecision {
  bool allowed = true;
  std::uint64_t retry_after_seconds = 0;  // when refused
};

class LocalRateLimiter {
 public:
  LocalRateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  RateDecision take(std::string_view client, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kSweepAt = 65536;  // bound memory against many clients
  double rate_;
  double burst_;
  std::array<Shard, kShards> shards_;
};

}  // namespace sg::gateway
