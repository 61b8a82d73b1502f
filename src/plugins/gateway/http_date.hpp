// IMF-fixdate (RFC 9110 5.6.7) formatting and parsing, plus a per-thread cached Date value.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace sg::gateway {

std::string format_http_date(std::time_t t);
// Accepts IMF-fixdate only (what every current client sends); nullopt otherwise.
std::optional<std::time_t> parse_http_date(std::string_view s);
// The current time as IMF-fixdate, recomputed at most once per second per thread.
std::string_view current_http_date();

}  // namespace sg::gateway
