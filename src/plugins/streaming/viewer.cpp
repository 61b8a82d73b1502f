#include "viewer.hpp"

#include <charconv>
#include <ctime>

namespace sg::streaming {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Longest User-Agent hashed: longer ones are cut (they still differ in their first 512 bytes
// in practice, and the buffer stays on the stack).
constexpr size_t kMaxUserAgent = 512;

}  // namespace

std::string ViewerId::text() const {
  std::string out = wallet ? "w:0x" : "a:";
  const size_t n = wallet ? 20 : 16;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

std::optional<ViewerId> wallet_viewer(std::string_view a) {
  if (a.size() != 42 || a[0] != '0' || (a[1] != 'x' && a[1] != 'X')) return std::nullopt;
  ViewerId v;
  v.wallet = true;
  for (size_t i = 0; i < 20; ++i) {
    int hi = hex_value(a[2 + 2 * i]), lo = hex_value(a[3 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    v.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return v;
}

ViewerId anonymous_viewer(const HashKey& salt, std::string_view ip, std::string_view ua) {
  std::array<char, 64 + 1 + kMaxUserAgent> buf;
  ip = ip.substr(0, 64);
  ua = ua.substr(0, kMaxUserAgent);
  size_t n = ip.copy(buf.data(), ip.size());
  buf[n++] = '\0';  // cannot occur in either part: keeps ("a", "bc") apart from ("ab", "c")
  n += ua.copy(buf.data() + n, ua.size());
  auto h = siphash128(salt, std::string_view(buf.data(), n));
  ViewerId v;
  for (size_t i = 0; i < h.size(); ++i) v.bytes[i] = h[i];
  return v;
}

std::string_view client_ip(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    size_t close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  size_t colon = remote.rfind(':');
  // One colon: "ip:port". More than one without brackets: a bare IPv6 address.
  if (colon != std::string_view::npos && remote.find(':') == colon) return remote.substr(0, colon);
  return remote;
}

bool counts_as_delivery(std::optional<std::string_view> range) {
  if (!range) return true;
  std::string_view r = *range;
  while (!r.empty() && (r.front() == ' ' || r.front() == '\t')) r.remove_prefix(1);
  if (r.size() < 6 || r.substr(0, 6) != "bytes=") return true;  // not a byte range: full body
  r.remove_prefix(6);
  while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
  size_t digits = 0;
  while (digits < r.size() && r[digits] >= '0' && r[digits] <= '9') ++digits;
  if (digits == 0) return false;  // "bytes=-500": the tail only
  for (size_t i = 0; i < digits; ++i)
    if (r[i] != '0') return false;
  return true;
}

int64_t utc_day(int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
}

std::string day_text(int64_t day) {
  std::time_t t = static_cast<std::time_t>(day * 86400);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::optional<int64_t> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  auto num = [&](size_t at, size_t len, int& out) {
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
    return ec == std::errc() && p == s.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  std::time_t t = timegm(&tm);
  int64_t day = utc_day(static_cast<int64_t>(t));
  if (day_text(day) != s) return std::nullopt;  // 2026-02-31 and the like
  return day;
}

void DailySalts::set(int64_t day, const HashKey& salt) {
  std::lock_guard lock(mu_);
  salts_[day] = salt;
}

std::optional<HashKey> DailySalts::get(int64_t day) const {
  std::lock_guard lock(mu_);
  auto it = salts_.find(day);
  if (it == salts_.end()) return std::nullopt;
  return it->second;
}

HashKey DailySalts::get_or_make(int64_t day) {
  std::lock_guard lock(mu_);
  auto it = salts_.find(day);
  if (it != salts_.end()) return it->second;
  HashKey k = random_hash_key();
  salts_[day] = k;
  return k;
}

void DailySalts::forget_before(int64_t day) {
  std::lock_guard lock(mu_);
  salts_.erase(salts_.begin(), salts_.lower_bound(day));
}

}  // namespace sg::streaming
