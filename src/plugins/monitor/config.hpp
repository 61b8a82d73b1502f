// plugins.monitor configuration, validated once in create().
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "event_feed.hpp"
#include "net/ip_network.hpp"

namespace sg::monitor {

struct MonitorConfig {
  // Admin endpoints accept direct loopback callers without an admin identity. Off unless
  // configured: a reverse proxy on the same host would make every client "local".
  bool admin_allow_loopback = false;
  // /metrics: HTTP Basic password for scrapers (any user name); empty = none.
  std::string metrics_token;
  // /metrics without credentials from these networks; empty = administrators and the token
  // only.
  std::vector<net::IpNetwork> metrics_allow;
  // GET /api/v1/events (Server-Sent Events).
  struct Events {
    bool enabled = true;
    std::chrono::seconds heartbeat{15};
    FeedLimits limits;
  } events;
};

// Throws sg::Error(SG_ERR_INVALID) naming the offending key. dev_mode (server.dev_mode)
// relaxes nothing but the minimum token length.
MonitorConfig parse_config(const nlohmann::json& section, bool dev_mode = false);

}  // namespace sg::monitor
