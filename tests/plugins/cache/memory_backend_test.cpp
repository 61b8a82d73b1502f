// Memory-only behaviour: the byte bound, LRU order, and the periodic expiry sweep.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "memory_backend.hpp"

namespace {

using namespace std::chrono_literals;
using sg::cache::MemoryBackend;
using sg::cache::MemoryOptions;

constexpr uint64_t kBudget = 64 * 1024;

TEST(MemoryBackend, EvictsLeastRecentlyUsedToStayWithinBytes) {
  MemoryBackend cache(MemoryOptions{kBudget, 1});
  const std::string value(1000, 'v');
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "key-%03d", i);
    return std::string(buf);
  };
  const uint64_t per_entry = 7 + value.size() + MemoryBackend::kEntryOverhead;
  std::string out;
  ASSERT_TRUE(cache.set(key(0), value, 0).ok());
  for (int i = 1; i < 200; ++i) {
    ASSERT_TRUE(cache.set(key(i), value, 0).ok());
    // Reading key-000 keeps it the most recently used, so it must survive every eviction.
    ASSERT_TRUE(cache.get(key(0), out).ok()) << "evicted a hot key at i=" << i;
    ASSERT_LE(cache.size_bytes(), kBudget);
  }
  EXPECT_EQ(cache.key_count(), kBudget / per_entry);  // as many as fit, no fewer
  EXPECT_EQ(cache.evictions(), 200 - kBudget / per_entry);
  // The oldest cold keys went first; the newest are all still here.
  EXPECT_FALSE(cache.get(key(1), out).ok());
  EXPECT_FALSE(cache.get(key(100), out).ok());
  for (int i = 199; i > 200 - static_cast<int>(kBudget / per_entry); --i)
    EXPECT_TRUE(cache.get(key(i), out).ok()) << key(i);
}

TEST(MemoryBackend, RefusesAnEntryLargerThanAShard) {
  MemoryBackend cache(MemoryOptions{kBudget, 4});  // 16 KiB per shard
  auto r = cache.set("big", std::string(20 * 1024, 'x'), 0);
  EXPECT_EQ(r.status, SG_ERR_LIMIT);
  EXPECT_NE(r.message.find("per-shard budget"), std::string::npos) << r.message;
  EXPECT_EQ(cache.set_if_absent("big", std::string(20 * 1024, 'x'), 0).status, SG_ERR_LIMIT);
  EXPECT_EQ(cache.key_count(), 0u);
  EXPECT_TRUE(cache.set("small", std::string(1024, 'x'), 0).ok());
}

TEST(MemoryBackend, GrowingAValueEvictsOthersButNeverItself) {
  MemoryBackend cache(MemoryOptions{8 * 1024, 1});
  ASSERT_TRUE(cache.set("a", std::string(3000, 'a'), 0).ok());
  ASSERT_TRUE(cache.set("b", std::string(3000, 'b'), 0).ok());
  ASSERT_TRUE(cache.set("a", std::string(7000, 'A'), 0).ok());
  std::string out;
  EXPECT_TRUE(cache.get("a", out).ok());
  EXPECT_EQ(out.size(), 7000u);
  EXPECT_FALSE(cache.get("b", out).ok());
  EXPECT_LE(cache.size_bytes(), 8u * 1024);
}

TEST(MemoryBackend, SweepReclaimsExpiredEntriesNobodyReads) {
  MemoryBackend cache(MemoryOptions{1 << 20, 4});
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(cache.set(std::string("exp-").append(std::to_string(i)), "v", 50).ok());
  ASSERT_TRUE(cache.set("keep", "v", 0).ok());
  EXPECT_EQ(cache.key_count(), 101u);
  std::this_thread::sleep_for(120ms);
  EXPECT_EQ(cache.key_count(), 101u);  // lazy: nothing touched them yet
  cache.maintain();
  EXPECT_EQ(cache.key_count(), 1u);
  EXPECT_EQ(cache.expirations(), 100u);
  EXPECT_EQ(cache.size_bytes(), 4 + 1 + MemoryBackend::kEntryOverhead);
}

TEST(MemoryBackend, SweepCoversEveryBucketOfALargeShard) {
  MemoryBackend cache(MemoryOptions{64 << 20, 2});  // thousands of buckets per shard
  for (int i = 0; i < 20'000; ++i) {
    std::string key = std::string("k").append(std::to_string(i));
    ASSERT_TRUE(cache.set(key, "v", i % 2 == 0 ? 50 : 0).ok());
  }
  std::this_thread::sleep_for(120ms);
  cache.maintain();
  EXPECT_EQ(cache.key_count(), 10'000u);
  EXPECT_EQ(cache.expirations(), 10'000u);
  std::string out;
  EXPECT_TRUE(cache.get("k1", out).ok());
  EXPECT_FALSE(cache.get("k2", out).ok());
}

TEST(MemoryBackend, ByteAccountingReturnsToZero) {
  MemoryBackend cache(MemoryOptions{1 << 20, 8});
  bool removed = false;
  int64_t n = 0;
  std::string out;
  ASSERT_TRUE(cache.set("a", "12345", 0).ok());
  ASSERT_TRUE(cache.set("a", "1", 0).ok());
  ASSERT_TRUE(cache.incr("c", 1000000, 0, n).ok());
  ASSERT_TRUE(cache.incr("c", -999999, 0, n).ok());
  ASSERT_TRUE(cache.set_if_absent("t", "x", 0).ok());
  ASSERT_TRUE(cache.del("a", removed).ok());
  ASSERT_TRUE(cache.del("c", removed).ok());
  ASSERT_TRUE(cache.take("t", out).ok());
  EXPECT_EQ(cache.size_bytes(), 0u);
  EXPECT_EQ(cache.key_count(), 0u);
}

TEST(MemoryBackend, AfterShutdownCallsAreUnavailable) {
  MemoryBackend cache(MemoryOptions{1 << 20, 2});
  ASSERT_TRUE(cache.set("a", "b", 0).ok());
  cache.shutdown();
  std::string out;
  EXPECT_EQ(cache.get("a", out).status, SG_ERR_UNAVAILABLE);
  EXPECT_FALSE(cache.health().value("connected", true));
}

}  // namespace
