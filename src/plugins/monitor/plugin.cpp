// monitor.so: liveness (/health), readiness (/ready), Prometheus metrics (/metrics) and the
// plugin list for administrators (/api/v1/admin/plugins).
//
// /health answers on the network thread (it only proves the process serves requests).
// Everything that asks the kernel about other plugins runs on the monitor's own worker
// thread (see worker.hpp), because plugins_describe() calls every plugin's health() and one
// slow plugin must not stall a gateway thread; the answer is sent later from that thread.
#include <chrono>
#include <functional>
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "access.hpp"
#include "config.hpp"
#include "process_stats.hpp"
#include "readiness.hpp"
#include "scrape.hpp"
#include "worker.hpp"

namespace sg::monitor {
namespace {

constexpr const char* kId = "monitor";
constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
// Requests waiting for the worker; past this the monitor answers 503 at once.
constexpr size_t kMaxQueued = 64;

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

class Monitor final : public sg::Plugin {
 public:
  Monitor(sg::Host host, const json& config)
      : sg::Plugin(host), config_(parse_config(config, dev_mode(host))) {}

  void start() override {
    worker_.start();
    http_ =
        ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
    router_.bind(http_.get());
    // Liveness is the hottest monitor route (probes every few seconds, load benchmarks):
    // a constant body, no JSON building per request.
    router_.add(SG_HTTP_GET, "/health", [](const http::Exchange& ex) {
      static constexpr std::string_view kBody = R"({"status":"ok"})";
      ex.respond(200, kBody, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}});
    });
    router_.add(SG_HTTP_GET, "/ready", [this](const http::Exchange& ex) {
      off_thread(ex, [this](const http::Exchange& e) { answer_ready(e); });
    });
    router_.add(SG_HTTP_GET, "/metrics", [this](const http::Exchange& ex) {
      switch (metrics_allowed(ex)) {
        case MetricsAccess::kAllowed:
          off_thread(ex, [this](const http::Exchange& e) { answer_metrics(e); });
          return;
        case MetricsAccess::kUnauthorized:
          ex.respond(401,
                     http::error_body("unauthorized",
                                      "metrics need the scrape credentials (HTTP Basic, user "
                                      "\"metrics\", password plugins.monitor.metrics.token)"),
                     {{"Content-Type", "application/json"},
                      {"WWW-Authenticate", "Basic realm=\"metrics\""}});
          return;
        case MetricsAccess::kForbidden:
          ex.respond_error(403, "forbidden",
                           "metrics are for administrators, callers from "
                           "plugins.monitor.metrics.allow and holders of its token");
          return;
      }
    });
    router_.add(SG_HTTP_GET, "/api/v1/admin/plugins", [this](const http::Exchange& ex) {
      if (!allowed(ex)) {
        ex.respond_error(403, "forbidden",
                         "administrator identity required (or a direct loopback connection "
                         "when plugins.monitor.admin_allow_loopback is true)");
        return;
      }
      off_thread(ex, [this](const http::Exchange& e) { answer_plugins(e); });
    });
    host().info(std::string("monitor started (admin_allow_loopback=") +
                (config_.admin_allow_loopback ? "true" : "false") + ", metrics: " +
                std::to_string(config_.metrics_allow.size()) + " allowed network(s), token " +
                (config_.metrics_token.empty() ? "off" : "on") + ")");
  }

  // Routes go first (no new work), then queued queries finish and are answered, then the
  // http service is released.
  void stop(std::chrono::milliseconds) override {
    router_.clear();
    worker_.stop();
    http_.reset();
  }

 private:
  using Work = std::function<void(const http::Exchange&)>;

  // Runs `work` on the worker thread with its own reference on the exchange; answers 503
  // when the worker is saturated or stopping.
  void off_thread(const http::Exchange& ex, Work work) {
    const bool queued = worker_.post([ex, work = std::move(work)] {
      if (ex.cancelled()) return;
      try {
        work(ex);
      } catch (...) {
        http::Router::answer_exception(ex, std::current_exception());
      }
    });
    if (!queued) {
      ex.respond_error(503, "monitor_busy",
                       "too many monitoring requests are waiting; retry shortly");
    }
  }

  static bool dev_mode(const sg::Host& host) {
    auto v = host.config("server.dev_mode");
    return v && v->is_boolean() && v->get<bool>();
  }

  static bool proxied(const http::Exchange& ex) {
    return ex.header("Forwarded").has_value() || ex.header("X-Forwarded-For").has_value() ||
           ex.header("X-Real-IP").has_value();
  }

  static bool is_admin(const http::Exchange& ex) {
    const sg_http_identity id = ex.identity();
    return id.authenticated != 0 && id.is_admin != 0;
  }

  bool allowed(const http::Exchange& ex) const {
    return admin_allowed(
        {is_admin(ex), config_.admin_allow_loopback, ex.remote_address(), proxied(ex)});
  }

  MetricsAccess metrics_allowed(const http::Exchange& ex) const {
    return metrics_access(config_, {is_admin(ex), ex.remote_address(), proxied(ex),
                                    ex.header("Authorization").value_or("")});
  }

  void answer_ready(const http::Exchange& ex) const {
    const Readiness r = evaluate_readiness(host().plugins_describe(), kId);
    ex.respond_json(r.ready ? 200 : 503, readiness_body(r), {{"Cache-Control", "no-store"}});
  }

  void answer_metrics(const http::Exchange& ex) const {
    const std::string host_text = host().metrics_text();
    const json plugins = host().plugins_describe();
    const json stats = host().kernel_stats();
    ScrapeInputs in{host_text, read_process_stats(), &plugins, &stats, unix_now(), kId};
    ex.respond(200, render_scrape(in),
               {{"Content-Type", kMetricsContentType}, {"Cache-Control", "no-store"}});
  }

  void answer_plugins(const http::Exchange& ex) const {
    const json describe = host().plugins_describe();
    json out = json::array();
    for (const json& p : describe) {
      if (!p.is_object()) continue;
      const std::string id = p.value("id", "");
      bool healthy = p.value("healthy", true);
      if (id == kId) healthy = true;  // our own health() is not called for ourselves
      out.push_back({{"id", id},
                     {"version", p.value("version", "")},
                     {"state", p.value("state", "")},
                     {"provides", p.value("provides", json::array())},
                     {"requires", p.value("requires", json::array())},
                     {"healthy", healthy},
                     {"health", p.value("health", json::object())}});
    }
    ex.respond_json(200, out, {{"Cache-Control", "no-store"}});
  }

  MonitorConfig config_;
  Worker worker_{kMaxQueued};
  ServiceRef<sg_http_service> http_;
  http::Router router_;
};

}  // namespace
}  // namespace sg::monitor

SG_PLUGIN(sg::monitor::Monitor, "monitor", "1.0.0",
          "Health, readiness, Prometheus metrics and the admin plugin list", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
