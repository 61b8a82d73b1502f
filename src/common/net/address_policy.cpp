#include "net/address_policy.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <vector>

namespace sg::net {
namespace {

struct Range {
  IpNetwork network;
  const char* reason;
};

std::vector<Range> ranges(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<Range> out;
  for (const auto& [cidr, reason] : list) out.push_back({*parse_network(cidr), reason});
  return out;
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors): nothing in it is a
// target a webhook should reach. 192.0.0.9/32 and 192.0.0.10/32 are globally reachable
// anycast services, but no webhook receiver lives there, so the whole /24 is refused.
const std::vector<Range>& v4_ranges() {
  static const auto table = ranges({{"0.0.0.0/8", "unspecified"},
                                    {"10.0.0.0/8", "private"},
                                    {"100.64.0.0/10", "shared address space"},
                                    {"127.0.0.0/8", "loopback"},
                                    {"169.254.0.0/16", "link-local"},
                                    {"172.16.0.0/12", "private"},
                                    {"192.0.0.0/24", "reserved"},
                                    {"192.0.2.0/24", "documentation"},
                                    {"192.31.196.0/24", "reserved"},
                                    {"192.52.193.0/24", "reserved"},
                                    {"192.88.99.0/24", "reserved"},
                                    {"192.168.0.0/16", "private"},
                                    {"192.175.48.0/24", "reserved"},
                                    {"198.18.0.0/15", "benchmarking"},
                                    {"198.51.100.0/24", "documentation"},
                                    {"203.0.113.0/24", "documentation"},
                                    {"224.0.0.0/4", "multicast"},
                                    {"240.0.0.0/4", "reserved"}});
  return table;
}

// IPv6: only global unicast (2000::/3) can be public, minus its special-purpose blocks.
const std::vector<Range>& v6_ranges() {
  static const auto table = ranges({{"::/128", "unspecified"},
                                    {"::1/128", "loopback"},
                                    {"64:ff9b:1::/48", "private"},
                                    {"100::/64", "reserved"},
                                    {"2001::/23", "reserved"},
                                    {"2001:db8::/32", "documentation"},
                                    {"3fff::/20", "documentation"},
                                    {"fc00::/7", "unique-local"},
                                    {"fe80::/10", "link-local"},
                                    {"fec0::/10", "site-local"},
                                    {"ff00::/8", "multicast"}});
  return table;
}

IpAddress mapped_v4(const std::uint8_t* four) {
  IpAddress out{};
  out[10] = 0xff;
  out[11] = 0xff;
  std::memcpy(out.data() + 12, four, 4);
  return out;
}

std::optional<std::string> v4_reason(const IpAddress& mapped) {
  for (const auto& r : v4_ranges())
    if (contains(r.network, mapped)) return std::string(r.reason);
  return std::nullopt;
}

bool in(const char* cidr, const IpAddress& ip) {
  return contains(*parse_network(cidr), ip);
}

}  // namespace

std::optional<std::string> non_public_reason(const IpAddress& ip) {
  if (in("::ffff:0:0/96", ip)) return v4_reason(ip);
  // Addresses that carry an IPv4 address: a router may deliver them to it.
  if (in("64:ff9b::/96", ip)) return v4_reason(mapped_v4(ip.data() + 12));
  if (in("2002::/16", ip)) {
    auto r = v4_reason(mapped_v4(ip.data() + 2));
    return r ? std::optional<std::string>("6to4 of a " + *r + " address") : std::nullopt;
  }
  for (const auto& r : v6_ranges())
    if (contains(r.network, ip)) return std::string(r.reason);
  if (in("::/96", ip)) return std::string("IPv4-compatible (deprecated)");
  if (!in("2000::/3", ip)) return std::string("reserved");
  return std::nullopt;
}

std::string to_string(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (in("::ffff:0:0/96", ip)) {
    inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
  }
  return buf;
}

}  // namespace sg::net
