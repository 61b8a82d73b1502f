// The in-process content cache: records in, invalidation, TTL, races with invalidation.
#include <gtest/gtest.h>

#include <thread>

#include "content_cache.hpp"

using namespace sg::streaming;

namespace {
std::shared_ptr<ContentInfo> info(const std::string& id, const std::string& status) {
  auto c = std::make_shared<ContentInfo>();
  c->id = id;
  c->exists = true;
  c->status = status;
  return c;
}
}  // namespace

TEST(ContentCache, FromRecord) {
  auto c = content_info_from_record(
      {{"id", "x"},
       {"owner", "0xA"},
       {"status", "ready"},
       {"status_reason", nullptr},
       {"visibility", "token_gated"},
       {"gate", {{"chain_id", 1}}},
       {"poster", "poster.jpg"},
       {"media", {{"duration", 12.5}, {"storyboard", {{"vtt", "storyboard.vtt"}}}}}});
  EXPECT_TRUE(c.exists);
  EXPECT_EQ(c.owner, "0xA");
  EXPECT_EQ(c.status_reason, "");
  EXPECT_EQ(c.gate["chain_id"], 1);
  EXPECT_DOUBLE_EQ(c.duration, 12.5);
  EXPECT_TRUE(c.has_poster);
  EXPECT_TRUE(c.has_storyboard);
  auto bare = content_info_from_record({{"id", "y"}, {"poster", nullptr}, {"media", nullptr}});
  EXPECT_FALSE(bare.has_poster);
  EXPECT_FALSE(bare.has_storyboard);
  EXPECT_TRUE(bare.gate.is_null());
}

TEST(ContentCache, InvalidationAndTtl) {
  ContentCache cache(std::chrono::milliseconds(100), 10);
  cache.put(info("a", "processing"));
  ASSERT_TRUE(cache.find("a"));
  cache.invalidate("a");
  EXPECT_FALSE(cache.find("a"));
  cache.put(info("a", "ready"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(cache.find("a"));
}

TEST(ContentCache, AReadOlderThanAnInvalidationIsNotStored) {
  ContentCache cache(std::chrono::milliseconds(10000), 10);
  uint64_t before = cache.generation();
  cache.invalidate("a");  // the change lands while the read was in flight
  cache.put_if_current(info("a", "processing"), before);
  EXPECT_FALSE(cache.find("a"));
  cache.put_if_current(info("a", "ready"), cache.generation());
  EXPECT_EQ(cache.find("a")->status, "ready");
}

TEST(ContentCache, StaysBounded) {
  ContentCache cache(std::chrono::milliseconds(10000), 5);
  for (int i = 0; i < 50; ++i) cache.put(info(std::to_string(i), "ready"));
  EXPECT_LE(cache.size(), 5u);
  EXPECT_TRUE(cache.find("49"));
}
