// Microbenchmarks of the cache backends through the cache v1 vtable (what callers pay):
// memory at 1..N threads, and Redis round-trips against a private loopback redis-server.
// Run: <build>/bin/cache_bench --benchmark_min_time=0.5   (results: bench/RESULTS.md, Cache)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend_envs.hpp"
#include "cache_client.hpp"
#include "service.hpp"

namespace {

using cachetest::Client;

struct Fixture {
  std::unique_ptr<sg::cache::Backend> backend;
  std::unique_ptr<sg::cache::CacheService> service;
  Client client;
  std::vector<std::string> keys;

  explicit Fixture(std::unique_ptr<sg::cache::Backend> b)
      : backend(std::move(b)), service(std::make_unique<sg::cache::CacheService>(*backend)) {
    client = Client(service->table());
    const std::string value(256, 'v');  // a typical small JSON document
    for (int i = 0; i < 10'000; ++i) {
      keys.push_back("content:" + std::to_string(i));
      client.set(keys.back(), value, 0);
    }
  }
};

Fixture& memory() {
  static Fixture f(cachetest::MemoryEnv{}.make());
  return f;
}

Fixture& redis() {
  // Destroyed at exit (after the fixture), which stops the private redis-server.
  static std::unique_ptr<cachetest::RedisEnv> env = [] {
    auto e = std::make_unique<cachetest::RedisEnv>();
    e->start();
    return e;
  }();
  static Fixture f(std::make_unique<sg::cache::RedisBackend>(
      cachetest::redis_options(env->server.url(), "bench:")));
  return f;
}

template <Fixture& (*F)()>
void BM_GetHit(benchmark::State& state) {
  Fixture& f = F();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto r = f.client.get(f.keys[i++ % f.keys.size()]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

template <Fixture& (*F)()>
void BM_Set(benchmark::State& state) {
  Fixture& f = F();
  const std::string value(256, 's');
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) f.client.set(f.keys[i++ % f.keys.size()], value, 60'000);
  state.SetItemsProcessed(state.iterations());
}

template <Fixture& (*F)()>
void BM_IncrRateLimit(benchmark::State& state) {
  Fixture& f = F();
  int64_t v = 0;
  const std::string key = "rl:" + std::to_string(state.thread_index() % 4);
  for (auto _ : state) f.client.incr(key, 1, 60'000, &v);
  state.SetItemsProcessed(state.iterations());
}

template <Fixture& (*F)()>
void BM_NonceSetIfAbsentThenTake(benchmark::State& state) {
  Fixture& f = F();
  std::string key = "nonce:" + std::to_string(state.thread_index()) + ":";
  size_t n = 0;
  for (auto _ : state) {
    std::string k = key + std::to_string(n++);
    f.client.set_if_absent(k, "1", 300'000);
    f.client.take(k);
  }
  state.SetItemsProcessed(state.iterations());
}

// One maintain() pass over a full 64 MiB cache with nothing expired: the worst-case cost
// of the periodic sweep; each shard's lock is held for 1/16 of it.
void BM_SweepFullCache(benchmark::State& state) {
  sg::cache::MemoryBackend cache(sg::cache::MemoryOptions{64ull << 20, 16});
  const std::string value(64, 'v');
  for (int i = 0; cache.evictions() == 0; ++i)
    cache.set(std::string("key:").append(std::to_string(i)), value, 3'600'000);
  for (auto _ : state) cache.maintain();
  state.counters["entries"] = static_cast<double>(cache.key_count());
}
BENCHMARK(BM_SweepFullCache)->Unit(benchmark::kMillisecond);

// Reader latency while another thread sweeps a full cache continuously: the sweep must not
// hold a shard lock long enough to stall readers (reports the worst get seen).
void BM_GetWhileSweeping(benchmark::State& state) {
  sg::cache::MemoryBackend cache(sg::cache::MemoryOptions{64ull << 20, 16});
  const std::string value(64, 'v');
  std::vector<std::string> keys;
  for (int i = 0; cache.evictions() == 0; ++i) {
    keys.push_back(std::string("key:").append(std::to_string(i)));
    cache.set(keys.back(), value, 3'600'000);
  }
  std::atomic<bool> stop{false};
  std::thread sweeper([&] {
    while (!stop.load()) cache.maintain();
  });
  std::string out;
  size_t i = 0;
  std::vector<double> us;
  us.reserve(1 << 22);
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    cache.get(keys[(i += 7919) % keys.size()], out);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  stop = true;
  sweeper.join();
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[static_cast<size_t>(p * static_cast<double>(us.size() - 1))];
  };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["p999_us"] = pct(0.999);
  state.counters["max_us"] = us.back();
}
BENCHMARK(BM_GetWhileSweeping)->UseRealTime();

BENCHMARK(BM_GetHit<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_Set<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_IncrRateLimit<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_NonceSetIfAbsentThenTake<memory>)->Threads(1)->UseRealTime();
BENCHMARK(BM_GetHit<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_Set<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_IncrRateLimit<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_NonceSetIfAbsentThenTake<redis>)->Threads(1)->UseRealTime();

}  // namespace
