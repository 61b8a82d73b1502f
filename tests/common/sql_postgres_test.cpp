// PostgreSQL-specific behaviour: start-up failures name host/port, run-time loss of the
// server is SG_ERR_UNAVAILABLE (fast, no crash) and the pool reconnects once it is back.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "db_backends.hpp"
#include "sql/database.hpp"

namespace {

using sg::sql::Session;

TEST(SqlPostgres, StartupFailureNamesHostPortAndReason) {
  if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "postgres not installed";
  uint16_t port = sgtest::free_port();  // nothing listens here
  sg::sql::Config c;
  c.driver = sg::sql::Driver::postgres;
  c.postgres_url = "postgresql://u:s3cretpw@127.0.0.1:" + std::to_string(port) + "/db";
  try {
    sg::sql::Database::open(c);
    FAIL() << "connected to nothing";
  } catch (const sg::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status(), SG_ERR_UNAVAILABLE);
    EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << msg;
    EXPECT_NE(msg.find("refused"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("s3cretpw"), std::string::npos) << "password leaked: " << msg;
  }
}

TEST(SqlPostgres, ServerLossIsUnavailableAndThePoolReconnects) {
  if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "postgres not installed";
  sgtest::PostgresServer pg;  // private: this test stops it
  pg.start();
  sg::sql::Config c;
  c.driver = sg::sql::Driver::postgres;
  c.postgres_url = pg.url();
  c.connect_timeout_s = 2;
  auto db = sg::sql::Database::open(c);
  db->read([](Session& s) { EXPECT_EQ(s.exec("SELECT 1").row(0).i64(0), 1); });

  pg.kill();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    try {
      db->read([](Session& s) { s.exec("SELECT 1"); });
      FAIL() << "query succeeded with the server down";
    } catch (const sg::Error& e) {
      EXPECT_EQ(e.status(), SG_ERR_UNAVAILABLE) << e.what();
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_FALSE(db->healthy());

  pg.start();
  // Backoff is at most 5 s; the pool must come back on its own.
  bool ok = false;
  for (int i = 0; i < 100 && !ok; ++i) {
    try {
      db->read([&](Session& s) { ok = s.exec("SELECT 1").row(0).i64(0) == 1; });
    } catch (const sg::Error& e) {
      EXPECT_EQ(e.status(), SG_ERR_UNAVAILABLE) << e.what();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(ok) << "no reconnect after the server came back";
  EXPECT_TRUE(db->healthy());
}

TEST(SqlPostgres, DescribeRedactsThePassword) {
  EXPECT_EQ(sg::sql::redact_url("postgresql://user:pw@h:5432/db"),
            "postgresql://user:***@h:5432/db");
  EXPECT_EQ(sg::sql::redact_url("postgresql://user@h/db"), "postgresql://user@h/db");
  EXPECT_EQ(sg::sql::redact_url("host=h password=pw user=u"), "host=h password=*** user=u");
  EXPECT_EQ(sg::sql::redact_url("postgresql://h/db?password=pw&x=1"),
            "postgresql://h/db?password=***&x=1");
}

TEST(SqlConfig, ParsesAndNamesBadKeys) {
  auto c = sg::sql::Config::from_json({{"driver", "postgres"}, {"postgres_url", "postgresql://x"}});
  EXPECT_EQ(c.driver, sg::sql::Driver::postgres);
  auto expect_invalid = [](const nlohmann::json& j, const std::string& field) {
    try {
      sg::sql::Config::from_json(j);
      ADD_FAILURE() << j.dump();
    } catch (const sg::Error& e) {
      EXPECT_EQ(e.status(), SG_ERR_INVALID);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_invalid({{"driver", "mysql"}}, "database.driver");
  expect_invalid({{"driver", "postgres"}}, "database.postgres_url");
  expect_invalid({{"sqlite_path", 3}}, "database.sqlite_path");
  expect_invalid({{"pool_size", 0}}, "database.pool_size");
}

TEST(SqlSqlite, UnopenablePathIsUnavailableWithThePath) {
  sg::sql::Config c;
  c.sqlite_path = "/proc/definitely/not/here.db";
  try {
    sg::sql::Database::open(c);
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_UNAVAILABLE);
    EXPECT_NE(std::string(e.what()).find("/proc/definitely/not/here.db"), std::string::npos)
        << e.what();
  }
}

}  // namespace
