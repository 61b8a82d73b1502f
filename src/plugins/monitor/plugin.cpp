// monitor.so: liveness (/health), readiness (/ready), Prometheus metrics (/metrics), the
// plugin list for administrators (/api/v1/admin/plugins) and the live event stream
// (/api/v1/events). Wiring only: the state lives in Context (context.hpp), the routes in
// routes.cpp and events_route.cpp, the event window in event_feed.cpp.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "context.hpp"
#include "event_feed.hpp"
#include "events_route.hpp"
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
    if (ctx_.config.events.enabled) start_events();
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
    // Open event streams end cleanly (the last chunk is sent) before the gateway stops.
    subscriptions_.clear();
    heartbeat_ = Timer();
    if (feed_) feed_->end_all();
    ctx_.queries.stop();
    http_.reset();
  }

 private:
  void start_events() {
    const auto& ev = ctx_.config.events;
    const auto epoch = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    feed_ = std::make_unique<EventFeed>(ev.limits, std::to_string(epoch));
    EventFeed* feed = feed_.get();
    for (const char* pattern : {"upload.*", "transcode.*", "content.*"})
      subscriptions_.push_back(
          host().subscribe(pattern, [feed](std::string_view topic, const json& p) {
            feed->publish(topic, p, std::chrono::system_clock::now());
          }));
    Metric streams = host().gauge("monitor_event_streams", "Open GET /api/v1/events streams");
    heartbeat_ = host().start_timer(ev.heartbeat, ev.heartbeat, [feed, streams]() mutable {
      feed->heartbeat(std::chrono::system_clock::now());
      streams.set(static_cast<double>(feed->stream_count()));
    });
    add_event_routes(*feed_, ev.limits.max_streams, router_);
  }

  static bool dev_mode(const sg::Host& host) {
    auto v = host.config("server.dev_mode");
    return v && v->is_boolean() && v->get<bool>();
  }

  Context ctx_;
  ServiceRef<sg_http_service> http_;
  std::unique_ptr<EventFeed> feed_;
  std::vector<Subscription> subscriptions_;
  Timer heartbeat_;
  http::Router router_;
};

}  // namespace
}  // namespace sg::monitor

SG_PLUGIN(sg::monitor::Monitor, "monitor", "1.0.0",
          "Health, readiness, Prometheus metrics, the admin plugin list and live events",
          sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
