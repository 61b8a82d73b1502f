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
#include "sql/config.hpp"

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
    ctx_.metrics.views =
        h.counter("streamgate_stream_views_total", "Playback sessions that fetched a segment");
    ctx_.metrics.watch_seconds = h.counter("streamgate_stream_watch_seconds_total",
                                           "Seconds of media delivered in segments");
    if (ctx_.config.analytics_enabled) open_analytics(h);
    if (!ctx_.config.watch_page.empty()) {
      ctx_.watch_page = std::make_unique<WatchPage>(ctx_.config.watch_page);
      std::string why;
      if (!ctx_.watch_page->load(&why))
        h.warn("streaming: /watch/{id} answers 503 until the page exists: " + why);
    }

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
    add_stats_route(router_, ctx_);
    if (ctx_.watch_page) add_watch_route(router_, ctx_);
    if (ctx_.analytics) start_flushing(h);
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    flush_timer_ = {};
    // The last counts: the kernel refuses new blocking-pool work once stop() is called, so
    // this flush runs here, on the kernel's stop thread (it waits for a running flush).
    if (ctx_.analytics) ctx_.analytics->flush();
    subscriptions_ = {};
    ctx_.auth = {};
    ctx_.metadata = {};
    auth_.reset();
    metadata_.reset();
    http_.reset();
  }

  nlohmann::json health() override {
    nlohmann::json h{{"healthy", true}, {"cached_contents", ctx_.cache.size()}};
    if (ctx_.analytics) h["analytics_sessions"] = ctx_.analytics->sessions();
    return h;
  }

 private:
  // The shared `database` section, as the worker and metadata open it.
  void open_analytics(Host h) {
    auto section = h.config("database");
    auto dbc = sql::Config::from_json(section ? *section : nlohmann::json::object());
    ctx_.analytics = std::make_unique<Analytics>(h, sql::Database::open(dbc));
  }

  // Every flush_seconds the timer queues one flush on the blocking pool (never two at once).
  void start_flushing(Host h) {
    auto period =
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.config.analytics_flush_interval);
    Analytics* a = ctx_.analytics.get();
    flush_timer_ = h.start_timer(period, period, [h, a] {
      if (!a->try_begin_scheduled_flush()) return;
      try {
        h.run_blocking([a] {
          struct Done {
            Analytics* a;
            ~Done() { a->end_scheduled_flush(); }
          } done{a};
          a->flush();
        });
      } catch (const std::exception&) {
        a->end_scheduled_flush();  // pool full or stopping: the next tick tries again
      }
    });
  }

  Context ctx_;
  ServiceRef<sg_http_service> http_;
  ServiceRef<sg_metadata_service> metadata_;
  ServiceRef<sg_auth_service> auth_;
  http::Router router_;
  Subscriptions subscriptions_;
  Timer flush_timer_;
};

}  // namespace
}  // namespace sg::streaming

SG_PLUGIN(sg::streaming::StreamingPlugin, "streaming", "1.0.0",
          "HLS and DASH delivery with playback tokens and access checks on every request",
          sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0},
                                 {SG_METADATA_SERVICE, SG_METADATA_MAJOR, 2, 0},
                                 {SG_AUTH_SERVICE, SG_AUTH_MAJOR, 0, 1}}))
