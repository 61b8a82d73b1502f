// gateway.so: the HTTP server of StreamGate. Provides service "http" v1; optionally uses
// "cache" v1 (shared rate limits) and "auth" v1 (identities, acquired lazily).
#include <algorithm>
#include <memory>
#include <optional>

#include <streamgate/services/cache.h>
#include <streamgate/services/http.h>
#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "context.hpp"
#include "exchange.hpp"
#include "route_list.hpp"
#include "server.hpp"
#include "service.hpp"
#include "static_files.hpp"

namespace sg::gateway {

class GatewayPlugin final : public sg::Plugin {
 public:
  GatewayPlugin(sg::Host host, const sg::json& config)
      : sg::Plugin(host), ctx_(host, parse_config(config)), server_(ctx_) {
    make_http_service(ctx_, vtable_);
    ctx_.service = &vtable_;
    host.register_service(SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, &vtable_);
  }

  void start() override {
    const auto& cfg = ctx_.cfg;
    if (cfg.rate_limit.enabled && cfg.rate_limit.use_cache) {
      const auto* cache = host().acquire<sg_cache_service>(SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
      if (cache == nullptr)
        host().warn(
            "rate_limit.backend is cache but no cache service is loaded; using local buckets");
      ctx_.cache.store(cache);
    }
    if (!cfg.static_files.dir.empty()) {
      static_.emplace(cfg.static_files);
      static_->install(ctx_.routes);
    }
    route_list_.install();
    server_.start();
    // Accept only once every plugin has started (the kernel announces it), so early requests
    // wait in the backlog instead of meeting 404s from routes not registered yet. The timer
    // covers a host that never announces it.
    started_ = host().subscribe("kernel.started", [this](std::string_view, const sg::json&) {
      server_.open_for_traffic();
    });
    fallback_ = host().start_timer(kAcceptFallback, std::chrono::milliseconds(0),
                                   [this] { server_.open_for_traffic(); });
    host().info("listening on " + std::string(cfg.tls.enabled ? "https" : "http") + "://" +
                cfg.host + ":" + std::to_string(server_.port()) + " with " +
                std::to_string(cfg.threads) + " threads");
  }

  void stop(std::chrono::milliseconds deadline) override {
    started_.reset();
    fallback_.reset();
    server_.stop(std::min(deadline, ctx_.cfg.drain_timeout));
    if (static_) static_->uninstall(ctx_.routes);
    route_list_.uninstall();
    ctx_.identity.release();
    if (ctx_.cache.exchange(nullptr) != nullptr) host().release(SG_CACHE_SERVICE, SG_CACHE_MAJOR);
  }

  sg::json health() override {
    return {{"healthy", server_.running()},
            {"port", server_.port()},
            {"tls", ctx_.cfg.tls.enabled},
            {"open_connections", ctx_.open_connections.load()},
            {"live_exchanges", Exchange::live_count()},
            {"routes", ctx_.routes.snapshot()->size()}};
  }

 private:
  static constexpr std::chrono::seconds kAcceptFallback{30};

  Context ctx_;
  sg::Subscription started_;
  sg::Timer fallback_;
  sg_http_service vtable_{};
  Server server_;
  RouteList route_list_{ctx_.routes};
  std::optional<StaticFiles> static_;
};

}  // namespace sg::gateway

SG_PLUGIN(sg::gateway::GatewayPlugin, "gateway", "1.0.0",
          "HTTP/1.1 server (Beast): routes, middleware, TLS, sendfile file responses",
          sg::provides({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR}}),
          sg::requires_services({{SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 1}}))
