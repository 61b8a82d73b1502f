#include "trusted_proxies.hpp"

namespace sg::gateway {
std::string TrustedProxies::client_ip(std::string_view peer_ip,
                                      std::string_view forwarded_for) const {
  if (!trusts(peer_ip)) return std::string(peer_ip);
  // Walk from the right: each trusted hop vouches for the entry to its left. When every
  // entry is a trusted proxy, the left-most one is where the request started.
  std::string_view nearest = peer_ip;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    std::size_t comma = rest.rfind(',');
    std::string_view entry =
        net::trim_blanks(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    if (!net::parse_ip(entry)) break;  // garbage: nothing to its left can be believed
    if (!trusts(entry)) return std::string(entry);
    nearest = entry;
  }
  return std::string(nearest);
}

}  // namespace sg::gateway
