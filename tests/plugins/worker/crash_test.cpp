// Crash safety with real processes: SIGKILL mid-job, restart, the job completes; and two
// streamgate processes on one PostgreSQL never run the same job twice.
#include <csignal>
#include <set>

#include "server_fixture.hpp"

namespace {

using namespace wtest;
using nlohmann::json;

template <typename B>
class JobsCrash : public ::testing::Test {
 protected:
  void SetUp() override { SGDATA_REQUIRE_BACKEND(B); }
  sgtest::TempDir dir_{"sgcrash"};
};
TYPED_TEST_SUITE(JobsCrash, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(JobsCrash, KilledMidJobCompletesAfterRestart) {
  json db = std::string(TypeParam::kName) == "sqlite" ? json{{"driver", "sqlite"}}
                                                      : TypeParam::section(this->dir_);
  auto server = make_server(db);
  ASSERT_TRUE(start_ready(*server));
  std::string dir = this->dir_.path().string();
  auto r =
      server->request("POST", "/test-jobs/enqueue",
                      json{{"payload", {{"dir", dir}, {"sleep_ms", 3000}}}}.dump(), as(kAlice));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.json()["id"];
  auto started = this->dir_.path() / (id + ".started");
  auto done = this->dir_.path() / (id + ".done");
  ASSERT_TRUE(eventually([&] { return count_lines(started) == 1; }));
  server->kill();  // SIGKILL while the handler sleeps
  EXPECT_FALSE(std::filesystem::exists(done));

  ASSERT_TRUE(start_ready(*server));
  // The lease (3 s) expires, the restarted worker re-claims and finishes the job.
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(done); }, std::chrono::seconds(30)))
      << server->log();
  EXPECT_EQ(count_lines(started), 2u);
  // The handler writes `done` before the worker records the outcome: wait for the record.
  json job;
  EXPECT_TRUE(eventually([&] {
    job = server->request("GET", "/api/v1/jobs/" + id, "", as(kAlice, true)).json();
    return job["state"] == "succeeded";
  })) << job.dump();
  EXPECT_EQ(job["attempts"], 2);
  server->stop();
}

TEST(JobsCrashPostgres, TwoProcessesNeverRunTheSameJobTwice) {
  if (!sgdata::PostgresBackend::available()) GTEST_SKIP() << "postgres not installed";
  sgtest::TempDir dir("sgtwo");
  json db = sgdata::PostgresBackend::section(dir);
  auto a = make_server(db, {{"concurrency", 3}});
  auto b = make_server(db, {{"concurrency", 3}});
  ASSERT_TRUE(start_ready(*a));
  ASSERT_TRUE(start_ready(*b));
  constexpr int kJobs = 40;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    auto& via = (i % 2) ? *a : *b;
    auto r = via.request("POST", "/test-jobs/enqueue",
                         json{{"payload", {{"dir", dir.path().string()}, {"sleep_ms", 30}}}}.dump(),
                         as(kAlice));
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(r.json()["id"]);
  }
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& id : ids)
          if (!std::filesystem::exists(dir.path() / (id + ".done"))) return false;
        return true;
      },
      std::chrono::seconds(60)));
  std::set<std::string> pids;
  for (auto& id : ids) {
    EXPECT_EQ(count_lines(dir.path() / (id + ".started")), 1u) << "job " << id << " ran twice";
    std::ifstream in(dir.path() / (id + ".done"));
    std::string pid;
    std::getline(in, pid);
    pids.insert(pid);
  }
  EXPECT_EQ(pids.size(), 2u) << "both processes should have taken part";
  a->stop();
  b->stop();
}

}  // namespace
