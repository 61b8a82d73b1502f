// plugins.monitor configuration, validated once in create().
#pragma once

#include <nlohmann/json.hpp>

namespace sg::monitor {

struct MonitorConfig {
  // Admin endpoints accept direct loopback callers without an admin identity.
  bool admin_allow_loopback = true;
};

// Throws sg::Error(SG_ERR_INVALID) naming the offending key.
MonitorConfig parse_config(const nlohmann::json& section);

}  // namespace sg::monitor
