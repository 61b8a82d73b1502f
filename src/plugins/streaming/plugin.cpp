// streaming.so — entry point and wiring: config, the media folder, the services used
// (http, metadata, auth), the routes and the bus subscriptions that keep the content cache
// current.
#include <streamgate/plugin.hpp>
#include <streamgate/services/auth.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/metadata.hpp>

#include "context.hpp"
#include "events.hpp"
#include "routes.hpp"

namespace sg::streaming {
namespace {

class StreamingPlugin final : public Plugin {
 public:
  StreamingPlugin(Host host, const nlohmann::json& config) : Plugin(host) {
    ctx_.host = host;
    ctx_.config = parse_config(config);
  }

  void start() override {
    Host h = host();
    auto data_dir = h.config("server.data_dir");
    if (!data_dir || !data_dir->is_string())
      throw Error(SG_ERR_INVALID, "server.data_dir is not set");
    try {
      ctx_.media_root = open_root(data_dir->get<std::string>() + "/media");
    } catch (const std::exception& e) {
      throw Error(SG_ERR_UNAVAILABLE, e.what());
    }
    ctx_.cache.configure(ctx_.config.content_cache_ttl, ctx_.config.content_cache_max_entries);
    ctx_.chain_names = ctx_.config.chain_names;
    ctx_.metrics.host = h;
    ctx_.metrics.manifests_rewritten = h.counter("streamgate_stream_manifests_rewritten_total",
                                                 "Manifests served with playback tokens");
    ctx_.metrics.files_served =
        h.counter("streamgate_stream_files_total", "Media files served from disk");
    ctx_.metrics.cache_misses = h.counter("streamgate_stream_content_cache_misses_total",
                                          "Streaming requests that read the catalogue");

    http_ = ServiceRef<sg_http_service>::require(h, SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    metadata_ =
        ServiceRef<sg_metadata_service>::require(h, SG_METADATA_SERVICE, SG_METADATA_MAJOR, 2);
    auth_ = ServiceRef<sg_auth_service>::optional(h, SG_AUTH_SERVICE, SG_AUTH_MAJOR, 0);
    if (!auth_) h.warn("streaming: auth service absent: only public content plays");
    ctx_.metadata = metadata::Client(metadata_.get());
    ctx_.auth = auth::Client(auth_.get());

    subscriptions_ = subscribe_events(ctx_);
    router_.bind(http_.get());
    add_media_routes(router_, ctx_);
    add_playback_route(router_, ctx_);
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    subscriptions_ = {};
    ctx_.auth = {};
    ctx_.metadata = {};
    auth_.reset();
    metadata_.reset();
    http_.reset();
  }

  nlohmann::json health() override {
    return {{"healthy", true}, {"cached_contents", ctx_.cache.size()}};
  }

 private:
  Context ctx_;
  ServiceRef<sg_http_service> http_;
  ServiceRef<sg_metadata_service> metadata_;
  ServiceRef<sg_auth_service> auth_;
  http::Router router_;
  Subscriptions subscriptions_;
};

}  // namespace
}  // namespace sg::streaming

SG_PLUGIN(sg::streaming::StreamingPlugin, "streaming", "1.0.0",
          "HLS and DASH delivery with playback tokens and access checks on every request",
          sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0},
                                 {SG_METADATA_SERVICE, SG_METADATA_MAJOR, 2, 0},
                                 {SG_AUTH_SERVICE, SG_AUTH_MAJOR, 0, 1}}))
