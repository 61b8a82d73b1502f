// worker.so: durable jobs and webhooks. Provides `jobs` v1, requires `http` v1 for its REST
// routes. Wiring only: the state lives in Context (context.hpp), the C table in service.cpp,
// the routes in routes.cpp and webhook_routes.cpp, the bus subscriptions in events.cpp.
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "context.hpp"
#include "events.hpp"
#include "routes.hpp"
#include "service.hpp"

namespace sg::worker {
namespace {

class WorkerPlugin final : public Plugin {
 public:
  WorkerPlugin(Host host, const json& config)
      : Plugin(host), ctx_(host, WorkerConfig::from_json(config)) {
    fill_service_table(table_, &ctx_);
    host.register_service(SG_JOBS_SERVICE, SG_JOBS_MAJOR, SG_JOBS_MINOR, &table_);
  }

  void start() override {
    ctx_.open();
    http_ =
        ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
    router_.bind(http_.get());
    add_routes(ctx_, router_);
    add_webhook_routes(ctx_, router_);
    subscriptions_ = subscribe_events(ctx_);
    const WorkerConfig& config = ctx_.config();
    host().info("worker: started on " + ctx_.database().describe() + " with " +
                std::to_string(config.runner.concurrency) + " threads, lease " +
                std::to_string(config.runner.lease_ms) + " ms, " +
                std::to_string(config.runner.schedules.size()) + " schedule(s), webhooks " +
                (config.webhooks.enabled
                     ? "on (" + std::to_string(config.webhooks.endpoints.size()) + " global)"
                     : std::string("off")));
  }

  void stop(std::chrono::milliseconds) override {
    subscriptions_.clear();
    router_.clear();
    ctx_.close();
    http_.reset();
  }

  json health() override { return ctx_.health(); }

 private:
  Context ctx_;
  sg_jobs_service table_{};
  ServiceRef<sg_http_service> http_;
  http::Router router_;
  std::vector<Subscription> subscriptions_;
};

}  // namespace
}  // namespace sg::worker

SG_PLUGIN(sg::worker::WorkerPlugin, "worker", "1.0.0",
          "durable background jobs on SQLite or PostgreSQL (service jobs v1, /api/v1/jobs) "
          "and webhooks (/api/v1/webhooks)",
          sg::provides({{SG_JOBS_SERVICE, SG_JOBS_MAJOR, SG_JOBS_MINOR}}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0}}))
