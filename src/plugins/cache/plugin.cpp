// cache.so: wires a backend (memory or Redis, chosen by plugins.cache.backend) to service
// "cache" v1, host metrics and a sweep timer. All cache logic lives in the backend files.
#include <memory>
#include <string>

#include "config.hpp"
#include "memory_backend.hpp"
#include "redis_backend.hpp"
#include "service.hpp"
#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.h"

namespace sg::cache {
namespace {

class CachePlugin final : public sg::Plugin {
 public:
  CachePlugin(sg::Host host, const nlohmann::json& section) : sg::Plugin(host) {
    std::string error;
    auto cfg = parse_config(section, &error);
    if (!cfg) throw sg::Error(SG_ERR_INVALID, error);
    config_ = *cfg;
    if (config_.backend == BackendKind::kMemory) {
      backend_ = std::make_unique<MemoryBackend>(config_.memory);
    } else {
      auto redis = std::make_unique<RedisBackend>(config_.redis);
      // One line per outage and per recovery; individual failed calls are not logged.
      redis->set_state_listener([h = host](bool up, const std::string& detail) {
        if (up) {
          h.info("cache: reconnected to " + detail);
        } else {
          h.warn("cache: " + detail + "; calls fail fast with 'unavailable' until it is back");
        }
      });
      backend_ = std::move(redis);
    }
    ServiceMetrics metrics{
        host.counter("sg_cache_hits_total", "Cache reads (get/take) that found the key"),
        host.counter("sg_cache_misses_total", "Cache reads (get/take) that found no key"),
        host.counter("sg_cache_errors_total",
                     "Cache calls that failed (backend unavailable, invalid input, ...)")};
    service_ = std::make_unique<CacheService>(*backend_, metrics);
    host.register_service(SG_CACHE_SERVICE, SG_CACHE_MAJOR, SG_CACHE_MINOR, service_->table());
  }

  void start() override {
    if (config_.backend == BackendKind::kMemory) {
      sweep_ = host().start_timer(config_.sweep_interval, config_.sweep_interval,
                                  [this] { backend_->maintain(); });
      host().info("cache: memory backend, max_bytes=" + std::to_string(config_.memory.max_bytes) +
                  " shards=" + std::to_string(config_.memory.shards));
      return;
    }
    // Redis may come up after us: report, do not fail start-up; calls degrade meanwhile.
    auto& redis = static_cast<RedisBackend&>(*backend_);
    std::string url = redact_redis_url(config_.redis.pool.endpoint);
    Outcome ping = redis.ping();
    if (ping.ok()) {
      host().info("cache: redis backend at " + url);
    } else {
      // The state listener has already logged the outage itself.
      host().info("cache: redis backend at " + url + " (not reachable yet; retrying with backoff)");
    }
  }

  void stop(std::chrono::milliseconds) override {
    sweep_.reset();  // returns once no tick is running
    backend_->shutdown();
  }

  nlohmann::json health() override {
    nlohmann::json h = backend_->health();
    // An unreachable Redis degrades the cache, it does not break this instance: callers
    // treat UNAVAILABLE as a miss. Reporting "unhealthy" would make /ready pull every
    // instance out of the load balancer at once when the shared Redis fails, so the outage
    // is reported as "degraded" (plus the warning log and sg_cache_errors_total) instead.
    bool connected = h.value("connected", false);
    h["healthy"] = true;
    h["degraded"] = !connected;
    std::string why = "not connected yet";
    if (auto it = h.find("last_error"); it != h.end() && it->is_string()) why = *it;
    h["status"] = connected ? std::string("ok") : "backend unreachable: " + why;
    h["hits"] = service_->hits();
    h["misses"] = service_->misses();
    h["errors"] = service_->errors();
    return h;
  }

 private:
  CacheConfig config_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<CacheService> service_;
  sg::Timer sweep_;
};

}  // namespace
}  // namespace sg::cache

SG_PLUGIN(sg::cache::CachePlugin, "cache", "1.0.0",
          "Key/value cache (memory or Redis) behind service cache v1",
          sg::provides({{SG_CACHE_SERVICE, SG_CACHE_MAJOR, SG_CACHE_MINOR}}),
          sg::requires_services({}))
