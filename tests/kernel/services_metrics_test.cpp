#include <gtest/gtest.h>

#include <limits>

#include "metrics_registry.hpp"
#include "service_registry.hpp"

TEST(ServiceRegistry, RegisterAcquireRelease) {
  sgk::ServiceRegistry reg;
  int table = 7;
  std::string msg;
  EXPECT_EQ(reg.register_service("prov", "cache", 1, 3, &table, &msg), SG_OK);
  EXPECT_EQ(reg.register_service("other", "cache", 1, 4, &table, &msg), SG_ERR_EXISTS);
  EXPECT_NE(msg.find("prov"), std::string::npos);
  EXPECT_EQ(reg.register_service("other", "cache", 2, 0, &table, &msg), SG_OK);  // new major

  const void* out = nullptr;
  EXPECT_EQ(reg.acquire("cons", "cache", 1, 2, &out, &msg), SG_OK);
  EXPECT_EQ(out, &table);
  EXPECT_EQ(reg.acquire("cons", "cache", 1, 4, &out, &msg), SG_ERR_VERSION);
  EXPECT_NE(msg.find("cache@1.4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cache@1.3"), std::string::npos) << msg;
  EXPECT_EQ(reg.acquire("cons", "nope", 1, 0, &out, &msg), SG_ERR_NOT_FOUND);
  EXPECT_EQ(reg.acquire("cons", "cache", 1, 0, nullptr, &msg), SG_ERR_INVALID);

  EXPECT_EQ(reg.acquisitions("cache", 1), 1u);
  EXPECT_TRUE(reg.release("cons", "cache", 1));
  EXPECT_FALSE(reg.release("cons", "cache", 1));
  EXPECT_EQ(reg.acquisitions("cache", 1), 0u);

  ASSERT_EQ(reg.acquire("cons", "cache", 1, 0, &out, &msg), SG_OK);
  auto leaked = reg.release_all("cons");
  ASSERT_EQ(leaked.size(), 1u);
  EXPECT_EQ(leaked[0], "cache@1");

  ASSERT_EQ(reg.acquire("cons", "cache", 2, 0, &out, &msg), SG_OK);
  auto holders = reg.unregister_provider("other");
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(holders[0], "cons");
  EXPECT_EQ(reg.acquire("cons", "cache", 2, 0, &out, &msg), SG_ERR_NOT_FOUND);
}

TEST(Metrics, CounterGaugeRendering) {
  sgk::MetricsRegistry m;
  auto c1 = m.get(SG_METRIC_COUNTER, "http_requests_total", "Requests served.",
                  "route=\"/a\",status=\"200\"");
  ASSERT_TRUE(c1.ok()) << c1.error();
  // Same labels in another order = same series.
  auto c1b =
      m.get(SG_METRIC_COUNTER, "http_requests_total", "ignored", "status=\"200\",route=\"/a\"");
  ASSERT_TRUE(c1b.ok());
  EXPECT_EQ(c1.value(), c1b.value());
  auto c2 = m.get(SG_METRIC_COUNTER, "http_requests_total", "",
                  "route=\"/b \\\"q\\\"\\n\",status=\"500\"");
  ASSERT_TRUE(c2.ok()) << c2.error();
  sgk::MetricsRegistry::add(c1.value(), 2);
  sgk::MetricsRegistry::add(c1.value(), 1);
  sgk::MetricsRegistry::add(c1.value(), -5);  // ignored: counters never decrease
  sgk::MetricsRegistry::add(c2.value(), 0.5);
  auto g = m.get(SG_METRIC_GAUGE, "queue_depth", "Depth\nof queue \\ x", "");
  ASSERT_TRUE(g.ok());
  sgk::MetricsRegistry::set(g.value(), 42);
  sgk::MetricsRegistry::add(g.value(), -2);

  std::string text = m.render();
  EXPECT_NE(text.find("# HELP http_requests_total Requests served.\n"
                      "# TYPE http_requests_total counter\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_requests_total{route=\"/a\",status=\"200\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("http_requests_total{route=\"/b \\\"q\\\"\\n\",status=\"500\"} 0.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# HELP queue_depth Depth\\nof queue \\\\ x\n"), std::string::npos) << text;
  EXPECT_NE(text.find("queue_depth 40\n"), std::string::npos) << text;
  // HELP/TYPE once per family.
  size_t first = text.find("# TYPE http_requests_total");
  EXPECT_EQ(text.find("# TYPE http_requests_total", first + 1), std::string::npos);
}

TEST(Metrics, HistogramBucketsSumCount) {
  sgk::MetricsRegistry m;
  const double buckets[] = {0.1, 1, 10};
  auto h = m.get(SG_METRIC_HISTOGRAM, "latency_seconds", "Latency.", "route=\"/x\"", buckets, 3);
  ASSERT_TRUE(h.ok()) << h.error();
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) sgk::MetricsRegistry::observe(h.value(), v);
  std::string text = m.render();
  EXPECT_NE(text.find("# TYPE latency_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"10\"} 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_sum{route=\"/x\"} 55.65\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count{route=\"/x\"} 5\n"), std::string::npos) << text;

  auto d = m.get(SG_METRIC_HISTOGRAM, "default_seconds", "Default buckets.", "");
  ASSERT_TRUE(d.ok());
  sgk::MetricsRegistry::observe(d.value(), 0.003);
  text = m.render();
  EXPECT_NE(text.find("default_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("default_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, RefusesBadNamesLabelsAndKindClash) {
  sgk::MetricsRegistry m;
  EXPECT_FALSE(m.get(SG_METRIC_COUNTER, "9bad", "", "").ok());
  EXPECT_FALSE(m.get(SG_METRIC_COUNTER, "bad-name", "", "").ok());
  EXPECT_FALSE(m.get(SG_METRIC_COUNTER, "ok_total", "", "route=/x").ok());
  EXPECT_FALSE(m.get(SG_METRIC_COUNTER, "ok_total", "", "a=\"1\",a=\"2\"").ok());
  EXPECT_FALSE(m.get(SG_METRIC_COUNTER, "ok_total", "", "a=\"1\"b=\"2\"").ok());
  EXPECT_FALSE(m.get(SG_METRIC_HISTOGRAM, "h_seconds", "", "le=\"1\"").ok());
  const double desc[] = {1, 0.5};
  EXPECT_FALSE(m.get(SG_METRIC_HISTOGRAM, "h2_seconds", "", "", desc, 2).ok());
  ASSERT_TRUE(m.get(SG_METRIC_COUNTER, "thing", "", "").ok());
  auto clash = m.get(SG_METRIC_GAUGE, "thing", "", "");
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().find("already a counter"), std::string::npos);
}

TEST(Metrics, SpecialValues) {
  EXPECT_EQ(sgk::MetricsRegistry::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(sgk::MetricsRegistry::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(sgk::MetricsRegistry::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(sgk::MetricsRegistry::format_value(3), "3");
}
