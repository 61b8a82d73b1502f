// The SDK round trip a third party makes: install StreamGate, build the examples/ plugins
// out of tree against the installed package, drop them into extra plugin folders and load
// them into the UNMODIFIED build/bin/streamgate:
// - hello_plugin: the smallest plugin (one route);
// - greeting_service: PROVIDES a service (greeting v1, its own C header);
// - job_consumer: CONSUMES auth and jobs from the SDK and the greeting service from the
//   other drop-in (cross-plugin service use, out of tree).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <support.hpp>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The install + out-of-tree builds are the slow part, so ONE install serves every example,
// the examples build concurrently, and the checks on the built plugins are steps of ONE
// test: ctest runs each test in its own process.
class SdkExamplesE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new sgtest::TempDir("sg-e2e-sdk");
    prefix_ = work_->path() / "prefix";

    auto install = sgtest::run_command(
        {SG_TEST_CMAKE_COMMAND, "--install", SG_TEST_BINARY_DIR, "--prefix", prefix_.string()}, {},
        std::chrono::seconds(60));
    if (install.exit_code != 0) {
      setup_error_ = "cmake --install failed:\n" + install.output;
      return;
    }
    for (const char* f :
         {"include/streamgate/plugin.h", "include/streamgate/plugin.hpp",
          "include/streamgate/services/http.hpp", "include/streamgate/services/jobs.hpp",
          "include/streamgate/services/auth.h", "lib/cmake/StreamGate/StreamGateConfig.cmake"}) {
      if (!fs::exists(prefix_ / f)) {
        setup_error_ = std::string("install did not produce ") + f;
        return;
      }
    }

    // Each example is its own CMake project, configured and built on its own.
    auto hello = std::async(std::launch::async, build_example, "hello_plugin", "hello");
    auto greeting =
        std::async(std::launch::async, build_example, "greeting_service", "greeting_service");
    auto consumer = std::async(std::launch::async, build_example, "job_consumer", "job_consumer");
    for (auto* built : {&hello, &greeting, &consumer}) {
      std::string error = built->get();
      if (!error.empty() && setup_error_.empty()) setup_error_ = error;
    }
    if (!setup_error_.empty()) return;

    // hello alone (it needs only the gateway); the service pair in a folder of its own, as
    // job_consumer needs auth and jobs providers loaded.
    plugin_dir_ = work_->path() / "dropins";
    services_dir_ = work_->path() / "dropins-services";
    fs::create_directories(plugin_dir_);
    fs::create_directories(services_dir_);
    fs::copy_file(built_so("hello"), plugin_dir_ / "hello.so");
    for (const char* so : {"greeting_service", "job_consumer"})
      fs::copy_file(built_so(so), services_dir_ / (std::string(so) + ".so"));
  }

  static fs::path built_so(const std::string& target) {
    return work_->path() / (target + "-build") / (target + ".so");
  }

  // Configures and builds examples/<folder> against the installed package; "" or the error.
  static std::string build_example(const std::string& folder, const std::string& target) {
    const fs::path build = work_->path() / (target + "-build");
    auto configure = sgtest::run_command(
        {SG_TEST_CMAKE_COMMAND, "-S", std::string(SG_TEST_SOURCE_DIR) + "/examples/" + folder, "-B",
         build.string(), "-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" SG_TEST_MAKE_PROGRAM,
         "-DCMAKE_CXX_COMPILER=" SG_TEST_CXX_COMPILER, "-DCMAKE_BUILD_TYPE=Release",
         "-DCMAKE_PREFIX_PATH=" + prefix_.string(),
         // ccache (when the main build uses it) keeps repeated runs of this test fast.
         "-DCMAKE_CXX_COMPILER_LAUNCHER=" SG_TEST_CXX_LAUNCHER},
        {}, std::chrono::seconds(90));
    if (configure.exit_code != 0)
      return "configuring examples/" + folder + " failed:\n" + configure.output;
    auto build_res = sgtest::run_command({SG_TEST_CMAKE_COMMAND, "--build", build.string()}, {},
                                         std::chrono::seconds(180));
    if (build_res.exit_code != 0)
      return "building examples/" + folder + " failed:\n" + build_res.output;
    // It must really come from the installed package, not from the source tree.
    std::string cache = sgtest::read_file(build / "CMakeCache.txt");
    if (cache.find("StreamGate_DIR:PATH=" + (prefix_ / "lib/cmake/StreamGate").string()) ==
        std::string::npos)
      return folder + " did not use the installed StreamGate package:\n" + cache;
    if (!fs::exists(build / (target + ".so"))) return folder + " built no " + target + ".so";
    return "";
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
  static inline fs::path prefix_;
  static inline fs::path plugin_dir_;
  static inline fs::path services_dir_;
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

const std::string kAda = "0x1111111111111111111111111111111111111111";

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// job_consumer (auth + jobs + greeting consumer) and greeting_service (provider), both out of
// tree, next to the in-tree gateway and worker and the test identity provider (auth v1).
void consumer_runs_a_job_through_the_greeting_service(const fs::path& services_dir) {
  sgtest::StreamGateServer server(
      json{{"server", {{"extra_plugin_dirs", json::array({services_dir.string()})}}},
           {"plugins", {{"greeting_service", {{"greeting", "Hello"}}}}}});
  server.use_plugins({"gateway", "test_identity", "worker"});
  ASSERT_TRUE(server.start());
  const sgtest::Headers as_ada{{"Authorization", "Bearer test." + kAda},
                               {"Content-Type", "application/json"}};
  const sgtest::Headers anonymous{{"Content-Type", "application/json"}};

  auto enqueued = server.request("POST", "/job-consumer/greetings", R"({"name":"Ada"})", as_ada);
  ASSERT_EQ(enqueued.status, 202) << enqueued.body << "\n" << server.log();
  const std::string id = enqueued.json().value("job_id", "");
  ASSERT_FALSE(id.empty()) << enqueued.body;

  // The handler (job_consumer, on a worker thread) asked greeting_service for the text.
  json job;
  bool finished = eventually(
      [&] {
        auto res = server.request("GET", "/api/v1/jobs/" + id, "", as_ada);
        if (res.status != 200) return false;
        job = res.json();
        return job["state"] == "succeeded" || job["state"] == "failed" || job["state"] == "dead";
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(finished) << job.dump() << "\n" << server.log();
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["type"], "job_consumer.greet") << job.dump();
  EXPECT_EQ(job["result"]["greeting"], "Hello, Ada!") << job.dump();

  auto anon = server.request("POST", "/job-consumer/greetings", R"({"name":"Ada"})", anonymous);
  EXPECT_EQ(anon.status, 401) << anon.body;

  // The auth service itself, called by the consumer on a token from the body.
  auto who = server.request("POST", "/job-consumer/identify",
                            json{{"token", "test." + kAda}}.dump(), anonymous);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json()["address"], kAda);
  EXPECT_EQ(who.json()["admin"], false);
  auto forged =
      server.request("POST", "/job-consumer/identify", R"({"token":"forged"})", anonymous);
  EXPECT_EQ(forged.status, 401) << forged.body;
  EXPECT_EQ(forged.json()["error"]["code"], "invalid_token") << forged.body;
}

// Without its greeting provider, job_consumer must not start (a required service is
// missing): the kernel names it and exits.
void consumer_refuses_to_start_without_the_provider(const fs::path& consumer_so) {
  sgtest::TempDir alone("sg-e2e-consumer-alone");
  fs::copy_file(consumer_so, alone.path() / "job_consumer.so");
  sgtest::StreamGateServer server(
      json{{"server", {{"extra_plugin_dirs", json::array({alone.path().string()})}}}});
  server.use_plugins({"gateway", "test_identity", "worker"});
  auto res = run_streamgate(server, {});
  EXPECT_NE(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("greeting"), std::string::npos) << res.output;
}

TEST_F(SdkExamplesE2E, InstallBuildOutOfTreeAndLoadIntoTheUnmodifiedBinary) {
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
  {
    SCOPED_TRACE("greeting_service + job_consumer: provide and consume services out of tree");
    consumer_runs_a_job_through_the_greeting_service(services_dir_);
  }
  {
    SCOPED_TRACE("job_consumer without its provider");
    consumer_refuses_to_start_without_the_provider(built_so("job_consumer"));
  }
}

}  // namespace
