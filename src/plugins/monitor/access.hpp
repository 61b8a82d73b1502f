// Who may call the admin endpoints: administrators (identity.is_admin), and — when
// plugins.monitor.admin_allow_loopback is on — direct connections from the same host.
#pragma once

#include <string_view>

namespace sg::monitor {

// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. Accepts the gateway's peer text:
// "127.0.0.1:5300", "[::1]:5300", a bare address, or "[::ffff:127.0.0.1]:80".
bool is_loopback_address(std::string_view remote);

struct AccessInput {
  bool is_admin = false;
  bool allow_loopback = true;
  std::string_view remote_address;
  // A request that went through a reverse proxy (Forwarded / X-Forwarded-For / X-Real-IP
  // present) arrives from loopback on behalf of someone else: loopback trust must not apply.
  bool proxied = false;
};

bool admin_allowed(const AccessInput& in);

}  // namespace sg::monitor
