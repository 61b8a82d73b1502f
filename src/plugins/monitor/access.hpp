// Who may call the admin endpoints and /metrics.
//
// Admin endpoints: administrators (identity.is_admin), and — when
// plugins.monitor.admin_allow_loopback is on — direct connections from the same host.
// /metrics: administrators, scrapers presenting the metrics token (HTTP Basic, user
// "metrics"), and callers from plugins.monitor.metrics.allow.
#pragma once

#include <string>
#include <string_view>

#include "config.hpp"

namespace sg::monitor {

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. Accepts the gateway's peer text:
// "127.0.0.1:5300", "[::1]:5300", a bare address, or "[::ffff:127.0.0.1]:80".
bool is_loopback_address(std::string_view remote);

struct AccessInput {
  bool is_admin = false;
  bool allow_loopback = false;
  std::string_view remote_address;
  // A request that went through a reverse proxy (Forwarded / X-Forwarded-For / X-Real-IP
  // present) arrives from loopback on behalf of someone else: loopback trust must not apply.
  bool proxied = false;
};

bool admin_allowed(const AccessInput& in);

enum class MetricsAccess { kAllowed, kUnauthorized, kForbidden };

struct MetricsRequest {
  bool is_admin = false;
  std::string_view remote_address;
  bool proxied = false;
  std::string_view authorization;  // the Authorization header, "" when absent
};

// kUnauthorized (401 + WWW-Authenticate) when a token is configured and the caller did not
// present it, kForbidden (403) when no way in applies.
MetricsAccess metrics_access(const MonitorConfig& config, const MetricsRequest& in);

// "Basic base64(metrics:<token>)": what a scraper sends.
std::string metrics_basic_credentials(std::string_view token);

}  // namespace sg::monitor
