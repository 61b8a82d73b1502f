// StreamGate plugin SDK — header-only C++ layer over the C ABI in plugin.h.
//
// Lets a plugin read like ordinary C++ (RAII handles, lambdas, nlohmann::json) while the
// boundary stays C: every callback the kernel sees is a noexcept shim that turns
// exceptions into sg_status + message. Typical use:
//
//   class Hello final : public sg::Plugin {
//    public:
//     Hello(sg::Host host, const nlohmann::json& config) : sg::Plugin(host) {}
//     void start() override {}
//     void stop(std::chrono::milliseconds) override {}
//   };
//   SG_PLUGIN(Hello, "hello", "1.0.0", "says hello",
//             sg::provides({}), sg::requires_services({{"http", 1, 0}}))
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin.h"

namespace sg {

using json = nlohmann::json;

// An error carrying an sg_status; thrown inside plugins, converted at the boundary.
class Error : public std::runtime_error {
 public:
  Error(sg_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  sg_status status() const noexcept { return status_; }

 private:
  sg_status status_;
};

// Implementing a service vtable (a provider): each C entry point of the table wraps its
// C++ body in guard(), hands strings to the caller with give(), and reports failures with
// fail(). See src/plugins/worker/service.cpp for a complete provider.
namespace provider {

// Fills *err (when not NULL) with status and a message cut to SG_ERROR_MESSAGE_MAX.
inline void fail(sg_error* err, sg_status status, std::string_view message) noexcept {
  if (err == nullptr) return;
  err->status = status;
  size_t n = message.size() < SG_ERROR_MESSAGE_MAX - 1 ? message.size() : SG_ERROR_MESSAGE_MAX - 1;
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

inline void release_malloced(char* data) noexcept {
  std::free(data);
}

// Copies `s` into an sg_owned_str the receiver frees through its `release`. False when out
// is NULL or memory ran out.
inline bool give(std::string_view s, sg_owned_str* out) noexcept {
  if (out == nullptr) return false;
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return false;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  out->data = p;
  out->size = s.size();
  out->release = &release_malloced;
  return true;
}

// Runs `fn` and returns SG_OK, or maps what it throws to a status and message: sg::Error
// keeps its status, anything else is SG_ERR_INTERNAL. Nothing escapes.
template <typename Fn>
sg_status guard(sg_error* err, Fn&& fn) noexcept {
  try {
    fn();
    return SG_OK;
  } catch (const Error& e) {
    fail(err, e.status(), e.what());
    return e.status();
  } catch (const std::exception& e) {
    fail(err, SG_ERR_INTERNAL, e.what());
    return SG_ERR_INTERNAL;
  } catch (...) {
    fail(err, SG_ERR_INTERNAL, "unknown exception");
    return SG_ERR_INTERNAL;
  }
}

}  // namespace provider

// The SDK's own plumbing. Not for plugins: use sg::provider.
namespace detail {
inline void fill_error(sg_error* err, sg_status status, std::string_view message) noexcept {
  provider::fail(err, status, message);
}
inline bool make_owned(std::string_view s, sg_owned_str* out) noexcept {
  return provider::give(s, out);
}
template <typename Fn>
sg_status guarded(sg_error* err, Fn&& fn) noexcept {
  return provider::guard(err, std::forward<Fn>(fn));
}
}  // namespace detail

// Takes ownership of an sg_owned_str and converts it to std::string.
inline std::string take_owned(sg_owned_str& s) {
  std::string out = s.data != nullptr ? std::string(s.data, s.size) : std::string();
  if (s.data != nullptr && s.release != nullptr) s.release(s.data);
  s.data = nullptr;
  s.size = 0;
  return out;
}

// Throws sg::Error when status is not SG_OK.
inline void check(sg_status status, const sg_error& err, std::string_view what) {
  if (status == SG_OK) return;
  std::string msg(what);
  if (err.message[0] != '\0') {
    msg += ": ";
    msg += err.message;
  }
  throw Error(status, msg);
}

class Host;

// An event subscription; unsubscribes on destruction (after which the callback never runs).
class Subscription {
 public:
  Subscription() = default;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  Subscription(Subscription&& o) noexcept { *this = std::move(o); }
  Subscription& operator=(Subscription&& o) noexcept {
    reset();
    api_ = std::exchange(o.api_, nullptr);
    id_ = std::exchange(o.id_, 0);
    fn_ = std::move(o.fn_);
    ctx_ = std::move(o.ctx_);
    return *this;
  }
  ~Subscription() { reset(); }
  void reset() noexcept {
    if (api_ != nullptr && id_ != 0) api_->unsubscribe(api_->host, id_);
    api_ = nullptr;
    id_ = 0;
    ctx_.reset();
    fn_.reset();
  }
  uint64_t id() const noexcept { return id_; }

 private:
  friend class Host;
  using Fn = std::function<void(std::string_view topic, const json& payload)>;
  struct Context {
    const sg_host_api* api;
    Fn* fn;
  };
  const sg_host_api* api_ = nullptr;
  uint64_t id_ = 0;
  std::unique_ptr<Fn> fn_;
  std::unique_ptr<Context> ctx_;
};

// A timer; cancelled on destruction (after which the callback never runs).
class Timer {
 public:
  Timer() = default;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  Timer(Timer&& o) noexcept { *this = std::move(o); }
  Timer& operator=(Timer&& o) noexcept {
    reset();
    api_ = std::exchange(o.api_, nullptr);
    id_ = std::exchange(o.id_, 0);
    fn_ = std::move(o.fn_);
    return *this;
  }
  ~Timer() { reset(); }
  void reset() noexcept {
    if (api_ != nullptr && id_ != 0) api_->timer_cancel(api_->host, id_);
    api_ = nullptr;
    id_ = 0;
    fn_.reset();
  }

 private:
  friend class Host;
  // What the host's timer thread calls back with: the callback and where to log its failures.
  struct Context {
    const sg_host_api* api;
    std::function<void()> fn;
  };
  const sg_host_api* api_ = nullptr;
  uint64_t id_ = 0;
  std::unique_ptr<Context> fn_;
};

// A typed handle on a host metric.
class Metric {
 public:
  Metric() = default;
  Metric(const sg_host_api* api, sg_metric* m) : api_(api), m_(m) {}
  void add(double v = 1.0) const noexcept {
    if (m_ != nullptr) api_->metric_add(m_, v);
  }
  void set(double v) const noexcept {
    if (m_ != nullptr) api_->metric_set(m_, v);
  }
  void observe(double v) const noexcept {
    if (m_ != nullptr) api_->metric_observe(m_, v);
  }
  explicit operator bool() const noexcept { return m_ != nullptr; }

 private:
  const sg_host_api* api_ = nullptr;
  sg_metric* m_ = nullptr;
};

// Non-owning view of the host API table with C++ conveniences. Cheap to copy.
class Host {
 public:
  Host() = default;
  explicit Host(const sg_host_api* api) : api_(api) {}
  const sg_host_api* api() const noexcept { return api_; }

  // --- logging
  bool log_enabled(sg_log_level level) const noexcept {
    return api_->log_enabled(api_->host, level) != 0;
  }
  void log(sg_log_level level, std::string_view msg) const noexcept {
    api_->log(api_->host, level, msg.data(), msg.size());
  }
  void trace(std::string_view m) const noexcept { log(SG_LOG_TRACE, m); }
  void debug(std::string_view m) const noexcept { log(SG_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(SG_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(SG_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(SG_LOG_ERROR, m); }

  // --- configuration: std::nullopt when the path is absent.
  std::optional<json> config(std::string_view path) const {
    sg_owned_str out{};
    sg_error err{};
    sg_status st = api_->config_get(api_->host, path.data(), path.size(), &out, &err);
    if (st == SG_ERR_NOT_FOUND) return std::nullopt;
    check(st, err, "config_get(" + std::string(path) + ")");
    return json::parse(take_owned(out));
  }

  // --- event bus
  void publish(std::string_view topic, const json& payload) const {
    std::string body = payload.dump();
    sg_error err{};
    check(api_->publish(api_->host, topic.data(), topic.size(), body.data(), body.size(), &err),
          err, "publish(" + std::string(topic) + ")");
  }

  // The callback runs on a kernel event thread; exceptions it throws are logged and dropped.
  [[nodiscard]] Subscription subscribe(
      std::string_view pattern, std::function<void(std::string_view, const json&)> fn) const {
    Subscription sub;
    sub.fn_ = std::make_unique<Subscription::Fn>(std::move(fn));
    sub.ctx_ = std::make_unique<Subscription::Context>(Subscription::Context{api_, sub.fn_.get()});
    sg_error err{};
    uint64_t id = 0;
    check(api_->subscribe(api_->host, pattern.data(), pattern.size(), &Host::event_shim,
                          sub.ctx_.get(), &id, &err),
          err, "subscribe(" + std::string(pattern) + ")");
    sub.api_ = api_;
    sub.id_ = id;
    return sub;
  }

  // --- services
  void register_service(std::string_view name, uint32_t major, uint32_t minor,
                        const void* vtable) const {
    sg_error err{};
    check(api_->service_register(api_->host, name.data(), name.size(), major, minor, vtable, &err),
          err, "service_register(" + std::string(name) + ")");
  }
  // Returns nullptr when absent (for optional dependencies); throws on version mismatch.
  template <typename Table>
  const Table* acquire(std::string_view name, uint32_t major, uint32_t min_minor) const {
    const void* table = nullptr;
    sg_error err{};
    sg_status st =
        api_->service_acquire(api_->host, name.data(), name.size(), major, min_minor, &table, &err);
    if (st == SG_ERR_NOT_FOUND) return nullptr;
    check(st, err, "service_acquire(" + std::string(name) + ")");
    return static_cast<const Table*>(table);
  }
  void release(std::string_view name, uint32_t major) const noexcept {
    api_->service_release(api_->host, name.data(), name.size(), major);
  }

  // --- executors: the function runs on the blocking pool; exceptions are logged.
  void run_blocking(std::function<void()> fn) const {
    auto* task = new BlockingTask{api_, std::move(fn)};
    sg_error err{};
    sg_status st = api_->run_blocking(api_->host, &Host::blocking_shim, task, &err);
    if (st != SG_OK) {
      delete task;
      check(st, err, "run_blocking");
    }
  }

  [[nodiscard]] Timer start_timer(std::chrono::milliseconds delay, std::chrono::milliseconds period,
                                  std::function<void()> fn) const {
    Timer t;
    t.fn_ = std::make_unique<Timer::Context>(Timer::Context{api_, std::move(fn)});
    sg_error err{};
    uint64_t id = 0;
    check(api_->timer_start(api_->host, static_cast<uint64_t>(delay.count()),
                            static_cast<uint64_t>(period.count()), &Host::timer_shim, t.fn_.get(),
                            &id, &err),
          err, "timer_start");
    t.api_ = api_;
    t.id_ = id;
    return t;
  }

  // --- metrics
  Metric counter(std::string_view name, std::string_view help, std::string_view labels = {}) const {
    return metric(SG_METRIC_COUNTER, name, help, labels);
  }
  Metric gauge(std::string_view name, std::string_view help, std::string_view labels = {}) const {
    return metric(SG_METRIC_GAUGE, name, help, labels);
  }
  Metric histogram(std::string_view name, std::string_view help, std::string_view labels = {},
                   const std::vector<double>& buckets = {}) const {
    return Metric(api_,
                  api_->metric_get(api_->host, SG_METRIC_HISTOGRAM, name.data(), name.size(),
                                   help.data(), help.size(), labels.data(), labels.size(),
                                   buckets.empty() ? nullptr : buckets.data(), buckets.size()));
  }
  std::string metrics_text() const {
    sg_owned_str out{};
    sg_error err{};
    check(api_->metrics_render(api_->host, &out, &err), err, "metrics_render");
    return take_owned(out);
  }
  json plugins_describe() const {
    sg_owned_str out{};
    sg_error err{};
    check(api_->plugins_describe(api_->host, &out, &err), err, "plugins_describe");
    return json::parse(take_owned(out));
  }
  json kernel_stats() const {
    sg_owned_str out{};
    sg_error err{};
    check(api_->kernel_stats(api_->host, &out, &err), err, "kernel_stats");
    return json::parse(take_owned(out));
  }
  void request_shutdown() const noexcept { api_->request_shutdown(api_->host); }

 private:
  struct BlockingTask {
    const sg_host_api* api;
    std::function<void()> fn;
  };

  Metric metric(sg_metric_kind kind, std::string_view name, std::string_view help,
                std::string_view labels) const {
    return Metric(api_, api_->metric_get(api_->host, kind, name.data(), name.size(), help.data(),
                                         help.size(), labels.data(), labels.size(), nullptr, 0));
  }

  static void event_shim(void* user, const char* topic, size_t topic_size, const char* payload,
                         size_t payload_size) noexcept {
    auto* ctx = static_cast<Subscription::Context*>(user);
    try {
      json doc = json::parse(std::string_view(payload, payload_size));
      (*ctx->fn)(std::string_view(topic, topic_size), doc);
    } catch (const std::exception& e) {
      std::string msg =
          "event handler for '" + std::string(topic, topic_size) + "' threw: " + e.what();
      ctx->api->log(ctx->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    } catch (...) {
      static constexpr std::string_view msg = "event handler threw a non-standard exception";
      ctx->api->log(ctx->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    }
  }
  static void blocking_shim(void* user) noexcept {
    std::unique_ptr<BlockingTask> task(static_cast<BlockingTask*>(user));
    try {
      task->fn();
    } catch (const std::exception& e) {
      std::string msg = std::string("blocking task threw: ") + e.what();
      task->api->log(task->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    } catch (...) {
      static constexpr std::string_view msg = "blocking task threw a non-standard exception";
      task->api->log(task->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    }
  }
  // A timer keeps ticking after a failed tick; the failure is logged, never swallowed.
  static void timer_shim(void* user) noexcept {
    auto* ctx = static_cast<Timer::Context*>(user);
    try {
      ctx->fn();
    } catch (const std::exception& e) {
      std::string msg = std::string("timer callback threw: ") + e.what();
      ctx->api->log(ctx->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    } catch (...) {
      static constexpr std::string_view msg = "timer callback threw a non-standard exception";
      ctx->api->log(ctx->api->host, SG_LOG_ERROR, msg.data(), msg.size());
    }
  }

  const sg_host_api* api_ = nullptr;
};

// A service this plugin acquired, released when the reference goes (or at reset()).
// Acquire in start(), reset in stop() after the routes and work that use it are gone:
//
//   http_ = sg::ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
//   cache_ = sg::ServiceRef<sg_cache_service>::optional(host(), SG_CACHE_SERVICE, 1, 0);
//   if (cache_) ... cache_->get(cache_->self, ...);
template <typename Table>
class ServiceRef {
 public:
  ServiceRef() = default;
  ServiceRef(const ServiceRef&) = delete;
  ServiceRef& operator=(const ServiceRef&) = delete;
  ServiceRef(ServiceRef&& o) noexcept { *this = std::move(o); }
  ServiceRef& operator=(ServiceRef&& o) noexcept {
    if (this != &o) {
      reset();
      host_ = o.host_;
      name_ = std::move(o.name_);
      major_ = o.major_;
      table_ = std::exchange(o.table_, nullptr);
    }
    return *this;
  }
  ~ServiceRef() { reset(); }

  // A dependency the plugin cannot work without: throws sg::Error (SG_ERR_NOT_FOUND naming
  // the service, or SG_ERR_VERSION) when it is not there.
  static ServiceRef require(Host host, std::string_view name, uint32_t major, uint32_t min_minor) {
    ServiceRef r = optional(host, name, major, min_minor);
    if (!r)
      throw Error(SG_ERR_NOT_FOUND, "service " + std::string(name) + " v" + std::to_string(major) +
                                        " is not available");
    return r;
  }
  // An optional dependency: empty when no provider is loaded; throws on a version mismatch.
  static ServiceRef optional(Host host, std::string_view name, uint32_t major, uint32_t min_minor) {
    ServiceRef r;
    r.table_ = host.acquire<Table>(name, major, min_minor);
    if (r.table_ != nullptr) {
      r.host_ = host;
      r.name_ = std::string(name);
      r.major_ = major;
    }
    return r;
  }

  // Releases the service; the table must not be used afterwards.
  void reset() noexcept {
    if (table_ == nullptr) return;
    table_ = nullptr;
    host_.release(name_, major_);
  }

  const Table* get() const noexcept { return table_; }
  const Table* operator->() const noexcept { return table_; }
  explicit operator bool() const noexcept { return table_ != nullptr; }

 private:
  Host host_;
  std::string name_;
  uint32_t major_ = 0;
  const Table* table_ = nullptr;
};

// Base class for C++ plugins. The constructor is create() (register services only).
class Plugin {
 public:
  explicit Plugin(Host host) : host_(host) {}
  virtual ~Plugin() = default;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  virtual void start() {}
  virtual void stop(std::chrono::milliseconds deadline) { (void)deadline; }
  // Must be quick; include "healthy": bool.
  virtual json health() { return json{{"healthy", true}}; }

  const Host& host() const noexcept { return host_; }

 private:
  Host host_;
};

inline std::vector<sg_service_decl> provides(std::vector<sg_service_decl> v) {
  return v;
}
inline std::vector<sg_service_dep> requires_services(std::vector<sg_service_dep> v) {
  return v;
}

namespace detail {

template <typename P>
struct PluginShims {
  static sg_status create(const sg_host_api* host, const char* config, size_t config_size,
                          void** out, sg_error* err) noexcept {
    return guarded(err, [&] {
      json cfg =
          config_size == 0 ? json::object() : json::parse(std::string_view(config, config_size));
      *out = new P(Host(host), cfg);
    });
  }
  static sg_status start(void* self, sg_error* err) noexcept {
    return guarded(err, [&] { static_cast<P*>(self)->start(); });
  }
  static sg_status stop(void* self, uint64_t deadline_ms, sg_error* err) noexcept {
    return guarded(err, [&] {
      static_cast<P*>(self)->stop(std::chrono::milliseconds(static_cast<int64_t>(deadline_ms)));
    });
  }
  static void destroy(void* self) noexcept {
    try {
      delete static_cast<P*>(self);
    } catch (...) {
      // Destructors must not throw; nothing sensible remains to do here.
    }
  }
  static sg_status health(void* self, sg_owned_str* out, sg_error* err) noexcept {
    return guarded(err, [&] {
      std::string text = static_cast<P*>(self)->health().dump();
      if (!make_owned(text, out)) throw Error(SG_ERR_INTERNAL, "out of memory");
    });
  }
};

template <typename P>
const sg_plugin_descriptor* make_descriptor(const char* id, const char* version,
                                            const char* description,
                                            std::vector<sg_service_decl> provided,
                                            std::vector<sg_service_dep> deps) noexcept {
  // Built once, kept for the process lifetime (plugins are never unloaded in ABI v1).
  static const std::vector<sg_service_decl> provides_storage = std::move(provided);
  static const std::vector<sg_service_dep> deps_storage = std::move(deps);
  static const sg_plugin_descriptor descriptor = {
      sizeof(sg_plugin_descriptor),
      SG_ABI_MAJOR,
      SG_ABI_MINOR,
      id,
      version,
      description,
      provides_storage.empty() ? nullptr : provides_storage.data(),
      provides_storage.size(),
      deps_storage.empty() ? nullptr : deps_storage.data(),
      deps_storage.size(),
      &PluginShims<P>::create,
      &PluginShims<P>::start,
      &PluginShims<P>::stop,
      &PluginShims<P>::destroy,
      &PluginShims<P>::health,
  };
  return &descriptor;
}

}  // namespace detail
}  // namespace sg

// Emits the plugin's entry point. PROVIDES is sg::provides({...}), DEPENDS is
// sg::requires_services({...}); string arguments must be literals.
#define SG_PLUGIN(Class, Id, Version, Description, PROVIDES, DEPENDS)                           \
  extern "C" SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t host_major,         \
                                                                   uint32_t host_minor) {       \
    (void)host_major; /* the kernel compares versions and names both on a mismatch */           \
    (void)host_minor;                                                                           \
    try {                                                                                       \
      return ::sg::detail::make_descriptor<Class>(Id, Version, Description, PROVIDES, DEPENDS); \
    } catch (...) {                                                                             \
      return nullptr;                                                                           \
    }                                                                                           \
  }
