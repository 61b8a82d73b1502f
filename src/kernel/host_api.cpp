#include "host_api.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#include "kernel.hpp"
#include "log.hpp"

namespace sgk {

namespace {

void release_malloced(char* data) {
  std::free(data);
}

std::string_view view(const char* data, size_t size) {
  return data == nullptr ? std::string_view() : std::string_view(data, size);
}

spdlog::level::level_enum to_spd(sg_log_level level) {
  switch (level) {
    case SG_LOG_TRACE:
      return spdlog::level::trace;
    case SG_LOG_DEBUG:
      return spdlog::level::debug;
    case SG_LOG_INFO:
      return spdlog::level::info;
    case SG_LOG_WARN:
      return spdlog::level::warn;
    case SG_LOG_ERROR:
      return spdlog::level::err;
    case SG_LOG_CRITICAL:
      return spdlog::level::critical;
  }
  return spdlog::level::info;  // an out-of-range value from a C caller
}

bool valid(sg_host* h) {
  return h != nullptr && h->kernel != nullptr && h->plugin != nullptr;
}

// Runs `fn` (returning sg_status), turning any exception into SG_ERR_INTERNAL.
template <typename Fn>
sg_status guarded(sg_host* h, sg_error* err, const char* what, Fn&& fn) noexcept {
  if (!valid(h)) {
    fill_error(err, SG_ERR_INVALID, "invalid host handle");
    return SG_ERR_INVALID;
  }
  try {
    return fn();
  } catch (const std::exception& e) {
    fill_error(err, SG_ERR_INTERNAL, std::string(what) + ": " + e.what());
  } catch (...) {
    fill_error(err, SG_ERR_INTERNAL, std::string(what) + ": unexpected exception");
  }
  return SG_ERR_INTERNAL;
}

bool ended(const PluginRecord& p) {
  auto s = p.state.load();
  return s == PluginState::stopped || s == PluginState::failed;
}

// --- logging -----------------------------------------------------------------------

void host_log(sg_host* h, sg_log_level level, const char* msg, size_t size) {
  if (!valid(h)) return;
  try {
    h->plugin->logger->log(
        to_spd(level), spdlog::string_view_t(msg == nullptr ? "" : msg, msg == nullptr ? 0 : size));
  } catch (...) {
    // Logging must never fail the caller.
  }
}

int host_log_enabled(sg_host* h, sg_log_level level) {
  if (!valid(h)) return 0;
  return h->plugin->logger->should_log(to_spd(level)) ? 1 : 0;
}

// --- configuration -------------------------------------------------------------------

sg_status host_config_get(sg_host* h, const char* path, size_t path_size, sg_owned_str* out,
                          sg_error* err) {
  return guarded(h, err, "config_get", [&]() -> sg_status {
    if (out == nullptr) {
      fill_error(err, SG_ERR_INVALID, "config_get: out is NULL");
      return SG_ERR_INVALID;
    }
    std::string p(view(path, path_size));
    const std::string& self = h->plugin->info.id;
    const auto& tree = h->kernel->config().tree;
    nlohmann::json result;
    if (p.empty()) {
      // The whole tree, but with only this plugin's own section under "plugins".
      result = tree;
      result["plugins"] = nlohmann::json::object();
      result["plugins"][self] = h->kernel->config().plugin_section(self);
    } else {
      std::vector<std::string> parts;
      size_t start = 0;
      while (true) {
        auto dot = p.find('.', start);
        parts.push_back(
            p.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      for (const auto& part : parts) {
        if (part.empty()) {
          fill_error(err, SG_ERR_INVALID, "config_get: malformed path '" + p + "'");
          return SG_ERR_INVALID;
        }
      }
      if (parts[0] == "plugins" && (parts.size() < 2 || parts[1] != self)) {
        fill_error(err, SG_ERR_DENIED,
                   "config_get: plugin '" + self + "' may read only plugins." + self);
        return SG_ERR_DENIED;
      }
      const nlohmann::json* node = &tree;
      for (const auto& part : parts) {
        if (node->is_object() && node->contains(part)) {
          node = &(*node)[part];
        } else if (node->is_array() && !part.empty() &&
                   part.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoull(part) < node->size()) {
          node = &(*node)[std::stoull(part)];
        } else if (parts[0] == "plugins" && parts.size() == 2) {
          // Own section absent from the file: it is an empty object, as create() saw it.
          static const nlohmann::json empty = nlohmann::json::object();
          node = &empty;
          break;
        } else {
          fill_error(err, SG_ERR_NOT_FOUND, "config_get: no key '" + p + "'");
          return SG_ERR_NOT_FOUND;
        }
      }
      result = *node;
    }
    if (!make_owned_str(result.dump(), out)) {
      fill_error(err, SG_ERR_INTERNAL, "config_get: out of memory");
      return SG_ERR_INTERNAL;
    }
    return SG_OK;
  });
}

// --- event bus -------------------------------------------------------------------------

sg_status host_publish(sg_host* h, const char* topic, size_t topic_size, const char* json,
                       size_t json_size, sg_error* err) {
  return guarded(h, err, "publish", [&]() -> sg_status {
    auto st = h->kernel->bus().publish(view(topic, topic_size), view(json, json_size));
    if (!st) {
      fill_error(err, SG_ERR_INVALID, st.error());
      return SG_ERR_INVALID;
    }
    return SG_OK;
  });
}

sg_status host_subscribe(sg_host* h, const char* pattern, size_t pattern_size, sg_event_fn fn,
                         void* user, uint64_t* out_id, sg_error* err) {
  return guarded(h, err, "subscribe", [&]() -> sg_status {
    if (fn == nullptr) {
      fill_error(err, SG_ERR_INVALID, "subscribe: fn is NULL");
      return SG_ERR_INVALID;
    }
    if (ended(*h->plugin)) {
      fill_error(err, SG_ERR_CANCELLED, "subscribe: plugin has stopped");
      return SG_ERR_CANCELLED;
    }
    auto r = h->kernel->bus().subscribe(h->plugin->info.id, view(pattern, pattern_size),
                                        [fn, user](std::string_view t, std::string_view j) {
                                          fn(user, t.data(), t.size(), j.data(), j.size());
                                        });
    if (!r) {
      fill_error(err, SG_ERR_INVALID, r.error());
      return SG_ERR_INVALID;
    }
    if (out_id != nullptr) *out_id = r.value();
    return SG_OK;
  });
}

sg_status host_unsubscribe(sg_host* h, uint64_t id) {
  return guarded(h, nullptr, "unsubscribe", [&]() -> sg_status {
    return h->kernel->bus().unsubscribe(id, h->plugin->info.id) ? SG_OK : SG_ERR_NOT_FOUND;
  });
}

// --- services --------------------------------------------------------------------------

sg_status host_service_register(sg_host* h, const char* name, size_t name_size, uint32_t major,
                                uint32_t minor, const void* vtable, sg_error* err) {
  return guarded(h, err, "service_register", [&]() -> sg_status {
    auto& p = *h->plugin;
    if (ended(p)) {
      fill_error(err, SG_ERR_CANCELLED, "service_register: plugin has stopped");
      return SG_ERR_CANCELLED;
    }
    std::string n(view(name, name_size));
    std::string msg;
    sg_status st = h->kernel->services().register_service(p.info.id, n, major, minor, vtable, &msg);
    if (st != SG_OK) {
      fill_error(err, st, "service_register: " + msg);
      return st;
    }
    bool declared = false;
    for (const auto& d : p.info.provides) declared |= (d.name == n && d.major == major);
    if (!declared) {
      p.logger->warn(
          "registered service {}@{}.{} that its descriptor does not declare; "
          "dependants will not be ordered after this plugin",
          n, major, minor);
    }
    p.logger->debug("registered service {}@{}.{}", n, major, minor);
    return SG_OK;
  });
}

sg_status host_service_acquire(sg_host* h, const char* name, size_t name_size, uint32_t major,
                               uint32_t min_minor, const void** out_vtable, sg_error* err) {
  return guarded(h, err, "service_acquire", [&]() -> sg_status {
    std::string msg;
    sg_status st = h->kernel->services().acquire(
        h->plugin->info.id, std::string(view(name, name_size)), major, min_minor, out_vtable, &msg);
    if (st != SG_OK) fill_error(err, st, "service_acquire: " + msg);
    return st;
  });
}

void host_service_release(sg_host* h, const char* name, size_t name_size, uint32_t major) {
  if (!valid(h)) return;
  try {
    std::string n(view(name, name_size));
    if (!h->kernel->services().release(h->plugin->info.id, n, major)) {
      h->plugin->logger->warn("service_release({}@{}) without a matching acquire", n, major);
    }
  } catch (...) {
    // Nothing to report through a void function; the registry is unchanged.
  }
}

// --- executors -------------------------------------------------------------------------

sg_status host_run_blocking(sg_host* h, sg_task_fn fn, void* user, sg_error* err) {
  return guarded(h, err, "run_blocking", [&]() -> sg_status {
    if (fn == nullptr) {
      fill_error(err, SG_ERR_INVALID, "run_blocking: fn is NULL");
      return SG_ERR_INVALID;
    }
    sg_status st = h->kernel->blocking().submit(h->plugin->info.id, [fn, user] { fn(user); });
    switch (st) {
      case SG_OK:
        break;
      case SG_ERR_CANCELLED:
        fill_error(err, st, "run_blocking: plugin is stopping");
        break;
      case SG_ERR_LIMIT:
        fill_error(err, st, "run_blocking: blocking pool queue is full");
        break;
      default:
        fill_error(err, st, "run_blocking: blocking pool is shut down");
        break;
    }
    return st;
  });
}

sg_status host_timer_start(sg_host* h, uint64_t delay_ms, uint64_t period_ms, sg_task_fn fn,
                           void* user, uint64_t* out_id, sg_error* err) {
  return guarded(h, err, "timer_start", [&]() -> sg_status {
    if (fn == nullptr) {
      fill_error(err, SG_ERR_INVALID, "timer_start: fn is NULL");
      return SG_ERR_INVALID;
    }
    if (ended(*h->plugin)) {
      fill_error(err, SG_ERR_CANCELLED, "timer_start: plugin has stopped");
      return SG_ERR_CANCELLED;
    }
    constexpr uint64_t kMax = uint64_t{1} << 40;  // ~35 years; avoids clock overflow
    if (delay_ms > kMax || period_ms > kMax) {
      fill_error(err, SG_ERR_INVALID, "timer_start: delay/period too large");
      return SG_ERR_INVALID;
    }
    auto r = h->kernel->timers().start(
        h->plugin->info.id, std::chrono::milliseconds(static_cast<int64_t>(delay_ms)),
        std::chrono::milliseconds(static_cast<int64_t>(period_ms)), [fn, user] { fn(user); });
    if (!r) {
      fill_error(err, SG_ERR_UNAVAILABLE, "timer_start: " + r.error());
      return SG_ERR_UNAVAILABLE;
    }
    if (out_id != nullptr) *out_id = r.value();
    return SG_OK;
  });
}

sg_status host_timer_cancel(sg_host* h, uint64_t id) {
  return guarded(h, nullptr, "timer_cancel", [&]() -> sg_status {
    return h->kernel->timers().cancel(id, h->plugin->info.id) ? SG_OK : SG_ERR_NOT_FOUND;
  });
}

// --- metrics ---------------------------------------------------------------------------

sg_metric* host_metric_get(sg_host* h, sg_metric_kind kind, const char* name, size_t name_size,
                           const char* help, size_t help_size, const char* labels,
                           size_t labels_size, const double* buckets, size_t bucket_count) {
  if (!valid(h)) return nullptr;
  try {
    auto r = h->kernel->metrics().get(kind, view(name, name_size), view(help, help_size),
                                      view(labels, labels_size), buckets, bucket_count);
    if (r) return r.value();
    h->plugin->logger->warn("metric_get refused: {}", r.error());
  } catch (...) {
    // Returning NULL is the documented failure.
  }
  return nullptr;
}

void host_metric_add(sg_metric* m, double v) {
  MetricsRegistry::add(m, v);
}
void host_metric_set(sg_metric* m, double v) {
  MetricsRegistry::set(m, v);
}
void host_metric_observe(sg_metric* m, double v) {
  MetricsRegistry::observe(m, v);
}

sg_status host_metrics_render(sg_host* h, sg_owned_str* out, sg_error* err) {
  return guarded(h, err, "metrics_render", [&]() -> sg_status {
    if (out == nullptr || !make_owned_str(h->kernel->metrics().render(), out)) {
      fill_error(err, SG_ERR_INVALID, "metrics_render: out is NULL or out of memory");
      return SG_ERR_INVALID;
    }
    return SG_OK;
  });
}

// --- introspection and process control -------------------------------------------------

sg_status host_plugins_describe(sg_host* h, sg_owned_str* out, sg_error* err) {
  return guarded(h, err, "plugins_describe", [&]() -> sg_status {
    if (out == nullptr || !make_owned_str(h->kernel->describe_plugins(h->plugin).dump(), out)) {
      fill_error(err, SG_ERR_INVALID, "plugins_describe: out is NULL or out of memory");
      return SG_ERR_INVALID;
    }
    return SG_OK;
  });
}

sg_status host_kernel_stats(sg_host* h, sg_owned_str* out, sg_error* err) {
  return guarded(h, err, "kernel_stats", [&]() -> sg_status {
    if (out == nullptr || !make_owned_str(h->kernel->stats().dump(), out)) {
      fill_error(err, SG_ERR_INVALID, "kernel_stats: out is NULL or out of memory");
      return SG_ERR_INVALID;
    }
    return SG_OK;
  });
}

void host_request_shutdown(sg_host* h) {
  if (!valid(h)) return;
  try {
    h->kernel->request_shutdown("requested by plugin '" + h->plugin->info.id + "'");
  } catch (...) {
    // request_shutdown only sets a flag; nothing sensible to do on failure.
  }
}

}  // namespace

bool make_owned_str(std::string_view text, sg_owned_str* out) noexcept {
  if (out == nullptr) return false;
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (p == nullptr) return false;
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\0';
  out->data = p;
  out->size = text.size();
  out->release = &release_malloced;
  return true;
}

void fill_error(sg_error* err, sg_status status, std::string_view message) noexcept {
  if (err == nullptr) return;
  err->status = status;
  size_t n = std::min(message.size(), static_cast<size_t>(SG_ERROR_MESSAGE_MAX - 1));
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

sg_host_api make_host_api(sg_host* host) {
  sg_host_api api{};
  api.struct_size = sizeof(sg_host_api);
  api.abi_major = SG_ABI_MAJOR;
  api.abi_minor = SG_ABI_MINOR;
  api.host = host;
  api.log = &host_log;
  api.log_enabled = &host_log_enabled;
  api.config_get = &host_config_get;
  api.publish = &host_publish;
  api.subscribe = &host_subscribe;
  api.unsubscribe = &host_unsubscribe;
  api.service_register = &host_service_register;
  api.service_acquire = &host_service_acquire;
  api.service_release = &host_service_release;
  api.run_blocking = &host_run_blocking;
  api.timer_start = &host_timer_start;
  api.timer_cancel = &host_timer_cancel;
  api.metric_get = &host_metric_get;
  api.metric_add = &host_metric_add;
  api.metric_set = &host_metric_set;
  api.metric_observe = &host_metric_observe;
  api.metrics_render = &host_metrics_render;
  api.plugins_describe = &host_plugins_describe;
  api.kernel_stats = &host_kernel_stats;
  api.request_shutdown = &host_request_shutdown;
  return api;
}

}  // namespace sgk
