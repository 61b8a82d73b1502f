// Everything a connection needs from the gateway, shared by all network threads.
#pragma once

#include <atomic>
#include <memory>

#include <streamgate/services/http.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/cache.hpp>

#include "config.hpp"
#include "cors.hpp"
#include "identity.hpp"
#include "observer.hpp"
#include "rate_limit.hpp"
#include "router.hpp"
#include "trusted_proxies.hpp"

namespace sg::gateway {

struct Context {
  // Config validation already refused anything unparsable.
  static std::vector<net::IpNetwork> networks(const std::vector<std::string>& texts) {
    std::vector<net::IpNetwork> out;
    for (const auto& t : texts)
      if (auto n = net::parse_network(t)) out.push_back(*n);
    return out;
  }

  Context(sg::Host h, GatewayConfig c)
      : host(h),
        cfg(std::move(c)),
        observer(h, cfg.access_log),
        cors(cfg.cors),
        limiter(cfg.rate_limit.requests_per_second, cfg.rate_limit.burst),
        identity(h),
        proxies(networks(cfg.trusted_proxies)) {}

  sg::Host host;
  GatewayConfig cfg;
  RouteTable routes;
  Observer observer;
  Cors cors;
  LocalRateLimiter limiter;
  IdentityResolver identity;
  TrustedProxies proxies;
  const sg_http_service* service = nullptr;             // our own vtable (for shims)
  std::atomic<const sg_cache_service*> cache{nullptr};  // optional, rate_limit backend
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> open_connections{0};
};

}  // namespace sg::gateway
