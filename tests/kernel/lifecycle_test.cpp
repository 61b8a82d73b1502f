// Loader, dependency order and lifecycle with real plugins (.so) in an in-process Kernel.
// GCC 12 reports a false -Wrestrict inside std::string concatenation at -O3 (GCC bug 105651).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <streamgate/plugin.hpp>

#include "host_api.hpp"
#include "kt_counter.h"
#include "log_capture.hpp"
#include "test_kernel.hpp"

using namespace std::chrono_literals;
using kt::TestKernel;

namespace {

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds timeout = 5s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return p();
}

std::string load_error(const std::vector<std::string>& ids, const std::string& yaml = "") {
  TestKernel k(ids, yaml);
  auto st = k->load_plugins();
  EXPECT_FALSE(st.ok());
  return st.ok() ? "" : st.error();
}

nlohmann::json describe(sgk::Kernel& k, const std::string& id) {
  for (const auto& p : k.describe_plugins(nullptr)) {
    if (p["id"] == id) return p;
  }
  return nullptr;
}

}  // namespace

TEST(Lifecycle, CPluginProvidesServiceThatCppPluginAcquires) {
  kt::LogCapture logs;
  TestKernel k({"kt_cpp_consumer", "kt_c_provider"});
  ASSERT_TRUE(k->load_plugins().ok());
  EXPECT_TRUE(logs->contains("loaded plugin kt_c_provider 1.0.0 from"));
  EXPECT_TRUE(logs->contains("loaded plugin kt_cpp_consumer 2.1.0 from"));
  // Provider first whatever the file order.
  ASSERT_EQ(k->start_order().size(), 2u);
  EXPECT_EQ(k->plugins()[k->start_order()[0]]->info.id, "kt_c_provider");

  auto st = k->start();
  ASSERT_TRUE(st.ok()) << st.error() << logs->all();
  EXPECT_TRUE(logs->contains("kt_cpp_consumer added 5 total 5"));

  const void* table = nullptr;
  std::string msg;
  ASSERT_EQ(k->services().acquire("test", KT_COUNTER_SERVICE, 1, 2, &table, &msg), SG_OK) << msg;
  const auto* counter = static_cast<const kt_counter_v1*>(table);
  EXPECT_EQ(counter->get(counter->self), 5);

  // Bus across the C ABI: ping -> the C plugin publishes pong -> the C++ plugin counts it.
  ASSERT_TRUE(k->bus().publish("kt.ping", "{}").ok());
  ASSERT_TRUE(eventually([&] { return counter->pings(counter->self) == 1; }));
  ASSERT_TRUE(
      eventually([&] { return describe(*k.kernel, "kt_cpp_consumer")["health"]["pongs"] == 1; }));

  auto c = describe(*k.kernel, "kt_c_provider");
  EXPECT_EQ(c["state"], "started");
  EXPECT_EQ(c["healthy"], true);
  EXPECT_EQ(c["health"]["total"], 5);
  EXPECT_EQ(c["provides"][0]["name"], "kt_counter");
  EXPECT_EQ(c["provides"][0]["minor"], 2);
  auto stats = k->stats();
  EXPECT_EQ(stats["bus"]["topics"]["kt.ping"]["published"], 1);
  EXPECT_EQ(stats["bus"]["topics"]["kt.pong"]["delivered"], 1);
  k->services().release("test", KT_COUNTER_SERVICE, 1);

  EXPECT_TRUE(k->stop());
  // Reverse order: the consumer stops before the provider.
  long consumer = logs->index_of("kt_cpp_consumer stopped");
  long provider = logs->index_of("kt_c_provider stopping");
  ASSERT_GE(consumer, 0) << logs->all();
  ASSERT_GE(provider, 0) << logs->all();
  EXPECT_LT(consumer, provider);
  EXPECT_EQ(describe(*k.kernel, "kt_c_provider")["state"], "stopped");
  EXPECT_EQ(k->services().acquisitions(KT_COUNTER_SERVICE, 1), 0u);
}

TEST(Lifecycle, SubscriptionsAndTimersEndWhenPluginStops) {
  TestKernel k({"kt_plain"});
  ASSERT_TRUE(k->load_plugins().ok());
  ASSERT_TRUE(k->start().ok());
  EXPECT_EQ(k->bus().subscription_count(), 1u);
  EXPECT_EQ(k->timers().active(), 1u);
  ASSERT_TRUE(k->bus().publish("kt.generic", "{}").ok());
  ASSERT_TRUE(eventually([&] {
    auto h = describe(*k.kernel, "kt_plain")["health"];
    return h["events"] == 1 && h["ticks"].get<int>() >= 2;
  }));
  EXPECT_TRUE(k->stop());
  // The plugin never unsubscribed nor cancelled: the kernel did.
  EXPECT_EQ(k->bus().subscription_count(), 0u);
  EXPECT_EQ(k->timers().active(), 0u);
}

TEST(Lifecycle, DisabledPluginIsSkipped) {
  kt::LogCapture logs;
  TestKernel k({"kt_plain", "kt_needs_missing"},
               "plugins:\n  kt_needs_missing:\n    enabled: false\n");
  auto st = k->load_plugins();
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(k->plugins().size(), 1u);
  EXPECT_TRUE(logs->contains("skipping disabled plugin kt_needs_missing"));
}

TEST(Loader, WrongAbiMajorNamesFileAndBothVersions) {
  std::string e = load_error({"kt_bad_abi"});
  EXPECT_NE(e.find("kt_bad_abi.so"), std::string::npos) << e;
  EXPECT_NE(e.find("ABI mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find("ABI 2.0"), std::string::npos) << e;
  EXPECT_NE(e.find("ABI 1.0"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << "single line: " << e;
}

TEST(Loader, MissingEntrySymbol) {
  std::string e = load_error({"kt_no_entry"});
  EXPECT_NE(e.find("kt_no_entry.so"), std::string::npos) << e;
  EXPECT_NE(e.find("no entry symbol 'sg_plugin_entry'"), std::string::npos) << e;
}

TEST(Loader, EntryReturningNull) {
  std::string e = load_error({"kt_null_entry"});
  EXPECT_NE(e.find("returned NULL"), std::string::npos) << e;
}

TEST(Loader, MissingFileAndDirectory) {
  TestKernel k({});
  auto st = k->load_plugin_files({"/nonexistent/x.so"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("/nonexistent/x.so: file does not exist"), std::string::npos)
      << st.error();

  TestKernel k2({}, "");
  std::filesystem::remove_all(k2.dir.path() / "plugins");
  auto st2 = k2->load_plugins();
  ASSERT_FALSE(st2.ok());
  EXPECT_NE(st2.error().find("does not exist"), std::string::npos) << st2.error();
  EXPECT_NE(st2.error().find("server.plugin_dir"), std::string::npos) << st2.error();
}

TEST(Loader, DlopenFailureOnGarbageFile) {
  TestKernel k({});
  auto bogus = k.dir.path() / "plugins" / "bogus.so";
  std::ofstream(bogus) << "this is not an ELF file";
  auto st = k->load_plugins();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("bogus.so: dlopen failed"), std::string::npos) << st.error();
}

TEST(Loader, DuplicateId) {
  TestKernel k({"kt_plain"});
  std::filesystem::copy_file(kt::plugin_file("kt_plain"), k.dir.path() / "plugins" / "zz_copy.so");
  auto st = k->load_plugins();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("duplicate plugin id 'kt_plain'"), std::string::npos) << st.error();
  EXPECT_NE(st.error().find("zz_copy.so"), std::string::npos) << st.error();
}

TEST(Dependencies, MissingRequiredService) {
  std::string e = load_error({"kt_needs_missing", "kt_plain"});
  EXPECT_NE(e.find("plugin 'kt_needs_missing' requires service kt_nonexistent@1.0"),
            std::string::npos)
      << e;
}

TEST(Dependencies, ProviderTooOld) {
  std::string e = load_error({"kt_c_provider", "kt_needs_newer"});
  EXPECT_NE(e.find("kt_counter@1.5"), std::string::npos) << e;
  EXPECT_NE(e.find("kt_counter@1.2 (too old)"), std::string::npos) << e;
}

TEST(Dependencies, CycleIsNamed) {
  std::string e = load_error({"kt_cycle_a", "kt_cycle_b"});
  EXPECT_NE(e.find("dependency cycle"), std::string::npos) << e;
  bool named = e.find("kt_cycle_a -> kt_cycle_b -> kt_cycle_a") != std::string::npos ||
               e.find("kt_cycle_b -> kt_cycle_a -> kt_cycle_b") != std::string::npos;
  EXPECT_TRUE(named) << e;
}

TEST(Dependencies, TwoProvidersOfOneService) {
  std::string e = load_error({"kt_c_provider", "kt_dup_provider"});
  EXPECT_NE(e.find("provided by two plugins"), std::string::npos) << e;
}

TEST(Lifecycle, StartFailureStopsAlreadyStartedPluginsInReverse) {
  kt::LogCapture logs;
  TestKernel k({"kt_c_provider", "kt_start_fail"});
  ASSERT_TRUE(k->load_plugins().ok());
  auto st = k->start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("plugin 'kt_start_fail' failed to start: unavailable"),
            std::string::npos)
      << st.error();
  EXPECT_NE(st.error().find("database is on fire"), std::string::npos) << st.error();
  EXPECT_TRUE(logs->contains("kt_c_provider started"));
  EXPECT_TRUE(logs->contains("kt_c_provider stopping")) << logs->all();
  EXPECT_EQ(describe(*k.kernel, "kt_c_provider")["state"], "stopped");
  EXPECT_EQ(describe(*k.kernel, "kt_start_fail")["state"], "failed");
}

TEST(Lifecycle, ThrowingCreateBecomesAnError) {
  TestKernel k({"kt_create_throws"});
  ASSERT_TRUE(k->load_plugins().ok());
  auto st = k->start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(
      st.error().find("plugin 'kt_create_throws' failed to create: internal: boom in constructor"),
      std::string::npos)
      << st.error();
}

TEST(Lifecycle, GarbageStatusFromCPluginIsAnError) {
  TestKernel k({"kt_garbage_status"});
  ASSERT_TRUE(k->load_plugins().ok());
  auto st = k->start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("failed to start: invalid status 42"), std::string::npos) << st.error();
}

TEST(HostApi, ConfigGetScopesPluginSections) {
  TestKernel k({"kt_plain"},
               "plugins:\n  kt_plain:\n    answer: 42\n  other:\n    secret: hunter2\n");
  ASSERT_TRUE(k->load_plugins().ok());
  const sg_host_api& api = k->plugin("kt_plain")->api;
  auto get = [&](const std::string& path, sg_status expect) -> nlohmann::json {
    sg_owned_str out{};
    sg_error err{};
    sg_status st = api.config_get(api.host, path.data(), path.size(), &out, &err);
    EXPECT_EQ(st, expect) << path << ": " << err.message;
    if (st != SG_OK) return nullptr;
    std::string text(out.data, out.size);
    out.release(out.data);
    return nlohmann::json::parse(text);
  };
  EXPECT_EQ(get("plugins.kt_plain.answer", SG_OK), 42);
  EXPECT_EQ(get("plugins.kt_plain", SG_OK)["answer"], 42);
  EXPECT_EQ(get("server.data_dir", SG_OK), (k.dir.path() / "data").string());
  EXPECT_EQ(get("database", SG_OK)["driver"], "sqlite");
  get("plugins.other.secret", SG_ERR_DENIED);
  get("plugins.other", SG_ERR_DENIED);
  get("plugins", SG_ERR_DENIED);
  get("server.nope", SG_ERR_NOT_FOUND);
  get("server..x", SG_ERR_INVALID);
  auto whole = get("", SG_OK);
  EXPECT_FALSE(whole["plugins"].contains("other"));
  EXPECT_EQ(whole["plugins"]["kt_plain"]["answer"], 42);
}

TEST(HostApi, EveryFunctionWorksThroughTheTable) {
  TestKernel k({"kt_plain"}, "logging:\n  levels:\n    kt_plain: warn\n");
  ASSERT_TRUE(k->load_plugins().ok());
  sgk::logging::configure(k->config().logging);
  ASSERT_TRUE(k->start().ok());
  const sg_host_api& api = k->plugin("kt_plain")->api;
  sg_host* h = api.host;
  EXPECT_EQ(api.struct_size, sizeof(sg_host_api));
  EXPECT_EQ(api.abi_major, 1u);

  EXPECT_EQ(api.log_enabled(h, SG_LOG_INFO), 0);
  EXPECT_EQ(api.log_enabled(h, SG_LOG_ERROR), 1);
  sgk::logging::configure(sgk::LogSettings{});

  sg_error err{};
  EXPECT_EQ(api.publish(h, "t.x", 3, "{bad", 4, &err), SG_ERR_INVALID);
  EXPECT_NE(std::string(err.message).find("not valid JSON"), std::string::npos);
  EXPECT_EQ(api.publish(h, "t.x", 3, "{}", 2, &err), SG_OK);
  uint64_t id = 0;
  EXPECT_EQ(api.subscribe(
                h, "bad pattern", 11, [](void*, const char*, size_t, const char*, size_t) {},
                nullptr, &id, &err),
            SG_ERR_INVALID);
  EXPECT_EQ(api.unsubscribe(h, 999999), SG_ERR_NOT_FOUND);

  static int vt[2] = {8, 0};
  EXPECT_EQ(api.service_register(h, "kt_extra", 8, 3, 1, vt, &err), SG_OK);
  EXPECT_EQ(api.service_register(h, "kt_extra", 8, 3, 2, vt, &err), SG_ERR_EXISTS);
  const void* out = nullptr;
  EXPECT_EQ(api.service_acquire(h, "kt_extra", 8, 3, 2, &out, &err), SG_ERR_VERSION);
  EXPECT_EQ(api.service_acquire(h, "kt_extra", 8, 3, 1, &out, &err), SG_OK);
  EXPECT_EQ(out, vt);
  api.service_release(h, "kt_extra", 8, 3);

  static std::atomic<int> ran{0};
  ran = 0;  // statics survive --gtest_repeat
  EXPECT_EQ(api.run_blocking(
                h, [](void*) { ++ran; }, nullptr, &err),
            SG_OK);
  ASSERT_TRUE(eventually([] { return ran.load() == 1; }));
  EXPECT_EQ(api.run_blocking(h, nullptr, nullptr, &err), SG_ERR_INVALID);

  static std::atomic<int> ticks{0};
  ticks = 0;
  uint64_t timer = 0;
  EXPECT_EQ(api.timer_start(
                h, 0, 5, [](void*) { ++ticks; }, nullptr, &timer, &err),
            SG_OK);
  ASSERT_TRUE(eventually([] { return ticks.load() >= 3; }));
  EXPECT_EQ(api.timer_cancel(h, timer), SG_OK);
  EXPECT_EQ(api.timer_cancel(h, timer), SG_ERR_NOT_FOUND);

  sg_metric* m = api.metric_get(h, SG_METRIC_COUNTER, "kt_things_total", 15, "Things.", 7,
                                "kind=\"a\"", 8, nullptr, 0);
  ASSERT_NE(m, nullptr);
  api.metric_add(m, 4);
  EXPECT_EQ(api.metric_get(h, SG_METRIC_GAUGE, "kt_things_total", 15, "", 0, "", 0, nullptr, 0),
            nullptr);
  sg_owned_str text{};
  ASSERT_EQ(api.metrics_render(h, &text, &err), SG_OK);
  std::string metrics(text.data, text.size);
  text.release(text.data);
  EXPECT_NE(metrics.find("kt_things_total{kind=\"a\"} 4"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("streamgate_uptime_seconds"), std::string::npos);
  EXPECT_NE(metrics.find("streamgate_events_published_total"), std::string::npos);
  EXPECT_NE(metrics.find("streamgate_blocking_pool_threads 2"), std::string::npos) << metrics;

  ASSERT_EQ(api.plugins_describe(h, &text, &err), SG_OK);
  auto plugins = nlohmann::json::parse(std::string(text.data, text.size));
  text.release(text.data);
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0]["id"], "kt_plain");
  EXPECT_EQ(plugins[0]["state"], "started");

  ASSERT_EQ(api.kernel_stats(h, &text, &err), SG_OK);
  auto stats = nlohmann::json::parse(std::string(text.data, text.size));
  text.release(text.data);
  EXPECT_TRUE(stats["uptime_seconds"].is_number());
  EXPECT_EQ(stats["blocking_pool"]["threads"], 2);
  EXPECT_TRUE(stats["bus"]["topics"].is_object());

  EXPECT_FALSE(k->shutdown_requested());
  api.request_shutdown(h);
  EXPECT_TRUE(k->shutdown_requested());
  k->wait_for_shutdown();  // returns at once
  EXPECT_TRUE(k->stop());

  // After stop the plugin's new work is refused.
  EXPECT_EQ(api.run_blocking(
                h, [](void*) {}, nullptr, &err),
            SG_ERR_CANCELLED);
  EXPECT_EQ(api.timer_start(
                h, 0, 0, [](void*) {}, nullptr, &timer, &err),
            SG_ERR_CANCELLED);
}

// The C++ layer's timer shim used to swallow exceptions silently; a failed tick is now
// logged, and the timer keeps ticking.
TEST(HostApi, ThrowingTimerCallbackIsLoggedAndKeepsTicking) {
  kt::LogCapture logs;
  TestKernel k({"kt_plain"});
  ASSERT_TRUE(k->load_plugins().ok());
  ASSERT_TRUE(k->start().ok());
  sg::Host host(&k->plugin("kt_plain")->api);
  std::atomic<int> ticks{0};
  {
    sg::Timer timer = host.start_timer(std::chrono::milliseconds(0), std::chrono::milliseconds(5),
                                       [&ticks] {
                                         ++ticks;
                                         throw std::runtime_error("tick failed on purpose");
                                       });
    ASSERT_TRUE(eventually([&] { return ticks.load() >= 3; }));
  }
  EXPECT_TRUE(logs->contains("timer callback threw: tick failed on purpose"))
      << logs->all();
  EXPECT_TRUE(k->stop());
}

TEST(Log, EscapesControlCharacters) {
  EXPECT_EQ(sgk::logging::escape_line("a\nb\r\tc\x01"), "a\\nb\\r\\tc\\x01");
}
