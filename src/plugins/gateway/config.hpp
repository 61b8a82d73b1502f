// The gateway's configuration (plugins.gateway), parsed and validated once in create().
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::gateway {

struct Limits {
  std::uint64_t max_header_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 1024 * 1024;  // default for BUFFER and STREAM routes
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};  // no progress for this long = timeout
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
  std::uint64_t max_connections = 10'000;
};

struct TlsConfig {
  bool enabled = false;
  std::string cert_file;
  std::string key_file;
};

struct CorsConfig {
  bool enabled = false;                      // true when allowed_origins is non-empty
  std::vector<std::string> allowed_origins;  // "*" allows any origin
  std::string allowed_methods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
  std::string allowed_headers = "Authorization, Content-Type, X-Request-Id";
  std::string expose_headers = "X-Request-Id, Content-Length, Content-Range, ETag";
  bool allow_credentials = false;
  std::uint64_t max_age = 600;
};

struct RateLimitConfig {
  bool enabled = false;
  double requests_per_second = 100;
  double burst = 200;
  bool use_cache = false;  // backend: cache (shared across instances) instead of local
};

// One per-path caching rule of the static folder: files whose URL path starts with
// `path_prefix` get `cache_control`. Rules are tried in order; the first match wins.
struct StaticCacheRule {
  std::string path_prefix;
  std::string cache_control;
};

// The policy a web app needs: HTML that browsers always revalidate (it names the current
// hashed assets), hashed assets cached for a year, and a Content-Security-Policy on pages.
inline constexpr const char* kDefaultStaticCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

struct StaticConfig {
  std::string dir;  // empty = no static serving
  std::string mount = "/";
  std::string index = "index.html";
  // Cache-Control for files no rule matches: revalidate every time (ETag / Last-Modified
  // make that a 304), never a stale page. "" = no header.
  std::string cache_control = "no-cache";
  std::vector<StaticCacheRule> cache_rules;
  // Sent with every text/html answer of the folder; "" = none.
  std::string content_security_policy = kDefaultStaticCsp;
};

struct GatewayConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned threads = 0;  // 0 = number of cores
  Limits limits;
  TlsConfig tls;
  CorsConfig cors;
  RateLimitConfig rate_limit;
  bool access_log = true;
  StaticConfig static_files;
  std::chrono::milliseconds drain_timeout{10'000};
  // Peers whose X-Forwarded-For names the client (reverse proxies); empty = trust none.
  std::vector<std::string> trusted_proxies;
};

// Throws sg::Error(SG_ERR_INVALID) naming the offending key.
GatewayConfig parse_config(const nlohmann::json& section);

}  // namespace sg::gateway
