// View analytics in process: the keyed hash against its published vectors, viewer ids (wallet
// and daily anonymous hash), the Range rule, and the in-memory aggregate's session rules
// (token sessions, the 30-minute gap, day rollover, retries, forgetting a content).
#include <gtest/gtest.h>

#include <thread>

#include <streamgate/plugin.hpp>

#include "config.hpp"
#include "keyed_hash.hpp"
#include "view_counter.hpp"
#include "viewer.hpp"

using namespace sg::streaming;

namespace {

constexpr const char* kContent = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr const char* kOther = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
constexpr int64_t kDay = 20000;  // 2024-10-04
constexpr int64_t kNoon = kDay * 86400 + 12 * 3600;

HashKey counting_key() {
  HashKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

std::string counting_message(size_t n) {
  std::string m;
  for (size_t i = 0; i < n; ++i) m.push_back(static_cast<char>(i));
  return m;
}

ViewerId wallet(char digit) {
  return *wallet_viewer("0x" + std::string(40, digit));
}

SegmentDelivery seg(const ViewerId& v, uint32_t number, int64_t now, uint64_t token = 0,
                    const char* rendition = "360p", double seconds = 2.0,
                    const char* content = kContent) {
  SegmentDelivery d;
  d.content_id = content;
  d.rendition = rendition;
  d.segment = number;
  d.seconds = seconds;
  d.adds_watch_time = std::string_view(rendition) != "audio";
  d.token_session = token;
  d.token_expires_at = token != 0 ? now + 3600 : 0;
  d.viewer = v;
  d.now = now;
  return d;
}

const DayTotals& day_of(const ViewBatch& b, const char* content, int64_t day) {
  static const DayTotals none;
  auto it = b.days.find({content, day});
  return it == b.days.end() ? none : it->second;
}

}  // namespace

TEST(KeyedHash, MatchesTheSipHashReferenceVectors) {
  // Key 00..0f; messages 00..(n-1) (the reference implementation's vectors.h).
  EXPECT_EQ(siphash64(counting_key(), ""), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(siphash64(counting_key(), counting_message(15)), 0xa129ca6149be45e5ULL);
  const std::array<uint8_t, 16> empty128{0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
                                         0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93};
  EXPECT_EQ(siphash128(counting_key(), ""), empty128);
  EXPECT_NE(random_hash_key(), random_hash_key());
}

TEST(Viewer, WalletIdsIgnoreCaseAndRefuseNonAddresses) {
  auto a = wallet_viewer("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  auto b = wallet_viewer("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->text(), "w:0x2c7536e3605d9c16a7a3d7b1898e529396a65c23");
  EXPECT_FALSE(wallet_viewer(""));
  EXPECT_FALSE(wallet_viewer("0x2c7536e3605d9c16a7a3d7b1898e529396a65c2"));
  EXPECT_FALSE(wallet_viewer("0x2c7536e3605d9c16a7a3d7b1898e529396a65cZZ"));
}

TEST(Viewer, AnonymousIdsAreAKeyedHashThatChangesWithTheDailySalt) {
  HashKey monday = random_hash_key(), tuesday = random_hash_key();
  auto a = anonymous_viewer(monday, "203.0.113.7", "Mozilla/5.0 A");
  EXPECT_EQ(a, anonymous_viewer(monday, "203.0.113.7", "Mozilla/5.0 A"));
  EXPECT_FALSE(a.wallet);
  EXPECT_EQ(a.text().size(), 2u + 32u);
  EXPECT_EQ(a.text().rfind("a:", 0), 0u);
  // Nothing of the IP or the User-Agent is in the stored text.
  EXPECT_EQ(a.text().find("203"), std::string::npos);
  EXPECT_NE(a, anonymous_viewer(monday, "203.0.113.8", "Mozilla/5.0 A"));
  EXPECT_NE(a, anonymous_viewer(monday, "203.0.113.7", "Mozilla/5.0 B"));
  // The separator keeps the two parts apart.
  EXPECT_NE(anonymous_viewer(monday, "1.2.3.4", "5x"), anonymous_viewer(monday, "1.2.3.45", "x"));
  // Another day, another salt: the same person cannot be linked across days.
  EXPECT_NE(a, anonymous_viewer(tuesday, "203.0.113.7", "Mozilla/5.0 A"));
}

TEST(Viewer, DailySaltsKeepOneSaltPerDayAndForgetPastDays) {
  DailySalts salts;
  HashKey k = random_hash_key();
  salts.set(kDay, k);
  EXPECT_EQ(salts.get_or_make(kDay), k);
  HashKey made = salts.get_or_make(kDay + 1);
  EXPECT_EQ(salts.get_or_make(kDay + 1), made);
  EXPECT_NE(made, k);
  salts.forget_before(kDay + 1);
  EXPECT_FALSE(salts.get(kDay));
  EXPECT_TRUE(salts.get(kDay + 1));
}

TEST(Viewer, ClientIpDropsThePort) {
  EXPECT_EQ(client_ip("127.0.0.1:53312"), "127.0.0.1");
  EXPECT_EQ(client_ip("[::1]:8080"), "::1");
  EXPECT_EQ(client_ip("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(client_ip("10.0.0.1"), "10.0.0.1");
}

TEST(Viewer, OnlyTheStartOfASegmentCountsAsADelivery) {
  EXPECT_TRUE(counts_as_delivery(std::nullopt));
  EXPECT_TRUE(counts_as_delivery("bytes=0-"));
  EXPECT_TRUE(counts_as_delivery("bytes=0-1023"));
  EXPECT_TRUE(counts_as_delivery("bytes=000-10, 20-30"));
  EXPECT_FALSE(counts_as_delivery("bytes=1024-"));
  EXPECT_FALSE(counts_as_delivery("bytes=-500"));
  EXPECT_FALSE(counts_as_delivery("bytes=10-0"));
}

TEST(Viewer, UtcDaysRoundTrip) {
  EXPECT_EQ(day_text(0), "1970-01-01");
  EXPECT_EQ(utc_day(86399), 0);
  EXPECT_EQ(utc_day(86400), 1);
  EXPECT_EQ(day_text(utc_day(1'780'000'000)), "2026-05-28");
  EXPECT_EQ(parse_day("2026-05-28"), utc_day(1'780'000'000));
  EXPECT_FALSE(parse_day("2026-02-31"));
  EXPECT_FALSE(parse_day("2026-5-28"));
}

TEST(ViewCounter, OneTokenIsOneViewWhateverItsSegments) {
  ViewCounter c;
  auto v = wallet('1');
  EXPECT_TRUE(c.record(seg(v, 1, kNoon, 42)));
  EXPECT_FALSE(c.record(seg(v, 2, kNoon + 2, 42)));
  EXPECT_FALSE(c.record(seg(v, 3, kNoon + 4, 42, "360p", 1.5)));
  // A pause longer than 30 minutes on the same token is still the same playback.
  EXPECT_FALSE(c.record(seg(v, 1, kNoon + 3000, 42)));
  auto b = c.drain(kNoon + 3001);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 1);
  EXPECT_EQ(day_of(b, kContent, kDay).segments, 4);
  EXPECT_EQ(day_of(b, kContent, kDay).watch_ms, 7500);
  EXPECT_EQ(b.viewers.size(), 1u);
  EXPECT_TRUE(b.viewers.contains({kContent, kDay, v.text()}));
}

TEST(ViewCounter, EachTokenIsItsOwnViewButTheViewerIsCountedOnce) {
  ViewCounter c;
  auto v = wallet('1');
  EXPECT_TRUE(c.record(seg(v, 1, kNoon, 1)));
  EXPECT_TRUE(c.record(seg(v, 1, kNoon + 60, 2)));  // reloaded the page: a new token
  auto b = c.drain(kNoon + 61);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 2);
  EXPECT_EQ(b.viewers.size(), 1u);  // a set: one unique viewer
}

TEST(ViewCounter, WithoutATokenAThirtyMinuteGapStartsANewView) {
  ViewCounter c;
  auto anon = anonymous_viewer(random_hash_key(), "198.51.100.1", "curl/8");
  EXPECT_TRUE(c.record(seg(anon, 1, kNoon)));
  EXPECT_FALSE(c.record(seg(anon, 2, kNoon + 29 * 60)));  // 29 min: same view
  EXPECT_FALSE(c.record(seg(anon, 3, kNoon + 58 * 60)));  // 29 min after the last: same view
  EXPECT_TRUE(c.record(seg(anon, 4, kNoon + 58 * 60 + 30 * 60 + 1)));  // a 30 min+ gap
  auto b = c.drain(kNoon + 90 * 60);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 2);
  EXPECT_EQ(day_of(b, kContent, kDay).segments, 4);
  EXPECT_EQ(b.viewers.size(), 1u);
}

TEST(ViewCounter, ViewersOfDifferentKindsAndContentsAreApart) {
  ViewCounter c;
  HashKey salt = random_hash_key();
  EXPECT_TRUE(c.record(seg(wallet('1'), 1, kNoon)));
  EXPECT_TRUE(c.record(seg(wallet('2'), 1, kNoon)));
  EXPECT_TRUE(c.record(seg(anonymous_viewer(salt, "198.51.100.1", "A"), 1, kNoon)));
  EXPECT_TRUE(c.record(seg(anonymous_viewer(salt, "198.51.100.1", "B"), 1, kNoon)));
  EXPECT_TRUE(c.record(seg(wallet('1'), 1, kNoon, 0, "360p", 2.0, kOther)));
  auto b = c.drain(kNoon + 1);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 4);
  EXPECT_EQ(day_of(b, kOther, kDay).views, 1);
  EXPECT_EQ(b.viewers.size(), 5u);
}

TEST(ViewCounter, ASessionAcrossMidnightIsAViewOnEachDay) {
  ViewCounter c;
  auto v = wallet('3');
  const int64_t before = (kDay + 1) * 86400 - 2;
  EXPECT_TRUE(c.record(seg(v, 1, before, 9)));
  EXPECT_TRUE(c.record(seg(v, 2, before + 2, 9)));  // 00:00:00 the next day
  EXPECT_FALSE(c.record(seg(v, 3, before + 4, 9)));
  auto b = c.drain(before + 5);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 1);
  EXPECT_EQ(day_of(b, kContent, kDay).watch_ms, 2000);
  EXPECT_EQ(day_of(b, kContent, kDay + 1).views, 1);
  EXPECT_EQ(day_of(b, kContent, kDay + 1).watch_ms, 4000);
  EXPECT_TRUE(b.viewers.contains({kContent, kDay, v.text()}));
  EXPECT_TRUE(b.viewers.contains({kContent, kDay + 1, v.text()}));
}

TEST(ViewCounter, ARetryOfTheSameSegmentCountsOnce) {
  ViewCounter c;
  auto v = wallet('4');
  c.record(seg(v, 1, kNoon, 5));
  c.record(seg(v, 1, kNoon, 5));  // the same segment again at once
  c.record(seg(v, 2, kNoon + 1, 5));
  auto b = c.drain(kNoon + 2);
  EXPECT_EQ(day_of(b, kContent, kDay).segments, 2);
  EXPECT_EQ(day_of(b, kContent, kDay).watch_ms, 4000);
}

TEST(ViewCounter, RenditionsAreCountedApartAndAudioAddsNoWatchTime) {
  ViewCounter c;
  auto v = wallet('5');
  c.record(seg(v, 1, kNoon, 7, "360p"));
  c.record(seg(v, 1, kNoon, 7, "audio"));
  c.record(seg(v, 2, kNoon + 2, 7, "240p"));
  c.record(seg(v, 2, kNoon + 2, 7, "audio"));
  auto b = c.drain(kNoon + 3);
  EXPECT_EQ(day_of(b, kContent, kDay).watch_ms, 4000);  // video seconds only
  EXPECT_EQ(day_of(b, kContent, kDay).segments, 4);
  auto r = [&](const char* name) { return b.renditions.at({kContent, kDay, name}); };
  EXPECT_EQ(r("360p").segments, 1);
  EXPECT_EQ(r("240p").watch_ms, 2000);
  EXPECT_EQ(r("audio").segments, 2);
  EXPECT_EQ(r("audio").watch_ms, 4000);
}

TEST(ViewCounter, DrainEmptiesThePendingCountsButKeepsLiveSessions) {
  ViewCounter c;
  auto v = wallet('6');
  c.record(seg(v, 1, kNoon, 11));
  auto first = c.drain(kNoon + 1);
  EXPECT_FALSE(first.empty());
  EXPECT_TRUE(c.drain(kNoon + 2).empty());
  EXPECT_FALSE(c.record(seg(v, 2, kNoon + 3, 11)));  // the session survived the drain
  EXPECT_EQ(c.sessions(), 1u);
  c.drain(kNoon + 2 * 3600);  // its token expired an hour after noon
  EXPECT_EQ(c.sessions(), 0u);
}

TEST(ViewCounter, ForgettingAContentDropsItsCountsAndSessions) {
  ViewCounter c;
  c.record(seg(wallet('7'), 1, kNoon));
  c.record(seg(wallet('7'), 1, kNoon, 0, "360p", 2.0, kOther));
  c.forget_content(kContent);
  auto b = c.drain(kNoon + 1);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 0);
  EXPECT_EQ(day_of(b, kOther, kDay).views, 1);
  EXPECT_EQ(c.sessions(), 1u);
}

TEST(ViewCounter, ManyThreadsCountExactly) {
  ViewCounter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&c, t] {
      for (uint32_t i = 1; i <= 500; ++i)
        c.record(seg(wallet(static_cast<char>('a' + t)), i, kNoon, 100 + static_cast<uint64_t>(t)));
    });
  for (auto& th : threads) th.join();
  auto b = c.drain(kNoon + 1);
  EXPECT_EQ(day_of(b, kContent, kDay).views, 4);
  EXPECT_EQ(day_of(b, kContent, kDay).segments, 2000);
  EXPECT_EQ(day_of(b, kContent, kDay).watch_ms, 4'000'000);
}

TEST(ViewBatch, MergeAddsAndEraseContentRemoves) {
  ViewBatch a, b;
  a.days[{kContent, kDay}] = {1, 2, 3000};
  b.days[{kContent, kDay}] = {1, 1, 1000};
  b.days[{kOther, kDay}] = {5, 5, 5000};
  b.viewers.insert({kContent, kDay, "a:00"});
  a.merge(b);
  EXPECT_EQ(a.days[std::make_pair(std::string(kContent), kDay)].views, 2);
  EXPECT_EQ(a.days[std::make_pair(std::string(kContent), kDay)].watch_ms, 4000);
  a.erase_content(kContent);
  EXPECT_EQ(a.days.size(), 1u);
  EXPECT_TRUE(a.viewers.empty());
}

TEST(StreamingConfig, AnalyticsAndWatchPageKeys) {
  auto defaults = parse_config(nlohmann::json::object());
  EXPECT_TRUE(defaults.analytics_enabled);
  EXPECT_EQ(defaults.analytics_flush_interval, std::chrono::seconds(10));
  EXPECT_EQ(defaults.watch_page, "");
  EXPECT_EQ(defaults.public_base_url, "");
  EXPECT_EQ(defaults.content_security_policy.rfind("default-src 'self'; script-src 'self';", 0),
            0u);

  auto c = parse_config({{"analytics", {{"enabled", false}, {"flush_seconds", 2}}},
                         {"watch_page", "./web/dist/index.html"},
                         {"public_base_url", "https://video.example.com/"},
                         {"content_security_policy", "default-src 'none'"}});
  EXPECT_FALSE(c.analytics_enabled);
  EXPECT_EQ(c.analytics_flush_interval, std::chrono::seconds(2));
  EXPECT_EQ(c.watch_page, "./web/dist/index.html");
  EXPECT_EQ(c.public_base_url, "https://video.example.com");  // trailing slash dropped
  EXPECT_EQ(c.content_security_policy, "default-src 'none'");

  auto refused = [](const nlohmann::json& section, const std::string& key) {
    try {
      parse_config(section);
      ADD_FAILURE() << section.dump() << " was accepted";
    } catch (const sg::Error& e) {
      EXPECT_NE(std::string(e.what()).find("plugins.streaming." + key), std::string::npos)
          << e.what();
    }
  };
  refused({{"analytics", {{"flush_every", 3}}}}, "analytics.flush_every");
  refused({{"analytics", {{"flush_seconds", 0}}}}, "analytics.flush_seconds");
  refused({{"analytics", {{"enabled", "yes"}}}}, "analytics.enabled");
  refused({{"watch_page", 3}}, "watch_page");
  refused({{"public_base_url", "video.example.com"}}, "public_base_url");
  refused({{"public_base_url", "https://x.example/\"><script>"}}, "public_base_url");
  refused({{"content_security_policy", "a\r\nX-Evil: 1"}}, "content_security_policy");
}
