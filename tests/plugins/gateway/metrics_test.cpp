// Request metrics reach the host registry with the route PATTERN as label (bounded
// cardinality), read back through the monitor plugin's /metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "gateway_fixture.hpp"

TEST(GatewayMetrics, RequestsCountedByRoutePatternMethodAndStatus) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(SG_TEST_PLUGIN_DIR) / "monitor.so"))
      << "monitor.so is needed to read metrics";
  gwtest::Gateway gw(nlohmann::json::object(), {"gateway", "test_routes", "monitor"});
  gw.extra_config["plugins"]["monitor"] = {{"admin_allow_loopback", true},
                                           {"metrics", {{"allow", {"127.0.0.0/8"}}}}};
  ASSERT_TRUE(gw.start());
  for (int i = 0; i < 3; ++i) sgtest::http(gw.port(), "GET", "/t/hello");
  sgtest::http(gw.port(), "GET", "/t/params/one/two");
  sgtest::http(gw.port(), "GET", "/t/params/three/four/five");
  sgtest::http(gw.port(), "GET", "/no/such/path/123");
  sgtest::http(gw.port(), "POST", "/t/methods");
  auto m = sgtest::http(gw.port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200) << m.body;
  const std::string& text = m.body;
  auto has = [&](const std::string& needle) { return text.find(needle) != std::string::npos; };
  // The registry renders labels sorted by name.
  EXPECT_TRUE(has("sg_http_requests_total{method=\"GET\",route=\"/t/hello\",status=\"200\"} 3"))
      << text.substr(0, 6000);
  EXPECT_TRUE(has(
      "sg_http_requests_total{method=\"GET\",route=\"/t/params/{id}/{rest*}\",status=\"200\"} 2"));
  EXPECT_TRUE(has("sg_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"));
  // No route takes POST there: the request matched no route.
  EXPECT_TRUE(has("sg_http_requests_total{method=\"POST\",route=\"unmatched\",status=\"405\"} 1"));
  EXPECT_FALSE(has("/t/params/one/two")) << "raw paths must not become labels";
  EXPECT_TRUE(has("sg_http_request_duration_seconds_bucket{route=\"/t/hello\""));
  EXPECT_TRUE(has("sg_http_response_bytes_total{route=\"/t/hello\"} 15"));
  EXPECT_TRUE(has("sg_http_open_connections"));
}

// Every exchange is freed once answered: keep-alive clients making thousands of requests
// (sync answers, 404s, answers from another thread) leave none behind. A leaked reference
// here once cost ~2 KiB of RSS per request.
TEST(GatewayHealth, ExchangesAreFreedAfterEveryRequest) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(SG_TEST_PLUGIN_DIR) / "monitor.so"))
      << "monitor.so is needed to read the gateway's health";
  gwtest::Gateway gw(nlohmann::json::object(), {"gateway", "test_routes", "monitor"});
  gw.extra_config["plugins"]["monitor"] = {{"admin_allow_loopback", true},
                                           {"metrics", {{"allow", {"127.0.0.0/8"}}}}};
  ASSERT_TRUE(gw.start());
  auto live_exchanges = [&]() -> std::int64_t {
    auto r = sgtest::http(gw.port(), "GET", "/api/v1/admin/plugins");
    if (r.status != 200) return -1;
    for (const auto& p : nlohmann::json::parse(r.body))
      if (p.value("id", "") == "gateway") return p["health"].value("live_exchanges", -1);
    return -1;
  };
  {
    std::vector<std::unique_ptr<sgtest::HttpConnection>> conns;
    for (int c = 0; c < 4; ++c)
      conns.push_back(std::make_unique<sgtest::HttpConnection>(gw.port()));
    const char* targets[] = {"/t/hello", "/no/such/path", "/t/later"};
    for (int i = 0; i < 300; ++i) {
      auto r = conns[i % 4]->request("GET", targets[i % 3]);
      ASSERT_EQ(r.status, i % 3 == 1 ? 404 : 200) << targets[i % 3] << ": " << r.body;
    }
    // While connected, each idle keep-alive connection holds the exchange it reads into.
    std::int64_t during = live_exchanges();
    EXPECT_GE(during, 1);
    EXPECT_LE(during, 6);
  }
  // Connections closed: only the health request's own exchange remains.
  std::int64_t after = -1;
  for (int i = 0; i < 100 && (after = live_exchanges()) > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(after, 1);
}
