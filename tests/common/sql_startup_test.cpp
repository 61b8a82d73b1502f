// Start-up errors of the SQL layer as a user meets them: through the real binary, whose
// data plugins refuse to start with one clear line (and nothing started is left running).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support.hpp"

namespace {

TEST(SqlStartup, UnreachablePostgresNamesHostPortAndReason) {
  uint16_t closed = sgtest::free_port();
  nlohmann::json overrides;
  overrides["database"] = {
      {"driver", "postgres"},
      {"postgres_url", "postgresql://sg:s3cret-pw@127.0.0.1:" + std::to_string(closed) + "/sg"},
      {"connect_timeout_s", 2}};
  sgtest::StreamGateServer server(overrides);
  server.use_plugins({"gateway", "metadata"});
  auto code = server.run_until_exit(std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "still running with an unreachable database:\n" << server.log();
  EXPECT_EQ(*code, 1);
  std::string log = server.log();
  EXPECT_NE(log.find("127.0.0.1:" + std::to_string(closed)), std::string::npos) << log;
  EXPECT_NE(log.find("refused"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << "password leaked into the log";
}

TEST(SqlStartup, DatabaseNewerThanTheBinaryIsRefused) {
  sgtest::StreamGateServer server;
  server.use_plugins({"gateway", "metadata"});
  ASSERT_TRUE(server.start());
  ASSERT_EQ(server.stop(), 0);

  auto db_path = server.data_dir() / "streamgate.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db,
                        "INSERT INTO sg_schema_migrations (component, version, applied_at) "
                        "SELECT component, MAX(version) + 100, 0 FROM sg_schema_migrations "
                        "GROUP BY component",
                        nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;

  auto code = server.run_until_exit(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << server.log();
  EXPECT_EQ(*code, 1);
  EXPECT_NE(server.log().find("upgrade streamgate"), std::string::npos) << server.log();
}

}  // namespace
