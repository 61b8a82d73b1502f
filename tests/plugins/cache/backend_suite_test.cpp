// The same behavioural suite against the memory backend and a real redis-server, driven
// through the cache v1 C vtable exactly as another plugin would call it.
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "backend_envs.hpp"
#include "cache_client.hpp"
#include "service.hpp"

namespace cachetest {
namespace {

using namespace std::chrono_literals;
using sg::cache::Backend;
using sg::cache::CacheService;

template <typename Env>
class CacheSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Env::available()) GTEST_SKIP() << Env::kName << " backend not available on this machine";
    env_.start();
    backend_ = env_.make();
    service_ = std::make_unique<CacheService>(*backend_);
    client_ = Client(service_->table());
  }
  void TearDown() override {
    if (backend_) backend_->shutdown();
  }
  // An outage: redis-server SIGKILLed, or the memory backend shut down.
  void take_backend_down() {
    if constexpr (std::is_same_v<Env, RedisEnv>)
      env_.server.stop();
    else
      backend_->shutdown();
  }

  Env env_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<CacheService> service_;
  Client client_;
};

struct EnvNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Backends = ::testing::Types<MemoryEnv, RedisEnv>;
TYPED_TEST_SUITE(CacheSuite, Backends, EnvNames);

TYPED_TEST(CacheSuite, GetSetOverwriteAndMiss) {
  auto& c = this->client_;
  EXPECT_EQ(c.get("missing").status, SG_ERR_NOT_FOUND);
  ASSERT_EQ(c.set("k", "v1").status, SG_OK);
  EXPECT_EQ(c.get("k").value, "v1");
  ASSERT_EQ(c.set("k", "second value").status, SG_OK);
  Reply r = c.get("k");
  EXPECT_EQ(r.status, SG_OK);
  EXPECT_EQ(r.value, "second value");
  ASSERT_EQ(c.set("empty", "").status, SG_OK);  // an empty value is a value, not a miss
  r = c.get("empty");
  EXPECT_EQ(r.status, SG_OK);
  EXPECT_EQ(r.value, "");
  EXPECT_EQ(this->service_->hits(), 3u);
  EXPECT_EQ(this->service_->misses(), 1u);
}

TYPED_TEST(CacheSuite, TtlExpiresAndZeroMeansForever) {
  auto& c = this->client_;
  ASSERT_EQ(c.set("short", "x", 100).status, SG_OK);
  ASSERT_EQ(c.set("forever", "y", 0).status, SG_OK);
  ASSERT_EQ(c.set("cleared", "z", 100).status, SG_OK);
  ASSERT_EQ(c.set("cleared", "z2").status, SG_OK);  // a plain set drops the old expiry
  EXPECT_EQ(c.get("short").status, SG_OK);
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(c.get("short").status, SG_ERR_NOT_FOUND);
  EXPECT_EQ(c.get("forever").value, "y");
  EXPECT_EQ(c.get("cleared").value, "z2");
}

TYPED_TEST(CacheSuite, DeleteReportsWhetherItRemoved) {
  auto& c = this->client_;
  ASSERT_EQ(c.set("d", "v").status, SG_OK);
  int removed = -1;
  ASSERT_EQ(c.del("d", &removed).status, SG_OK);
  EXPECT_EQ(removed, 1);
  ASSERT_EQ(c.del("d", &removed).status, SG_OK);
  EXPECT_EQ(removed, 0);
  EXPECT_EQ(c.del("d", nullptr).status, SG_OK);  // out_removed may be NULL
  EXPECT_EQ(c.get("d").status, SG_ERR_NOT_FOUND);
}

TYPED_TEST(CacheSuite, IncrCreatesAddsAndRefusesNonIntegers) {
  auto& c = this->client_;
  int64_t v = 0;
  ASSERT_EQ(c.incr("n", 1, 0, &v).status, SG_OK);
  EXPECT_EQ(v, 1);
  ASSERT_EQ(c.incr("n", 41, 0, &v).status, SG_OK);
  EXPECT_EQ(v, 42);
  ASSERT_EQ(c.incr("n", -50, 0, &v).status, SG_OK);
  EXPECT_EQ(v, -8);
  EXPECT_EQ(c.get("n").value, "-8");  // counters are readable as decimal text

  ASSERT_EQ(c.set("text", "12abc").status, SG_OK);
  Reply bad = c.incr("text", 1, 0, &v);
  EXPECT_EQ(bad.status, SG_ERR_INVALID) << bad.message;
  EXPECT_EQ(c.get("text").value, "12abc");  // untouched

  ASSERT_EQ(c.set("big", "9223372036854775807").status, SG_OK);
  EXPECT_EQ(c.incr("big", 1, 0, &v).status, SG_ERR_INVALID);
  ASSERT_EQ(c.set("pre", "100").status, SG_OK);
  ASSERT_EQ(c.incr("pre", 5, 0, &v).status, SG_OK);
  EXPECT_EQ(v, 105);
}

TYPED_TEST(CacheSuite, IncrSetsTtlOnlyWhenItCreatesTheKey) {
  auto& c = this->client_;
  int64_t v = 0;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(c.incr("window", 1, 400, &v).status, SG_OK);
  std::this_thread::sleep_for(200ms);
  // A later increment with a TTL must not extend the fixed window.
  ASSERT_EQ(c.incr("window", 1, 400, &v).status, SG_OK);
  EXPECT_EQ(v, 2);
  std::this_thread::sleep_until(t0 + 550ms);
  EXPECT_EQ(c.get("window").status, SG_ERR_NOT_FOUND);
  ASSERT_EQ(c.incr("window", 1, 400, &v).status, SG_OK);
  EXPECT_EQ(v, 1);  // a new window

  // An existing key without expiry keeps having none.
  ASSERT_EQ(c.set("plain", "5").status, SG_OK);
  ASSERT_EQ(c.incr("plain", 1, 100, &v).status, SG_OK);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(c.get("plain").value, "6");
}

TYPED_TEST(CacheSuite, ConcurrentIncrementsAreAtomic) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 400;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      int64_t v = 0;
      for (int i = 0; i < kIncrements; ++i)
        if (this->client_.incr("counter", 1, 60'000, &v).status != SG_OK) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->client_.get("counter").value, std::to_string(kThreads * kIncrements));
}

TYPED_TEST(CacheSuite, SetIfAbsentHasExactlyOneWinner) {
  constexpr int kThreads = 12;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    std::string key = "nonce-" + std::to_string(round);
    std::barrier start(kThreads);
    std::atomic<int> winners{0}, exists{0}, other{0};
    std::atomic<int> winner_id{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        Reply r = this->client_.set_if_absent(key, "owner-" + std::to_string(t), 60'000);
        if (r.status == SG_OK) {
          ++winners;
          winner_id = t;
        } else if (r.status == SG_ERR_EXISTS) {
          ++exists;
        } else {
          ++other;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(winners.load(), 1) << "round " << round;
    EXPECT_EQ(exists.load(), kThreads - 1);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(this->client_.get(key).value, "owner-" + std::to_string(winner_id.load()));
  }
}

TYPED_TEST(CacheSuite, SetIfAbsentSucceedsAgainAfterExpiryOrDelete) {
  auto& c = this->client_;
  ASSERT_EQ(c.set_if_absent("n", "a", 100).status, SG_OK);
  EXPECT_EQ(c.set_if_absent("n", "b", 100).status, SG_ERR_EXISTS);
  EXPECT_EQ(c.get("n").value, "a");
  std::this_thread::sleep_for(250ms);
  ASSERT_EQ(c.set_if_absent("n", "c", 0).status, SG_OK);
  EXPECT_EQ(c.get("n").value, "c");
  ASSERT_EQ(c.del("n").status, SG_OK);
  EXPECT_EQ(c.set_if_absent("n", "d", 0).status, SG_OK);
}

TYPED_TEST(CacheSuite, TakeHasExactlyOneWinner) {
  constexpr int kThreads = 12;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    std::string key = "single-use-" + std::to_string(round);
    ASSERT_EQ(this->client_.set(key, "payload-" + std::to_string(round), 60'000).status, SG_OK);
    std::barrier start(kThreads);
    std::atomic<int> winners{0}, misses{0};
    std::string won_value;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        Reply r = this->client_.take(key);
        if (r.status == SG_OK) {
          ++winners;
          won_value = r.value;  // only one thread gets here
        } else if (r.status == SG_ERR_NOT_FOUND) {
          ++misses;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(winners.load(), 1) << "round " << round;
    EXPECT_EQ(misses.load(), kThreads - 1);
    EXPECT_EQ(won_value, "payload-" + std::to_string(round));
    EXPECT_EQ(this->client_.get(key).status, SG_ERR_NOT_FOUND);
  }
}

TYPED_TEST(CacheSuite, KeysAndValuesAreBinarySafe) {
  auto& c = this->client_;
  const std::string k1("a\0b", 3);
  const std::string k2("a\0c", 3);  // differs only after the NUL byte
  const std::string k3("\xff\xfe\r\n %s %b *", 12);
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  ASSERT_EQ(c.set(k1, all_bytes).status, SG_OK);
  ASSERT_EQ(c.set(k2, std::string("\0\0", 2)).status, SG_OK);
  ASSERT_EQ(c.set(k3, "x").status, SG_OK);
  EXPECT_EQ(c.get(k1).value, all_bytes);
  EXPECT_EQ(c.get(k2).value, std::string("\0\0", 2));
  EXPECT_EQ(c.get(k3).value, "x");
  EXPECT_EQ(c.get(std::string("a", 1)).status, SG_ERR_NOT_FOUND);

  std::mt19937 rng(7);
  std::string large(1 << 20, '\0');
  for (auto& ch : large) ch = static_cast<char>(rng());
  ASSERT_EQ(c.set_if_absent("large", large).status, SG_OK);
  Reply taken = c.take("large");
  ASSERT_EQ(taken.status, SG_OK);
  EXPECT_EQ(taken.value.size(), large.size());
  EXPECT_TRUE(taken.value == large);
}

TYPED_TEST(CacheSuite, BadArgumentsAreInvalidNotCrashes) {
  const sg_cache_service* t = this->service_->table();
  sg_error err{};
  sg_owned_str out{};
  int64_t v = 0;
  EXPECT_EQ(t->get(t->self, "", 0, &out, &err), SG_ERR_INVALID);
  EXPECT_STRNE(err.message, "");
  EXPECT_EQ(t->get(t->self, nullptr, 5, &out, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->get(t->self, "k", 1, nullptr, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->take(t->self, "k", 1, nullptr, nullptr), SG_ERR_INVALID);  // err may be NULL
  EXPECT_EQ(t->set(t->self, "k", 1, nullptr, 3, 0, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->set(t->self, "k", 1, "v", 1, sg::cache::kMaxTtlMs + 1, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->incr(t->self, "k", 1, 1, 0, nullptr, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->incr(t->self, "k", 1, 1, sg::cache::kMaxTtlMs + 1, &v, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->set(t->self, "k", 1, nullptr, 0, 0, &err), SG_OK);  // NULL, 0 = empty value
  EXPECT_EQ(this->service_->errors(), 8u);
}

TYPED_TEST(CacheSuite, GetManyMixesHitsMissesAndExpiredKeys) {
  auto& c = this->client_;
  const sg_cache_service* t = this->service_->table();
  ASSERT_GE(t->struct_size, offsetof(sg_cache_service, get_many) + sizeof(t->get_many));
  ASSERT_NE(t->get_many, nullptr);
  const std::string bin_key("k\0\xff\r\n", 5);
  std::string bin_value;
  for (int i = 0; i < 256; ++i) bin_value.push_back(static_cast<char>(i));
  ASSERT_EQ(c.set("a", "1").status, SG_OK);
  ASSERT_EQ(c.set(bin_key, bin_value).status, SG_OK);
  ASSERT_EQ(c.set("empty", "").status, SG_OK);
  ASSERT_EQ(c.set("short", "gone soon", 400).status, SG_OK);

  ManyReply r = c.get_many({"a", "missing", "short", bin_key, "empty", "a"});
  ASSERT_EQ(r.status, SG_OK) << r.message;
  ASSERT_EQ(r.items.size(), 6u);
  EXPECT_EQ(r.items[0].status, SG_OK);
  EXPECT_EQ(r.items[0].value, "1");
  EXPECT_EQ(r.items[1].status, SG_ERR_NOT_FOUND);
  EXPECT_EQ(r.items[2].status, SG_OK);
  EXPECT_EQ(r.items[2].value, "gone soon");
  EXPECT_EQ(r.items[3].status, SG_OK);
  EXPECT_TRUE(r.items[3].value == bin_value);
  EXPECT_EQ(r.items[4].status, SG_OK);  // an empty value is a hit, not a miss
  EXPECT_EQ(r.items[4].value, "");
  EXPECT_EQ(r.items[5].status, SG_OK);  // the same key twice is fine
  EXPECT_EQ(r.items[5].value, "1");
  // Only the binary key's exact bytes match: a prefix up to the NUL is another key.
  EXPECT_EQ(c.get_many({std::string_view("k", 1)}).items[0].status, SG_ERR_NOT_FOUND);

  std::this_thread::sleep_for(600ms);
  r = c.get_many({"short", "a"});
  ASSERT_EQ(r.status, SG_OK) << r.message;
  EXPECT_EQ(r.items[0].status, SG_ERR_NOT_FOUND);  // expired
  EXPECT_EQ(r.items[1].value, "1");
  // Hits and misses are counted per key, like get().
  EXPECT_EQ(this->service_->hits(), 6u);
  EXPECT_EQ(this->service_->misses(), 3u);
}

// "<prefix><i>" without operator+(const char*, std::string&&) (GCC 12 -Wrestrict bug 105329).
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

TYPED_TEST(CacheSuite, GetManyUsesEveryKeyAndCountLimit) {
  auto& c = this->client_;
  std::vector<std::string> keys;
  for (int i = 0; i < SG_CACHE_GET_MANY_MAX + 1; ++i) keys.push_back(numbered("key", i));
  for (int i = 0; i < SG_CACHE_GET_MANY_MAX; i += 2)
    ASSERT_EQ(c.set(keys[i], numbered("v", i)).status, SG_OK);
  std::vector<std::string_view> views(keys.begin(), keys.end());

  views.pop_back();  // exactly the limit
  ManyReply r = c.get_many(views);
  ASSERT_EQ(r.status, SG_OK) << r.message;
  for (int i = 0; i < SG_CACHE_GET_MANY_MAX; ++i) {
    EXPECT_EQ(r.items[i].status, i % 2 == 0 ? SG_OK : SG_ERR_NOT_FOUND) << i;
    EXPECT_EQ(r.items[i].value, i % 2 == 0 ? numbered("v", i) : "") << i;
  }

  views.push_back(keys.back());  // one above
  r = c.get_many(views);
  EXPECT_EQ(r.status, SG_ERR_INVALID);
  EXPECT_NE(r.message.find("count"), std::string::npos) << r.message;

  const sg_cache_service* t = this->service_->table();
  const char* k = "a";
  size_t n = 1;
  sg_owned_str value{};
  sg_status st = SG_OK;
  sg_error err{};
  EXPECT_EQ(t->get_many(t->self, &k, &n, 0, &value, &st, &err), SG_ERR_INVALID);  // count 0
  EXPECT_EQ(t->get_many(t->self, nullptr, &n, 1, &value, &st, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->get_many(t->self, &k, nullptr, 1, &value, &st, &err), SG_ERR_INVALID);
  EXPECT_EQ(t->get_many(t->self, &k, &n, 1, nullptr, &st, nullptr), SG_ERR_INVALID);
  EXPECT_EQ(t->get_many(t->self, &k, &n, 1, &value, nullptr, &err), SG_ERR_INVALID);
  // An empty key fails the whole call, and every status says so.
  r = c.get_many({"key0", ""});
  EXPECT_EQ(r.status, SG_ERR_INVALID);
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].status, SG_ERR_INVALID);
  EXPECT_EQ(r.items[0].value, "");
  EXPECT_EQ(r.items[1].status, SG_ERR_INVALID);
}

TYPED_TEST(CacheSuite, GetManyFailsFastWhenTheBackendIsDown) {
  auto& c = this->client_;
  ASSERT_EQ(c.set("a", "1").status, SG_OK);
  ASSERT_EQ(c.get_many({"a", "b"}).status, SG_OK);  // pooled connections are open (Redis)
  this->take_backend_down();
  for (int i = 0; i < 10; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ManyReply r = c.get_many({"a", "b", "c"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, SG_ERR_UNAVAILABLE) << "call " << i << ": " << r.message;
    EXPECT_LT(took, 1s) << "call " << i;
    for (const auto& item : r.items) {
      EXPECT_EQ(item.status, SG_ERR_UNAVAILABLE);
      EXPECT_EQ(item.value, "");
    }
  }
}

// Waits for an async reply without ever hanging the suite.
AsyncReply await(AsyncCall& call) {
  if (call.result.wait_for(5s) != std::future_status::ready) {
    ADD_FAILURE() << "get_many_async never called back";
    return {};
  }
  return call.result.get();
}

TYPED_TEST(CacheSuite, GetManyAsyncAnswersLikeGetManyWithoutBlockingTheCaller) {
  auto& c = this->client_;
  const sg_cache_service* t = this->service_->table();
  ASSERT_GE(t->struct_size, offsetof(sg_cache_service, get_many_async) + sizeof(t->get_many_async));
  ASSERT_NE(t->get_many_async, nullptr);
  const std::string bin_key("k\0\xff\r\n", 5);
  const std::string bin_value("v\0\x01\xfe", 4);
  ASSERT_EQ(c.set("a", "1").status, SG_OK);
  ASSERT_EQ(c.set(bin_key, bin_value).status, SG_OK);
  ASSERT_EQ(c.set("empty", "").status, SG_OK);

  AsyncCall call = c.get_many_async({"a", "missing", bin_key, "empty"});
  EXPECT_EQ(call.returned, SG_OK);
  AsyncReply got = await(call);
  ASSERT_EQ(got.reply.status, SG_OK) << got.reply.message;
  ASSERT_EQ(got.reply.items.size(), 4u);
  EXPECT_EQ(got.reply.items[0].value, "1");
  EXPECT_EQ(got.reply.items[1].status, SG_ERR_NOT_FOUND);
  EXPECT_TRUE(got.reply.items[2].value == bin_value);
  EXPECT_EQ(got.reply.items[3].status, SG_OK);
  EXPECT_EQ(got.reply.items[3].value, "");
  // Memory answers on the caller's thread; Redis never makes the caller wait for the network.
  if constexpr (std::is_same_v<TypeParam, RedisEnv>)
    EXPECT_NE(got.thread, std::this_thread::get_id());
  else
    EXPECT_EQ(got.thread, std::this_thread::get_id());
  EXPECT_EQ(this->service_->hits(), 3u);
  EXPECT_EQ(this->service_->misses(), 1u);
}

TYPED_TEST(CacheSuite, GetManyAsyncFromManyThreadsGetsEachCallersOwnValues) {
  auto& c = this->client_;
  constexpr int kThreads = 8, kCalls = 250;
  for (int i = 0; i < kThreads * kCalls; ++i)
    ASSERT_EQ(c.set(numbered("key", i), numbered("value", i)).status, SG_OK);
  std::vector<std::vector<AsyncCall>> calls(kThreads);
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int j = 0; j < kCalls; ++j) {
        int i = th * kCalls + j;
        std::string key = numbered("key", i), other = numbered("absent", i);
        calls[th].push_back(c.get_many_async({key, other}));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int th = 0; th < kThreads; ++th) {
    for (int j = 0; j < kCalls; ++j) {
      int i = th * kCalls + j;
      AsyncReply got = await(calls[th][j]);
      ASSERT_EQ(got.reply.status, SG_OK) << i << ": " << got.reply.message;
      ASSERT_EQ(got.reply.items.size(), 2u);
      EXPECT_EQ(got.reply.items[0].value, numbered("value", i));
      EXPECT_EQ(got.reply.items[1].status, SG_ERR_NOT_FOUND);
    }
  }
}

TYPED_TEST(CacheSuite, GetManyAsyncReportsBadArgumentsThroughTheCallbackToo) {
  auto& c = this->client_;
  const sg_cache_service* t = this->service_->table();
  AsyncCall call = c.get_many_async({"key0", ""});
  EXPECT_EQ(call.returned, SG_ERR_INVALID);
  AsyncReply got = await(call);
  EXPECT_EQ(got.reply.status, SG_ERR_INVALID);
  EXPECT_NE(got.reply.message.find("key 1"), std::string::npos) << got.reply.message;

  std::vector<std::string> keys;
  for (int i = 0; i <= SG_CACHE_GET_MANY_MAX; ++i) keys.push_back(numbered("k", i));
  call = c.get_many_async(std::vector<std::string_view>(keys.begin(), keys.end()));
  EXPECT_EQ(call.returned, SG_ERR_INVALID);
  EXPECT_EQ(await(call).reply.status, SG_ERR_INVALID);

  const char* k = "a";
  size_t n = 1;
  EXPECT_EQ(t->get_many_async(t->self, &k, &n, 1, nullptr, nullptr), SG_ERR_INVALID);
}

TYPED_TEST(CacheSuite, GetManyAsyncFailsFastWhenTheBackendIsDown) {
  auto& c = this->client_;
  ASSERT_EQ(c.set("a", "1").status, SG_OK);
  AsyncCall warm = c.get_many_async({"a"});
  ASSERT_EQ(await(warm).reply.status, SG_OK);
  this->take_backend_down();
  for (int i = 0; i < 10; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    AsyncCall call = c.get_many_async({"a", "b"});
    AsyncReply got = await(call);
    EXPECT_EQ(got.reply.status, SG_ERR_UNAVAILABLE) << "call " << i << ": " << got.reply.message;
    EXPECT_TRUE(got.reply.items.empty());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "call " << i;
  }
}

TYPED_TEST(CacheSuite, ShutdownCompletesEveryOutstandingAsyncCall) {
  auto& c = this->client_;
  ASSERT_EQ(c.set("a", "1").status, SG_OK);
  std::vector<AsyncCall> calls;
  for (int i = 0; i < 2000; ++i) calls.push_back(c.get_many_async({"a"}));
  this->backend_->shutdown();
  int ok = 0, unavailable = 0;
  for (auto& call : calls) {
    AsyncReply got = await(call);
    if (got.reply.status == SG_OK) {
      ++ok;
      EXPECT_EQ(got.reply.items.at(0).value, "1");
    } else {
      ++unavailable;
      EXPECT_EQ(got.reply.status, SG_ERR_UNAVAILABLE) << got.reply.message;
    }
  }
  EXPECT_EQ(ok + unavailable, 2000);
  // After shutdown nothing is accepted, and the caller still hears so.
  AsyncCall late = c.get_many_async({"a"});
  EXPECT_EQ(await(late).reply.status, SG_ERR_UNAVAILABLE);
}

TYPED_TEST(CacheSuite, HealthIsQuickAndReportsTheBackend) {
  ASSERT_EQ(this->client_.set("h", "v").status, SG_OK);
  nlohmann::json h = this->backend_->health();
  EXPECT_TRUE(h.value("connected", false)) << h.dump();
  EXPECT_EQ(h.value("backend", ""), std::string(TypeParam::kName) == "Redis" ? "redis" : "memory");
}

}  // namespace
}  // namespace cachetest
