// monitor.so: liveness (/health), readiness (/ready), Prometheus metrics (/metrics) and the
// plugin list for administrators (/api/v1/admin/plugins). Wiring only: the state lives in
// Context (context.hpp), the routes in routes.cpp.
#include <chrono>
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "context.hpp"
#include "routes.hpp"

namespace sg::monitor {
namespace {

class Monitor final : public sg::Plugin {
 public:
  Monitor(sg::Host host, const json& config)
      : sg::Plugin(host), ctx_(host, parse_config(config, dev_mode(host))) {}

  void start() override {
    ctx_.queries.start();
    http_ =
        ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
    router_.bind(http_.get());
    add_routes(ctx_, router_);
    const MonitorConfig& config = ctx_.config;
    host().info(std::string("monitor started (admin_allow_loopback=") +
                (config.admin_allow_loopback ? "true" : "false") + ", metrics: " +
                std::to_string(config.metrics_allow.size()) + " allowed network(s), token " +
                (config.metrics_token.empty() ? "off" : "on") + ")");
  }

  // Routes go first (no new work), then queued queries finish and are answered, then the
  // http service is released.
  void stop(std::chrono::milliseconds) override {
    router_.clear();
    ctx_.queries.stop();
    http_.reset();
  }

 private:
  static bool dev_mode(const sg::Host& host) {
    auto v = host.config("server.dev_mode");
    return v && v->is_boolean() && v->get<bool>();
  }

  Context ctx_;
  ServiceRef<sg_http_service> http_;
  http::Router router_;
};

}  // namespace
}  // namespace sg::monitor

SG_PLUGIN(sg::monitor::Monitor, "monitor", "1.0.0",
          "Health, readiness, Prometheus metrics and the admin plugin list", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
