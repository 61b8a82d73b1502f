// Timeouts (slow header, idle keep-alive), rate limiting, connection limits and graceful
// drain, each against its own streamgate configured for the case.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"

using namespace std::chrono_literals;

namespace {

// How long until the server closes `c` (bounded by 5 s; 5 s or more means "not closed").
std::chrono::steady_clock::duration time_until_closed(sgtest::RawClient& c) {
  auto t0 = std::chrono::steady_clock::now();
  if (!c.wait_closed(5s)) return 5s;
  return std::chrono::steady_clock::now() - t0;
}

}  // namespace

TEST(GatewayLimits, SlowHeaderStalledBodyAndIdleConnectionsAreClosed) {
  gwtest::Gateway gw(nlohmann::json{
      {"limits",
       {{"header_timeout_ms", 500}, {"idle_timeout_ms", 700}, {"body_timeout_ms", 500}}}});
  ASSERT_TRUE(gw.start());
  // Slowloris: a byte every 100 ms never completes the header in time.
  sgtest::RawClient slow(gw.port());
  const std::string req =
      "GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (char ch : req) {
    if (!slow.send(std::string(1, ch), 1s)) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  if (!closed) closed = slow.wait_closed(3s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_LT(elapsed, 4s);

  // Idle keep-alive: closed after idle_timeout, not before.
  sgtest::RawClient idle(gw.port());
  ASSERT_TRUE(idle.send("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  auto idle_for = time_until_closed(idle);
  EXPECT_GE(idle_for, 500ms);
  EXPECT_LT(idle_for, 3s);
  // A body that stalls half-way: the connection is dropped after body_timeout.
  sgtest::RawClient stalled(gw.port());
  ASSERT_TRUE(stalled.send("POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf"));
  EXPECT_LT(time_until_closed(stalled), 3s);
  EXPECT_EQ(sgtest::http(gw.port(), "GET", "/t/hello").status, 200);
}

TEST(GatewayLimits, StreamBodyTimeoutMeansNoProgressNotTotalTime) {
  gwtest::Gateway gw(nlohmann::json{{"limits", {{"body_timeout_ms", 500}}}});
  ASSERT_TRUE(gw.start());
  // A STREAM body that stalls: dropped about body_timeout after the last byte.
  sgtest::RawClient stalled(gw.port());
  ASSERT_TRUE(stalled.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(stalled.send("half"));
  auto waited = time_until_closed(stalled);
  EXPECT_GE(waited, 400ms);
  EXPECT_LT(waited, 3s);
  // A slow body that keeps moving is never cut, though it takes 4 x body_timeout in all.
  sgtest::RawClient slow(gw.port());
  ASSERT_TRUE(slow.send("PUT /t/stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"));
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(200ms);
    ASSERT_TRUE(slow.send("x")) << "cut after " << i << " bytes";
  }
  auto r = slow.read_response(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["bytes"], 10);
}

TEST(GatewayLimits, RateLimitAnswers429WithRetryAfter) {
  gwtest::Gateway gw(nlohmann::json{
      {"rate_limit", {{"enabled", true}, {"requests_per_second", 1}, {"burst", 3}}}});
  ASSERT_TRUE(gw.start());
  sgtest::HttpConnection conn(gw.port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(conn.request("GET", "/t/hello").status, 200) << i;
  auto r = conn.request("GET", "/t/hello");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json()["error"]["code"], "rate_limited");
  EXPECT_EQ(r.header("retry-after"), "1");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(conn.request("GET", "/t/hello").status, 200);  // refilled
}

TEST(GatewayLimits, ConnectionsOverTheLimitAreRefused) {
  gwtest::Gateway gw(nlohmann::json{{"limits", {{"max_connections", 4}}}});
  ASSERT_TRUE(gw.start());
  std::vector<std::unique_ptr<sgtest::HttpConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<sgtest::HttpConnection>(gw.port()));
    ASSERT_EQ(held.back()->request("GET", "/t/hello").status, 200);
  }
  sgtest::RawClient extra(gw.port());
  extra.send("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = extra.read_response(3s);
  if (r) {
    EXPECT_EQ(r->status, 503);
  }
  EXPECT_TRUE(extra.wait_closed(3s) || r.has_value());
  held.pop_back();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sgtest::http(gw.port(), "GET", "/t/hello").status, 200);
}

TEST(GatewayLimits, ShutdownDrainsInFlightRequests) {
  gwtest::Gateway gw;
  ASSERT_TRUE(gw.start());
  sgtest::RawClient c(gw.port());
  ASSERT_TRUE(c.send("GET /t/sleep/700 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(150ms);
  std::thread stopper([&] { gw.server->stop(15s); });
  auto r = c.read_response(10s);
  stopper.join();
  ASSERT_TRUE(r) << gw.server->log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slept");
  EXPECT_FALSE(gw.server->running());
}

TEST(GatewayLimits, RateLimitThroughTheSharedCacheBackend) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(SG_TEST_PLUGIN_DIR) / "cache.so"));
  gwtest::Gateway gw(
      nlohmann::json{
          {"rate_limit",
           {{"enabled", true}, {"requests_per_second", 5}, {"burst", 1}, {"backend", "cache"}}}},
      {"gateway", "test_routes", "cache"});
  ASSERT_TRUE(gw.start());
  // Shared fixed windows of 5 per second: twenty quick requests span at most two windows,
  // so 5..10 pass. Local buckets (burst 1) would pass only one or two: this tells the
  // cache path is the one in use.
  sgtest::HttpConnection conn(gw.port());
  int ok = 0;
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = conn.request("GET", "/t/hello");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++refused;
      EXPECT_EQ(r.header("retry-after"), "1");
      EXPECT_EQ(r.json()["error"]["code"], "rate_limited");
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 10);
  EXPECT_EQ(ok + refused, 20);
  EXPECT_EQ(gw.server->log().find("no cache service"), std::string::npos);
}
