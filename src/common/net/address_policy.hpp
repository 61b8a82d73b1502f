// Which IP addresses an outgoing request may reach: the public Internet only, unless an
// operator allows private targets. Used by the worker's webhook client against SSRF (a user
// pointing a webhook at the metadata service, a database port or an intranet host).
#pragma once

#include <optional>
#include <string>

#include "net/ip_network.hpp"

namespace sg::net {

// Why `ip` is not a public unicast address ("loopback", "private", "link-local",
// "unique-local", "multicast", "unspecified", "shared address space", "documentation",
// "reserved", ...), or nullopt when it is one. IPv4-mapped, IPv4-compatible, NAT64
// (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4 address they embed.
std::optional<std::string> non_public_reason(const IpAddress& ip);

inline bool is_public_address(const IpAddress& ip) {
  return !non_public_reason(ip).has_value();
}

// The text form ("192.0.2.1", "2001:db8::1"); IPv4-mapped addresses as plain IPv4.
std::string to_string(const IpAddress& ip);

}  // namespace sg::net
