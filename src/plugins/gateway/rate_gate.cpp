#include "rate_gate.hpp"

#include <algorithm>
#include <exception>

namespace sg::gateway {

const sg_cache_service* shared_rate_backend(Context& ctx) {
  return ctx.cfg.rate_limit.use_cache ? ctx.cache.load(std::memory_order_acquire) : nullptr;
}

bool ask_shared_rate(Context& ctx, const sg_cache_service* cache, const std::string& client_ip,
                     std::function<void(sg_status, std::int64_t)> done) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string key = "sg:ratelimit:" + client_ip + ":" +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  try {
    ctx.host.run_blocking([cache, key = std::move(key), done = std::move(done)] {
      std::int64_t value = 0;
      sg_status st = sg::cache::Client(cache).incr(key, 1, 2000, &value).status;
      done(st, value);
    });
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

RateDecision shared_rate_decision(Context& ctx, const std::string& client_ip, sg_status st,
                                  std::int64_t count) {
  if (st != SG_OK) return ctx.limiter.take(client_ip, std::chrono::steady_clock::now());
  auto limit = static_cast<std::int64_t>(
      std::max(ctx.cfg.rate_limit.requests_per_second, ctx.cfg.rate_limit.burst));
  if (count > limit) return RateDecision{false, 1};
  return RateDecision{};
}

GatewayError rate_limited(std::uint64_t retry_after, bool has_body) {
  GatewayError e{429, "rate_limited", "too many requests; retry later", has_body};
  e.retry_after = retry_after;
  return e;
}

}  // namespace sg::gateway
