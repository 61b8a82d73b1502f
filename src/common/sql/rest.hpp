// Helpers for the data plugins' REST handlers (header-only; the plugins link sg_sql): strict
// query-string checks and bounded pagination parameters. Database work is answered through
// sg::http::answer_later (blocking pool, JSON errors).
#pragma once

#include <charconv>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

namespace sg::sql::rest {

// Refuses query parameters outside `allowed` (400 naming the first unknown one).
inline void check_query_params(const http::Exchange& ex,
                               std::initializer_list<std::string_view> allowed) {
  std::string_view q = ex.query();
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    std::string_view name = part.substr(0, part.find('='));
    bool ok = false;
    for (auto a : allowed) ok = ok || a == name;
    if (!ok)
      throw http::HttpError(400, "invalid_request",
                            std::string(name.substr(0, 64)) + ": unknown query parameter");
  }
}

// limit: integer in [1, max], default `def`.
inline int64_t parse_limit(const http::Exchange& ex, int64_t def = 20, int64_t max = 100) {
  auto v = ex.query_param("limit");
  if (!v) return def;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > max)
    throw http::HttpError(400, "invalid_request",
                          "limit: must be an integer from 1 to " + std::to_string(max));
  return n;
}

inline std::optional<std::string> param(const http::Exchange& ex, std::string_view name) {
  auto v = ex.query_param(name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

}  // namespace sg::sql::rest
