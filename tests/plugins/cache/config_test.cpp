// plugins.cache parsing and redis:// URL handling, including that passwords never leak
// into error messages or the redacted form used for logs and health.
#include <string>

#include <gtest/gtest.h>

#include "config.hpp"
#include "redis_url.hpp"

namespace {

using nlohmann::json;
using sg::cache::BackendKind;
using sg::cache::parse_config;
using sg::cache::parse_redis_url;

TEST(CacheConfig, DefaultsAreMemory64MiB16Shards) {
  std::string err;
  auto cfg = parse_config(json::object(), &err);
  ASSERT_TRUE(cfg) << err;
  EXPECT_EQ(cfg->backend, BackendKind::kMemory);
  EXPECT_EQ(cfg->memory.max_bytes, 64ull << 20);
  EXPECT_EQ(cfg->memory.shards, 16u);
  EXPECT_EQ(cfg->redis.pool.command_timeout.count(), 200);
  EXPECT_EQ(cfg->redis.key_prefix, "sg:");
}

TEST(CacheConfig, ReadsEveryRedisSetting) {
  std::string err;
  auto cfg = parse_config(json::parse(R"({"enabled":true,"backend":"redis","redis":{
      "url":"redis://:s3cret@10.0.0.5:6380/2","pool_size":4,"connect_timeout_ms":300,
      "command_timeout_ms":150,"key_prefix":"app:","reconnect_backoff_ms":20,
      "reconnect_max_backoff_ms":500}})"),
                          &err);
  ASSERT_TRUE(cfg) << err;
  EXPECT_EQ(cfg->backend, BackendKind::kRedis);
  const auto& r = cfg->redis;
  EXPECT_EQ(r.pool.endpoint.host, "10.0.0.5");
  EXPECT_EQ(r.pool.endpoint.port, 6380);
  EXPECT_EQ(r.pool.endpoint.password, "s3cret");
  EXPECT_EQ(r.pool.endpoint.db, 2u);
  EXPECT_EQ(r.pool.pool_size, 4u);
  EXPECT_EQ(r.pool.connect_timeout.count(), 300);
  EXPECT_EQ(r.pool.command_timeout.count(), 150);
  EXPECT_EQ(r.key_prefix, "app:");
  EXPECT_EQ(r.reconnect_initial_backoff.count(), 20);
  EXPECT_EQ(r.reconnect_max_backoff.count(), 500);
}

TEST(CacheConfig, AcceptsTheFlatRedisUrlOfTheProductionConfig) {
  std::string err;
  auto cfg = parse_config(
      json::parse(R"({"backend":"redis","redis_url":"redis://cache.internal:6390"})"), &err);
  ASSERT_TRUE(cfg) << err;
  EXPECT_EQ(cfg->redis.pool.endpoint.host, "cache.internal");
  EXPECT_EQ(cfg->redis.pool.endpoint.port, 6390);
  EXPECT_FALSE(
      parse_config(json::parse(R"({"redis_url":"redis://a","redis":{"url":"redis://b"}})"), &err));
  EXPECT_NE(err.find("not both"), std::string::npos) << err;
}

TEST(CacheConfig, ErrorsNameTheKey) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {R"({"backend":"memcached"})", "plugins.cache.backend"},
      {R"({"backnd":"redis"})", "plugins.cache.backnd: unknown key"},
      {R"({"memory":{"max_bytes":-1}})", "plugins.cache.memory.max_bytes"},
      {R"({"memory":{"max_bytes":"lots"}})", "plugins.cache.memory.max_bytes"},
      {R"({"memory":{"shards":0}})", "plugins.cache.memory.shards"},
      {R"({"memory":{"shards":1.5}})", "plugins.cache.memory.shards"},
      {R"({"redis":{"pool_size":0}})", "plugins.cache.redis.pool_size"},
      {R"({"redis":{"command_timeout_ms":"fast"}})", "plugins.cache.redis.command_timeout_ms"},
      {R"({"redis":{"url":5}})", "plugins.cache.redis.url"},
      {R"({"backend":"redis","redis":{"url":"http://x"}})", "plugins.cache.redis.url"},
      {R"({"redis":"redis://x"})", "plugins.cache.redis: must be an object"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_FALSE(parse_config(json::parse(c.json), &err)) << c.json;
    EXPECT_NE(err.find(c.expect), std::string::npos) << c.json << " -> " << err;
  }
}

TEST(CacheConfig, BadUrlErrorNeverShowsThePassword) {
  std::string err;
  auto cfg = parse_config(
      json::parse(R"({"backend":"redis","redis":{"url":"redis://:hunter2@host:99999"}})"), &err);
  EXPECT_FALSE(cfg);
  EXPECT_NE(err.find("port"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
}

TEST(RedisUrl, ParsesTheUsualShapes) {
  std::string err;
  auto a = parse_redis_url("redis://localhost", &err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 6379);
  EXPECT_EQ(a->db, 0u);
  EXPECT_TRUE(a->password.empty());

  auto b = parse_redis_url("redis://user:p%40ss%3Aw@[::1]:7000/15", &err);
  ASSERT_TRUE(b) << err;
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 7000);
  EXPECT_EQ(b->user, "user");
  EXPECT_EQ(b->password, "p@ss:w");
  EXPECT_EQ(b->db, 15u);

  auto c = parse_redis_url("redis://justpassword@h:1/", &err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->password, "justpassword");
  EXPECT_TRUE(c->user.empty());
}

TEST(RedisUrl, RejectsMalformedUrls) {
  for (const char* bad : {"", "rediss://h", "h:6379", "redis://", "redis://h:0", "redis://h:x",
                          "redis://h/abc", "redis://[::1", "redis://:%zz@h"}) {
    std::string err;
    EXPECT_FALSE(parse_redis_url(bad, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(RedisUrl, RedactionHidesCredentials) {
  std::string err;
  auto ep = parse_redis_url("redis://admin:topsecret@cache.internal:6380/3", &err);
  ASSERT_TRUE(ep);
  std::string shown = sg::cache::redact_redis_url(*ep);
  EXPECT_EQ(shown, "redis://***@cache.internal:6380/3");
  EXPECT_EQ(shown.find("topsecret"), std::string::npos);
}

}  // namespace
