// Runner: worker threads, handlers, progress events, retries, cancel and shutdown, on both
// databases.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <streamgate/plugin.hpp>
#include "runner.hpp"

#include "worker_fixture.hpp"

namespace {

using namespace sg::worker;
using namespace std::chrono_literals;

using Fn = std::function<void(const sg_job_context*)>;
void call(void* user, const sg_job_context* c) {
  (*static_cast<Fn*>(user))(c);
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

template <typename B>
class RunnerTest : public WorkerDbTest<B> {
 protected:
  std::unique_ptr<Runner> make(RunnerOptions o = {}) {
    o.poll_ms = 20;
    o.retry_base_ms = o.retry_base_ms == 1000 ? 20 : o.retry_base_ms;
    o.retry_max_ms = 100;
    o.progress_interval_ms = 0;
    return std::make_unique<Runner>(
        *this->store_, o,
        [this](const std::string& topic, const json& p) {
          std::lock_guard lock(mu_);
          events_.push_back({topic, p});
        },
        [](sg_log_level, const std::string&) {});
  }
  std::string state(const std::string& id) { return this->store_->get(id)->state; }
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> events_;
};
TYPED_TEST_SUITE(RunnerTest, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(RunnerTest, RunsHandlerReportsProgressAndSucceeds) {
  auto runner = this->make();
  Fn fn = [](const sg_job_context* c) {
    EXPECT_EQ(std::string(c->payload_json, c->payload_size), R"({"n":1})");
    EXPECT_EQ(c->attempt, 1u);
    EXPECT_EQ(c->progress(c->ctx, 50, "half", 4), SG_OK);
    c->succeed(c->ctx, R"({"done":true})", 13);
  };
  ASSERT_EQ(runner->register_handler("t.test", &call, &fn), SG_OK);
  EXPECT_EQ(runner->register_handler("t.test", &call, &fn), SG_ERR_EXISTS);
  runner->start();
  auto r = this->req();
  r.payload = R"({"n":1})";
  auto id = this->store_->enqueue(r).first;
  runner->wake();
  ASSERT_TRUE(wait_until([&] { return this->state(id) == "succeeded"; }));
  auto job = this->store_->get(id);
  EXPECT_EQ(job->progress, 100);
  EXPECT_EQ(json::parse(*job->result)["done"], true);
  runner->stop();
  std::lock_guard lock(this->mu_);
  bool saw_progress = false;
  for (auto& [topic, p] : this->events_)
    if (topic == "job.progress" && p["job_id"] == id && p["progress"] == 50 &&
        p["message"] == "half")
      saw_progress = true;
  EXPECT_TRUE(saw_progress);
}

TYPED_TEST(RunnerTest, FailingHandlerRetriesThenDies) {
  auto runner = this->make();
  std::atomic<int> calls{0};
  Fn fn = [&](const sg_job_context* c) {
    ++calls;
    std::string msg = "boom " + std::to_string(c->attempt);
    c->fail(c->ctx, msg.data(), msg.size(), 1);
  };
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  auto id = this->store_->enqueue(this->req("t.test", 3)).first;
  ASSERT_TRUE(wait_until([&] { return this->state(id) == "dead"; }));
  runner->stop();
  EXPECT_EQ(calls.load(), 3);
  auto j = this->store_->get(id);
  EXPECT_EQ(j->attempts, 3);
  EXPECT_EQ(j->last_error, "boom 3");
}

TYPED_TEST(RunnerTest, HandlerReturningWithoutResultIsAFailedAttempt) {
  auto runner = this->make();
  Fn fn = [](const sg_job_context*) {};
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  auto id = this->store_->enqueue(this->req("t.test", 1)).first;
  ASSERT_TRUE(wait_until([&] { return this->state(id) == "dead"; }));
  EXPECT_EQ(*this->store_->get(id)->last_error, "handler returned without a result");
}

TYPED_TEST(RunnerTest, CancelStopsARunningHandler) {
  auto runner = this->make();
  std::atomic<bool> started{false};
  Fn fn = [&](const sg_job_context* c) {
    started = true;
    while (!c->is_cancelled(c->ctx)) std::this_thread::sleep_for(5ms);
    // A cooperative handler just returns once cancelled.
  };
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  auto id = this->store_->enqueue(this->req()).first;
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  EXPECT_EQ(this->store_->cancel(id), CancelResult::requested);
  runner->cancel_local(id);
  ASSERT_TRUE(wait_until([&] { return this->state(id) == "cancelled"; }));
}

TYPED_TEST(RunnerTest, CancelIsSeenThroughTheDatabaseByAnotherProcess) {
  // Cancel written by a different handle (another instance) reaches the handler via the
  // heartbeat's read of cancel_requested.
  RunnerOptions o;
  o.lease_ms = 300;  // heartbeat every 100 ms
  auto runner = this->make(o);
  std::atomic<bool> started{false};
  Fn fn = [&](const sg_job_context* c) {
    started = true;
    while (!c->is_cancelled(c->ctx)) std::this_thread::sleep_for(5ms);
  };
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  auto id = this->store_->enqueue(this->req()).first;
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  auto db2 = this->open_again();
  JobStore other(*db2);
  EXPECT_EQ(other.cancel(id), CancelResult::requested);
  ASSERT_TRUE(wait_until([&] { return this->state(id) == "cancelled"; }));
}

TYPED_TEST(RunnerTest, StopReleasesTheRunningJobWithoutUsingAnAttempt) {
  auto runner = this->make();
  std::atomic<bool> started{false};
  Fn fn = [&](const sg_job_context* c) {
    started = true;
    while (!c->is_cancelled(c->ctx)) std::this_thread::sleep_for(5ms);
  };
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  auto id = this->store_->enqueue(this->req()).first;
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  runner->stop();
  auto j = this->store_->get(id);
  EXPECT_EQ(j->state, "queued");
  EXPECT_EQ(j->attempts, 0);
}

TYPED_TEST(RunnerTest, UnregisterWaitsForRunningHandlers) {
  auto runner = this->make();
  std::atomic<bool> started{false}, finished{false};
  Fn fn = [&](const sg_job_context* c) {
    started = true;
    while (!c->is_cancelled(c->ctx)) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(50ms);
    finished = true;
  };
  runner->register_handler("t.test", &call, &fn);
  runner->start();
  this->store_->enqueue(this->req());
  ASSERT_TRUE(wait_until([&] { return started.load(); }));
  EXPECT_EQ(runner->unregister_handler("t.test"), SG_OK);
  EXPECT_TRUE(finished.load()) << "unregister returned while the handler still ran";
  EXPECT_EQ(runner->unregister_handler("t.test"), SG_ERR_NOT_FOUND);
}

TYPED_TEST(RunnerTest, ConcurrencyRunsJobsInParallel) {
  RunnerOptions o;
  o.concurrency = 3;
  auto runner = this->make(o);
  std::atomic<int> now{0}, peak{0};
  Fn fn = [&](const sg_job_context* c) {
    int n = ++now;
    int p = peak.load();
    while (n > p && !peak.compare_exchange_weak(p, n)) {
    }
    std::this_thread::sleep_for(150ms);
    --now;
    c->succeed(c->ctx, nullptr, 0);
  };
  runner->register_handler("t.test", &call, &fn);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(this->store_->enqueue(this->req()).first);
  runner->start();
  ASSERT_TRUE(wait_until([&] {
    for (auto& id : ids)
      if (this->state(id) != "succeeded") return false;
    return true;
  }));
  EXPECT_GE(peak.load(), 2);
  EXPECT_LE(peak.load(), 3);
}

TYPED_TEST(RunnerTest, EverySchedulesEnqueueOncePerPeriodAcrossInstances) {
  RunnerOptions o;
  o.lease_ms = 300;
  Schedule s;
  s.type = "t.tick";
  s.every_ms = 1000;
  o.schedules = {s};
  auto a = this->make(o);
  auto db2 = this->open_again();
  JobStore store2(*db2);
  Runner b(
      store2, o, [](const std::string&, const json&) {}, [](sg_log_level, const std::string&) {});
  int64_t t_start = sg::sql::now_ms();
  a->start();
  b.start();
  std::this_thread::sleep_for(2500ms);
  a->stop();
  b.stop();
  int64_t t_end = sg::sql::now_ms();
  ListQuery q;
  q.type = "t.tick";
  auto items = this->store_->list(q).items;
  // Every 1 s period touched while the runners ran is enqueued exactly once: never more
  // than the periods in [t_start, t_end], however many instances fire.
  EXPECT_GE(items.size(), 2u);
  EXPECT_LE(static_cast<int64_t>(items.size()), t_end / 1000 - t_start / 1000 + 1);
  std::set<std::string> keys;
  for (auto& j : items) keys.insert(*j.idempotency_key);
  EXPECT_EQ(keys.size(), items.size());
}

TEST(RunnerBackoff, GrowsExponentiallyWithJitterAndCap) {
  for (int i = 0; i < 50; ++i) {
    auto d1 = Runner::backoff_ms(1, 1000, 60000);
    EXPECT_GE(d1, 500);
    EXPECT_LE(d1, 1000);
    auto d3 = Runner::backoff_ms(3, 1000, 60000);
    EXPECT_GE(d3, 2000);
    EXPECT_LE(d3, 4000);
    auto d20 = Runner::backoff_ms(20, 1000, 60000);
    EXPECT_GE(d20, 30000);
    EXPECT_LE(d20, 60000);
  }
}

}  // namespace
