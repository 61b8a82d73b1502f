#include "config.hpp"

#include <algorithm>
#include <thread>

#include <streamgate/plugin.hpp>

#include "net/ip_network.hpp"

namespace sg::gateway {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw sg::Error(SG_ERR_INVALID, "plugins.gateway." + key + ": " + why);
}

// Reads an optional member of the expected JSON type; absent or null keeps the default.
template <typename T>
void read(const json& obj, const char* name, const std::string& prefix, T& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return;
  const std::string key = prefix + name;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) bad(key, "expected a boolean");
    out = it->get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) bad(key, "expected a string");
    out = it->get<std::string>();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number()) bad(key, "expected a number");
    out = it->get<double>();
    if (out < 0) bad(key, "must not be negative");
  } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
      bad(key, "expected a non-negative integer (milliseconds)");
    out = std::chrono::milliseconds(it->get<std::int64_t>());
  } else {
    if (!it->is_number_integer() ||
        (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0))
      bad(key, "expected a non-negative integer");
    out = static_cast<T>(it->get<std::uint64_t>());
  }
}

const json& section(const json& obj, const char* name, const std::string& prefix) {
  static const json empty = json::object();
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return empty;
  if (!it->is_object()) bad(prefix + name, "expected an object");
  return *it;
}

// A header value from the configuration: printable ASCII only, so it can never split a
// response (CR/LF) or be refused when the answer is built.
void check_header_value(const std::string& v, const std::string& key) {
  for (char ch : v) {
    if (ch < 0x20 || ch > 0x7e) bad(key, "must be printable ASCII (a single header value)");
  }
}

// Accepts either a list of strings or one comma-separated string.
std::string joined_list(const json& obj, const char* name, const std::string& prefix,
                        std::string fallback) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) bad(prefix + name, "expected a list of strings");
  std::string out;
  for (const auto& v : *it) {
    if (!v.is_string()) bad(prefix + name, "expected a list of strings");
    if (!out.empty()) out += ", ";
    out += v.get<std::string>();
  }
  return out;
}

}  // namespace

GatewayConfig parse_config(const json& cfg) {
  if (!cfg.is_object()) bad("", "expected an object");
  GatewayConfig c;
  read(cfg, "host", "", c.host);
  std::uint64_t port = c.port;
  read(cfg, "port", "", port);
  if (port > 65535) bad("port", "must be 0..65535");
  c.port = static_cast<std::uint16_t>(port);
  read(cfg, "threads", "", c.threads);
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  if (c.threads > 256) bad("threads", "must be at most 256");
  read(cfg, "access_log", "", c.access_log);
  read(cfg, "drain_timeout_ms", "", c.drain_timeout);

  const json& lim = section(cfg, "limits", "");
  read(lim, "max_header_bytes", "limits.", c.limits.max_header_bytes);
  read(lim, "max_body_bytes", "limits.", c.limits.max_body_bytes);
  read(lim, "header_timeout_ms", "limits.", c.limits.header_timeout);
  read(lim, "body_timeout_ms", "limits.", c.limits.body_timeout);
  read(lim, "idle_timeout_ms", "limits.", c.limits.idle_timeout);
  read(lim, "max_connections", "limits.", c.limits.max_connections);
  if (c.limits.max_header_bytes < 256) bad("limits.max_header_bytes", "must be at least 256");
  if (c.limits.max_header_bytes > 0xffffffffu) bad("limits.max_header_bytes", "too large");
  if (c.limits.header_timeout.count() == 0) bad("limits.header_timeout_ms", "must be > 0");
  if (c.limits.body_timeout.count() == 0) bad("limits.body_timeout_ms", "must be > 0");
  if (c.limits.idle_timeout.count() == 0) bad("limits.idle_timeout_ms", "must be > 0");
  if (c.limits.max_connections == 0) bad("limits.max_connections", "must be > 0");

  const json& tls = section(cfg, "tls", "");
  read(tls, "enabled", "tls.", c.tls.enabled);
  read(tls, "cert_file", "tls.", c.tls.cert_file);
  read(tls, "key_file", "tls.", c.tls.key_file);
  if (c.tls.enabled && (c.tls.cert_file.empty() || c.tls.key_file.empty()))
    bad("tls", "cert_file and key_file are required when tls.enabled is true");

  const json& cors = section(cfg, "cors", "");
  if (auto it = cors.find("allowed_origins"); it != cors.end() && !it->is_null()) {
    if (!it->is_array()) bad("cors.allowed_origins", "expected a list of strings");
    for (const auto& v : *it) {
      if (!v.is_string()) bad("cors.allowed_origins", "expected a list of strings");
      c.cors.allowed_origins.push_back(v.get<std::string>());
    }
  }
  c.cors.enabled = !c.cors.allowed_origins.empty();
  c.cors.allowed_methods = joined_list(cors, "allowed_methods", "cors.", c.cors.allowed_methods);
  c.cors.allowed_headers = joined_list(cors, "allowed_headers", "cors.", c.cors.allowed_headers);
  c.cors.expose_headers = joined_list(cors, "expose_headers", "cors.", c.cors.expose_headers);
  read(cors, "allow_credentials", "cors.", c.cors.allow_credentials);
  // "*" with credentials would let every site on the web make credentialed requests as the
  // signed-in user (the origin would have to be echoed, since browsers refuse "*" there).
  if (c.cors.allow_credentials &&
      std::find(c.cors.allowed_origins.begin(), c.cors.allowed_origins.end(), "*") !=
          c.cors.allowed_origins.end())
    bad("cors.allow_credentials",
        "cannot be true while cors.allowed_origins contains \"*\"; list the trusted origins");
  read(cors, "max_age", "cors.", c.cors.max_age);

  const json& rl = section(cfg, "rate_limit", "");
  read(rl, "enabled", "rate_limit.", c.rate_limit.enabled);
  read(rl, "requests_per_second", "rate_limit.", c.rate_limit.requests_per_second);
  read(rl, "burst", "rate_limit.", c.rate_limit.burst);
  std::string backend = "local";
  read(rl, "backend", "rate_limit.", backend);
  if (backend != "local" && backend != "cache") bad("rate_limit.backend", "expected local|cache");
  c.rate_limit.use_cache = backend == "cache";
  if (c.rate_limit.enabled && c.rate_limit.requests_per_second <= 0)
    bad("rate_limit.requests_per_second", "must be > 0");
  if (c.rate_limit.burst < 1) c.rate_limit.burst = 1;

  if (auto it = cfg.find("trusted_proxies"); it != cfg.end() && !it->is_null()) {
    if (!it->is_array()) bad("trusted_proxies", "expected a list of addresses or CIDR networks");
    for (const auto& v : *it) {
      if (!v.is_string() || !net::parse_network(v.get<std::string>()))
        bad("trusted_proxies", "'" + (v.is_string() ? v.get<std::string>() : v.dump()) +
                                   "' is not an IP address or CIDR network");
      c.trusted_proxies.push_back(v.get<std::string>());
    }
  }

  const json& st = section(cfg, "static", "");
  read(st, "dir", "static.", c.static_files.dir);
  read(st, "mount", "static.", c.static_files.mount);
  read(st, "index", "static.", c.static_files.index);
  if (c.static_files.mount.empty() || c.static_files.mount.front() != '/')
    bad("static.mount", "must start with '/'");
  if (c.static_files.index.find('/') != std::string::npos)
    bad("static.index", "must be a file name");
  read(st, "cache_control", "static.", c.static_files.cache_control);
  read(st, "content_security_policy", "static.", c.static_files.content_security_policy);
  check_header_value(c.static_files.cache_control, "static.cache_control");
  check_header_value(c.static_files.content_security_policy, "static.content_security_policy");
  if (auto it = st.find("cache_rules"); it != st.end() && !it->is_null()) {
    if (!it->is_array())
      bad("static.cache_rules", "expected a list of {path_prefix, cache_control}");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& r = (*it)[i];
      const std::string key = "static.cache_rules[" + std::to_string(i) + "]";
      if (!r.is_object()) bad(key, "expected {path_prefix, cache_control}");
      for (auto field = r.begin(); field != r.end(); ++field) {
        if (field.key() != "path_prefix" && field.key() != "cache_control")
          bad(key + "." + field.key(), "unknown key");
      }
      StaticCacheRule rule;
      read(r, "path_prefix", key + ".", rule.path_prefix);
      read(r, "cache_control", key + ".", rule.cache_control);
      if (rule.path_prefix.empty() || rule.path_prefix.front() != '/')
        bad(key + ".path_prefix", "must start with '/'");
      if (!r.contains("cache_control")) bad(key + ".cache_control", "is required");
      check_header_value(rule.cache_control, key + ".cache_control");
      c.static_files.cache_rules.push_back(std::move(rule));
    }
  }
  return c;
}

}  // namespace sg::gateway
