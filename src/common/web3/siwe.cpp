#include "web3/siwe.hpp"

#include <charconv>

#include "web3/address.hpp"

namespace sg::web3 {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}
bool is_gen_delim(char c) {
  return std::string_view(":/?#[]@").find(c) != std::string_view::npos;
}

// Every char is unreserved / sub-delims / extra, or a valid %XX escape.
bool all_pchars(std::string_view s, std::string_view extra) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
      continue;
    }
    if (!is_unreserved(c) && !is_sub_delim(c) && extra.find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

bool valid_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// authority = [ userinfo "@" ] host [ ":" port ]
bool valid_authority(std::string_view a) {
  if (a.empty()) return false;
  if (auto at = a.rfind('@'); at != std::string_view::npos) {
    if (!all_pchars(a.substr(0, at), ":")) return false;
    a = a.substr(at + 1);
  }
  std::string_view host = a;
  std::string_view port;
  if (!a.empty() && a[0] == '[') {  // IP-literal
    auto close = a.find(']');
    if (close == std::string_view::npos) return false;
    host = a.substr(1, close - 1);
    for (char c : host) {
      if (!is_hex(c) && c != ':' && c != '.') return false;
    }
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else {
    if (auto colon = a.rfind(':'); colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
    }
    if (host.empty() || !all_pchars(host, "")) return false;
  }
  for (char c : port) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// RFC 3986 URI: scheme ":" hier-part [ "?" query ] [ "#" fragment ], checked by character
// class (the grammar's structure beyond the scheme is permissive about which pchars go where).
bool valid_uri(std::string_view u) {
  auto colon = u.find(':');
  if (colon == std::string_view::npos || !valid_scheme(u.substr(0, colon))) return false;
  std::string_view rest = u.substr(colon + 1);
  if (rest.substr(0, 2) == "//") {
    std::string_view after = rest.substr(2);
    size_t end = after.find_first_of("/?#");
    std::string_view authority = after.substr(0, end);
    if (!authority.empty() && !valid_authority(authority)) return false;
    rest = end == std::string_view::npos ? std::string_view() : after.substr(end);
  }
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos && rest.find('#', hash + 1) != std::string_view::npos)
    return false;
  return all_pchars(rest, ":@/?#");
}

bool valid_statement(std::string_view s) {
  for (char c : s) {
    if (!is_unreserved(c) && !is_sub_delim(c) && !is_gen_delim(c) && c != ' ') return false;
  }
  return true;
}

int two(std::string_view s, size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (t.size() < 20) return std::nullopt;
  auto digits_at = [&](std::initializer_list<size_t> idx) {
    for (size_t i : idx) {
      if (!is_digit(t[i])) return false;
    }
    return true;
  };
  if (!digits_at({0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})) return std::nullopt;
  if (t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  int year = two(t, 0) * 100 + two(t, 2);
  int month = two(t, 5), day = two(t, 8), hour = two(t, 11), minute = two(t, 14), sec = two(t, 17);
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1]) return std::nullopt;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return std::nullopt;
  if (hour > 23 || minute > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  if (t[i] == '.') {
    ++i;
    size_t start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == start) return std::nullopt;
  }
  if (i >= t.size()) return std::nullopt;
  int64_t offset = 0;
  if (t[i] == 'Z' || t[i] == 'z') {
    ++i;
  } else if (t[i] == '+' || t[i] == '-') {
    if (t.size() != i + 6 || !is_digit(t[i + 1]) || !is_digit(t[i + 2]) || t[i + 3] != ':' ||
        !is_digit(t[i + 4]) || !is_digit(t[i + 5]))
      return std::nullopt;
    int oh = two(t, i + 1), om = two(t, i + 4);
    if (oh > 23 || om > 59) return std::nullopt;
    offset = (oh * 60 + om) * 60 * (t[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + (sec == 60 ? 59 : sec) - offset;
}

std::optional<SiweMessage> parse_siwe(std::string_view text, SiweParseError* err) {
  auto fail = [&](std::string field, std::string message) -> std::optional<SiweMessage> {
    if (err != nullptr) *err = SiweParseError{std::move(field), std::move(message)};
    return std::nullopt;
  };
  // Split on LF exactly; CR is not part of the grammar and is rejected by the field checks.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  SiweMessage m;
  size_t li = 0;
  auto next = [&]() -> std::optional<std::string_view> {
    if (li >= lines.size()) return std::nullopt;
    return lines[li++];
  };

  static constexpr std::string_view kSuffix = " wants you to sign in with your Ethereum account:";
  auto header = next();
  if (!header || header->size() <= kSuffix.size() ||
      header->substr(header->size() - kSuffix.size()) != kSuffix)
    return fail("header",
                "first line must be '<domain> wants you to sign in with your Ethereum account:'");
  std::string_view origin = header->substr(0, header->size() - kSuffix.size());
  if (auto sep = origin.find("://"); sep != std::string_view::npos) {
    if (!valid_scheme(origin.substr(0, sep))) return fail("scheme", "invalid URI scheme");
    m.scheme = std::string(origin.substr(0, sep));
    origin = origin.substr(sep + 3);
  }
  if (!valid_authority(origin)) return fail("domain", "domain is not a valid RFC 3986 authority");
  m.domain = std::string(origin);

  auto address = next();
  if (!address || address->size() != 42 || (*address)[0] != '0' || (*address)[1] != 'x')
    return fail("address", "address must be 0x followed by 40 hex digits");
  for (char c : address->substr(2)) {
    if (!is_hex(c)) return fail("address", "address must be 0x followed by 40 hex digits");
  }
  if (!parse_checksummed(*address)) return fail("address", "address is not EIP-55 checksummed");
  m.address = std::string(*address);

  auto blank = next();
  if (!blank || !blank->empty())
    return fail("statement", "expected an empty line after the address");
  auto line = next();
  if (!line) return fail("uri", "message ends after the address");
  if (!line->empty()) {
    if (!valid_statement(*line))
      return fail("statement", "statement contains a character not allowed");
    m.statement = std::string(*line);
    auto after = next();
    if (!after || !after->empty())
      return fail("statement", "expected an empty line after the statement");
  }

  auto field = [&](std::string_view name, std::string& out) -> bool {
    auto l = next();
    std::string prefix = std::string(name) + ": ";
    if (!l || l->substr(0, prefix.size()) != prefix) return false;
    out = std::string(l->substr(prefix.size()));
    return true;
  };
  if (!field("URI", m.uri) || !valid_uri(m.uri))
    return fail("uri", "URI line missing or not an RFC 3986 URI");
  if (!field("Version", m.version) || m.version != "1") return fail("version", "Version must be 1");
  std::string chain;
  if (!field("Chain ID", chain) || chain.empty() || chain.size() > 19)
    return fail("chain_id", "Chain ID line missing or out of range");
  for (char c : chain) {
    if (!is_digit(c)) return fail("chain_id", "Chain ID must be decimal digits");
  }
  std::from_chars(chain.data(), chain.data() + chain.size(), m.chain_id);
  if (!field("Nonce", m.nonce) || m.nonce.size() < 8)
    return fail("nonce", "Nonce missing or shorter than 8 characters");
  for (char c : m.nonce) {
    if (!is_alpha(c) && !is_digit(c)) return fail("nonce", "Nonce must be alphanumeric");
  }
  if (!field("Issued At", m.issued_at)) return fail("issued_at", "Issued At line missing");
  auto ia = parse_rfc3339(m.issued_at);
  if (!ia) return fail("issued_at", "Issued At is not an RFC 3339 date-time");
  m.issued_at_unix = *ia;

  // Optional fields, each at most once, in the ABNF's order.
  auto peek_prefix = [&](std::string_view prefix) {
    return li < lines.size() && lines[li].substr(0, prefix.size()) == prefix;
  };
  if (peek_prefix("Expiration Time: ")) {
    std::string v;
    field("Expiration Time", v);
    auto t = parse_rfc3339(v);
    if (!t) return fail("expiration_time", "Expiration Time is not an RFC 3339 date-time");
    m.expiration_time = v;
    m.expiration_unix = *t;
  }
  if (peek_prefix("Not Before: ")) {
    std::string v;
    field("Not Before", v);
    auto t = parse_rfc3339(v);
    if (!t) return fail("not_before", "Not Before is not an RFC 3339 date-time");
    m.not_before = v;
    m.not_before_unix = *t;
  }
  if (peek_prefix("Request ID: ")) {
    std::string v;
    field("Request ID", v);
    if (!all_pchars(v, ":@"))
      return fail("request_id", "Request ID contains a character not allowed");
    m.request_id = v;
  }
  if (li < lines.size() && lines[li] == "Resources:") {
    ++li;
    while (li < lines.size() && lines[li].substr(0, 2) == "- ") {
      std::string_view r = lines[li].substr(2);
      if (!valid_uri(r)) return fail("resources", "a resource is not an RFC 3986 URI");
      m.resources.emplace_back(r);
      ++li;
    }
  }
  if (li != lines.size()) return fail("message", "unexpected text after the last field");
  return m;
}

}  // namespace sg::web3
