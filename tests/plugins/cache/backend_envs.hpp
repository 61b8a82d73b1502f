// The two backends the typed suite runs against: the in-process memory cache and a real
// redis-server started on a free loopback port for each test.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "memory_backend.hpp"
#include "redis_backend.hpp"
#include "redis_url.hpp"
#include "support.hpp"

namespace cachetest {

struct MemoryEnv {
  static constexpr const char* kName = "Memory";
  static bool available() { return true; }
  void start() {}
  std::unique_ptr<sg::cache::Backend> make(uint64_t max_bytes = 64ull << 20, uint32_t shards = 16) {
    return std::make_unique<sg::cache::MemoryBackend>(sg::cache::MemoryOptions{max_bytes, shards});
  }
};

// Options tuned for tests: short timeouts and backoff so outage tests stay quick.
inline sg::cache::RedisOptions redis_options(const std::string& url, std::string prefix = "t:") {
  sg::cache::RedisOptions o;
  std::string err;
  auto ep = sg::cache::parse_redis_url(url, &err);
  if (!ep) throw std::runtime_error(err);
  o.pool.endpoint = *ep;
  o.pool.pool_size = 8;
  o.pool.connect_timeout = std::chrono::milliseconds(200);
  o.pool.command_timeout = std::chrono::milliseconds(200);
  o.key_prefix = std::move(prefix);
  o.reconnect_initial_backoff = std::chrono::milliseconds(50);
  o.reconnect_max_backoff = std::chrono::milliseconds(400);
  return o;
}

struct RedisEnv {
  static constexpr const char* kName = "Redis";
  static bool available() { return sgtest::RedisServer::available(); }
  void start() { server.start(); }
  std::unique_ptr<sg::cache::Backend> make(uint64_t = 0, uint32_t = 0) {
    return std::make_unique<sg::cache::RedisBackend>(redis_options(server.url()));
  }
  sgtest::RedisServer server;
};

}  // namespace cachetest
