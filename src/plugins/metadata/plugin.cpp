// metadata.so: provides `metadata` v1, requires `http` v1 (identity comes from the exchange)
// and optionally `cache` v1 (read-through cache of GET /api/v1/content/{id}).
// Wiring only: the state lives in Context (context.hpp), the C table in service.cpp, the
// routes in routes.cpp, the event handlers in events.cpp.
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "context.hpp"
#include "events.hpp"
#include "routes.hpp"
#include "service.hpp"

namespace sg::metadata {
namespace {

class MetadataPlugin final : public Plugin {
 public:
  MetadataPlugin(Host host, const json& config) : Plugin(host), ctx_(host, parse_config(config)) {
    fill_service_table(table_, &ctx_);
    host.register_service(SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR, &table_);
  }

  void start() override {
    ctx_.open();
    http_ =
        ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR);
    router_.bind(http_.get());
    add_routes(ctx_, router_);
    subs_ = subscribe_events(ctx_);
    host().info("metadata: started on " + ctx_.database().describe() +
                (ctx_.cache() ? ", cache ttl " + std::to_string(ctx_.config().cache_ttl_ms) + " ms"
                              : ", no cache"));
  }

  void stop(std::chrono::milliseconds) override {
    subs_.clear();  // unsubscribe: no handler runs after this
    router_.clear();
    ctx_.close();
    http_.reset();
  }

  json health() override { return ctx_.health(); }

 private:
  Context ctx_;
  sg_metadata_service table_{};
  ServiceRef<sg_http_service> http_;
  http::Router router_;
  std::vector<Subscription> subs_;
};

}  // namespace
}  // namespace sg::metadata

SG_PLUGIN(sg::metadata::MetadataPlugin, "metadata", "1.0.0",
          "content catalogue on SQLite or PostgreSQL (service metadata v1, /api/v1/content)",
          sg::provides({{SG_METADATA_SERVICE, SG_METADATA_MAJOR, SG_METADATA_MINOR}}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, SG_HTTP_MINOR, 0},
                                 {SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 1}}))
