// Prometheus counters of auth.so (no-ops until created from a host, e.g. in tests).
#pragma once

#include <streamgate/plugin.hpp>

namespace sg::auth {

struct AuthMetrics {
  sg::Metric logins_ok;
  sg::Metric logins_failed;
  sg::Metric gate_allowed;
  sg::Metric gate_denied;
  sg::Metric gate_unavailable;
  sg::Metric gate_cached;

  static AuthMetrics create(const sg::Host& host) {
    AuthMetrics m;
    const char* siwe_help = "SIWE sign-in attempts by result";
    m.logins_ok = host.counter("streamgate_auth_siwe_logins_total", siwe_help, "result=\"ok\"");
    m.logins_failed =
        host.counter("streamgate_auth_siwe_logins_total", siwe_help, "result=\"failed\"");
    const char* gate_help = "NFT gate checks by result";
    m.gate_allowed =
        host.counter("streamgate_auth_gate_checks_total", gate_help, "result=\"allowed\"");
    m.gate_denied =
        host.counter("streamgate_auth_gate_checks_total", gate_help, "result=\"denied\"");
    m.gate_unavailable =
        host.counter("streamgate_auth_gate_checks_total", gate_help, "result=\"unavailable\"");
    m.gate_cached = host.counter("streamgate_auth_gate_cache_hits_total",
                                 "NFT gate answers served from the cache");
    return m;
  }
};

}  // namespace sg::auth
