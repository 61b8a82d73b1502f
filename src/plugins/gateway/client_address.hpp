// Who the client of a request is: the TCP peer, or, behind a trusted reverse proxy, the
// address X-Forwarded-For names (X-Forwarded-For from anyone else is ignored).
#pragma once

#include <string>

#include "exchange.hpp"
#include "trusted_proxies.hpp"

namespace sg::gateway {

class ClientAddress {
 public:
  ClientAddress(std::string peer_ip, std::string peer_remote)
      : peer_ip_(std::move(peer_ip)), peer_remote_(std::move(peer_remote)) {}

  // Per request, from its header.
  void resolve(const TrustedProxies& proxies, const RequestParser& parser);
  void reset() { forwarded_ = false; }

  const std::string& ip() const { return forwarded_ ? forwarded_ip_ : peer_ip_; }
  // "ip:port" of the peer, or the forwarded address ("[v6]" bracketed).
  const std::string& remote() const { return forwarded_ ? forwarded_remote_ : peer_remote_; }
  const std::string& peer_remote() const { return peer_remote_; }

 private:
  std::string peer_ip_;
  std::string peer_remote_;
  std::string forwarded_ip_;
  std::string forwarded_remote_;
  bool forwarded_ = false;
};

}  // namespace sg::gateway
