#include "webhook_url.hpp"

#include <charconv>

#include "net/ip_network.hpp"

namespace sg::worker {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  if (h.back() == '.') h.remove_suffix(1);  // a fully-qualified name's root dot
  size_t start = 0;
  while (start <= h.size()) {
    size_t dot = h.find('.', start);
    std::string_view label = h.substr(start, dot == std::string_view::npos ? h.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Result<WebhookUrl, std::string> parse_webhook_url(std::string_view text) {
  if (text.empty()) return std::string("must not be empty");
  if (text.size() > kMaxWebhookUrlBytes)
    return "must be at most " + std::to_string(kMaxWebhookUrlBytes) + " bytes";
  for (unsigned char c : text)
    if (c <= 0x20 || c >= 0x7f)
      return std::string(
          "must not contain spaces, control or non-ASCII characters "
          "(percent-encode them)");
  WebhookUrl u;
  u.text = std::string(text);
  std::string_view rest;
  std::string scheme_end = lower(text.substr(0, 8));
  if (scheme_end.rfind("https://", 0) == 0) {
    u.https = true;
    rest = text.substr(8);
  } else if (scheme_end.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else {
    return std::string("must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos)
    return std::string("must not contain a fragment (#...)");
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos)
    return std::string("must not contain credentials (user:password@)");
  if (authority.empty()) return std::string("has no host");

  std::string_view host = authority, port_text;
  bool port_separator = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("has an unclosed [IPv6] host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string("has garbage after the [IPv6] host");
      port_separator = true;
      port_text = after.substr(1);
    }
    if (host.find(':') == std::string_view::npos || !net::parse_ip(host))
      return std::string("has an invalid IPv6 address in brackets");
    u.ip_literal = true;
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      port_separator = true;
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    }
    if (net::parse_ip(host)) {
      u.ip_literal = true;
    } else if (!valid_host_name(host)) {
      return std::string("has an invalid host name");
    } else {
      // "1.2.3" or "0x7f.1" are IPv4 to some resolvers (inet_aton): refuse all-numeric
      // names outright rather than guess what the resolver makes of them.
      size_t last_dot = host.rfind('.');
      std::string_view last = host.substr(last_dot == std::string_view::npos ? 0 : last_dot + 1);
      bool numeric = !last.empty();
      for (char c : last) numeric = numeric && ((c >= '0' && c <= '9') || c == 'x' || c == 'X');
      if (numeric && last.find_first_of("0123456789") != std::string_view::npos)
        return std::string("has a host that is neither a name nor a valid IP address");
    }
  }
  u.host = lower(host);
  u.port = u.https ? 443 : 80;
  if (port_separator && port_text.empty()) return std::string("has an empty port");
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
      return std::string("has an invalid port (1..65535)");
    u.port = static_cast<uint16_t>(v);
  }
  u.target = "/";
  if (!tail.empty()) u.target = tail.front() == '?' ? u.target.append(tail) : std::string(tail);
  bool default_port = u.port == (u.https ? 443 : 80);
  std::string host_text = u.host;
  if (host.find(':') != std::string_view::npos) host_text = std::string("[").append(u.host) + "]";
  u.host_header = default_port ? host_text : host_text + ":" + std::to_string(u.port);
  return u;
}

}  // namespace sg::worker
