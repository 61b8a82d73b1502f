// Backends for typed tests that must run the same suite on SQLite and a real PostgreSQL.
// Shared by common_tests, metadata_tests and worker_tests (include "db_backends.hpp").
//
// PostgreSQL: one private server per test process (started on first use, stopped at exit);
// every fixture gets a fresh database in it, so tests stay independent.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sql/config.hpp"
#include "sql/util.hpp"
#include "support.hpp"

namespace sgdata {

inline sgtest::PostgresServer& shared_postgres() {
  static std::unique_ptr<sgtest::PostgresServer> server = [] {
    auto s = std::make_unique<sgtest::PostgresServer>();
    s->start();
    return s;
  }();
  return *server;
}

// A new empty database on the shared server; returns its URL.
inline std::string fresh_postgres_url() {
  auto& pg = shared_postgres();
  static std::atomic<int> counter{0};
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pg.psql("CREATE DATABASE " + name);
  return "postgresql://postgres@127.0.0.1:" + std::to_string(pg.port()) + "/" + name;
}

struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  static bool available() { return true; }
  // `dir` must outlive the database.
  static sg::sql::Config config(const sgtest::TempDir& dir) {
    sg::sql::Config c;
    c.driver = sg::sql::Driver::sqlite;
    c.sqlite_path = (dir.path() / "test.db").string();
    return c;
  }
  // The "database" section as streamgate's config takes it.
  static nlohmann::json section(const sgtest::TempDir& dir) {
    return {{"driver", "sqlite"}, {"sqlite_path", (dir.path() / "test.db").string()}};
  }
};

struct PostgresBackend {
  static constexpr const char* kName = "postgres";
  static bool available() { return sgtest::PostgresServer::available(); }
  static sg::sql::Config config(const sgtest::TempDir&) {
    sg::sql::Config c;
    c.driver = sg::sql::Driver::postgres;
    c.postgres_url = fresh_postgres_url();
    return c;
  }
  static nlohmann::json section(const sgtest::TempDir&) {
    return {{"driver", "postgres"}, {"postgres_url", fresh_postgres_url()}};
  }
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

#define SGDATA_REQUIRE_BACKEND(B) \
  if (!B::available()) GTEST_SKIP() << B::kName << " server binaries are not installed"

}  // namespace sgdata
