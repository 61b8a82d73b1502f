#include "http_date.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace sg::gateway {
namespace {
constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool digits(std::string_view s, int& out) {
  out = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}
}  // namespace

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        kDays[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                        kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  std::tm tm{};
  int v = 0;
  if (!digits(s.substr(5, 2), v)) return std::nullopt;
  tm.tm_mday = v;
  int mon = -1;
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (s.substr(8, 3) == kMonths[i]) mon = static_cast<int>(i);
  if (mon < 0) return std::nullopt;
  tm.tm_mon = mon;
  if (!digits(s.substr(12, 4), v)) return std::nullopt;
  tm.tm_year = v - 1900;
  if (!digits(s.substr(17, 2), v) || v > 23) return std::nullopt;
  tm.tm_hour = v;
  if (!digits(s.substr(20, 2), v) || v > 59) return std::nullopt;
  tm.tm_min = v;
  if (!digits(s.substr(23, 2), v) || v > 60) return std::nullopt;
  tm.tm_sec = v;
  if (tm.tm_mday < 1 || tm.tm_mday > 31) return std::nullopt;
  return timegm(&tm);
}

std::string_view current_http_date() {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    cached = format_http_date(now);
    cached_at = now;
  }
  return cached;
}

}  // namespace sg::gateway
