// In-process fixture: a JobStore on a fresh SQLite or PostgreSQL database.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "db_backends.hpp"
#include "job_store.hpp"
#include "sql/database.hpp"

template <typename B>
class WorkerDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    config_ = B::config(dir_);
    db_ = sg::sql::Database::open(config_);
    store_ = std::make_unique<sg::worker::JobStore>(*db_);
    store_->migrate();
  }
  // A second, independent handle on the same database (as another process would have).
  std::unique_ptr<sg::sql::Database> open_again() { return sg::sql::Database::open(config_); }

  sg::worker::EnqueueRequest req(const std::string& type = "t.test", int64_t max_attempts = 5) {
    sg::worker::EnqueueRequest r;
    r.type = type;
    r.max_attempts = max_attempts;
    return r;
  }

  sgtest::TempDir dir_{"sgworker"};
  sg::sql::Config config_;
  std::unique_ptr<sg::sql::Database> db_;
  std::unique_ptr<sg::worker::JobStore> store_;
};
