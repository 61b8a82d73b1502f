// View analytics through a running streamgate (the analytics stack: flush every second,
// monitor for /metrics): two wallets play an HLS rendition with their playback tokens and an
// anonymous client plays it once public -> 3 views, 3 unique viewers, the rendition's watch
// time; a segment fetched in two Range parts counts once, HEAD not at all; the timer flush
// reaches SQL by itself; the stats survive a restart; the Prometheus counters move; 401/403/
// 404/400 on the stats route; deleting a content deletes its stats.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

#include "sql/database.hpp"
#include "stats_store.hpp"
#include "stream_fixture.hpp"

namespace {

using json = nlohmann::json;
using streamtest::Stack;
using Clock = std::chrono::steady_clock;

constexpr const char* kAnonAgent = "AnalyticsTest/anonymous (like a browser, no wallet)";

class Analytics : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
    s = streamtest::analytics_stack();
    ASSERT_NE(s, nullptr);
  }

  // The media playlist's segment URIs ("seg-00001.m4s?token=...").
  static std::vector<std::string> segment_uris(const std::string& playlist) {
    std::vector<std::string> out;
    std::istringstream in(playlist);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#' && line.find("seg-") != std::string::npos)
        out.push_back(line);
    return out;
  }

  // Plays `rendition` of `id` as a player would: its playlist, then every segment. Returns
  // how many segments it fetched.
  size_t play(const std::string& id, const std::string& rendition, const std::string& query,
              const sgtest::Headers& headers) {
    std::string base = "/stream/" + id + "/" + rendition + "/";
    auto playlist = s->get(base + "index.m3u8" + query, headers);
    EXPECT_EQ(playlist.status, 200) << playlist.body;
    auto segments = segment_uris(playlist.body);
    EXPECT_FALSE(segments.empty()) << playlist.body;
    for (const auto& uri : segments) {
      auto r = s->get(base + uri, headers);
      EXPECT_EQ(r.status, 200) << uri << " " << r.body;
    }
    return segments.size();
  }

  // The playback token /playback gives `session` for `id`.
  std::string token_for(const std::string& id, const std::string& session) {
    auto r =
        s->get("/api/v1/content/" + id + "/playback", {{"Authorization", "Bearer " + session}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["token"].get<std::string>();
  }

  // Seconds of `rendition` as the record describes it (segment_seconds, the last one shorter).
  double rendition_seconds(const std::string& id, const std::string& rendition) {
    auto rec = s->as_owner("GET", "/api/v1/content/" + id).json();
    double ss = rec["media"]["segment_seconds"].get<double>();
    double duration = rec["media"]["duration"].get<double>();
    for (const auto& r : rec["renditions"])
      if (r["id"] == rendition) {
        auto n = r["segments"].get<int64_t>();
        return ss * static_cast<double>(n - 1) +
               std::min(ss, duration - ss * static_cast<double>(n - 1));
      }
    ADD_FAILURE() << "no rendition " << rendition;
    return 0;
  }

  json stats(const std::string& id, const std::string& session, const std::string& query = "") {
    auto r = s->get("/api/v1/content/" + id + "/stats" + query,
                    {{"Authorization", "Bearer " + session}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }

  // A value of /metrics ("name{labels} value" lines), 0 when absent.
  double metric(const std::string& series) {
    auto r = s->get("/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    std::istringstream in(r.body);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return 0;
  }

  // The stats as SQL holds them, read straight from the server's database (no flush asked).
  sg::streaming::ContentStats stored(const std::string& id) {
    sg::sql::Config c;
    c.sqlite_path = (s->server->data_dir() / "streamgate.db").string();
    auto db = sg::sql::Database::open(c);
    sg::streaming::StatsStore store(*db);
    return store.stats(id, sg::streaming::utc_day(std::time(nullptr)), 2);
  }

  Stack* s = nullptr;
};

TEST_F(Analytics, TwoWalletsAndAnAnonymousViewerMakeThreeViews) {
  const std::string id = s->content_a;
  s->set_visibility(id, {{"visibility", "signed_in"}});
  const double views_before = metric("streamgate_stream_views_total");
  const double seconds_before = metric("streamgate_stream_watch_seconds_total");
  const double segs_before = metric("streamgate_stream_segments_total{rendition=\"360p\"}");

  // Two wallets, each with its own playback token (what hls.js gets from /playback).
  const std::string owner_token = token_for(id, s->owner_session);
  size_t n = play(id, "360p", "?token=" + owner_token, {});
  ASSERT_GE(n, 2u);
  // The owner also fetched the audio rendition's first segment: a rendition row, no extra
  // watch time (the same seconds as the video).
  ASSERT_EQ(s->get("/stream/" + id + "/audio/seg-00001.m4s?token=" + owner_token).status, 200);

  // The second wallet fetches its first segment in two Range parts: counted once.
  const std::string viewer_token = token_for(id, s->viewer_session);
  const std::string first = "/stream/" + id + "/360p/seg-00001.m4s?token=" + viewer_token;
  ASSERT_EQ(s->get(first, {{"Range", "bytes=0-99"}}).status, 206);
  ASSERT_EQ(s->get(first, {{"Range", "bytes=100-"}}).status, 206);
  for (size_t i = 2; i <= n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "360p/seg-%05zu.m4s", i);
    ASSERT_EQ(s->get("/stream/" + id + "/" + name + "?token=" + viewer_token).status, 200);
  }
  // HEAD delivers nothing.
  ASSERT_EQ(s->server->request("HEAD", first).status, 200);

  // Made public, an anonymous browser plays it without any credential.
  s->set_visibility(id, {{"visibility", "public"}});
  play(id, "360p", "", {{"User-Agent", kAnonAgent}});

  // The timer flush (every second) reaches SQL without anyone asking.
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (stored(id).views < 3 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(stored(id).views, 3);

  const double video = rendition_seconds(id, "360p");
  const double audio_first = 2.0;  // segment_seconds of this stack
  json st = stats(id, s->owner_session);
  EXPECT_EQ(st["content_id"], id);
  EXPECT_EQ(st["totals"]["views"], 3) << st.dump();
  EXPECT_EQ(st["totals"]["unique_viewers"], 3) << st.dump();
  EXPECT_NEAR(st["totals"]["watch_seconds"].get<double>(), 3 * video, 0.01) << st.dump();
  ASSERT_EQ(st["renditions"].size(), 2u) << st.dump();
  EXPECT_EQ(st["renditions"][0]["name"], "360p");
  EXPECT_EQ(st["renditions"][0]["segments"], 3 * n);
  EXPECT_NEAR(st["renditions"][0]["watch_seconds"].get<double>(), 3 * video, 0.01);
  EXPECT_EQ(st["renditions"][1]["name"], "audio");
  EXPECT_EQ(st["renditions"][1]["segments"], 1);
  EXPECT_NEAR(st["renditions"][1]["watch_seconds"].get<double>(), audio_first, 0.01);
  ASSERT_EQ(st["days"].size(), 30u);
  const json& today = st["days"].back();
  EXPECT_EQ(today["day"], sg::streaming::day_text(sg::streaming::utc_day(std::time(nullptr))));
  EXPECT_EQ(today["views"], 3);
  EXPECT_EQ(today["unique_viewers"], 3);
  EXPECT_EQ(st["days"].front()["views"], 0);
  EXPECT_EQ(stats(id, s->owner_session, "?days=7")["days"].size(), 7u);

  // The Prometheus counters moved by the same amounts.
  EXPECT_EQ(metric("streamgate_stream_views_total") - views_before, 3);
  EXPECT_NEAR(metric("streamgate_stream_watch_seconds_total") - seconds_before, 3 * video, 0.01);
  EXPECT_EQ(metric("streamgate_stream_segments_total{rendition=\"360p\"}") - segs_before,
            static_cast<double>(3 * n));

  // One more anonymous viewer, then a restart at once: the stop flush keeps it, SQL keeps all.
  ASSERT_EQ(s->get("/stream/" + id + "/360p/seg-00001.m4s", {{"User-Agent", "Another/1"}}).status,
            200);
  ASSERT_TRUE(s->server->stop().has_value());
  ASSERT_TRUE(s->server->start());
  json after = stats(id, s->owner_session);
  EXPECT_EQ(after["totals"]["views"], 4) << after.dump();
  EXPECT_EQ(after["totals"]["unique_viewers"], 4) << after.dump();
  // The day's salt came back from SQL: the first anonymous viewer is still the same viewer
  // (a new view after the restart, not a new unique viewer).
  ASSERT_EQ(s->get("/stream/" + id + "/360p/seg-00001.m4s", {{"User-Agent", kAnonAgent}}).status,
            200);
  json again = stats(id, s->owner_session);
  EXPECT_EQ(again["totals"]["views"], 5) << again.dump();
  EXPECT_EQ(again["totals"]["unique_viewers"], 4) << again.dump();
}

TEST_F(Analytics, StatsAreForTheOwnerOnly) {
  const std::string path = "/api/v1/content/" + s->content_a + "/stats";
  auto anon = s->get(path);
  EXPECT_EQ(anon.status, 401) << anon.body;
  EXPECT_EQ(anon.json()["error"]["code"], "unauthorized");
  auto other = s->get(path, {{"Authorization", "Bearer " + s->viewer_session}});
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.json()["error"]["code"], "forbidden");
  auto unknown = s->get("/api/v1/content/00000000-0000-4000-8000-000000000000/stats",
                        {{"Authorization", "Bearer " + s->owner_session}});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  for (const char* q : {"?days=0", "?days=366", "?days=x", "?limit=3"}) {
    auto bad = s->get(path + q, {{"Authorization", "Bearer " + s->owner_session}});
    EXPECT_EQ(bad.status, 400) << q << " " << bad.body;
    EXPECT_EQ(bad.json()["error"]["code"], "invalid_request");
  }
}

TEST_F(Analytics, DeletingAContentDeletesItsStats) {
  std::string id = streamtest::upload_ready(*s, 2, "short-lived");
  ASSERT_FALSE(id.empty());
  s->set_visibility(id, {{"visibility", "public"}});
  play(id, "360p", "", {{"User-Agent", kAnonAgent}});
  EXPECT_EQ(stats(id, s->owner_session)["totals"]["views"], 1);
  EXPECT_EQ(stored(id).views, 1);
  auto del = s->as_owner("DELETE", "/api/v1/content/" + id);
  ASSERT_EQ(del.status, 204) << del.body;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (stored(id).views != 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto gone = stored(id);
  EXPECT_EQ(gone.views, 0);
  EXPECT_EQ(gone.unique_viewers, 0);
  EXPECT_TRUE(gone.renditions.empty());
  EXPECT_EQ(
      s->get("/api/v1/content/" + id + "/stats", {{"Authorization", "Bearer " + s->owner_session}})
          .status,
      404);
}

}  // namespace
