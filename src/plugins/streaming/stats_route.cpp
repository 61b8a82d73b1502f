// GET /api/v1/content/{id}/stats?days=30: view analytics of one content for its owner or an
// administrator. Counts not flushed yet are flushed first, so the answer includes every
// segment delivered by this instance before the request.
#include <cctype>
#include <charconv>

#include "media_path.hpp"
#include "pipeline.hpp"
#include "routes.hpp"
#include "sql/rest.hpp"

namespace sg::streaming {
namespace {

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 365;

bool same_address(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

int parse_days(const http::Exchange& ex) {
  auto v = ex.query_param("days");
  if (!v) return kDefaultDays;
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > kMaxDays)
    throw http::HttpError(400, "invalid_request",
                          "days: must be an integer from 1 to " + std::to_string(kMaxDays));
  return n;
}

double seconds(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

nlohmann::json stats_json(const std::string& id, const ContentStats& s) {
  nlohmann::json renditions = nlohmann::json::array();
  for (const auto& r : s.renditions)
    renditions.push_back(
        {{"name", r.name}, {"segments", r.segments}, {"watch_seconds", seconds(r.watch_ms)}});
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : s.days)
    days.push_back({{"day", day_text(d.day)},
                    {"views", d.views},
                    {"unique_viewers", d.unique_viewers},
                    {"watch_seconds", seconds(d.watch_ms)}});
  return {{"content_id", id},
          {"totals",
           {{"views", s.views},
            {"unique_viewers", s.unique_viewers},
            {"watch_seconds", seconds(s.watch_ms)}}},
          {"renditions", std::move(renditions)},
          {"days", std::move(days)}};
}

}  // namespace

void add_stats_route(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  router.add(SG_HTTP_GET, "/api/v1/content/{id}/stats", [c](const http::Exchange& ex) {
    sql::rest::check_query_params(ex, {"days"});
    const int days = parse_days(ex);
    auto id = normalise_content_id(ex.path_param("id").value_or(""));
    if (!id) throw http::HttpError(404, "not_found", "no such content");
    const sg_http_identity who = ex.identity();
    if (!who.authenticated)
      throw http::HttpError(401, "unauthorized", "sign in to see the stats of your content")
          .with_header("WWW-Authenticate", "Bearer");
    with_content(*c, ex, *id, [c, days, who](const http::Exchange& e, ContentPtr content) {
      if (!who.is_admin && !same_address(content->owner, who.address)) {
        e.respond_error(403, "forbidden", "only the owner or an administrator sees the stats");
        return;
      }
      if (!c->analytics) {
        e.respond_error(503, "analytics_disabled",
                        "view analytics are off (plugins.streaming.analytics.enabled)");
        return;
      }
      http::answer_later(c->host, e, [c, days, content](const http::Exchange& e2) {
        auto stats = c->analytics->stats(content->id, days);
        e2.respond_json(200, stats_json(content->id, stats), {{"Cache-Control", "no-store"}});
      });
    });
  });
}

}  // namespace sg::streaming
