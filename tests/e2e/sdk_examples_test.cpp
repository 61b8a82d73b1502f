// The SDK round trip a third party makes: install StreamGate, build examples/hello_plugin
// out of tree against the installed package, drop hello.so into an extra plugin folder and
// load it into the UNMODIFIED build/bin/streamgate.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <support.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The install + out-of-tree build is the slow part (~15-40 s on 2 busy cores), so the checks
// on the built plugin are steps of ONE test: ctest runs each test in its own process.
class HelloPluginE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new sgtest::TempDir("sg-e2e-hello");
    const fs::path prefix = work_->path() / "prefix";
    const fs::path build = work_->path() / "hello-build";

    auto install = sgtest::run_command(
        {SG_TEST_CMAKE_COMMAND, "--install", SG_TEST_BINARY_DIR, "--prefix", prefix.string()}, {},
        std::chrono::seconds(60));
    if (install.exit_code != 0) {
      setup_error_ = "cmake --install failed:\n" + install.output;
      return;
    }
    for (const char* f :
         {"include/streamgate/plugin.h", "include/streamgate/plugin.hpp",
          "include/streamgate/services/http.hpp", "lib/cmake/StreamGate/StreamGateConfig.cmake"}) {
      if (!fs::exists(prefix / f)) {
        setup_error_ = std::string("install did not produce ") + f;
        return;
      }
    }

    auto configure = sgtest::run_command(
        {SG_TEST_CMAKE_COMMAND, "-S", std::string(SG_TEST_SOURCE_DIR) + "/examples/hello_plugin",
         "-B", build.string(), "-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" SG_TEST_MAKE_PROGRAM,
         "-DCMAKE_CXX_COMPILER=" SG_TEST_CXX_COMPILER, "-DCMAKE_BUILD_TYPE=Release",
         "-DCMAKE_PREFIX_PATH=" + prefix.string(),
         // ccache (when the main build uses it) keeps repeated runs of this test fast.
         "-DCMAKE_CXX_COMPILER_LAUNCHER=" SG_TEST_CXX_LAUNCHER},
        {}, std::chrono::seconds(60));
    if (configure.exit_code != 0) {
      setup_error_ = "configuring examples/hello_plugin failed:\n" + configure.output;
      return;
    }
    auto build_res = sgtest::run_command({SG_TEST_CMAKE_COMMAND, "--build", build.string()}, {},
                                         std::chrono::seconds(120));
    if (build_res.exit_code != 0) {
      setup_error_ = "building examples/hello_plugin failed:\n" + build_res.output;
      return;
    }
    // It must really come from the installed package, not from the source tree.
    std::string cache = sgtest::read_file(build / "CMakeCache.txt");
    if (cache.find("StreamGate_DIR:PATH=" + (prefix / "lib/cmake/StreamGate").string()) ==
        std::string::npos) {
      setup_error_ = "hello_plugin did not use the installed StreamGate package:\n" + cache;
      return;
    }
    plugin_dir_ = work_->path() / "dropins";
    fs::create_directories(plugin_dir_);
    fs::copy_file(build / "hello.so", plugin_dir_ / "hello.so");
  }

  static void TearDownTestSuite() {
    delete work_;
    work_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static json config(json plugins = json::object()) {
    return {{"server", {{"extra_plugin_dirs", json::array({plugin_dir_.string()})}}},
            {"plugins", std::move(plugins)}};
  }

  static inline sgtest::TempDir* work_ = nullptr;
  static inline std::string setup_error_;
  static inline fs::path plugin_dir_;
};

void serves_hello_from_the_drop_in_folder(const json& cfg) {
  sgtest::StreamGateServer server(cfg);
  server.use_plugins({"gateway"});  // the only in-tree plugin; hello comes from extra dirs
  ASSERT_TRUE(server.start());

  auto res = server.request("GET", "/hello/world");
  ASSERT_EQ(res.status, 200) << res.body << "\n" << server.log();
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  json body = res.json();
  EXPECT_EQ(body["hello"], "world");
  EXPECT_EQ(body["plugin"], "hello");
  EXPECT_EQ(body["greeting"], "Bonjour, world!");

  auto encoded = server.request("GET", "/hello/J%C3%BCrgen");
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  EXPECT_EQ(encoded.json()["hello"], "J\xC3\xBCrgen");

  auto missing = server.request("GET", "/hello/");
  EXPECT_EQ(missing.status, 404) << missing.body;
}

// Runs the binary on a StreamGateServer's config (written, but no server started).
sgtest::CommandResult run_streamgate(const sgtest::StreamGateServer& server,
                                     std::vector<std::string> extra_args) {
  std::ofstream(server.config_path()) << server.config().dump(2) << "\n";
  std::vector<std::string> argv = {SG_TEST_STREAMGATE_BIN, "--config",
                                   server.config_path().string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return sgtest::run_command(argv, {}, std::chrono::seconds(30));
}

void list_plugins_shows_the_drop_in(const json& cfg) {
  sgtest::StreamGateServer server(cfg);
  server.use_plugins({"gateway"});
  auto listed = run_streamgate(server, {"--list-plugins"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  // One line per plugin: "<id>\t<version>\t<file>\t...". The hello line must name the
  // drop-in folder's copy.
  std::istringstream lines(listed.output);
  std::string line;
  bool hello = false;
  bool gateway = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("hello\t1.0.0\t")) {
      hello = true;
      EXPECT_NE(line.find("dropins/hello.so"), std::string::npos) << line;
    }
    gateway = gateway || line.starts_with("gateway\t");
  }
  EXPECT_TRUE(hello) << listed.output;
  EXPECT_TRUE(gateway) << listed.output;
}

void bad_greeting_fails_start_up(const json& cfg) {
  sgtest::StreamGateServer server(cfg);
  server.use_plugins({"gateway"});
  auto res = run_streamgate(server, {});
  EXPECT_NE(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("plugins.hello.greeting must be a non-empty string"), std::string::npos)
      << res.output;
}

TEST_F(HelloPluginE2E, InstallBuildOutOfTreeAndLoadIntoTheUnmodifiedBinary) {
  {
    SCOPED_TRACE("GET /hello/{name}");
    serves_hello_from_the_drop_in_folder(config({{"hello", {{"greeting", "Bonjour"}}}}));
  }
  {
    SCOPED_TRACE("--list-plugins");
    list_plugins_shows_the_drop_in(config());
  }
  {
    SCOPED_TRACE("invalid plugins.hello.greeting");
    bad_greeting_fails_start_up(config({{"hello", {{"greeting", 42}}}}));
  }
}

}  // namespace
