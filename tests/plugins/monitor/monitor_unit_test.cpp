// Unit tests of the monitor's host-free parts: Prometheus text, /proc stats, readiness,
// admin access rules and config validation. Also checks the strict test parser itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <streamgate/plugin.hpp>
#include <vector>

#include "access.hpp"
#include "config.hpp"
#include "process_stats.hpp"
#include "prom_text.hpp"
#include "prometheus.hpp"
#include "query_thread.hpp"
#include "readiness.hpp"
#include "scrape.hpp"

using nlohmann::json;
using namespace sg::monitor;
using monitor_test::parse_prometheus;

TEST(MonitorPrometheus, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escape_help("x\\y\nz\""), "x\\\\y\\nz\"");
}

TEST(MonitorPrometheus, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901.0), "12345678901");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MonitorPrometheus, FamilyNamesIncludeTypedAndSampledNames) {
  auto names = family_names(
      "# HELP a_total A\n# TYPE a_total counter\na_total 1\n"
      "# TYPE lat_seconds histogram\nlat_seconds_bucket{le=\"1\"} 2\nlat_seconds_sum 1\n"
      "untyped_thing{x=\"1\"} 3\n");
  EXPECT_TRUE(names.contains("a_total"));
  EXPECT_TRUE(names.contains("a"));
  EXPECT_TRUE(names.contains("lat_seconds"));
  EXPECT_TRUE(names.contains("untyped_thing"));
  EXPECT_FALSE(names.contains("lat"));
}

TEST(MonitorPromParser, RejectsMalformedText) {
  EXPECT_THROW(parse_prometheus("no_type 1\n"), std::runtime_error);
  EXPECT_THROW(parse_prometheus("# HELP x X\n# TYPE x gauge\nx one\n"), std::runtime_error);
  EXPECT_THROW(parse_prometheus("# HELP x X\n# TYPE x gauge\nx{a=\"1} 1\n"), std::runtime_error);
  EXPECT_THROW(parse_prometheus("# TYPE x gauge\nx 1\n"), std::runtime_error);  // no HELP
  EXPECT_THROW(parse_prometheus("# HELP x X\n# TYPE x gauge\nx 1"), std::runtime_error);
  EXPECT_THROW(parse_prometheus("# HELP x X\n# TYPE x gauge\n# HELP y Y\n# TYPE y gauge\n"
                                "x 1\ny 1\nx{a=\"b\"} 2\n"),
               std::runtime_error);  // split family
  auto doc = parse_prometheus(
      "# HELP h H\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 1.5\nh_count 3\n"
      "# HELP g G\n# TYPE g gauge\ng{a=\"x\\\"y\",b=\"2\",} -1 1700000000000\n");
  EXPECT_EQ(doc.value("h_count"), 3);
  EXPECT_EQ(doc.value("g", {{"a", "x\"y"}}), -1);
}

TEST(MonitorProcessStats, ReadsThisProcess) {
  ProcessStats s = read_process_stats();
  ASSERT_TRUE(s.resident_memory_bytes.has_value());
  EXPECT_GT(*s.resident_memory_bytes, 100000);
  ASSERT_TRUE(s.open_fds.has_value());
  EXPECT_GE(*s.open_fds, 3);  // at least stdin/stdout/stderr
  int fd = dup(1);
  EXPECT_EQ(*read_process_stats().open_fds, *s.open_fds + 1);
  close(fd);
  ASSERT_TRUE(s.start_time_seconds.has_value());
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*s.start_time_seconds, now + 1);
  EXPECT_GT(*s.start_time_seconds, now - 3600);  // this test binary started recently
  ASSERT_TRUE(s.cpu_seconds_total.has_value());
  EXPECT_GE(*s.cpu_seconds_total, 0);
}

namespace {

json describe_fixture() {
  return json::parse(R"([
    {"id":"gateway","version":"1.0.0","state":"started","provides":[{"name":"http","major":1,"minor":0}],
     "requires":[],"healthy":true,"health":{"healthy":true}},
    {"id":"monitor","version":"1.0.0","state":"started","provides":[],"requires":[],"healthy":false,"health":{}},
    {"id":"db","version":"0.1.0","state":"started","healthy":false,"health":{"healthy":false,"reason":"database down"}},
    {"id":"late","version":"0.1.0","state":"failed","healthy":false,"health":null}
  ])");
}

}  // namespace

TEST(MonitorReadiness, ReadyWhenAllStartedAndHealthy) {
  json d = json::array({describe_fixture()[0], describe_fixture()[1]});
  Readiness r = evaluate_readiness(d, "monitor");  // monitor's own health is not asked
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(readiness_body(r), json({{"status", "ready"}, {"plugins", 2}}));
}

TEST(MonitorReadiness, ListsFailingPluginsWithReasons) {
  Readiness r = evaluate_readiness(describe_fixture(), "monitor");
  EXPECT_FALSE(r.ready);
  ASSERT_EQ(r.failing.size(), 2u);
  EXPECT_EQ(r.failing[0].id, "db");
  EXPECT_EQ(r.failing[0].reason, "unhealthy: database down");
  EXPECT_EQ(r.failing[1].id, "late");
  EXPECT_EQ(r.failing[1].reason, "plugin is failed");
  json body = readiness_body(r);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["error"]["code"], "not_ready");
  EXPECT_EQ(body["failing"].size(), 2u);
  EXPECT_FALSE(evaluate_readiness(json::object(), "monitor").ready);
}

TEST(MonitorScrape, AddsProcessPluginAndBusFamilies) {
  json plugins = describe_fixture();
  json stats = json::parse(R"({"uptime_seconds":12.5,
    "bus":{"topics":{"upload.completed":{"published":3,"delivered":2,"failed":1,"dropped":0}}},
    "blocking_pool":{"threads":8,"queued":0,"running":1}})");
  std::string host = "# HELP sg_kernel_x X\n# TYPE sg_kernel_x gauge\nsg_kernel_x 1\n";
  ProcessStats p;
  p.resident_memory_bytes = 1024;
  p.open_fds = 7;
  p.start_time_seconds = 1000;
  std::string text = render_scrape({host, p, &plugins, &stats, 2000, "monitor"});
  auto doc = parse_prometheus(text);
  EXPECT_EQ(doc.value("sg_kernel_x"), 1);
  EXPECT_EQ(doc.value("process_resident_memory_bytes"), 1024);
  EXPECT_EQ(doc.value("process_open_fds"), 7);
  EXPECT_EQ(doc.value("process_start_time_seconds"), 1000);
  EXPECT_FALSE(doc.value("process_max_fds").has_value());  // unknown values are left out
  EXPECT_EQ(doc.value("streamgate_uptime_seconds"), 12.5);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "gateway"}}), 1);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "monitor"}}), 1);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "db"}}), 0);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "late"}}), 0);
  EXPECT_EQ(doc.value("streamgate_events_published_total", {{"topic", "upload.completed"}}), 3);
  EXPECT_EQ(doc.value("streamgate_events_failed_total", {{"topic", "upload.completed"}}), 1);
  EXPECT_EQ(doc.value("streamgate_blocking_pool_threads"), 8);
  EXPECT_EQ(doc.types.at("streamgate_events_published_total"), "counter");
}

TEST(MonitorScrape, NeverDuplicatesFamiliesTheHostRenders) {
  json stats = json::parse(R"({"bus":{"topics":{"a.b":{"published":5}}}})");
  std::string host =
      "# HELP streamgate_events_published_total P\n# TYPE streamgate_events_published_total "
      "counter\n"
      "streamgate_events_published_total{topic=\"a.b\"} 5\n"
      "# HELP process_open_fds F\n# TYPE process_open_fds gauge\nprocess_open_fds 9";  // no \n
  ProcessStats p;
  p.open_fds = 7;
  p.start_time_seconds = 100;
  std::string text = render_scrape({host, p, nullptr, &stats, 150, "monitor"});
  auto doc = parse_prometheus(text);  // throws on a second TYPE line
  EXPECT_EQ(doc.value("process_open_fds"), 9);
  EXPECT_EQ(doc.value("streamgate_uptime_seconds"), 50);  // fallback from the start time
}

TEST(MonitorAccess, RecognisesLoopbackPeers) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1:5300"));
  EXPECT_TRUE(is_loopback_address("127.8.9.10:1"));
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("[::1]:8080"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_TRUE(is_loopback_address("[::ffff:127.0.0.1]:80"));
  EXPECT_FALSE(is_loopback_address("10.0.0.1:5300"));
  EXPECT_FALSE(is_loopback_address("[2001:db8::1]:443"));
  EXPECT_FALSE(is_loopback_address("[::ffff:10.0.0.1]:80"));
  EXPECT_FALSE(is_loopback_address(""));
  EXPECT_FALSE(is_loopback_address("localhost:80"));
  EXPECT_FALSE(is_loopback_address("[::1"));
}

TEST(MonitorAccess, AdminRules) {
  EXPECT_TRUE(admin_allowed({true, false, "10.0.0.1:1", false}));
  EXPECT_TRUE(admin_allowed({false, true, "127.0.0.1:1", false}));
  EXPECT_FALSE(admin_allowed({false, false, "127.0.0.1:1", false}));
  EXPECT_FALSE(admin_allowed({false, true, "10.0.0.1:1", false}));
  EXPECT_FALSE(admin_allowed({false, true, "127.0.0.1:1", true}));  // via a reverse proxy
}

TEST(MonitorAccess, MetricsRules) {
  MonitorConfig open_to_lan = parse_config({{"metrics", {{"allow", {"10.0.0.0/8", "::1"}}}}});
  using A = MetricsAccess;
  EXPECT_EQ(metrics_access(open_to_lan, {false, "10.1.2.3:5", false, ""}), A::kAllowed);
  EXPECT_EQ(metrics_access(open_to_lan, {false, "[::1]:5", false, ""}), A::kAllowed);
  EXPECT_EQ(metrics_access(open_to_lan, {false, "11.0.0.1:5", false, ""}), A::kForbidden);
  EXPECT_EQ(metrics_access(open_to_lan, {false, "127.0.0.1:5", false, ""}), A::kForbidden);
  EXPECT_EQ(metrics_access(open_to_lan, {true, "11.0.0.1:5", false, ""}), A::kAllowed);

  MonitorConfig with_token =
      parse_config({{"metrics", {{"token", "0123456789abcdef"}, {"allow", {"127.0.0.1"}}}}});
  const std::string good = metrics_basic_credentials("0123456789abcdef");
  EXPECT_EQ(good, "Basic bWV0cmljczowMTIzNDU2Nzg5YWJjZGVm");  // base64("metrics:0123...")
  EXPECT_EQ(metrics_access(with_token, {false, "11.0.0.1:5", false, good}), A::kAllowed);
  EXPECT_EQ(metrics_access(with_token, {false, "11.0.0.1:5", false, ""}), A::kUnauthorized);
  EXPECT_EQ(metrics_access(with_token, {false, "127.0.0.1:5", false, good + "x"}),
            A::kUnauthorized);
  EXPECT_EQ(metrics_access(with_token, {false, "127.0.0.1:5", false, ""}), A::kAllowed);
  // A proxy on this host forwarding someone: not this host.
  EXPECT_EQ(metrics_access(with_token, {false, "127.0.0.1:5", true, ""}), A::kUnauthorized);
}

TEST(MonitorConfig, ValidatesKeys) {
  EXPECT_FALSE(parse_config(json::object()).admin_allow_loopback);  // closed by default
  EXPECT_TRUE(parse_config(json::object()).metrics_allow.empty());
  EXPECT_TRUE(parse_config({{"admin_allow_loopback", true}}).admin_allow_loopback);
  EXPECT_THROW(parse_config({{"metrics", {{"allow", {"10.0.0.0/33"}}}}}), sg::Error);
  EXPECT_THROW(parse_config({{"metrics", {{"allow", {"example.com"}}}}}), sg::Error);
  EXPECT_THROW(parse_config({{"metrics", {{"token", "short"}}}}), sg::Error);
  EXPECT_NO_THROW(parse_config({{"metrics", {{"token", "short"}}}}, /*dev_mode=*/true));
  EXPECT_THROW(parse_config({{"metrics", {{"tokens", "x"}}}}), sg::Error);
  EXPECT_FALSE(
      parse_config({{"admin_allow_loopback", false}, {"enabled", true}}).admin_allow_loopback);
  EXPECT_THROW(parse_config({{"admin_allow_loopback", "yes"}}), sg::Error);
  EXPECT_THROW(parse_config({{"admin_alow_loopback", true}}), sg::Error);
  EXPECT_THROW(parse_config(json::array()), sg::Error);
}

TEST(MonitorQueryThread, RunsInOrderRefusesWhenFullAndDrainsOnStop) {
  QueryThread thread(2);
  EXPECT_FALSE(thread.post([] {}));  // not started yet
  thread.start();
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> running;
  std::vector<int> order;
  ASSERT_TRUE(thread.post([&, gate] {
    running.set_value();
    gate.wait();
    order.push_back(0);
  }));
  running.get_future().wait();  // the blocker is off the queue, on the thread
  EXPECT_TRUE(thread.post([&] { order.push_back(1); }));
  EXPECT_TRUE(thread.post([&] { throw std::runtime_error("task failure is contained"); }));
  EXPECT_FALSE(thread.post([&] { order.push_back(99); }));  // queue holds 2: refused
  release.set_value();
  thread.stop();  // runs what was queued, then joins
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
  EXPECT_FALSE(thread.post([] {}));  // stopped
}
