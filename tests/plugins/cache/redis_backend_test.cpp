// Redis-only behaviour against real redis-server processes on loopback: outages (killed,
// stalled, never started), recovery on the same port, AUTH, SELECT, key prefixes and the
// incr script surviving SCRIPT FLUSH.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_envs.hpp"
#include "cache_client.hpp"
#include "service.hpp"

namespace cachetest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using sg::cache::RedisBackend;

#define REQUIRE_REDIS() \
  if (!sgtest::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed"

// A redis-server we control directly (extra flags, SIGSTOP/SIGCONT).
struct OwnRedis {
  explicit OwnRedis(std::vector<std::string> extra = {})
      : dir("sg-cache-redis"), port(sgtest::free_port()) {
    std::vector<std::string> argv{
        "redis-server",     "--port", std::to_string(port), "--bind", "127.0.0.1",
        "--save",           "",       "--appendonly",       "no",     "--dir",
        dir.path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = sgtest::Process::spawn(argv, {}, dir.path() / "redis.log");
    auto deadline = Clock::now() + 15s;
    while (!sgtest::port_accepts(port)) {
      if (Clock::now() > deadline || !process.running())
        throw std::runtime_error("redis-server did not start: " +
                                 sgtest::read_file(dir.path() / "redis.log"));
      std::this_thread::sleep_for(20ms);
    }
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port); }
  sgtest::TempDir dir;
  uint16_t port;
  sgtest::Process process;
};

// Polls until `fn` returns true or `limit` passes.
template <typename Fn>
bool eventually(Fn fn, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return fn();
}

TEST(RedisBackend, KilledRedisFailsFastThenRecoversOnRestart) {
  REQUIRE_REDIS();
  sgtest::RedisServer server;
  server.start();
  RedisBackend backend(redis_options(server.url()));
  std::atomic<int> downs{0}, ups{0};
  backend.set_state_listener([&](bool up, const std::string& detail) {
    (up ? ups : downs)++;
    EXPECT_NE(detail.find("redis://127.0.0.1:"), std::string::npos) << detail;
  });
  sg::cache::CacheService service(backend);
  Client c(service.table());
  ASSERT_EQ(c.set("k", "v").status, SG_OK);
  int64_t n = 0;
  ASSERT_EQ(c.incr("n", 1, 0, &n).status, SG_OK);  // pooled connections are now open

  server.stop();  // SIGKILL mid-test

  // Every operation answers UNAVAILABLE, each well within a second (command timeout 200 ms).
  std::chrono::milliseconds worst{0};
  auto all_start = Clock::now();
  for (int i = 0; i < 60; ++i) {
    auto t0 = Clock::now();
    Reply r;
    switch (i % 6) {
      case 0:
        r = c.get("k");
        break;
      case 1:
        r = c.set("k", "v2", 1000);
        break;
      case 2:
        r = c.set_if_absent("nonce", "x", 1000);
        break;
      case 3:
        r = c.del("k");
        break;
      case 4:
        r = c.incr("n", 1, 1000, &n);
        break;
      default:
        r = c.take("k");
        break;
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    worst = std::max(worst, took);
    EXPECT_EQ(r.status, SG_ERR_UNAVAILABLE) << "call " << i << ": " << r.message;
    EXPECT_EQ(r.message.find("password"), std::string::npos);
  }
  auto total = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - all_start);
  std::cout << "[measure] 60 calls against a killed redis: worst " << worst.count() << " ms, total "
            << total.count() << " ms\n";
  EXPECT_LT(worst, 1000ms);
  EXPECT_LT(total, 3000ms);  // the breaker keeps most of them at zero network cost
  EXPECT_EQ(service.errors(), 60u);
  EXPECT_EQ(downs.load(), 1);  // one outage reported once, not once per failed call
  EXPECT_EQ(ups.load(), 0);

  nlohmann::json h = backend.health();
  EXPECT_FALSE(h.value("connected", true)) << h.dump();
  EXPECT_TRUE(h["last_error"].is_string()) << h.dump();

  server.start();  // same port
  auto t0 = Clock::now();
  ASSERT_TRUE(eventually([&] { return c.set("k", "back").status == SG_OK; }, 5s))
      << backend.health().dump();
  std::cout << "[measure] recovered "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()
            << " ms after redis restarted\n";
  EXPECT_EQ(c.get("k").value, "back");
  ASSERT_EQ(c.incr("n", 5, 0, &n).status, SG_OK);  // NOSCRIPT on the fresh server, then EVAL
  EXPECT_EQ(n, 5);
  EXPECT_TRUE(backend.health().value("connected", false));
  EXPECT_EQ(downs.load(), 1);
  EXPECT_EQ(ups.load(), 1);
}

// A private redis-server with a backend and the cache vtable over it.
struct ServedRedis {
  OwnRedis redis;
  RedisBackend backend{redis_options(redis.url())};
  sg::cache::CacheService service{backend};
  Client client{service.table()};

  // Stores k = v, then freezes the server (SIGSTOP): it still accepts TCP (kernel backlog)
  // but never answers.
  void store_k_then_freeze() {
    ASSERT_EQ(client.set("k", "v").status, SG_OK);
    redis.process.signal(SIGSTOP);
  }
  void thaw() { redis.process.signal(SIGCONT); }
};

TEST(RedisBackend, StalledRedisTimesOutWithinCommandTimeout) {
  REQUIRE_REDIS();
  ServedRedis served;
  RedisBackend& backend = served.backend;
  Client& c = served.client;
  ASSERT_NO_FATAL_FAILURE(served.store_k_then_freeze());
  std::chrono::milliseconds worst{0};
  int fast = 0;
  auto all_start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    Reply r = c.get("k");
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    worst = std::max(worst, took);
    if (took < 20ms) ++fast;
    EXPECT_EQ(r.status, SG_ERR_UNAVAILABLE) << r.message;
  }
  auto total = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - all_start);
  std::cout << "[measure] stalled redis: 20 calls, worst " << worst.count() << " ms, total "
            << total.count() << " ms, " << fast << " answered in < 20 ms\n";
  EXPECT_LT(worst, 1000ms);
  // Without the circuit breaker each call would wait the full 200 ms command timeout (4 s).
  EXPECT_LT(total, 1000ms);
  EXPECT_GE(fast, 15);
  EXPECT_TRUE(backend.health().value("circuit_open", false)) << backend.health().dump();

  served.thaw();
  EXPECT_TRUE(eventually([&] { return c.get("k").status == SG_OK; }, 5s))
      << backend.health().dump();
}

// Pipelined reads queued behind a stalled server: every caller hears back (UNAVAILABLE)
// within about the command timeout, none waits forever, and the pipeline recovers.
TEST(RedisBackend, StalledRedisFailsQueuedAsyncReadsWithinTheTimeout) {
  REQUIRE_REDIS();
  ServedRedis served;
  RedisBackend& backend = served.backend;
  Client& c = served.client;
  ASSERT_NO_FATAL_FAILURE(served.store_k_then_freeze());
  auto t0 = Clock::now();
  std::vector<AsyncCall> calls;
  for (int i = 0; i < 200; ++i) calls.push_back(c.get_many_async({"k"}));
  for (auto& call : calls) {
    ASSERT_EQ(call.result.wait_for(3s), std::future_status::ready);
    AsyncReply got = call.result.get();
    EXPECT_EQ(got.reply.status, SG_ERR_UNAVAILABLE) << got.reply.message;
  }
  auto took = Clock::now() - t0;
  std::cout << "[measure] stalled redis: 200 pipelined reads all answered in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  EXPECT_LT(took, 1000ms);  // command timeout 200 ms (twice it behind a stalled batch)

  served.thaw();
  EXPECT_TRUE(eventually(
      [&] {
        AsyncCall call = c.get_many_async({"k"});
        if (call.result.wait_for(3s) != std::future_status::ready) return false;
        AsyncReply got = call.result.get();
        return got.reply.status == SG_OK && got.reply.items.at(0).value == "v";
      },
      5s))
      << backend.health().dump();
}

TEST(RedisBackend, NoServerAtAllIsUnavailableNotAHang) {
  REQUIRE_REDIS();
  uint16_t port = sgtest::free_port();  // nothing listens here
  RedisBackend backend(redis_options("redis://127.0.0.1:" + std::to_string(port)));
  sg::cache::CacheService service(backend);
  Client c(service.table());
  auto t0 = Clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(c.get("k").status, SG_ERR_UNAVAILABLE);
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_FALSE(backend.ping().ok());
  EXPECT_FALSE(backend.health().value("connected", true));
}

TEST(RedisBackend, AuthenticatesAndNeverLeaksThePassword) {
  REQUIRE_REDIS();
  OwnRedis redis({"--requirepass", "correct-horse"});
  std::string good = "redis://:correct-horse@127.0.0.1:" + std::to_string(redis.port);
  std::string bad = "redis://:wrong-battery@127.0.0.1:" + std::to_string(redis.port);

  RedisBackend ok(redis_options(good));
  EXPECT_TRUE(ok.ping().ok());
  EXPECT_EQ(ok.health().dump().find("correct-horse"), std::string::npos);

  RedisBackend denied(redis_options(bad));
  sg::cache::Outcome r = denied.ping();
  EXPECT_EQ(r.status, SG_ERR_UNAVAILABLE);
  EXPECT_NE(r.message.find("AUTH"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("wrong-battery"), std::string::npos) << r.message;
  EXPECT_EQ(denied.health().dump().find("wrong-battery"), std::string::npos);

  RedisBackend anonymous(redis_options(redis.url()));
  std::string out;
  EXPECT_EQ(anonymous.get("k", out).status, SG_ERR_UNAVAILABLE);  // NOAUTH
}

TEST(RedisBackend, DatabaseNumberAndKeyPrefixIsolateKeys) {
  REQUIRE_REDIS();
  sgtest::RedisServer server;
  server.start();
  RedisBackend db0(redis_options(server.url(), "a:"));
  RedisBackend db3(redis_options(server.url() + "/3", "a:"));
  RedisBackend raw(redis_options(server.url(), ""));
  ASSERT_TRUE(db0.set("k", "zero", 0).ok());
  ASSERT_TRUE(db3.set("k", "three", 0).ok());
  std::string out;
  ASSERT_TRUE(db0.get("k", out).ok());
  EXPECT_EQ(out, "zero");
  ASSERT_TRUE(db3.get("k", out).ok());
  EXPECT_EQ(out, "three");
  // The prefix is really applied on the server.
  ASSERT_TRUE(raw.get("a:k", out).ok());
  EXPECT_EQ(out, "zero");
  EXPECT_EQ(raw.get("k", out).status, SG_ERR_NOT_FOUND);
}

TEST(RedisBackend, IncrSurvivesScriptFlushAndSetsPttlOnCreate) {
  REQUIRE_REDIS();
  sgtest::RedisServer server;
  server.start();
  RedisBackend backend(redis_options(server.url(), "p:"));
  RedisBackend raw(redis_options(server.url(), ""));
  int64_t v = 0;
  ASSERT_TRUE(backend.incr("c", 2, 10'000, v).ok());
  auto flush = sgtest::run_command(
      {"redis-cli", "-p", std::to_string(server.port()), "SCRIPT", "FLUSH"}, {}, 10s);
  ASSERT_EQ(flush.exit_code, 0) << flush.output;
  ASSERT_TRUE(backend.incr("c", 3, 10'000, v).ok());
  EXPECT_EQ(v, 5);
  auto pttl = sgtest::run_command({"redis-cli", "-p", std::to_string(server.port()), "PTTL", "p:c"},
                                  {}, 10s);
  ASSERT_EQ(pttl.exit_code, 0) << pttl.output;
  long ms = std::stol(pttl.output);
  EXPECT_GT(ms, 8'000);
  EXPECT_LE(ms, 10'000);
}

TEST(RedisBackend, ConcurrentCallersShareABoundedPool) {
  REQUIRE_REDIS();
  sgtest::RedisServer server;
  server.start();
  auto opts = redis_options(server.url());
  opts.pool.pool_size = 2;
  opts.pool.command_timeout = 1000ms;  // generous: this is about pool reuse, not outages
  RedisBackend backend(opts);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      int64_t v = 0;
      for (int i = 0; i < 200; ++i)
        if (!backend.incr("shared", 1, 0, v).ok()) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::string out;
  ASSERT_TRUE(backend.get("shared", out).ok());
  EXPECT_EQ(out, "1600");
  EXPECT_LE(backend.health().value("open_connections", 99), 2);
}

}  // namespace
}  // namespace cachetest
