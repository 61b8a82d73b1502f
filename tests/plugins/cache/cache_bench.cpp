// Microbenchmarks of the cache backends through the cache v1 vtable (what callers pay):
// memory at 1..N threads, and Redis round-trips against a private loopback redis-server.
// Run: <build>/bin/cache_bench --benchmark_min_time=0.5   (results: bench/RESULTS.md, Cache)
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
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

BENCHMARK(BM_GetHit<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_Set<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_IncrRateLimit<memory>)->ThreadRange(1, 4)->UseRealTime();
BENCHMARK(BM_NonceSetIfAbsentThenTake<memory>)->Threads(1)->UseRealTime();
BENCHMARK(BM_GetHit<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_Set<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_IncrRateLimit<redis>)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_NonceSetIfAbsentThenTake<redis>)->Threads(1)->UseRealTime();

}  // namespace
