// The monitor's routes. /health answers on the network thread (it only proves the process
// serves requests); everything that asks the kernel about other plugins runs on the query
// thread (Context::queries), because plugins_describe() calls every plugin's health() and one
// slow plugin must not stall a gateway thread; the answer is sent later from that thread.
#include "routes.hpp"

#include <chrono>
#include <functional>
#include <string>

#include "access.hpp"
#include "process_stats.hpp"
#include "readiness.hpp"
#include "scrape.hpp"

namespace sg::monitor {
namespace {

constexpr const char* kId = "monitor";
constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

using Work = std::function<void(const http::Exchange&)>;

// Runs `work` on the query thread with its own reference on the exchange; answers 503
// when the query thread is saturated or stopping.
void off_thread(Context& ctx, const http::Exchange& ex, Work work) {
  const bool queued = ctx.queries.post([ex, work = std::move(work)] {
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

bool proxied(const http::Exchange& ex) {
  return ex.header("Forwarded").has_value() || ex.header("X-Forwarded-For").has_value() ||
         ex.header("X-Real-IP").has_value();
}

bool is_admin(const http::Exchange& ex) {
  const sg_http_identity id = ex.identity();
  return id.authenticated != 0 && id.is_admin != 0;
}

bool allowed(const Context& ctx, const http::Exchange& ex) {
  return admin_allowed(
      {is_admin(ex), ctx.config.admin_allow_loopback, ex.remote_address(), proxied(ex)});
}

MetricsAccess metrics_allowed(const Context& ctx, const http::Exchange& ex) {
  return metrics_access(ctx.config, {is_admin(ex), ex.remote_address(), proxied(ex),
                                     ex.header("Authorization").value_or("")});
}

void answer_ready(const Context& ctx, const http::Exchange& ex) {
  const Readiness r = evaluate_readiness(ctx.host.plugins_describe(), kId);
  ex.respond_json(r.ready ? 200 : 503, readiness_body(r), {{"Cache-Control", "no-store"}});
}

void answer_metrics(const Context& ctx, const http::Exchange& ex) {
  const std::string host_text = ctx.host.metrics_text();
  const json plugins = ctx.host.plugins_describe();
  const json stats = ctx.host.kernel_stats();
  ScrapeInputs in{host_text, read_process_stats(), &plugins, &stats, unix_now(), kId};
  ex.respond(200, render_scrape(in),
             {{"Content-Type", kMetricsContentType}, {"Cache-Control", "no-store"}});
}

void answer_plugins(const Context& ctx, const http::Exchange& ex) {
  const json describe = ctx.host.plugins_describe();
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

}  // namespace

void add_routes(Context& ctx, http::Router& router) {
  Context* c = &ctx;
  // Liveness is the hottest monitor route (probes every few seconds, load benchmarks):
  // a constant body, no JSON building per request.
  router.add(SG_HTTP_GET, "/health", [](const http::Exchange& ex) {
    static constexpr std::string_view kBody = R"({"status":"ok"})";
    ex.respond(200, kBody, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}});
  });
  router.add(SG_HTTP_GET, "/ready", [c](const http::Exchange& ex) {
    off_thread(*c, ex, [c](const http::Exchange& e) { answer_ready(*c, e); });
  });
  router.add(SG_HTTP_GET, "/metrics", [c](const http::Exchange& ex) {
    switch (metrics_allowed(*c, ex)) {
      case MetricsAccess::kAllowed:
        off_thread(*c, ex, [c](const http::Exchange& e) { answer_metrics(*c, e); });
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
  router.add(SG_HTTP_GET, "/api/v1/admin/plugins", [c](const http::Exchange& ex) {
    if (!allowed(*c, ex)) {
      ex.respond_error(403, "forbidden",
                       "administrator identity required (or a direct loopback connection "
                       "when plugins.monitor.admin_allow_loopback is true)");
      return;
    }
    off_thread(*c, ex, [c](const http::Exchange& e) { answer_plugins(*c, e); });
  });
}

}  // namespace sg::monitor
