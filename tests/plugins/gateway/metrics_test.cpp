// Request metrics reach the host registry with the route PATTERN as label (bounded
// cardinality), read back through the monitor plugin's /metrics.
#include <gtest/gtest.h>

#include <filesystem>

#include "gateway_fixture.hpp"

TEST(GatewayMetrics, RequestsCountedByRoutePatternMethodAndStatus) {
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(SG_TEST_PLUGIN_DIR) / "monitor.so"))
      << "monitor.so is needed to read metrics";
  gwtest::Gateway gw(nlohmann::json::object(), {"gateway", "test_routes", "monitor"});
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
