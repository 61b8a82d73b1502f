// cache.so loaded by the real streamgate binary, driven over HTTP through the cache_probe
// test plugin: proves the service works across the C ABI, with both backends, and that
// the Redis password given through ${STREAMGATE_REDIS_URL} never reaches the log.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support.hpp"

namespace {

using namespace std::chrono_literals;

// The binary and gateway are built by other areas; say so instead of failing obscurely.
#define REQUIRE_BINARY()                                                                   \
  do {                                                                                     \
    if (!std::filesystem::exists(SG_TEST_STREAMGATE_BIN) ||                                \
        !std::filesystem::exists(std::string(SG_TEST_PLUGIN_DIR) + "/gateway.so"))         \
      GTEST_SKIP() << "streamgate binary or gateway.so not built in this build directory"; \
  } while (0)

// monitor.so (another area) adds /metrics and the plugin list; use it when it is built.
bool have_monitor() {
  return std::filesystem::exists(std::string(SG_TEST_PLUGIN_DIR) + "/monitor.so");
}

std::vector<std::string> plugins() {
  std::vector<std::string> ids{"gateway", "cache", "cache_probe"};
  if (have_monitor()) ids.push_back("monitor");
  return ids;
}

// With monitor loaded: the cache counters reach /metrics and cache health reaches the
// plugin list (returned so callers can check what it shows).
nlohmann::json check_observability(sgtest::StreamGateServer& sg) {
  if (!have_monitor()) return {};
  auto m = sg.request("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  for (const char* name : {"sg_cache_hits_total", "sg_cache_misses_total", "sg_cache_errors_total"})
    EXPECT_NE(m.body.find(name), std::string::npos) << name << " missing from /metrics";
  // exercise() reads twice with a hit (get, take) and three times with a miss.
  auto sample = [&](const std::string& name) {
    size_t at = m.body.find("\n" + name + " ");
    if (at == std::string::npos) return -1.0;
    return std::strtod(m.body.c_str() + at + name.size() + 2, nullptr);
  };
  EXPECT_EQ(sample("sg_cache_hits_total"), 2.0) << m.body;
  EXPECT_EQ(sample("sg_cache_misses_total"), 3.0) << m.body;
  EXPECT_EQ(sample("sg_cache_errors_total"), 1.0) << m.body;  // incr on a non-integer
  auto p = sg.request("GET", "/api/v1/admin/plugins");
  EXPECT_EQ(p.status, 200) << p.body;
  if (p.status != 200) return {};
  for (const auto& plugin : p.json()) {
    if (plugin.value("id", "") == "cache") return plugin;
  }
  ADD_FAILURE() << "cache missing from the plugin list: " << p.body;
  return {};
}

// The cache entry of the monitor's plugin list, without the metric checks.
nlohmann::json check_observability_quiet(sgtest::StreamGateServer& sg) {
  auto p = sg.request("GET", "/api/v1/admin/plugins");
  if (p.status != 200) return nlohmann::json::object({{"health", nlohmann::json::object()}});
  for (const auto& plugin : p.json())
    if (plugin.value("id", "") == "cache") return plugin;
  return nlohmann::json::object({{"health", nlohmann::json::object()}});
}

void exercise(sgtest::StreamGateServer& sg) {
  auto r = sg.request("PUT", "/test/cache/greeting", "hello world");
  ASSERT_EQ(r.status, 204) << r.body;
  r = sg.request("GET", "/test/cache/greeting");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");

  r = sg.request("GET", "/test/cache/absent");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"]["code"], "not_found") << r.body;

  r = sg.request("POST", "/test/cache/nonce/nx?ttl_ms=60000", "n1");
  EXPECT_EQ(r.status, 201) << r.body;
  r = sg.request("POST", "/test/cache/nonce/nx?ttl_ms=60000", "n2");
  EXPECT_EQ(r.status, 409) << r.body;
  r = sg.request("POST", "/test/cache/nonce/take");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "n1");
  r = sg.request("POST", "/test/cache/nonce/take");
  EXPECT_EQ(r.status, 404);

  for (int i = 1; i <= 3; ++i) {
    r = sg.request("POST", "/test/cache/hits/incr?delta=2&ttl_ms=60000");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["value"], 2 * i);
  }
  r = sg.request("POST", "/test/cache/greeting/incr");
  EXPECT_EQ(r.status, 400) << r.body;  // not an integer

  r = sg.request("PUT", "/test/cache/short?ttl_ms=100", "x");
  ASSERT_EQ(r.status, 204);
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(sg.request("GET", "/test/cache/short").status, 404);

  r = sg.request("DELETE", "/test/cache/greeting");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["removed"], true);
  r = sg.request("DELETE", "/test/cache/greeting");
  EXPECT_EQ(r.json()["removed"], false);
}

TEST(CachePlugin, MemoryBackendAcrossTheAbi) {
  REQUIRE_BINARY();
  nlohmann::json config = {
      {"plugins",
       {{"cache",
         {{"backend", "memory"},
          {"memory", {{"max_bytes", 1 << 20}, {"shards", 4}, {"sweep_interval_ms", 50}}}}},
        {"monitor", {{"admin_allow_loopback", true}, {"metrics", {{"allow", {"127.0.0.1"}}}}}}}}};
  sgtest::StreamGateServer sg(config);
  sg.use_plugins(plugins());
  ASSERT_TRUE(sg.start());
  exercise(sg);
  nlohmann::json cache = check_observability(sg);
  if (!cache.is_null()) {
    EXPECT_EQ(cache["health"].value("backend", ""), "memory") << cache.dump();
    EXPECT_TRUE(cache.value("healthy", false)) << cache.dump();
    EXPECT_GT(cache["health"].value("hits", 0), 0) << cache.dump();
    EXPECT_EQ(cache["health"].value("keys", -1), 1) << cache.dump();  // only "hits" is left

    // Keys nobody reads again are reclaimed by the host-timer sweep, not only lazily.
    for (int i = 0; i < 5; ++i)
      ASSERT_EQ(
          sg.request("PUT", "/test/cache/tmp" + std::to_string(i) + "?ttl_ms=1000", "x").status,
          204);
    EXPECT_EQ(check_observability_quiet(sg)["health"].value("keys", -1), 6);
    std::this_thread::sleep_for(1500ms);
    nlohmann::json after = check_observability_quiet(sg);
    EXPECT_EQ(after["health"].value("keys", -1), 1) << after.dump();
    EXPECT_GE(after["health"].value("expirations", 0), 5) << after.dump();
  }
  EXPECT_EQ(sg.stop(), 0) << sg.log();
}

TEST(CachePlugin, RedisBackendAcrossTheAbiWithoutLeakingThePassword) {
  REQUIRE_BINARY();
  if (!sgtest::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  sgtest::TempDir dir("sg-cache-e2e");
  uint16_t port = sgtest::free_port();
  sgtest::Process redis = sgtest::Process::spawn(
      {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
       "--appendonly", "no", "--dir", dir.path().string(), "--requirepass", "pa55-w0rd-e2e"},
      {}, dir.path() / "redis.log");
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!sgtest::port_accepts(port) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(sgtest::port_accepts(port));

  nlohmann::json config = {
      {"logging", {{"level", "debug"}}},
      {"plugins",
       {{"cache",
         {{"backend", "redis"},
          {"redis", {{"url", "${STREAMGATE_REDIS_URL}"}, {"command_timeout_ms", 200}}}}},
        {"monitor", {{"admin_allow_loopback", true}, {"metrics", {{"allow", {"127.0.0.1"}}}}}}}}};
  std::map<std::string, std::string> env = {
      {"STREAMGATE_REDIS_URL", "redis://:pa55-w0rd-e2e@127.0.0.1:" + std::to_string(port)}};
  sgtest::StreamGateServer sg(config, env);
  sg.use_plugins(plugins());
  ASSERT_TRUE(sg.start());
  exercise(sg);
  nlohmann::json cache = check_observability(sg);
  if (!cache.is_null()) {
    EXPECT_EQ(cache.dump().find("pa55-w0rd-e2e"), std::string::npos) << cache.dump();
    EXPECT_NE(cache.dump().find("redis://***@127.0.0.1:"), std::string::npos) << cache.dump();
    EXPECT_EQ(cache["health"].value("backend", ""), "redis") << cache.dump();
    EXPECT_TRUE(cache["health"].value("connected", false)) << cache.dump();
  }

  // Redis goes away: the route answers 503 quickly instead of hanging.
  redis.signal(SIGKILL);
  redis.wait(5s);
  auto t0 = std::chrono::steady_clock::now();
  auto r = sg.request("GET", "/test/cache/hits");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "service_unavailable") << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  if (have_monitor()) {
    nlohmann::json down = check_observability_quiet(sg);
    EXPECT_TRUE(down.value("healthy", false)) << down.dump();  // degraded, not broken
    EXPECT_TRUE(down["health"].value("degraded", false)) << down.dump();
    EXPECT_FALSE(down["health"].value("connected", true)) << down.dump();
  }

  EXPECT_EQ(sg.stop(), 0);
  std::string log = sg.log();
  // The start-up line names the server with the credentials masked.
  EXPECT_NE(log.find("redis://***@127.0.0.1:" + std::to_string(port)), std::string::npos) << log;
  EXPECT_NE(log.find("calls fail fast"), std::string::npos) << log;  // the outage was logged
  EXPECT_EQ(log.find("pa55-w0rd-e2e"), std::string::npos) << "password leaked into the log";
}

}  // namespace

namespace {

// docker-compose start order is not guaranteed: streamgate must start without Redis, answer
// 503 quickly meanwhile, and pick Redis up by itself once it appears.
TEST(CachePlugin, StartsBeforeRedisAndConnectsWhenItAppears) {
  REQUIRE_BINARY();
  if (!sgtest::RedisServer::available()) GTEST_SKIP() << "redis-server is not installed";
  sgtest::TempDir dir("sg-cache-late");
  uint16_t port = sgtest::free_port();
  nlohmann::json config = {{"plugins",
                            {{"cache",
                              {{"backend", "redis"},
                               {"redis",
                                {{"url", "redis://127.0.0.1:" + std::to_string(port)},
                                 {"reconnect_backoff_ms", 50},
                                 {"reconnect_max_backoff_ms", 300}}}}}}}};
  sgtest::StreamGateServer sg(config);
  sg.use_plugins({"gateway", "cache", "cache_probe"});
  ASSERT_TRUE(sg.start());

  auto t0 = std::chrono::steady_clock::now();
  auto r = sg.request("PUT", "/test/cache/k", "v");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "service_unavailable") << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

  sgtest::Process redis =
      sgtest::Process::spawn({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", dir.path().string()},
                             {}, dir.path() / "redis.log");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    status = sg.request("PUT", "/test/cache/k", "v").status;
    if (status == 204) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(status, 204) << sg.log();
  EXPECT_EQ(sg.request("GET", "/test/cache/k").body, "v");
  EXPECT_EQ(sg.stop(), 0);
  std::string log = sg.log();
  EXPECT_NE(log.find("reconnected"), std::string::npos) << log;
}

}  // namespace
