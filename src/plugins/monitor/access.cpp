#include "access.hpp"

#include <cstdint>

namespace sg::monitor {
namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16 |
                      static_cast<std::uint8_t>(in[i + 1]) << 8 |
                      static_cast<std::uint8_t>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<std::uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Compares without an early exit, so the time taken says nothing about the token.
bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool is_loopback_address(std::string_view remote) {
  return net::is_loopback(remote);
}

bool admin_allowed(const AccessInput& in) {
  if (in.is_admin) return true;
  return in.allow_loopback && !in.proxied && is_loopback_address(in.remote_address);
}

std::string metrics_basic_credentials(std::string_view token) {
  return "Basic " + base64("metrics:" + std::string(token));
}

MetricsAccess metrics_access(const MonitorConfig& config, const MetricsRequest& in) {
  if (in.is_admin) return MetricsAccess::kAllowed;
  if (!config.metrics_token.empty() && !in.authorization.empty()) {
    // A wrong token is refused even from an allowed network: a misconfigured scraper
    // should hear about it.
    return equal_in_constant_time(in.authorization, metrics_basic_credentials(config.metrics_token))
               ? MetricsAccess::kAllowed
               : MetricsAccess::kUnauthorized;
  }
  // A proxy on this host forwarding someone is not "this host".
  const bool forwarded_local = in.proxied && is_loopback_address(in.remote_address);
  if (!forwarded_local && net::contains_any(config.metrics_allow, in.remote_address))
    return MetricsAccess::kAllowed;
  return config.metrics_token.empty() ? MetricsAccess::kForbidden : MetricsAccess::kUnauthorized;
}

}  // namespace sg::monitor
