// The rate limit of one request, checked before routing: local token buckets, or fixed
// 1 s windows in the shared `cache` service (which blocks, so it is asked on the blocking
// pool and falls back to the local buckets when it fails).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "context.hpp"
#include "gateway_error.hpp"
#include "rate_limit.hpp"

namespace sg::gateway {

// The cache backend to ask, or null for the local buckets (also when the cache is absent).
const sg_cache_service* shared_rate_backend(Context& ctx);

// Asks the cache for the client's count in the current window; `done(status, count)` runs
// on a blocking-pool thread. False when the pool refused the task (nothing will run).
bool ask_shared_rate(Context& ctx, const sg_cache_service* cache, const std::string& client_ip,
                     std::function<void(sg_status, std::int64_t)> done);

// The decision from the cache's answer; a failed cache degrades to the local buckets
// rather than failing open or closed.
RateDecision shared_rate_decision(Context& ctx, const std::string& client_ip, sg_status st,
                                  std::int64_t count);

// 429 with Retry-After.
GatewayError rate_limited(std::uint64_t retry_after, bool has_body);

}  // namespace sg::gateway
