#include "stats_store.hpp"

#include <algorithm>
#include <map>

#include "sql/migrations.hpp"

namespace sg::streaming {
namespace {

// Days are 'YYYY-MM-DD' text (sorts like the date, reads well in SQL); counters are BIGINT,
// watch time in milliseconds so additions stay exact.
constexpr const char* kSchemaV1 = R"(
CREATE TABLE streaming_daily_stats (
  content_id TEXT NOT NULL,
  day TEXT NOT NULL,
  views BIGINT NOT NULL DEFAULT 0,
  segments BIGINT NOT NULL DEFAULT 0,
  watch_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (content_id, day)
);
CREATE TABLE streaming_rendition_stats (
  content_id TEXT NOT NULL,
  day TEXT NOT NULL,
  rendition TEXT NOT NULL,
  segments BIGINT NOT NULL DEFAULT 0,
  watch_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (content_id, day, rendition)
);
CREATE TABLE streaming_viewers (
  content_id TEXT NOT NULL,
  day TEXT NOT NULL,
  viewer TEXT NOT NULL,
  PRIMARY KEY (content_id, day, viewer)
);
CREATE TABLE streaming_viewer_salts (
  day TEXT PRIMARY KEY,
  salt TEXT NOT NULL
);
)";

std::string hex(const HashKey& k) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : k) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::optional<HashKey> unhex(const std::string& s) {
  HashKey k{};
  if (s.size() != 2 * k.size()) return std::nullopt;
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < k.size(); ++i) {
    int hi = v(s[2 * i]), lo = v(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    k[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return k;
}

}  // namespace

void StatsStore::migrate() {
  sql::migrate(db_, "streaming", {{1, kSchemaV1, kSchemaV1}});
}

void StatsStore::add(const ViewBatch& b) {
  if (b.empty()) return;
  // The maps are ordered, so concurrent instances lock rows in the same order (no deadlock).
  db_.write([&](sql::Session& s) {
    for (const auto& [key, t] : b.days)
      s.exec(
          "INSERT INTO streaming_daily_stats (content_id, day, views, segments, watch_ms) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (content_id, day) DO UPDATE SET "
          "views = streaming_daily_stats.views + excluded.views, "
          "segments = streaming_daily_stats.segments + excluded.segments, "
          "watch_ms = streaming_daily_stats.watch_ms + excluded.watch_ms",
          {key.first, day_text(key.second), t.views, t.segments, t.watch_ms});
    for (const auto& [key, t] : b.renditions)
      s.exec(
          "INSERT INTO streaming_rendition_stats (content_id, day, rendition, segments, "
          "watch_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (content_id, day, rendition) DO "
          "UPDATE SET segments = streaming_rendition_stats.segments + excluded.segments, "
          "watch_ms = streaming_rendition_stats.watch_ms + excluded.watch_ms",
          {std::get<0>(key), day_text(std::get<1>(key)), std::get<2>(key), t.segments, t.watch_ms});
    for (const auto& [content, day, viewer] : b.viewers)
      s.exec(
          "INSERT INTO streaming_viewers (content_id, day, viewer) VALUES ($1, $2, $3) "
          "ON CONFLICT DO NOTHING",
          {content, day_text(day), viewer});
  });
}

HashKey StatsStore::salt_for(int64_t day, const HashKey& candidate) {
  std::optional<HashKey> stored;
  db_.write([&](sql::Session& s) {
    s.exec("INSERT INTO streaming_viewer_salts (day, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING",
           {day_text(day), hex(candidate)});
    auto r = s.exec("SELECT salt FROM streaming_viewer_salts WHERE day = $1", {day_text(day)});
    if (auto row = r.first()) stored = unhex(row->str(0));
  });
  return stored ? *stored : candidate;
}

void StatsStore::forget_salts_before(int64_t day) {
  db_.write([&](sql::Session& s) {
    s.exec("DELETE FROM streaming_viewer_salts WHERE day < $1", {day_text(day)});
  });
}

ContentStats StatsStore::stats(const std::string& id, int64_t today, int days) {
  const int64_t first = today - days + 1;
  const std::string from = day_text(first), to = day_text(today);
  std::map<int64_t, DayStats> by_day;
  for (int64_t d = first; d <= today; ++d) by_day[d].day = d;
  ContentStats out;
  db_.read([&](sql::Session& s) {
    auto daily = s.exec(
        "SELECT day, views, watch_ms FROM streaming_daily_stats WHERE content_id = $1 AND "
        "day >= $2 AND day <= $3",
        {id, from, to});
    for (size_t i = 0; i < daily.size(); ++i) {
      auto row = daily.row(i);
      auto d = parse_day(row.str(0));
      if (!d || !by_day.contains(*d)) continue;
      by_day[*d].views = row.i64(1);
      by_day[*d].watch_ms = row.i64(2);
    }
    auto uniques = s.exec(
        "SELECT day, COUNT(*) FROM streaming_viewers WHERE content_id = $1 AND day >= $2 AND "
        "day <= $3 GROUP BY day",
        {id, from, to});
    for (size_t i = 0; i < uniques.size(); ++i) {
      auto row = uniques.row(i);
      auto d = parse_day(row.str(0));
      if (d && by_day.contains(*d)) by_day[*d].unique_viewers = row.i64(1);
    }
    auto distinct = s.exec(
        "SELECT COUNT(DISTINCT viewer) FROM streaming_viewers WHERE content_id = $1 AND "
        "day >= $2 AND day <= $3",
        {id, from, to});
    if (auto row = distinct.first(); row && !row->is_null(0)) out.unique_viewers = row->i64(0);
    auto renditions = s.exec(
        "SELECT rendition, SUM(segments), SUM(watch_ms) FROM streaming_rendition_stats WHERE "
        "content_id = $1 AND day >= $2 AND day <= $3 GROUP BY rendition",
        {id, from, to});
    for (size_t i = 0; i < renditions.size(); ++i) {
      auto row = renditions.row(i);
      out.renditions.push_back({row.str(0), row.i64(1), row.i64(2)});
    }
  });
  std::sort(out.renditions.begin(), out.renditions.end(), [](const auto& a, const auto& b) {
    return a.watch_ms != b.watch_ms ? a.watch_ms > b.watch_ms : a.name < b.name;
  });
  for (auto& [d, st] : by_day) {
    out.views += st.views;
    out.watch_ms += st.watch_ms;
    out.days.push_back(st);
  }
  return out;
}

void StatsStore::delete_content(const std::string& id) {
  db_.write([&](sql::Session& s) {
    s.exec("DELETE FROM streaming_daily_stats WHERE content_id = $1", {id});
    s.exec("DELETE FROM streaming_rendition_stats WHERE content_id = $1", {id});
    s.exec("DELETE FROM streaming_viewers WHERE content_id = $1", {id});
  });
}

}  // namespace sg::streaming
