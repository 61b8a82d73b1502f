#include <gtest/gtest.h>

#include <fstream>

#include "config.hpp"
#include "redact.hpp"
#include "support.hpp"

using sgk::Environment;
using sgk::load_config_text;

namespace {

std::string error_of(const std::string& yaml, const Environment& env = {}) {
  auto r = load_config_text(yaml, "test.yaml", env);
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << yaml;
  return r.ok() ? "" : r.error();
}

}  // namespace

TEST(Config, DefaultsWhenEmpty) {
  auto r = load_config_text("", "empty.yaml", {});
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& c = r.value();
  EXPECT_EQ(c.tree["server"]["shutdown_timeout_ms"], 10000);
  EXPECT_EQ(c.tree["logging"]["level"], "info");
  EXPECT_EQ(c.tree["database"]["driver"], "sqlite");
  // Development behaviour (generated keys, short secrets) only when asked for explicitly.
  EXPECT_FALSE(c.dev_mode);
  EXPECT_EQ(c.tree["server"]["dev_mode"], false);
  EXPECT_TRUE(c.data_dir.is_absolute());
  // sqlite_path defaults under data_dir.
  EXPECT_EQ(c.tree["database"]["sqlite_path"], (c.data_dir / "streamgate.db").string());
  EXPECT_EQ(c.plugin_section("gateway"), nlohmann::json::object());
}

TEST(Config, RelativePathsResolveAgainstCwd) {
  auto r = load_config_text("server:\n  data_dir: rel/data\n", "t.yaml", {});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().data_dir, (std::filesystem::current_path() / "rel/data").lexically_normal());
}

TEST(Config, UnknownTopLevelKeyNamesKeyLineAndFile) {
  std::string e = error_of("server:\n  dev_mode: true\n\nservre:\n  x: 1\n");
  EXPECT_NE(e.find("test.yaml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'servre'"), std::string::npos) << e;
}

TEST(Config, UnknownServerKeyIsAnError) {
  std::string e = error_of("server:\n  dat_dir: /x\n");
  EXPECT_NE(e.find("test.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("server.dat_dir"), std::string::npos) << e;
}

TEST(Config, TypeErrorsNameKeyAndFile) {
  std::string e = error_of("server:\n  blocking_threads: lots\n");
  EXPECT_NE(e.find("test.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("server.blocking_threads"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;

  e = error_of("server:\n  dev_mode: \"yes\"\n");
  EXPECT_NE(e.find("server.dev_mode"), std::string::npos) << e;
  e = error_of("logging:\n  level: loud\n");
  EXPECT_NE(e.find("logging.level"), std::string::npos) << e;
  e = error_of("plugins:\n  gateway: 5\n");
  EXPECT_NE(e.find("plugins.gateway"), std::string::npos) << e;
  e = error_of("plugins:\n  gateway:\n    enabled: maybe\n");
  EXPECT_NE(e.find("plugins.gateway.enabled"), std::string::npos) << e;
  e = error_of("database:\n  driver: postgres\n");
  EXPECT_NE(e.find("database.postgres_url"), std::string::npos) << e;
}

TEST(Config, InvalidYamlNamesFileAndLine) {
  std::string e = error_of("server:\n  data_dir: [unclosed\n");
  EXPECT_NE(e.find("test.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
}

TEST(Config, ScalarsAreTyped) {
  auto r = load_config_text(
      "plugins:\n  x:\n    i: 42\n    f: 1.5\n    b: false\n    s: hello\n    q: \"42\"\n    n: "
      "~\n",
      "t.yaml", {});
  ASSERT_TRUE(r.ok()) << r.error();
  auto x = r.value().plugin_section("x");
  EXPECT_EQ(x["i"], 42);
  EXPECT_EQ(x["f"], 1.5);
  EXPECT_EQ(x["b"], false);
  EXPECT_EQ(x["s"], "hello");
  EXPECT_EQ(x["q"], "42");
  EXPECT_TRUE(x["n"].is_null());
}

TEST(Config, EnvOverridesSetKeysAndPluginSections) {
  Environment env = {{"STREAMGATE__GATEWAY__PORT", "9000"},
                     {"STREAMGATE__SERVER__BLOCKING_THREADS", "3"},
                     {"STREAMGATE__LOGGING__LEVELS__GATEWAY", "debug"},
                     {"STREAMGATE__CACHE__ENABLED", "false"},
                     {"STREAMGATE__PLUGINS__AUTH__CHAINS", "[1, 137]"},
                     {"UNRELATED", "x"}};
  auto r = load_config_text("plugins:\n  gateway:\n    port: 8080\n    host: 127.0.0.1\n", "t.yaml",
                            env);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& c = r.value();
  EXPECT_EQ(c.tree["plugins"]["gateway"]["port"], 9000);  // a number, not "9000"
  EXPECT_EQ(c.tree["plugins"]["gateway"]["host"], "127.0.0.1");
  EXPECT_EQ(c.blocking_threads, 3u);
  EXPECT_EQ(c.logging.levels.at("gateway"), "debug");
  EXPECT_FALSE(c.plugin_enabled("cache"));
  EXPECT_TRUE(c.plugin_enabled("gateway"));
  EXPECT_EQ(c.tree["plugins"]["auth"]["chains"], nlohmann::json::array({1, 137}));
}

TEST(Config, EnvOverrideTypeErrorNamesVariable) {
  std::string e = error_of("", {{"STREAMGATE__SERVER__SHUTDOWN_TIMEOUT_MS", "soon"}});
  EXPECT_NE(e.find("STREAMGATE__SERVER__SHUTDOWN_TIMEOUT_MS"), std::string::npos) << e;
  EXPECT_NE(e.find("server.shutdown_timeout_ms"), std::string::npos) << e;
}

TEST(Config, VarExpansion) {
  Environment env = {{"SG_PG", "postgresql://u:pw@db/sg"}, {"SG_PORT", "7001"}, {"SG_EMPTY", ""}};
  auto r = load_config_text(
      "database:\n  driver: postgres\n  postgres_url: ${SG_PG}\n"
      "plugins:\n  gateway:\n    port: ${SG_PORT}\n    label: \"p-${SG_PORT}\"\n"
      "    fb: ${SG_UNSET:-fallback}\n    fb2: ${SG_EMPTY:-used}\n    lit: $${NOT_EXPANDED}\n",
      "t.yaml", env);
  ASSERT_TRUE(r.ok()) << r.error();
  auto g = r.value().plugin_section("gateway");
  EXPECT_EQ(r.value().tree["database"]["postgres_url"], "postgresql://u:pw@db/sg");
  EXPECT_EQ(g["port"], 7001);
  EXPECT_EQ(g["label"], "p-7001");
  EXPECT_EQ(g["fb"], "fallback");
  EXPECT_EQ(g["fb2"], "used");
  EXPECT_EQ(g["lit"], "${NOT_EXPANDED}");
}

TEST(Config, MissingVarNamesKeyAndFile) {
  std::string e = error_of("database:\n  postgres_url: ${SG_DEFINITELY_UNSET_VAR}\n");
  EXPECT_NE(e.find("test.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("database.postgres_url"), std::string::npos) << e;
  EXPECT_NE(e.find("SG_DEFINITELY_UNSET_VAR"), std::string::npos) << e;
}

TEST(Config, MissingFileIsAnError) {
  auto r = sgk::load_config(std::filesystem::path("/nonexistent/streamgate.yaml"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("/nonexistent/streamgate.yaml"), std::string::npos);
}

TEST(Config, ShippedConfigsAreValid) {
  auto dev =
      sgk::load_config(std::filesystem::path(SG_TEST_SOURCE_DIR) / "config/streamgate.yaml", {});
  ASSERT_TRUE(dev.ok()) << dev.error();
  EXPECT_EQ(dev.value().tree["plugins"]["gateway"]["port"], 8080);
  EXPECT_TRUE(dev.value().dev_mode);

  auto prod_path = std::filesystem::path(SG_TEST_SOURCE_DIR) / "config/streamgate.production.yaml";
  auto missing = sgk::load_config(prod_path, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("STREAMGATE_POSTGRES_URL"), std::string::npos);
  const sgk::Environment prod_env = {{"STREAMGATE_POSTGRES_URL", "postgresql://a@b/c"},
                                     {"STREAMGATE_REDIS_URL", "redis://r:6379"},
                                     {"STREAMGATE_JWT_SECRET", std::string(40, 'k')},
                                     {"STREAMGATE_SIWE_DOMAIN", "video.example.com"},
                                     {"STREAMGATE_MAINNET_RPC", "https://rpc.example"}};
  for (const auto& [unset, value] : prod_env) {
    auto partial_env = prod_env;
    partial_env.erase(unset);
    auto partial = sgk::load_config(prod_path, partial_env);
    ASSERT_FALSE(partial.ok()) << unset;
    EXPECT_NE(partial.error().find(unset), std::string::npos) << partial.error();
  }
  auto prod = sgk::load_config(prod_path, prod_env);
  ASSERT_TRUE(prod.ok()) << prod.error();
  EXPECT_FALSE(prod.value().dev_mode);
  EXPECT_EQ(prod.value().logging.format, "json");
  EXPECT_EQ(prod.value().tree["plugins"]["cache"]["redis"]["url"], "redis://r:6379");
  EXPECT_EQ(prod.value().tree["plugins"]["auth"]["domains"][0], "video.example.com");
}

TEST(Redact, HidesSecretsAndUrlCredentials) {
  nlohmann::json in = {
      {"database", {{"postgres_url", "postgresql://admin:hunter2@db:5432/sg"}}},
      {"plugins",
       {{"auth", {{"jwt_secret", "s3cr3t"}, {"private_key", "0xabc"}, {"chains", {1, 2}}}},
        {"cache", {{"redis_url", "redis://:pw@r:6379"}, {"password", ""}}}}}};
  std::string out = sgk::redact(in).dump();
  for (const char* secret : {"hunter2", "s3cr3t", "0xabc", ":pw@"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked: " << out;
  }
  EXPECT_NE(out.find("db:5432/sg"), std::string::npos) << out;
  EXPECT_NE(out.find("[1,2]"), std::string::npos) << out;
}
