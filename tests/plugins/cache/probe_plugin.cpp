// cache_probe.so (test plugin): exposes the cache v1 service over HTTP so that a test can
// drive cache.so across the C ABI inside the real streamgate binary.
//   PUT    /test/cache/{key}?ttl_ms=N   body = value          -> 204
//   POST   /test/cache/{key}/nx?ttl_ms=N body = value         -> 201 | 409
//   GET    /test/cache/{key}                                  -> 200 value | 404
//   DELETE /test/cache/{key}                                  -> 200 {"removed":bool}
//   POST   /test/cache/{key}/incr?delta=D&ttl_ms=N            -> 200 {"value":n}
//   POST   /test/cache/{key}/take                             -> 200 value | 404
// Cache calls may block (Redis), so each runs on the blocking pool and answers later.
#include <charconv>
#include <memory>
#include <string>
#include <string_view>

#include "cache_client.hpp"
#include "streamgate/plugin.hpp"
#include "streamgate/services/cache.h"
#include "streamgate/services/http.hpp"

namespace {

using sg::http::Exchange;
using sg::http::HttpError;

template <typename T>
T number_param(const Exchange& ex, std::string_view name, T fallback) {
  auto text = ex.query_param(name);
  if (!text) return fallback;
  T v{};
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size())
    throw HttpError(400, "invalid_parameter", std::string(name) + " must be an integer");
  return v;
}

void answer_failure(const Exchange& ex, const cachetest::Reply& r) {
  ex.respond_error(sg::http::status_for(r.status), sg::http::Router::code_for(r.status), r.message);
}

class CacheProbe final : public sg::Plugin {
 public:
  CacheProbe(sg::Host host, const sg::json&) : sg::Plugin(host) {}

  void start() override {
    cache_ = host().acquire<sg_cache_service>(SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
    http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    if (cache_ == nullptr || http_ == nullptr)
      throw sg::Error(SG_ERR_NOT_FOUND, "cache_probe needs services cache v1 and http v1");
    client_ = cachetest::Client(cache_);
    router_.bind(http_);
    constexpr uint64_t kMaxBody = 2 << 20;
    router_.add({SG_HTTP_PUT, "/test/cache/{key}", SG_HTTP_BODY_BUFFER, kMaxBody},
                [this](const Exchange& ex) {
                  uint64_t ttl = number_param<uint64_t>(ex, "ttl_ms", 0);
                  later(ex, [this, ttl](const Exchange& e) {
                    auto r = client_.set(*e.path_param("key"), e.body(), ttl);
                    if (r.status != SG_OK) return answer_failure(e, r);
                    e.respond(204, "");
                  });
                });
    router_.add({SG_HTTP_POST, "/test/cache/{key}/nx", SG_HTTP_BODY_BUFFER, kMaxBody},
                [this](const Exchange& ex) {
                  uint64_t ttl = number_param<uint64_t>(ex, "ttl_ms", 0);
                  later(ex, [this, ttl](const Exchange& e) {
                    auto r = client_.set_if_absent(*e.path_param("key"), e.body(), ttl);
                    if (r.status != SG_OK) return answer_failure(e, r);
                    e.respond(201, "");
                  });
                });
    router_.add(SG_HTTP_GET, "/test/cache/{key}", [this](const Exchange& ex) {
      later(ex, [this](const Exchange& e) {
        auto r = client_.get(*e.path_param("key"));
        if (r.status != SG_OK) return answer_failure(e, r);
        e.respond(200, r.value, {{"Content-Type", "application/octet-stream"}});
      });
    });
    router_.add(SG_HTTP_DELETE, "/test/cache/{key}", [this](const Exchange& ex) {
      later(ex, [this](const Exchange& e) {
        int removed = 0;
        auto r = client_.del(*e.path_param("key"), &removed);
        if (r.status != SG_OK) return answer_failure(e, r);
        e.respond_json(200, {{"removed", removed != 0}});
      });
    });
    router_.add(SG_HTTP_POST, "/test/cache/{key}/incr", [this](const Exchange& ex) {
      int64_t delta = number_param<int64_t>(ex, "delta", 1);
      uint64_t ttl = number_param<uint64_t>(ex, "ttl_ms", 0);
      later(ex, [this, delta, ttl](const Exchange& e) {
        int64_t value = 0;
        auto r = client_.incr(*e.path_param("key"), delta, ttl, &value);
        if (r.status != SG_OK) return answer_failure(e, r);
        e.respond_json(200, {{"value", value}});
      });
    });
    router_.add(SG_HTTP_POST, "/test/cache/{key}/take", [this](const Exchange& ex) {
      later(ex, [this](const Exchange& e) {
        auto r = client_.take(*e.path_param("key"));
        if (r.status != SG_OK) return answer_failure(e, r);
        e.respond(200, r.value, {{"Content-Type", "application/octet-stream"}});
      });
    });
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    if (cache_ != nullptr) host().release(SG_CACHE_SERVICE, SG_CACHE_MAJOR);
    if (http_ != nullptr) host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    cache_ = nullptr;
    http_ = nullptr;
  }

 private:
  // Runs `fn` on the blocking pool with its own reference on the exchange.
  template <typename Fn>
  void later(const Exchange& ex, Fn fn) {
    host().run_blocking([ex, fn = std::move(fn)]() {
      try {
        fn(ex);
      } catch (...) {
        sg::http::Router::answer_exception(ex, std::current_exception());
      }
    });
  }

  const sg_cache_service* cache_ = nullptr;
  const sg_http_service* http_ = nullptr;
  cachetest::Client client_;
  sg::http::Router router_;
};

}  // namespace

SG_PLUGIN(CacheProbe, "cache_probe", "1.0.0", "test plugin: cache v1 over HTTP", sg::provides({}),
          sg::requires_services({{SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 0},
                                 {SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0}}))
