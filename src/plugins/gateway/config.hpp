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

struct StaticConfig {
  std::string dir;  // empty = no static serving
  std::string mount = "/";
  std::string index = "index.html";
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
