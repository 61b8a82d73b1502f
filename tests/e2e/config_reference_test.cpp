// README.md's configuration reference is checked against the shipped configuration files and
// against the real server:
// - every key the two files in config/ set is documented (a row of the reference tables);
// - for each section, a server started with every documented key of that section at its
//   documented value passes `--check-config` and starts: all nine plugins created and
//   started, /ready answering 200. Plugins refuse unknown keys at create(), so a documented
//   key the code does not know (a typo, a renamed key) fails here, naming the key. (Not yet
//   in plugins.gateway, nor in auth's cookie / gate_cache / chains[] mappings: those parsers
//   ignore keys they do not know, so only their values are checked.)
// --check-config alone would not catch that: it validates the kernel sections and the plugin
// files, but does not create plugins, so plugin sections are checked by starting the server.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <support.hpp>
#include <thread>

#include "config_reference.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
namespace ref = sgtest::reference;

namespace {

const fs::path kSourceDir = SG_TEST_SOURCE_DIR;

// The sections with a table, in README order. A section added to the README must be added
// here too (SectionsAreTheExpectedOnes), so that it is started below.
const std::vector<std::string> kSections = {"server",
                                            "logging",
                                            "database",
                                            "plugins.gateway",
                                            "plugins.auth",
                                            "plugins.cache",
                                            "plugins.metadata",
                                            "plugins.worker",
                                            "plugins.upload",
                                            "plugins.transcoder",
                                            "plugins.streaming",
                                            "plugins.monitor"};

const std::vector<std::string> kAllPlugins = {"gateway",    "auth",      "metadata",
                                              "cache",      "worker",    "upload",
                                              "transcoder", "streaming", "monitor"};

const ref::Reference& readme() {
  static const ref::Reference r = ref::parse_reference(sgtest::read_file(kSourceDir / "README.md"));
  return r;
}

std::set<std::string> documented_paths() {
  std::set<std::string> out;
  for (const auto& row : readme().rows) out.insert(row.path());
  return out;
}

// `plugins.<id>.enabled` is documented once, for every plugin, in the `plugins` section.
bool is_enabled_switch(const std::string& path) {
  return path.rfind("plugins.", 0) == 0 && std::count(path.begin(), path.end(), '.') == 2 &&
         path.size() > 8 && path.substr(path.rfind('.')) == ".enabled";
}

void expect_file_documented(const fs::path& file) {
  const auto documented = documented_paths();
  std::vector<std::string> missing;
  for (const auto& path : ref::yaml_key_paths(file)) {
    if (path == "server" || path == "logging" || path == "database" || path == "plugins") continue;
    if (path.rfind("plugins.", 0) == 0 && std::count(path.begin(), path.end(), '.') == 1)
      continue;  // a plugin's section itself
    if (is_enabled_switch(path)) continue;
    // Intermediate mappings ("plugins.gateway.cors") are not rows; their members are.
    bool is_parent = false;
    for (const auto& d : documented) is_parent |= d.rfind(path + ".", 0) == 0;
    if (!documented.contains(path) && !is_parent) missing.push_back(path);
  }
  std::string list;
  for (const auto& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << file << " sets keys that README.md's configuration reference "
                               << "does not document:" << list;
}

std::string write_json(const fs::path& file, const json& config) {
  std::ofstream(file) << config.dump(2) << "\n";
  return file.string();
}

// GET /ready until 200, or until the process is gone or the time is up.
bool becomes_ready(sgtest::StreamGateServer& server, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!server.running()) return false;
    auto r = server.request("GET", "/ready", "", {}, 2s);
    if (r.status == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// A server whose configuration holds every documented key of `section` at its documented
// value, plus what a test must control whatever the reference says: its own data folder,
// plugin folder and free port, and dev mode (so that auth generates its key instead of
// needing one: jwt_secret's documented default is "").
void configure_with_section(sgtest::StreamGateServer& server, const std::string& section) {
  server.merge_config(ref::section_config(readme(), section));
  const json fixed = {
      {"server", {{"data_dir", server.dir().string() + "/data"}, {"dev_mode", true}}},
      {"database", {{"sqlite_path", server.dir().string() + "/data/streamgate.db"}}},
      {"plugins", {{"gateway", {{"host", "127.0.0.1"}, {"port", server.port()}}}}}};
  server.merge_config(fixed);
  server.use_plugins(kAllPlugins);  // sets server.plugin_dir
}

}  // namespace

TEST(ConfigReference, ParsesEveryRowWithAValue) {
  const auto& r = readme();
  ASSERT_GE(r.rows.size(), 150u) << "the configuration reference was not found in README.md";
  std::set<std::string> seen;
  for (const auto& row : r.rows) {
    SCOPED_TRACE("README.md:" + std::to_string(row.line) + " " + row.path());
    EXPECT_FALSE(row.key.empty());
    EXPECT_TRUE(seen.insert(row.path()).second) << "documented twice";
    // Every row names a value the server can be started with (a default, or an example).
    EXPECT_FALSE(row.value.empty()) << "the default column has no `value`";
    EXPECT_NO_THROW(ref::yaml_value_to_json(row.value)) << "not YAML: " << row.value;
  }
}

TEST(ConfigReference, SectionsAreTheExpectedOnes) {
  std::vector<std::string> with_rows;
  for (const auto& s : readme().sections) {
    bool has_rows = std::any_of(readme().rows.begin(), readme().rows.end(),
                                [&](const ref::Row& row) { return row.section == s; });
    if (has_rows) with_rows.push_back(s);
  }
  EXPECT_EQ(with_rows, kSections);
}

TEST(ConfigReference, DevelopmentConfigIsDocumented) {
  expect_file_documented(kSourceDir / "config" / "streamgate.yaml");
}

TEST(ConfigReference, ProductionConfigIsDocumented) {
  expect_file_documented(kSourceDir / "config" / "streamgate.production.yaml");
}

TEST(ConfigReference, ListMembersBecomeOneEntry) {
  ref::Reference r;
  r.rows = {{"plugins.auth", "chains", "[]", 1},
            {"plugins.auth", "chains[].chain_id", "1", 2},
            {"plugins.auth", "chains[].rpc_urls", "[\"https://rpc.example\"]", 3},
            {"plugins.auth", "cookie.same_site", "Strict", 4},
            {"plugins.cache", "redis.key_prefix", "\"sg:\"", 5}};
  json auth = ref::section_config(r, "plugins.auth");
  EXPECT_EQ(auth, json::parse(R"({"plugins":{"auth":{"chains":[{"chain_id":1,
      "rpc_urls":["https://rpc.example"]}],"cookie":{"same_site":"Strict"}}}})"));
  EXPECT_EQ(ref::section_config(r, "plugins.cache")["plugins"]["cache"]["redis"]["key_prefix"],
            "sg:");
  EXPECT_EQ(ref::yaml_value_to_json("\"8080\""), "8080");
  EXPECT_EQ(ref::yaml_value_to_json("8080"), 8080);
  EXPECT_EQ(ref::yaml_value_to_json("5M"), "5M");
  EXPECT_EQ(ref::yaml_value_to_json("false"), false);
}

class DocumentedSection : public ::testing::TestWithParam<std::string> {};

TEST_P(DocumentedSection, ServerStartsWithEveryKeyAtItsDocumentedValue) {
  const std::string section = GetParam();
  sgtest::StreamGateServer server;
  configure_with_section(server, section);
  SCOPED_TRACE("documented keys of " + section + ": " +
               ref::section_config(readme(), section).dump());

  const std::string file = write_json(server.dir() / "check.yaml", server.config());
  auto check =
      sgtest::run_command({SG_TEST_STREAMGATE_BIN, "--config", file, "--check-config"}, {}, 30s);
  EXPECT_EQ(check.exit_code, 0) << check.output;

  ASSERT_TRUE(server.start(30s));
  EXPECT_TRUE(becomes_ready(server, 30s)) << "not ready; log:\n" << server.log();
  const std::string log = server.log();
  EXPECT_NE(log.find("started with 9 plugin(s)"), std::string::npos) << log;
  auto code = server.stop(20s);
  ASSERT_TRUE(code.has_value()) << "did not stop; log:\n" << server.log();
  EXPECT_EQ(*code, 0) << server.log();
}

INSTANTIATE_TEST_SUITE_P(Readme, DocumentedSection, ::testing::ValuesIn(kSections),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

// The check above can fail: a key a plugin does not know stops the server at start-up,
// naming the key, even though --check-config passes it.
TEST(ConfigReference, AnUndocumentedPluginKeyStopsTheServer) {
  sgtest::StreamGateServer server;
  configure_with_section(server, "plugins.transcoder");
  server.merge_config({{"plugins", {{"transcoder", {{"segment_secondz", 4}}}}}});
  auto code = server.run_until_exit(30s);
  ASSERT_TRUE(code.has_value()) << "still running with an unknown key; log:\n" << server.log();
  EXPECT_NE(*code, 0);
  EXPECT_NE(server.log().find("plugins.transcoder.segment_secondz"), std::string::npos)
      << server.log();
}
