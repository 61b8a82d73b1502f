#include "rate_limit.hpp"

#include <cmath>
#include <functional>

namespace sg::gateway {

RateDecision LocalRateLimiter::take(std::string_view client,
                                    std::chrono::steady_clock::time_point now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(client) % kShards];
  std::lock_guard lock(shard.mu);
  if (shard.buckets.size() >= kSweepAt) {
    // Drop buckets that have refilled completely: they carry no state worth keeping.
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      double elapsed = std::chrono::duration<double>(now - it->second.last).count();
      if (it->second.tokens + elapsed * rate_ >= burst_)
        it = shard.buckets.erase(it);
      else
        ++it;
    }
  }
  auto [it, inserted] = shard.buckets.try_emplace(std::string(client), Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0};
  }
  double wait = (1.0 - b.tokens) / rate_;
  return {false, static_cast<std::uint64_t>(std::max(1.0, std::ceil(wait)))};
}

}  // namespace sg::gateway
