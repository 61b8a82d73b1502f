// IP addresses and CIDR networks ("10.0.0.0/8", "::1"), IPv4 and IPv6 alike.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sg::net {

// IPv4 is held as IPv4-mapped IPv6, so one comparison serves both families.
using IpAddress = std::array<std::uint8_t, 16>;

struct IpNetwork {
  IpAddress address{};
  unsigned prefix_bits = 128;  // of the 128-bit form
};

// `s` without leading and trailing spaces and tabs (header list entries).
std::string_view trim_blanks(std::string_view s);
// A bare address (no port, no brackets); nullopt when it is not one.
std::optional<IpAddress> parse_ip(std::string_view text);
// "10.0.0.0/8", "::1/128", "192.168.1.7" (a bare address is one host). nullopt when invalid.
std::optional<IpNetwork> parse_network(std::string_view text);
// Parses every entry; nullopt (and *bad set to the first offending entry) when one is invalid.
std::optional<std::vector<IpNetwork>> parse_networks(const std::vector<std::string_view>& texts,
                                                     std::string_view* bad = nullptr);

bool contains(const IpNetwork& network, const IpAddress& ip);
bool contains_any(const std::vector<IpNetwork>& networks, std::string_view ip);

// The address part of a peer text as the gateway gives it: "127.0.0.1:5300",
// "[::1]:5300", "[::1]" or a bare address.
std::string_view host_part(std::string_view remote);
// 127.0.0.0/8, ::1 and IPv4-mapped loopback, from a peer text as above.
bool is_loopback(std::string_view remote);

}  // namespace sg::net
