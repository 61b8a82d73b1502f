#include "config.hpp"

#include <streamgate/plugin.hpp>

namespace sg::monitor {

MonitorConfig parse_config(const nlohmann::json& section) {
  MonitorConfig cfg;
  if (section.is_null()) return cfg;
  if (!section.is_object()) throw sg::Error(SG_ERR_INVALID, "plugins.monitor must be a mapping");
  for (const auto& [key, value] : section.items()) {
    if (key == "enabled") continue;  // read by the kernel
    if (key == "admin_allow_loopback") {
      if (!value.is_boolean()) {
        throw sg::Error(SG_ERR_INVALID,
                        "plugins.monitor.admin_allow_loopback must be true or false");
      }
      cfg.admin_allow_loopback = value.get<bool>();
      continue;
    }
    throw sg::Error(SG_ERR_INVALID, "plugins.monitor: unknown key '" + key + "'");
  }
  return cfg;
}

}  // namespace sg::monitor
