#include "config.hpp"

#include <initializer_list>
#include <string_view>

namespace sg::cache {

namespace {

using nlohmann::json;

struct Reader {
  std::string* error;
  bool failed = false;

  bool fail(const std::string& msg) {
    if (!failed && error != nullptr) *error = msg;
    failed = true;
    return false;
  }

  bool only_keys(const json& obj, std::string_view where,
                 std::initializer_list<std::string_view> allowed) {
    if (!obj.is_object()) return fail(std::string(where) + ": must be an object");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (auto a : allowed) ok = ok || it.key() == a;
      if (!ok) return fail(std::string(where) + "." + it.key() + ": unknown key");
    }
    return true;
  }

  // Reads an unsigned integer in [min, max] when present.
  template <typename T>
  bool uint(const json& obj, std::string_view where, const char* key, uint64_t min, uint64_t max,
            T& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return true;
    std::string name = std::string(where) + "." + key;
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
      return fail(name + ": must be a non-negative integer");
    }
    uint64_t v = it->get<uint64_t>();
    if (v < min || v > max) {
      return fail(name + ": must be between " + std::to_string(min) + " and " +
                  std::to_string(max) + " (got " + std::to_string(v) + ")");
    }
    out = static_cast<T>(v);
    return true;
  }

  bool millis(const json& obj, std::string_view where, const char* key, uint64_t min, uint64_t max,
              std::chrono::milliseconds& out) {
    uint64_t v = static_cast<uint64_t>(out.count());
    if (!uint(obj, where, key, min, max, v)) return false;
    out = std::chrono::milliseconds(static_cast<int64_t>(v));
    return true;
  }

  bool string(const json& obj, std::string_view where, const char* key, std::string& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return true;
    if (!it->is_string()) return fail(std::string(where) + "." + key + ": must be a string");
    out = it->get<std::string>();
    return true;
  }
};

}  // namespace

std::optional<CacheConfig> parse_config(const json& section, std::string* error) {
  CacheConfig cfg;
  Reader r{error};
  const std::string root = "plugins.cache";
  json empty = json::object();
  const json& s = section.is_null() ? empty : section;
  // redis_url is the flat spelling config/streamgate.production.yaml uses; same as redis.url.
  if (!r.only_keys(s, root, {"enabled", "backend", "memory", "redis", "redis_url"}))
    return std::nullopt;

  std::string backend = "memory";
  if (!r.string(s, root, "backend", backend)) return std::nullopt;
  if (backend == "memory") {
    cfg.backend = BackendKind::kMemory;
  } else if (backend == "redis") {
    cfg.backend = BackendKind::kRedis;
  } else {
    r.fail(root + ".backend: must be \"memory\" or \"redis\" (got \"" + backend + "\")");
    return std::nullopt;
  }

  if (auto m = s.find("memory"); m != s.end()) {
    const std::string where = root + ".memory";
    if (!r.only_keys(*m, where, {"max_bytes", "shards", "sweep_interval_ms"}) ||
        !r.uint(*m, where, "max_bytes", 4096, uint64_t{1} << 48, cfg.memory.max_bytes) ||
        !r.uint(*m, where, "shards", 1, 1024, cfg.memory.shards) ||
        !r.millis(*m, where, "sweep_interval_ms", 10, 3'600'000, cfg.sweep_interval)) {
      return std::nullopt;
    }
  }

  std::string url = "redis://127.0.0.1:6379";
  if (!r.string(s, root, "redis_url", url)) return std::nullopt;
  if (s.contains("redis_url") && s.contains("redis") && s["redis"].is_object() &&
      s["redis"].contains("url")) {
    r.fail(root + ".redis_url: give either redis_url or redis.url, not both");
    return std::nullopt;
  }
  if (auto rd = s.find("redis"); rd != s.end()) {
    const std::string where = root + ".redis";
    RedisOptions& o = cfg.redis;
    if (!r.only_keys(*rd, where,
                     {"url", "pool_size", "connect_timeout_ms", "command_timeout_ms", "key_prefix",
                      "reconnect_backoff_ms", "reconnect_max_backoff_ms"}) ||
        !r.string(*rd, where, "url", url) ||
        !r.uint(*rd, where, "pool_size", 1, 1024, o.pool.pool_size) ||
        !r.millis(*rd, where, "connect_timeout_ms", 1, 60'000, o.pool.connect_timeout) ||
        !r.millis(*rd, where, "command_timeout_ms", 1, 60'000, o.pool.command_timeout) ||
        !r.string(*rd, where, "key_prefix", o.key_prefix) ||
        !r.millis(*rd, where, "reconnect_backoff_ms", 1, 600'000, o.reconnect_initial_backoff) ||
        !r.millis(*rd, where, "reconnect_max_backoff_ms", 1, 600'000, o.reconnect_max_backoff)) {
      return std::nullopt;
    }
  }
  std::string why;
  auto endpoint = parse_redis_url(url, &why);
  if (!endpoint) {
    // Only validate the URL when it will be used; a stale default must not block memory.
    if (cfg.backend == BackendKind::kRedis) {
      r.fail(root + ".redis.url: " + why);
      return std::nullopt;
    }
  } else {
    cfg.redis.pool.endpoint = *endpoint;
  }
  return cfg;
}

}  // namespace sg::cache
