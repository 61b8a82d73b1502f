// The real streamgate binary with gateway + monitor over loopback.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <support.hpp>

#include "prom_text.hpp"

using monitor_test::parse_prometheus;
using monitor_test::PromDoc;
using nlohmann::json;

namespace {

constexpr const char* kWallet = "0x52908400098527886E0F7030069857D2E4169EE7";

// plugins.monitor opening /metrics to this host, as the development config does.
json metrics_from_loopback() {
  return {{"metrics", {{"allow", {"127.0.0.0/8", "::1"}}}}};
}

PromDoc scrape(sgtest::StreamGateServer& server) {
  auto res = server.request("GET", "/metrics");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u)
      << res.header("Content-Type");
  try {
    return parse_prometheus(res.body);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid exposition: " << e.what() << "\n" << res.body;
    return {};
  }
}

}  // namespace

TEST(MonitorServer, HealthAndReadyWithAllPluginsStarted) {
  sgtest::StreamGateServer server;
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());

  auto health = server.request("GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json(), json({{"status", "ok"}}));
  EXPECT_EQ(health.header("Content-Type"), "application/json");

  auto ready = server.request("GET", "/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["status"], "ready");
  EXPECT_EQ(ready.json()["plugins"], 2);

  auto head = server.request("HEAD", "/health");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST(MonitorServer, ReadyIs503WhenAPluginIsUnhealthy) {
  sgtest::StreamGateServer server(
      json{{"plugins",
            {{"unhealthy_plugin", {{"reason", "simulated disk failure"}}},
             {"monitor", metrics_from_loopback()}}}});
  server.use_plugins({"gateway", "monitor", "unhealthy_plugin"});
  ASSERT_TRUE(server.start());

  EXPECT_EQ(server.request("GET", "/health").status, 200);  // liveness is unaffected
  auto ready = server.request("GET", "/ready");
  ASSERT_EQ(ready.status, 503) << ready.body;
  json body = ready.json();
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["error"]["code"], "not_ready");
  ASSERT_EQ(body["failing"].size(), 1u) << body.dump();
  EXPECT_EQ(body["failing"][0]["id"], "unhealthy_plugin");
  EXPECT_EQ(body["failing"][0]["state"], "started");
  EXPECT_NE(body["failing"][0]["reason"].get<std::string>().find("simulated disk failure"),
            std::string::npos);

  PromDoc doc = scrape(server);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "unhealthy_plugin"}}), 0);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "gateway"}}), 1);
  EXPECT_EQ(doc.value("streamgate_plugin_up", {{"plugin", "monitor"}}), 1);
}

TEST(MonitorServer, ReadyTurnsGreenWhenThePluginIsHealthy) {
  sgtest::StreamGateServer server(json{{"plugins", {{"unhealthy_plugin", {{"healthy", true}}}}}});
  server.use_plugins({"gateway", "monitor", "unhealthy_plugin"});
  ASSERT_TRUE(server.start());
  auto ready = server.request("GET", "/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
}

TEST(MonitorServer, SlowHealthChecksNeverStallTheGateway) {
  // Every /ready takes >= 50 ms (the plugin's health() sleeps). 80 at once: the monitor's
  // worker queue (64) overflows, so some are refused with 503 monitor_busy straight away,
  // and /health keeps answering fast because no network thread waits on health().
  sgtest::StreamGateServer server(
      json{{"plugins", {{"unhealthy_plugin", {{"healthy", true}, {"health_delay_ms", 50}}}}}});
  server.use_plugins({"gateway", "monitor", "unhealthy_plugin"});
  ASSERT_TRUE(server.start());

  std::vector<std::future<sgtest::HttpResponse>> pending;
  for (int i = 0; i < 80; ++i) {
    pending.push_back(std::async(std::launch::async, [&server] {
      return server.request("GET", "/ready", "", {}, std::chrono::seconds(30));
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto t0 = std::chrono::steady_clock::now();
  auto health = server.request("GET", "/health");
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(health.status, 200);
  EXPECT_LT(elapsed, std::chrono::seconds(1));  // generous: the machine may be loaded

  int ok = 0;
  int busy = 0;
  for (auto& f : pending) {
    auto res = f.get();
    if (res.status == 200) {
      ++ok;
    } else {
      EXPECT_EQ(res.status, 503) << res.body;
      EXPECT_EQ(res.json()["error"]["code"], "monitor_busy") << res.body;
      ++busy;
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
}

TEST(MonitorServer, MetricsAreValidPrometheusAndCountRequests) {
  sgtest::StreamGateServer server(json{{"plugins", {{"monitor", metrics_from_loopback()}}}});
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());

  PromDoc before = scrape(server);
  for (const char* family :
       {"process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
        "streamgate_uptime_seconds", "streamgate_plugin_up"}) {
    EXPECT_TRUE(before.types.contains(family)) << family;
    EXPECT_TRUE(before.helps.contains(family)) << family;
  }
  EXPECT_GT(before.value("process_resident_memory_bytes").value_or(0), 1e6);
  EXPECT_GT(before.value("process_open_fds").value_or(0), 3);
  EXPECT_GE(before.value("streamgate_uptime_seconds").value_or(-1), 0);
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(before.value("process_start_time_seconds").value_or(0), now, 120);
  EXPECT_EQ(before.value("streamgate_plugin_up", {{"plugin", "gateway"}}), 1);

  // The gateway's request counter (sg_http_requests_total) goes up by one per request.
  const std::map<std::string, std::string> health_route = {{"route", "/health"}};
  const double before_health = before.sum("sg_http_requests_total", health_route);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(server.request("GET", "/health").status, 200);
  PromDoc after = scrape(server);
  EXPECT_EQ(after.types["sg_http_requests_total"], "counter");
  EXPECT_EQ(after.sum("sg_http_requests_total", health_route), before_health + 5);
  EXPECT_GE(after.sum("sg_http_requests_total", {{"route", "/metrics"}}), 1);  // first scrape
}

TEST(MonitorServer, AdminPluginsListsGatewayAndMonitor) {
  sgtest::StreamGateServer server(
      json{{"plugins", {{"monitor", {{"admin_allow_loopback", true}}}}}});
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());

  auto res = server.request("GET", "/api/v1/admin/plugins");  // loopback trusted by config
  ASSERT_EQ(res.status, 200) << res.body;
  json list = res.json();
  ASSERT_TRUE(list.is_array());
  std::map<std::string, json> by_id;
  for (const auto& p : list) by_id[p["id"].get<std::string>()] = p;
  ASSERT_TRUE(by_id.contains("gateway")) << list.dump();
  ASSERT_TRUE(by_id.contains("monitor")) << list.dump();
  EXPECT_EQ(by_id["monitor"]["version"], "1.0.0");
  EXPECT_FALSE(by_id["gateway"]["version"].get<std::string>().empty());
  for (const auto& id : {"gateway", "monitor"}) {
    const json& p = by_id[id];
    EXPECT_EQ(p["state"], "started") << p.dump();
    EXPECT_EQ(p["healthy"], true) << p.dump();
    for (const char* key : {"provides", "requires", "health"}) EXPECT_TRUE(p.contains(key)) << key;
  }
  bool provides_http = false;
  for (const auto& s : by_id["gateway"]["provides"]) provides_http |= s["name"] == "http";
  EXPECT_TRUE(provides_http) << by_id["gateway"].dump();
  bool requires_http = false;
  for (const auto& s : by_id["monitor"]["requires"]) requires_http |= s["name"] == "http";
  EXPECT_TRUE(requires_http) << by_id["monitor"].dump();

  // Behind a reverse proxy on the same host, loopback no longer proves anything.
  auto proxied =
      server.request("GET", "/api/v1/admin/plugins", "", {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(proxied.status, 403) << proxied.body;
}

// Issue 10.9: loopback trust was on by default, so a reverse proxy on the same host that adds
// no forwarding header exposed the admin API and /metrics to everyone. Both are closed by
// default now: no monitor section at all.
TEST(MonitorServer, AdminAndMetricsNeedAnAdministratorByDefault) {
  sgtest::StreamGateServer server;
  server.use_plugins({"gateway", "monitor", "test_identity"});
  ASSERT_TRUE(server.start());

  auto anonymous = server.request("GET", "/api/v1/admin/plugins");
  EXPECT_EQ(anonymous.status, 403) << anonymous.body;
  EXPECT_EQ(anonymous.json()["error"]["code"], "forbidden");

  auto user = server.request("GET", "/api/v1/admin/plugins", "",
                             {{"Authorization", std::string("Bearer test.") + kWallet}});
  EXPECT_EQ(user.status, 403) << user.body;

  auto admin = server.request("GET", "/api/v1/admin/plugins", "",
                              {{"Authorization", std::string("Bearer test-admin.") + kWallet}});
  EXPECT_EQ(admin.status, 200) << admin.body;
  EXPECT_TRUE(admin.json().is_array());

  EXPECT_EQ(server.request("GET", "/metrics").status, 403);
  EXPECT_EQ(server
                .request("GET", "/metrics", "",
                         {{"Authorization", std::string("Bearer test.") + kWallet}})
                .status,
            403);
  EXPECT_EQ(server
                .request("GET", "/metrics", "",
                         {{"Authorization", std::string("Bearer test-admin.") + kWallet}})
                .status,
            200);
  // Liveness and readiness stay public.
  EXPECT_EQ(server.request("GET", "/health").status, 200);
  EXPECT_EQ(server.request("GET", "/ready").status, 200);
}

// /metrics for scrapers: the token (HTTP Basic, user "metrics") from anywhere, or an
// allow-listed network; a wrong token is refused even from an allowed network, and a proxy
// on this host forwarding someone does not count as this host.
TEST(MonitorServer, MetricsTokenAndAllowList) {
  const std::string token = "scrape-token-0123456789abcdef";
  sgtest::StreamGateServer server(json{
      {"plugins", {{"monitor", {{"metrics", {{"token", token}, {"allow", {"127.0.0.1/32"}}}}}}}}});
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());
  // base64("metrics:" + token) and base64("metrics:" + token + "x"), computed outside.
  const std::string right = "Basic bWV0cmljczpzY3JhcGUtdG9rZW4tMDEyMzQ1Njc4OWFiY2RlZg==";
  const std::string wrong_token = "Basic bWV0cmljczpzY3JhcGUtdG9rZW4tMDEyMzQ1Njc4OWFiY2RlZng=";
  auto basic = [](const std::string& credentials) {
    return sgtest::Headers{{"Authorization", credentials}};
  };
  EXPECT_EQ(server.request("GET", "/metrics").status, 200);  // from 127.0.0.1
  EXPECT_EQ(server.request("GET", "/metrics", "", basic(right)).status, 200);
  auto wrong = server.request("GET", "/metrics", "", basic(wrong_token));
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.header("WWW-Authenticate"), "Basic realm=\"metrics\"");
  EXPECT_EQ(wrong.json()["error"]["code"], "unauthorized");
  auto forwarded = server.request("GET", "/metrics", "", {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(forwarded.status, 401) << forwarded.body;
  EXPECT_EQ(server
                .request("GET", "/metrics", "",
                         {{"X-Forwarded-For", "203.0.113.7"}, {"Authorization", right}})
                .status,
            200);
  EXPECT_EQ(server.log().find(token), std::string::npos) << "token leaked into the log";
}

// Behind a trusted reverse proxy the gateway takes the client from X-Forwarded-For, so the
// allow-list and loopback checks see the real client, not the proxy.
TEST(MonitorServer, TrustedProxyNamesTheClient) {
  sgtest::StreamGateServer server(
      json{{"plugins",
            {{"gateway", {{"trusted_proxies", {"127.0.0.1"}}}},
             {"monitor", {{"metrics", {{"allow", {"198.51.100.0/24"}}}}}}}}});
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());
  auto via = [&](const std::string& xff) {
    return server.request("GET", "/metrics", "", {{"X-Forwarded-For", xff}}).status;
  };
  EXPECT_EQ(via("198.51.100.9"), 200);
  EXPECT_EQ(via("203.0.113.7"), 403);
  // The client wrote the left-most entry itself; the proxy appended the real address.
  EXPECT_EQ(via("198.51.100.9, 203.0.113.7"), 403);
  EXPECT_EQ(via("203.0.113.7, 198.51.100.9"), 200);
  EXPECT_EQ(server.request("GET", "/metrics").status, 403);  // the proxy itself is not allowed
}

TEST(MonitorServer, UntrustedPeersCannotNameAClient) {
  sgtest::StreamGateServer server(
      json{{"plugins", {{"monitor", {{"metrics", {{"allow", {"198.51.100.0/24"}}}}}}}}});
  server.use_plugins({"gateway", "monitor"});
  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.request("GET", "/metrics", "", {{"X-Forwarded-For", "198.51.100.9"}}).status,
            403);
}

TEST(MonitorServer, RejectsAnInvalidConfigAtStartUp) {
  sgtest::TempDir dir("sg-monitor-cfg");
  json config = {
      // dev_mode: every built plugin loads, and auth refuses to start without a session key
      // outside dev mode (a missing dev_mode line is false).
      {"server",
       {{"data_dir", (dir.path() / "data").string()},
        {"plugin_dir", SG_TEST_PLUGIN_DIR},
        {"dev_mode", true}}},
      {"database", {{"driver", "sqlite"}, {"sqlite_path", (dir.path() / "data" / "db").string()}}},
      {"plugins",
       {{"gateway", {{"host", "127.0.0.1"}, {"port", sgtest::free_port()}}},
        {"monitor", {{"admin_allow_loopback", "yes"}}}}}};
  std::filesystem::create_directories(dir.path() / "data");
  std::ofstream(dir.path() / "streamgate.yaml") << config.dump(2);
  auto result = sgtest::run_command(
      {SG_TEST_STREAMGATE_BIN, "--config", (dir.path() / "streamgate.yaml").string()}, {},
      std::chrono::seconds(30));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("admin_allow_loopback"), std::string::npos) << result.output;
}
