// The SQL side of view analytics on SQLite and on a private PostgreSQL: batches add up
// (two instances sharing PostgreSQL flushing concurrently lose nothing), unique viewers are
// exact per day and over a window, renditions are summed, every day of the window is listed,
// salts are shared and past ones deleted, and deleting a content deletes its rows.
#include <gtest/gtest.h>

#include <thread>

#include "postgres_server.hpp"
#include "sql/database.hpp"
#include "stats_store.hpp"
#include "temp_dir.hpp"

using namespace sg::streaming;

namespace {

constexpr const char* kContent = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr const char* kOther = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
constexpr int64_t kToday = 20500;

ViewBatch batch(int64_t day, int64_t views, int64_t watch_ms,
                std::initializer_list<const char*> viewers, const char* content = kContent) {
  ViewBatch b;
  b.days[{content, day}] = {views, views * 3, watch_ms};
  b.renditions[{content, day, "360p"}] = {views * 2, watch_ms * 2 / 3};
  b.renditions[{content, day, "audio"}] = {views, watch_ms / 3};
  for (const char* v : viewers) b.viewers.insert({content, day, v});
  return b;
}

class StatsStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sg::sql::Config c;
    if (GetParam() == "postgres") {
      if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "PostgreSQL is not installed";
      pg_ = std::make_unique<sgtest::PostgresServer>();
      pg_->start();
      c.driver = sg::sql::Driver::postgres;
      c.postgres_url = pg_->url();
    } else {
      c.sqlite_path = (dir_.path() / "stats.db").string();
    }
    config_ = c;
    db_ = sg::sql::Database::open(c);
    store_ = std::make_unique<StatsStore>(*db_);
    store_->migrate();
    store_->migrate();  // idempotent
  }
  sgtest::TempDir dir_;
  std::unique_ptr<sgtest::PostgresServer> pg_;
  sg::sql::Config config_;
  std::unique_ptr<sg::sql::Database> db_;
  std::unique_ptr<StatsStore> store_;
};

TEST_P(StatsStoreTest, BatchesAddUpAndUniqueViewersAreExact) {
  store_->add(batch(kToday - 1, 2, 6000, {"w:0xaa", "a:01"}));
  store_->add(batch(kToday, 1, 3000, {"w:0xaa"}));
  store_->add(batch(kToday, 2, 3000, {"w:0xaa", "a:02"}));  // w:0xaa again: still one
  store_->add(batch(kToday, 7, 7000, {"w:0xbb"}, kOther));

  auto s = store_->stats(kContent, kToday, 30);
  ASSERT_EQ(s.days.size(), 30u);
  EXPECT_EQ(s.days.front().day, kToday - 29);
  EXPECT_EQ(s.days.back().day, kToday);
  EXPECT_EQ(s.days.back().views, 3);
  EXPECT_EQ(s.days.back().watch_ms, 6000);
  EXPECT_EQ(s.days.back().unique_viewers, 2);
  EXPECT_EQ(s.days[28].views, 2);
  EXPECT_EQ(s.days[28].unique_viewers, 2);
  EXPECT_EQ(s.days[0].views, 0);
  EXPECT_EQ(s.views, 5);
  EXPECT_EQ(s.watch_ms, 12000);
  EXPECT_EQ(s.unique_viewers, 3);  // w:0xaa on both days counts once over the window
  ASSERT_EQ(s.renditions.size(), 2u);
  EXPECT_EQ(s.renditions[0].name, "360p");
  EXPECT_EQ(s.renditions[0].segments, 10);
  EXPECT_EQ(s.renditions[0].watch_ms, 4000 + 2000 + 2000);
  EXPECT_EQ(s.renditions[1].name, "audio");

  auto one = store_->stats(kContent, kToday, 1);
  ASSERT_EQ(one.days.size(), 1u);
  EXPECT_EQ(one.views, 3);
  EXPECT_EQ(one.unique_viewers, 2);
}

TEST_P(StatsStoreTest, TwoInstancesFlushingTogetherLoseNothing) {
  auto db2 = sg::sql::Database::open(config_);
  StatsStore second(*db2);
  auto run = [](StatsStore& st, int tag) {
    for (int i = 0; i < 20; ++i)
      st.add(batch(kToday, 1, 1000, {tag == 0 ? "w:0x01" : "w:0x02", "a:ff"}));
  };
  std::thread a(run, std::ref(*store_), 0), b(run, std::ref(second), 1);
  a.join();
  b.join();
  auto s = store_->stats(kContent, kToday, 1);
  EXPECT_EQ(s.views, 40);
  EXPECT_EQ(s.watch_ms, 40000);
  EXPECT_EQ(s.unique_viewers, 3);
}

TEST_P(StatsStoreTest, SaltsAreSharedAndPastOnesDeleted) {
  HashKey mine = random_hash_key(), theirs = random_hash_key();
  EXPECT_EQ(store_->salt_for(kToday, mine), mine);
  EXPECT_EQ(store_->salt_for(kToday, theirs), mine);  // the first one stored wins
  HashKey tomorrow = store_->salt_for(kToday + 1, theirs);
  EXPECT_EQ(tomorrow, theirs);
  store_->forget_salts_before(kToday + 1);
  HashKey fresh = random_hash_key();
  EXPECT_EQ(store_->salt_for(kToday, fresh), fresh);  // the old one is gone
  EXPECT_EQ(store_->salt_for(kToday + 1, fresh), theirs);
}

TEST_P(StatsStoreTest, DeletingAContentDeletesItsRows) {
  store_->add(batch(kToday, 2, 2000, {"a:01"}));
  store_->add(batch(kToday, 1, 1000, {"a:01"}, kOther));
  store_->delete_content(kContent);
  auto gone = store_->stats(kContent, kToday, 7);
  EXPECT_EQ(gone.views, 0);
  EXPECT_EQ(gone.unique_viewers, 0);
  EXPECT_TRUE(gone.renditions.empty());
  EXPECT_EQ(store_->stats(kOther, kToday, 7).views, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsStoreTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
