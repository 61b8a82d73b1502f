// Which peers may tell us the real client address (plugins.gateway.trusted_proxies).
//
// Behind a reverse proxy every connection comes from the proxy, so rate limits, access logs
// and loopback checks would all see the proxy's address. When the TCP peer is in the trusted
// list, the client is the right-most X-Forwarded-For entry that is not itself a trusted
// proxy (entries to its left were written by the client and prove nothing). Anyone else's
// X-Forwarded-For is ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/ip_network.hpp"

namespace sg::gateway {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<net::IpNetwork> networks) : networks_(std::move(networks)) {}

  bool empty() const noexcept { return networks_.empty(); }
  bool trusts(std::string_view ip) const { return net::contains_any(networks_, ip); }
  // The client address for a request from `peer_ip` carrying these X-Forwarded-For values
  // (all header lines joined with ','). The peer when it is not trusted.
  std::string client_ip(std::string_view peer_ip, std::string_view forwarded_for) const;

 private:
  std::vector<net::IpNetwork> networks_;
};

}  // namespace sg::gateway
