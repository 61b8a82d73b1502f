// JobStore: the durable queue's SQL semantics, identical on SQLite and PostgreSQL.
#include <mutex>
#include <set>
#include <thread>

#include <streamgate/plugin.hpp>

#include "worker_fixture.hpp"

namespace {

using namespace sg::worker;

template <typename B>
using QueueTest = WorkerDbTest<B>;
TYPED_TEST_SUITE(QueueTest, sgdata::Backends, sgdata::BackendNames);

TYPED_TEST(QueueTest, EnqueueIsDurableAndIdempotencyKeyDedupes) {
  auto r = this->req();
  r.payload = R"({"x":"'; DROP TABLE sg_jobs;--"})";
  r.idempotency_key = "k1";
  auto [id, created] = this->store_->enqueue(r);
  EXPECT_TRUE(created);
  auto [id2, created2] = this->store_->enqueue(r);
  EXPECT_FALSE(created2);
  EXPECT_EQ(id, id2);
  r.type = "t.other";  // keys are per type
  EXPECT_TRUE(this->store_->enqueue(r).second);
  // Seen from a fresh connection: it is in the database, payload verbatim.
  auto db2 = this->open_again();
  JobStore other(*db2);
  auto job = other.get(id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, "queued");
  EXPECT_EQ(json::parse(job->payload)["x"], "'; DROP TABLE sg_jobs;--");
}

TYPED_TEST(QueueTest, ClaimTakesHighestPriorityDueJobOfRegisteredTypes) {
  auto low = this->req();
  auto high = this->req();
  high.priority = 10;
  auto later = this->req();
  later.priority = 100;
  later.delay_ms = 60000;
  auto other = this->req("t.unhandled");
  other.priority = 1000;
  this->store_->enqueue(low);
  auto hid = this->store_->enqueue(high).first;
  this->store_->enqueue(later);
  this->store_->enqueue(other);
  auto c = this->store_->claim({"t.test"}, "tok", 10000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, hid);
  EXPECT_EQ(c->state, "running");
  EXPECT_EQ(c->attempts, 1);
  auto c2 = this->store_->claim({"t.test"}, "tok2", 10000);
  ASSERT_TRUE(c2);
  EXPECT_FALSE(this->store_->claim({"t.test"}, "tok3", 10000)) << "delayed job claimed early";
}

TYPED_TEST(QueueTest, FailRetriesThenGoesDeadKeepingLastError) {
  auto id = this->store_->enqueue(this->req("t.test", 2)).first;
  auto c = this->store_->claim({"t.test"}, "a", 10000);
  ASSERT_TRUE(c);
  EXPECT_TRUE(this->store_->fail(id, "a", "first failure", true, 0));
  EXPECT_EQ(this->store_->get(id)->state, "queued");
  c = this->store_->claim({"t.test"}, "b", 10000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attempts, 2);
  EXPECT_TRUE(this->store_->fail(id, "b", "second failure", true, 0));
  auto j = this->store_->get(id);
  EXPECT_EQ(j->state, "dead");
  EXPECT_EQ(j->last_error, "second failure");
  EXPECT_TRUE(j->finished_at.has_value());
  EXPECT_FALSE(this->store_->claim({"t.test"}, "c", 10000));
  // Manual retry gives it fresh attempts.
  EXPECT_EQ(this->store_->retry(id), RetryResult::requeued);
  EXPECT_EQ(this->store_->get(id)->attempts, 0);
  EXPECT_EQ(this->store_->retry(id), RetryResult::not_retryable);
}

TYPED_TEST(QueueTest, BackoffDelaysTheRetry) {
  auto id = this->store_->enqueue(this->req()).first;
  this->store_->claim({"t.test"}, "a", 10000);
  EXPECT_TRUE(this->store_->fail(id, "a", "x", true, 60000));
  EXPECT_FALSE(this->store_->claim({"t.test"}, "b", 10000)) << "retried before its backoff";
}

TYPED_TEST(QueueTest, NonRetryableFailureIsDeadAtOnce) {
  auto id = this->store_->enqueue(this->req()).first;
  this->store_->claim({"t.test"}, "a", 10000);
  EXPECT_TRUE(this->store_->fail(id, "a", "bad input", false, 0));
  EXPECT_EQ(this->store_->get(id)->state, "dead");
}

TYPED_TEST(QueueTest, ExpiredLeaseIsReclaimedAndTheOldOwnerIsFencedOut) {
  auto id = this->store_->enqueue(this->req()).first;
  ASSERT_TRUE(this->store_->claim({"t.test"}, "dead-worker", 50));
  EXPECT_FALSE(this->store_->claim({"t.test"}, "b", 10000)) << "claimed while leased";
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  auto c = this->store_->claim({"t.test"}, "new-worker", 10000);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, id);
  EXPECT_EQ(c->attempts, 2);
  // The original worker wakes up: none of its writes land.
  EXPECT_FALSE(this->store_->heartbeat(id, "dead-worker", 10000).has_value());
  EXPECT_FALSE(this->store_->succeed(id, "dead-worker", std::nullopt));
  EXPECT_FALSE(this->store_->fail(id, "dead-worker", "x", true, 0));
  EXPECT_TRUE(this->store_->succeed(id, "new-worker", std::string(R"({"ok":true})")));
  EXPECT_EQ(this->store_->get(id)->state, "succeeded");
}

TYPED_TEST(QueueTest, SweepKillsExpiredLeaseOnTheLastAttempt) {
  auto id = this->store_->enqueue(this->req("t.test", 1)).first;
  ASSERT_TRUE(this->store_->claim({"t.test"}, "w", 30));
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_FALSE(this->store_->claim({"t.test"}, "w2", 1000)) << "reclaimed past max_attempts";
  EXPECT_EQ(this->store_->sweep(), 1);
  auto j = this->store_->get(id);
  EXPECT_EQ(j->state, "dead");
  EXPECT_NE(j->last_error->find("lease expired"), std::string::npos);
}

TYPED_TEST(QueueTest, CancelQueuedRunningAndFinished) {
  auto q = this->store_->enqueue(this->req()).first;
  EXPECT_EQ(this->store_->cancel(q), CancelResult::cancelled);
  EXPECT_EQ(this->store_->get(q)->state, "cancelled");
  EXPECT_EQ(this->store_->cancel(q), CancelResult::finished);
  EXPECT_EQ(this->store_->cancel(sg::sql::uuid_v4()), CancelResult::not_found);

  auto r = this->store_->enqueue(this->req()).first;
  this->store_->claim({"t.test"}, "w", 10000);
  EXPECT_EQ(this->store_->cancel(r), CancelResult::requested);
  EXPECT_EQ(this->store_->heartbeat(r, "w", 10000), std::optional<bool>(true));
  EXPECT_TRUE(this->store_->fail(r, "w", "stopped", true, 0));  // cancel wins over retry
  EXPECT_EQ(this->store_->get(r)->state, "cancelled");
}

TYPED_TEST(QueueTest, ReleaseDoesNotConsumeTheAttempt) {
  auto id = this->store_->enqueue(this->req()).first;
  this->store_->claim({"t.test"}, "w", 10000);
  EXPECT_TRUE(this->store_->release(id, "w"));
  auto j = this->store_->get(id);
  EXPECT_EQ(j->state, "queued");
  EXPECT_EQ(j->attempts, 0);
}

TYPED_TEST(QueueTest, TwoDatabaseHandlesClaimingConcurrentlyNeverShareAJob) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) this->store_->enqueue(this->req());
  // Two handles = two "processes"; two threads each.
  auto db2 = this->open_again();
  JobStore store2(*db2);
  std::mutex mu;
  std::multiset<std::string> claimed;
  auto work = [&](JobStore& s, int n) {
    for (;;) {
      auto c = s.claim({"t.test"}, "w" + std::to_string(n), 60000);
      if (!c) return;
      s.succeed(c->id, "w" + std::to_string(n), std::nullopt);
      std::lock_guard lock(mu);
      claimed.insert(c->id);
    }
  };
  std::vector<std::thread> ts;
  ts.emplace_back([&] { work(*this->store_, 1); });
  ts.emplace_back([&] { work(*this->store_, 2); });
  ts.emplace_back([&] { work(store2, 3); });
  ts.emplace_back([&] { work(store2, 4); });
  for (auto& t : ts) t.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  std::set<std::string> unique(claimed.begin(), claimed.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kJobs)) << "a job was claimed twice";
}

TYPED_TEST(QueueTest, ListPagesNewestFirstWithFilters) {
  std::string owner = "0x00000000000000000000000000000000000000aA";
  for (int i = 0; i < 5; ++i) {
    auto r = this->req(i % 2 ? "t.odd" : "t.even");
    if (i < 3) r.owner = owner;
    this->store_->enqueue(r);
  }
  ListQuery q;
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto p = this->store_->list(q);
    for (auto& j : p.items) seen.push_back(j.id);
    if (!p.next_cursor) break;
    q.cursor = p.next_cursor;
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);
  ListQuery f;
  f.type = "t.even";
  EXPECT_EQ(this->store_->list(f).items.size(), 3u);
  ListQuery o;
  o.owner = sg::sql::lower(owner);
  EXPECT_EQ(this->store_->list(o).items.size(), 3u);
  ListQuery bad;
  bad.cursor = "!!!";
  EXPECT_THROW(this->store_->list(bad), sg::Error);
}

}  // namespace
