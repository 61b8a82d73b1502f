#include "net/ip_network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sg::net {

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress out{};
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, buf, out.data()) == 1) return out;
  return std::nullopt;
}

std::optional<IpNetwork> parse_network(std::string_view text) {
  text = trim_blanks(text);
  std::string_view addr = text;
  std::optional<unsigned> bits;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view b = text.substr(slash + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
    if (b.empty() || ec != std::errc() || end != b.data() + b.size()) return std::nullopt;
    bits = v;
  }
  auto ip = parse_ip(addr);
  if (!ip) return std::nullopt;
  const bool v4 = addr.find(':') == std::string_view::npos;
  const unsigned max_bits = v4 ? 32 : 128;
  if (bits && *bits > max_bits) return std::nullopt;
  return IpNetwork{*ip, (v4 ? 96u : 0u) + bits.value_or(max_bits)};
}

std::optional<std::vector<IpNetwork>> parse_networks(const std::vector<std::string_view>& texts,
                                                     std::string_view* bad) {
  std::vector<IpNetwork> out;
  for (auto t : texts) {
    auto n = parse_network(t);
    if (!n) {
      if (bad != nullptr) *bad = t;
      return std::nullopt;
    }
    out.push_back(*n);
  }
  return out;
}

bool contains(const IpNetwork& network, const IpAddress& ip) {
  unsigned full = network.prefix_bits / 8;
  if (std::memcmp(ip.data(), network.address.data(), full) != 0) return false;
  unsigned rest = network.prefix_bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (ip[full] & mask) == (network.address[full] & mask);
}

bool contains_any(const std::vector<IpNetwork>& networks, std::string_view ip) {
  if (networks.empty()) return false;
  auto parsed = parse_ip(host_part(ip));
  if (!parsed) return false;
  for (const auto& n : networks)
    if (contains(n, *parsed)) return true;
  return false;
}

std::string_view host_part(std::string_view remote) {
  if (remote.empty()) return {};
  if (remote.front() == '[') {
    std::size_t close = remote.find(']');
    if (close == std::string_view::npos) return {};
    return remote.substr(1, close - 1);
  }
  std::size_t first = remote.find(':');
  if (first != std::string_view::npos && remote.find(':', first + 1) == std::string_view::npos)
    return remote.substr(0, first);  // IPv4 with a port
  return remote;                     // bare IPv4 or bare IPv6
}

bool is_loopback(std::string_view remote) {
  static const std::vector<IpNetwork> kLoopback = {*parse_network("127.0.0.0/8"),
                                                   *parse_network("::1")};
  return contains_any(kLoopback, remote);
}

}  // namespace sg::net
