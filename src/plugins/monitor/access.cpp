#include "access.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace sg::monitor {
namespace {

// Strips the port and IPv6 brackets from the peer text.
std::string host_part(std::string_view remote) {
  if (remote.empty()) return {};
  if (remote.front() == '[') {
    size_t close = remote.find(']');
    if (close == std::string_view::npos) return {};
    return std::string(remote.substr(1, close - 1));
  }
  size_t first = remote.find(':');
  if (first != std::string_view::npos && remote.find(':', first + 1) == std::string_view::npos) {
    return std::string(remote.substr(0, first));  // IPv4 with a port
  }
  return std::string(remote);  // bare IPv4 or bare IPv6
}

}  // namespace

bool is_loopback_address(std::string_view remote) {
  const std::string host = host_part(remote);
  if (host.empty()) return false;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  return false;
}

bool admin_allowed(const AccessInput& in) {
  if (in.is_admin) return true;
  return in.allow_loopback && !in.proxied && is_loopback_address(in.remote_address);
}

}  // namespace sg::monitor
