#include "trusted_proxies.hpp"

namespace sg::gateway {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string TrustedProxies::client_ip(std::string_view peer_ip,
                                      std::string_view forwarded_for) const {
  if (!trusts(peer_ip)) return std::string(peer_ip);
  // Walk from the right: each trusted hop vouches for the entry to its left. When every
  // entry is a trusted proxy, the left-most one is where the request started.
  std::string_view nearest = peer_ip;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    std::size_t comma = rest.rfind(',');
    std::string_view entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    if (!net::parse_ip(entry)) break;  // garbage: nothing to its left can be believed
    if (!trusts(entry)) return std::string(entry);
    nearest = entry;
  }
  return std::string(nearest);
}

}  // namespace sg::gateway
