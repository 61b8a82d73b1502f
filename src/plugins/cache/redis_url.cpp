#include "redis_url.hpp"

#include <charconv>

namespace sg::cache {

namespace {

bool parse_uint(std::string_view text, uint64_t max, uint64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && out <= max;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Userinfo may be percent-encoded (passwords with '@' or ':'); decode it.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<RedisEndpoint> {
    if (error != nullptr) *error = std::move(msg);
    return std::nullopt;
  };
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) {
    return fail(
        "redis url must start with redis:// (rediss:// and unix sockets are not supported)");
  }
  std::string_view rest = url.substr(scheme.size());
  RedisEndpoint ep;

  // The authority ends at the first '/'; the userinfo ends at its last '@'.
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    std::string_view user = userinfo.substr(0, colon);
    std::string_view pass =
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
    if (colon == std::string_view::npos) {
      // redis://secret@host is how many clients spell a password-only URL.
      pass = user;
      user = {};
    }
    if (!percent_decode(user, ep.user) || !percent_decode(pass, ep.password)) {
      return fail("redis url has a malformed percent-encoding in its credentials");
    }
  }

  std::string_view host = authority;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:6379
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("redis url has an unterminated IPv6 host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("redis url has junk after the IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    }
  }
  if (host.empty()) return fail("redis url has no host");
  ep.host.assign(host);
  if (!port_text.empty()) {
    uint64_t port = 0;
    if (!parse_uint(port_text, 65535, port) || port == 0) {
      return fail("redis url has an invalid port '" + std::string(port_text) + "'");
    }
    ep.port = static_cast<uint16_t>(port);
  }
  if (!path.empty()) {
    uint64_t db = 0;
    if (!parse_uint(path, 1u << 20, db)) {
      return fail("redis url has an invalid database number '" + std::string(path) + "'");
    }
    ep.db = static_cast<uint32_t>(db);
  }
  return ep;
}

std::string redact_redis_url(const RedisEndpoint& endpoint) {
  std::string out = "redis://";
  if (!endpoint.user.empty() || !endpoint.password.empty()) out += "***@";
  // Appends one piece at a time (GCC 12 misreports -Wrestrict on chained operator+).
  bool v6 = endpoint.host.find(':') != std::string::npos;
  if (v6) out.push_back('[');
  out.append(endpoint.host);
  if (v6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(endpoint.port));
  if (endpoint.db != 0) {
    out.push_back('/');
    out.append(std::to_string(endpoint.db));
  }
  return out;
}

}  // namespace sg::cache
