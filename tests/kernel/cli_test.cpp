// The streamgate binary: options, --check-config, --list-plugins, signals, exit codes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "support.hpp"

using namespace std::chrono_literals;

namespace {

const std::string kBin = SG_TEST_STREAMGATE_BIN;

// A config file + private plugin folder with copies of the chosen test plugins.
struct CliSetup {
  sgtest::TempDir dir{"sg-cli"};
  std::filesystem::path config;

  explicit CliSetup(const std::vector<std::string>& ids, const std::string& extra = "",
                    int shutdown_ms = 5000) {
    auto plugins = dir.path() / "plugins";
    std::filesystem::create_directories(plugins);
    for (const auto& id : ids) {
      std::filesystem::copy_file(std::filesystem::path(KT_PLUGIN_DIR) / (id + ".so"),
                                 plugins / (id + ".so"));
    }
    config = dir.path() / "streamgate.yaml";
    std::ofstream(config) << "server:\n  data_dir: " << (dir.path() / "data").string()
                          << "\n  plugin_dir: " << plugins.string()
                          << "\n  shutdown_timeout_ms: " << shutdown_ms << "\n"
                          << extra;
  }
  std::filesystem::path log() const { return dir.path() / "out.log"; }
};

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds timeout = 10s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST(Cli, Version) {
  auto r = sgtest::run_command({kBin, "--version"}, {}, 10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "streamgate 0.1.0 (plugin ABI 1.0)\n");
}

TEST(Cli, HelpAndBadArguments) {
  auto r = sgtest::run_command({kBin, "--help"}, {}, 10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(has(r.output, "--check-config")) << r.output;
  EXPECT_TRUE(has(r.output, "--list-plugins")) << r.output;
  auto bad = sgtest::run_command({kBin, "--frobnicate"}, {}, 10s);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(has(bad.output, "unknown argument '--frobnicate'")) << bad.output;
  auto missing = sgtest::run_command({kBin, "--config"}, {}, 10s);
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(Cli, CheckConfigGood) {
  CliSetup s({"kt_c_provider", "kt_cpp_consumer"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "configuration OK")) << r.output;
  EXPECT_TRUE(has(r.output, "loaded plugin kt_cpp_consumer 2.1.0 from " +
                                (s.dir.path() / "plugins/kt_cpp_consumer.so").string()))
      << r.output;
  EXPECT_FALSE(has(r.output, "started plugin")) << "--check-config must not start plugins";
}

TEST(Cli, CheckConfigBadKey) {
  CliSetup s({}, "bogus_section:\n  x: 1\n");
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, s.config.string() + ":5")) << r.output;
  EXPECT_TRUE(has(r.output, "unknown key 'bogus_section'")) << r.output;
}

TEST(Cli, CheckConfigEnvOverrideTypeError) {
  CliSetup s({});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"},
                               {{"STREAMGATE__SERVER__DEV_MODE", "perhaps"}}, 20s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "STREAMGATE__SERVER__DEV_MODE")) << r.output;
  EXPECT_TRUE(has(r.output, "server.dev_mode")) << r.output;
}

TEST(Cli, CheckConfigMissingDependency) {
  CliSetup s({"kt_needs_missing"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "requires service kt_nonexistent@1.0")) << r.output;
}

TEST(Cli, ListPlugins) {
  CliSetup s({"kt_c_provider", "kt_cpp_consumer"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--list-plugins"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "kt_c_provider\t1.0.0\t" +
                                (s.dir.path() / "plugins/kt_c_provider.so").string() +
                                "\tprovides=kt_counter@1.2\trequires=-"))
      << r.output;
  EXPECT_TRUE(has(r.output, "kt_cpp_consumer\t2.1.0\t")) << r.output;
  EXPECT_TRUE(has(r.output, "requires=kt_counter@1.1")) << r.output;
}

TEST(Cli, SigtermStopsCleanlyWithExitCodeZero) {
  CliSetup s({"kt_c_provider", "kt_cpp_consumer"});
  auto p = sgtest::Process::spawn({kBin, "--config", s.config.string()}, {}, s.log());
  ASSERT_TRUE(eventually([&] {
    return has(sgtest::read_file(s.log()), "started with 2 plugin(s)");
  })) << sgtest::read_file(s.log());
  p.signal(SIGTERM);
  auto code = p.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << sgtest::read_file(s.log());
  std::string log = sgtest::read_file(s.log());
  EXPECT_TRUE(has(log, "shutdown requested (SIGTERM)")) << log;
  EXPECT_LT(log.find("kt_cpp_consumer stopped"), log.find("kt_c_provider stopping")) << log;
  // The C plugin logged "stopping\nsecond line": one record stays one line.
  EXPECT_TRUE(has(log, "kt_c_provider stopping\\nsecond line")) << log;
  EXPECT_TRUE(has(log, "streamgate stopped")) << log;
}

TEST(Cli, SecondSignalExitsAtOnce) {
  CliSetup s({"kt_slow_stop"}, "", 20000);  // its stop() sleeps 3 s
  auto p = sgtest::Process::spawn({kBin, "--config", s.config.string()}, {}, s.log());
  ASSERT_TRUE(eventually([&] {
    return has(sgtest::read_file(s.log()), "started with 1 plugin(s)");
  })) << sgtest::read_file(s.log());
  p.signal(SIGINT);
  ASSERT_TRUE(eventually([&] { return has(sgtest::read_file(s.log()), "stopping 1 plugin(s)"); }));
  auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  auto code = p.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 130);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(Cli, PluginOverrunningStopDeadlineIsReported) {
  CliSetup s({"kt_slow_stop"}, "", 200);
  auto p = sgtest::Process::spawn({kBin, "--config", s.config.string()}, {}, s.log());
  ASSERT_TRUE(
      eventually([&] { return has(sgtest::read_file(s.log()), "started with 1 plugin(s)"); }));
  auto t0 = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  auto code = p.wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);  // did not wait the full 3 s
  EXPECT_TRUE(has(sgtest::read_file(s.log()), "kt_slow_stop did not stop within"));
}

TEST(Cli, StartFailureExitsNonZero) {
  CliSetup s({"kt_c_provider", "kt_start_fail"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string()}, {}, 20s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "plugin 'kt_start_fail' failed to start")) << r.output;
  EXPECT_TRUE(has(r.output, "kt_c_provider stopping")) << r.output;
}

TEST(Cli, JsonLogsCarryPluginId) {
  CliSetup s({"kt_c_provider"}, "logging:\n  format: json\n");
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"}, {}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  bool saw_record = false;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("plugin") &&
                j.contains("msg"));
    saw_record |= j["plugin"] == "kernel" && has(j["msg"], "loaded plugin kt_c_provider");
  }
  EXPECT_TRUE(saw_record) << r.output;
}

TEST(Cli, DebugConfigDumpRedactsSecrets) {
  CliSetup s(
      {},
      "logging:\n  level: debug\ndatabase:\n  postgres_url: postgresql://admin:hunter2@db/sg\n"
      "plugins:\n  auth:\n    jwt_secret: topsecretvalue\n");
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--check-config"}, {}, 20s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "effective configuration")) << r.output;
  EXPECT_FALSE(has(r.output, "hunter2")) << r.output;
  EXPECT_FALSE(has(r.output, "topsecretvalue")) << r.output;
}

TEST(Cli, ListPluginsShowsDescriptorsEvenWithMissingDependency) {
  CliSetup s({"kt_needs_missing", "kt_plain"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--list-plugins"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "warning: plugin 'kt_needs_missing' requires service")) << r.output;
  EXPECT_TRUE(has(r.output, "kt_needs_missing\t0.1.0\t")) << r.output;
  EXPECT_TRUE(has(r.output, "requires=kt_nonexistent@1.0")) << r.output;
}

TEST(Cli, ListPluginsFailsOnUnloadablePlugin) {
  CliSetup s({"kt_bad_abi"});
  auto r = sgtest::run_command({kBin, "--config", s.config.string(), "--list-plugins"}, {}, 20s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "ABI mismatch")) << r.output;
}
