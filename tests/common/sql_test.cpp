// The SQL layer's contract, run identically on SQLite and PostgreSQL.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <streamgate/plugin.hpp>

#include "db_backends.hpp"
#include "sql/database.hpp"
#include "sql/migrations.hpp"

namespace {

using sg::sql::Database;
using sg::sql::Params;
using sg::sql::Session;

template <typename B>
class SqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    db_ = Database::open(B::config(dir_));
    sg::sql::migrate(*db_, "sqltest",
                     {{1,
                       "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, "
                       "s TEXT)",
                       "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, "
                       "s TEXT)"}});
  }
  sgtest::TempDir dir_{"sgsql"};
  std::unique_ptr<Database> db_;
};

TYPED_TEST_SUITE(SqlTest, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(SqlTest, RoundTripsTypedValuesAndMetacharactersVerbatim) {
  const std::string nasty = "Robert'); DROP TABLE items;-- \"x\" \\ % _ $1 ? ünï 🎬";
  this->db_->write([&](Session& s) {
    auto r = s.exec("INSERT INTO items (id, n, x, s) VALUES ($1, $2, $3, $4)",
                    {std::string("a"), int64_t{9007199254740993}, 2.5, nasty});
    EXPECT_EQ(r.affected, 1);
    s.exec("INSERT INTO items (id, n, x, s) VALUES ($1, $2, $3, $4)",
           {std::string("b"), nullptr, nullptr, nullptr});
  });
  this->db_->read([&](Session& s) {
    auto r = s.exec("SELECT id, n, x, s FROM items WHERE id = $1", {std::string("a")});
    ASSERT_EQ(r.size(), 1u);
    auto row = r.row(0);
    EXPECT_EQ(row.str("id"), "a");
    EXPECT_EQ(row.i64("n"), 9007199254740993);
    EXPECT_DOUBLE_EQ(row.f64("x"), 2.5);
    EXPECT_EQ(row.str("s"), nasty);
    auto b = s.exec("SELECT n, s FROM items WHERE id = $1", {std::string("b")}).row(0);
    EXPECT_TRUE(b.is_null("n"));
    EXPECT_FALSE(b.opt_str("s").has_value());
    // The table survived the "injection".
    EXPECT_EQ(s.exec("SELECT COUNT(*) AS c FROM items").row(0).i64("c"), 2);
  });
}

TYPED_TEST(SqlTest, PlaceholdersMayRepeatAndAppearOutOfOrder) {
  this->db_->write([&](Session& s) {
    s.exec("INSERT INTO items (id, n, s) VALUES ($2, $1, $2)", {int64_t{7}, std::string("k")});
  });
  this->db_->read([&](Session& s) {
    auto row = s.exec("SELECT n, s FROM items WHERE id = $1 AND s = $1", {std::string("k")}).row(0);
    EXPECT_EQ(row.i64(0), 7);
    EXPECT_EQ(row.str(1), "k");
  });
}

TYPED_TEST(SqlTest, UniqueViolationIsExists) {
  auto insert = [&] {
    this->db_->write(
        [&](Session& s) { s.exec("INSERT INTO items (id) VALUES ($1)", {std::string("dup")}); });
  };
  insert();
  try {
    insert();
    FAIL() << "second insert succeeded";
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_EXISTS) << e.what();
  }
  // The connection is still usable after the error.
  this->db_->read(
      [&](Session& s) { EXPECT_EQ(s.exec("SELECT COUNT(*) FROM items").row(0).i64(0), 1); });
}

TYPED_TEST(SqlTest, WriteRollsBackWhenTheCallbackThrows) {
  EXPECT_THROW(this->db_->write([&](Session& s) {
    s.exec("INSERT INTO items (id) VALUES ($1)", {std::string("gone")});
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  this->db_->read(
      [&](Session& s) { EXPECT_EQ(s.exec("SELECT COUNT(*) FROM items").row(0).i64(0), 0); });
}

TYPED_TEST(SqlTest, ConcurrentWriteTransactionsDoNotLoseUpdates) {
  this->db_->write([&](Session& s) {
    s.exec("INSERT INTO items (id, n) VALUES ($1, $2)", {std::string("ctr"), int64_t{0}});
  });
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        this->db_->write([&](Session& s) {
          // Read-modify-write inside one transaction: a lost update would show in the total.
          // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs the row lock.
          std::string lock = s.driver() == sg::sql::Driver::postgres ? " FOR UPDATE" : "";
          int64_t n = s.exec("SELECT n FROM items WHERE id = $1" + lock, {std::string("ctr")})
                          .row(0)
                          .i64(0);
          s.exec("UPDATE items SET n = $1 WHERE id = $2", {n + 1, std::string("ctr")});
        });
    });
  for (auto& t : threads) t.join();
  this->db_->read([&](Session& s) {
    EXPECT_EQ(s.exec("SELECT n FROM items WHERE id = $1", {std::string("ctr")}).row(0).i64(0),
              kThreads * kEach);
  });
}

TYPED_TEST(SqlTest, MigrationsApplyOnceAndRefuseANewerDatabase) {
  std::vector<sg::sql::Migration> v2 = {
      {1, "CREATE TABLE m1 (a INTEGER)", "CREATE TABLE m1 (a INTEGER)"},
      {2, "CREATE TABLE m2 (b INTEGER); INSERT INTO m2 (b) VALUES (1)",
       "CREATE TABLE m2 (b INTEGER); INSERT INTO m2 (b) VALUES (1)"}};
  EXPECT_EQ(sg::sql::migrate(*this->db_, "mig", {v2[0]}), 1);
  EXPECT_EQ(sg::sql::migrate(*this->db_, "mig", v2), 2);
  EXPECT_EQ(sg::sql::migrate(*this->db_, "mig", v2), 2);  // idempotent: no second INSERT
  this->db_->read(
      [&](Session& s) { EXPECT_EQ(s.exec("SELECT COUNT(*) FROM m2").row(0).i64(0), 1); });
  EXPECT_EQ(sg::sql::schema_version(*this->db_, "mig"), 2);
  try {
    sg::sql::migrate(*this->db_, "mig", {v2[0]});
    FAIL() << "an older binary accepted a newer schema";
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_VERSION);
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
}

TYPED_TEST(SqlTest, AFailingMigrationLeavesNothingBehind) {
  std::vector<sg::sql::Migration> steps = {
      {1, "CREATE TABLE ok1 (a INTEGER)", "CREATE TABLE ok1 (a INTEGER)"},
      {2, "CREATE TABLE ok2 (a INTEGER); THIS IS NOT SQL",
       "CREATE TABLE ok2 (a INTEGER); THIS IS NOT SQL"}};
  EXPECT_THROW(sg::sql::migrate(*this->db_, "broken", steps), sg::Error);
  EXPECT_EQ(sg::sql::schema_version(*this->db_, "broken"), 0);
  // Step 1 was rolled back with step 2: the table does not exist.
  EXPECT_THROW(this->db_->read([&](Session& s) { s.exec("SELECT COUNT(*) FROM ok1"); }), sg::Error);
}

TYPED_TEST(SqlTest, BadSqlIsAnErrorNotACrash) {
  try {
    this->db_->read([&](Session& s) { s.exec("SELEKT nonsense"); });
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_EQ(e.status(), SG_ERR_INTERNAL);
  }
  EXPECT_TRUE(this->db_->healthy());
}

}  // namespace
