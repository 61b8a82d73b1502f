// WebhookStore: endpoints, the delivery log, resend and retention, identical on SQLite and
// PostgreSQL.
#include <streamgate/plugin.hpp>

#include "sql/util.hpp"
#include "webhook_store.hpp"
#include "worker_fixture.hpp"

namespace {

using namespace sg::worker;

template <typename B>
class WebhookStoreTest : public WorkerDbTest<B> {
 protected:
  void SetUp() override {
    WorkerDbTest<B>::SetUp();
    if (this->db_ == nullptr) return;  // skipped
    hooks_ = std::make_unique<WebhookStore>(*this->db_);
    hooks_->migrate();
    hooks_->migrate();  // idempotent
  }
  EndpointRecord endpoint(const std::string& owner, int64_t created_at) {
    EndpointRecord e;
    e.id = sg::sql::uuid_v4();
    e.owner = owner;
    e.url = "https://hooks.example.com/" + e.id;
    e.topics = {"content.*"};
    e.secret = "whsec_x";
    e.created_at = e.updated_at = created_at;
    hooks_->create_endpoint(e);
    return e;
  }
  DeliveryRecord delivery(const std::string& endpoint_id, int64_t created_at) {
    DeliveryRecord d;
    d.id = sg::sql::uuid_v4();
    d.endpoint_id = endpoint_id;
    d.event_id = "e" + std::to_string(created_at);
    d.topic = "content.created";
    d.body = R"({"id":"x"})";
    d.created_at = created_at;
    hooks_->create_delivery(d);
    return d;
  }
  AttemptRecord attempt(const std::string& outcome, std::optional<int64_t> status) {
    AttemptRecord a;
    a.started_at = sg::sql::now_ms();
    a.outcome = outcome;
    a.status = status;
    a.latency_ms = 12;
    if (outcome != "delivered") a.error = "HTTP 500";
    a.response = "nope";
    return a;
  }
  std::unique_ptr<WebhookStore> hooks_;
};
TYPED_TEST_SUITE(WebhookStoreTest, sgdata::Backends, sgdata::BackendNames);

const std::string kAlice = "0xAbCdEf0000000000000000000000000000000001";
const std::string kBob = "0x2222222222222222222222222222222222222222";

TYPED_TEST(WebhookStoreTest, EndpointsPerOwner) {
  auto a1 = this->endpoint(kAlice, 1000);
  auto a2 = this->endpoint(kAlice, 2000);
  this->endpoint(kBob, 3000);
  EXPECT_EQ(this->hooks_->count_endpoints(sg::sql::lower(kAlice)), 2);
  EXPECT_EQ(this->hooks_->endpoints_of(sg::sql::lower(kAlice)).size(), 2u);  // any case

  std::optional<std::string> next;
  auto page = this->hooks_->list_endpoints(kAlice, 1, std::nullopt, &next);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, a2.id);  // newest first
  ASSERT_TRUE(next);
  std::optional<std::string> next2;
  page = this->hooks_->list_endpoints(kAlice, 1, next, &next2);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, a1.id);
  EXPECT_FALSE(next2);
  std::optional<std::string> all_next;
  EXPECT_EQ(this->hooks_->list_endpoints(std::nullopt, 10, std::nullopt, &all_next).size(), 3u);

  EndpointChange c;
  c.enabled = false;
  c.topics = std::vector<std::string>{"*"};
  ASSERT_TRUE(this->hooks_->update_endpoint(a1.id, c));
  auto got = this->hooks_->endpoint(a1.id);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->topics, (std::vector<std::string>{"*"}));
  EXPECT_EQ(got->owner, kAlice);
  EXPECT_EQ(this->hooks_->endpoints_of(kAlice).size(), 1u);  // disabled ones do not match
  ASSERT_TRUE(this->hooks_->set_secret(a1.id, "whsec_new"));
  EXPECT_EQ(this->hooks_->endpoint(a1.id)->secret, "whsec_new");
  EXPECT_FALSE(this->hooks_->update_endpoint(sg::sql::uuid_v4(), c));
}

TYPED_TEST(WebhookStoreTest, AttemptsResendAndDelete) {
  auto e = this->endpoint(kAlice, 1000);
  auto d = this->delivery(e.id, sg::sql::now_ms());
  ASSERT_TRUE(this->hooks_->record_attempt(d.id, this->attempt("http_error", 500), "pending"));
  ASSERT_TRUE(this->hooks_->record_attempt(d.id, this->attempt("delivered", 200), "delivered"));
  auto got = *this->hooks_->delivery(d.id);
  EXPECT_EQ(got.status, "delivered");
  EXPECT_EQ(got.attempts, 2);
  EXPECT_EQ(got.last_status, 200);
  EXPECT_FALSE(got.last_error);
  EXPECT_TRUE(got.delivered_at);

  auto series = this->hooks_->restart(d.id);
  ASSERT_TRUE(series);
  EXPECT_EQ(*series, 2);
  EXPECT_FALSE(this->hooks_->restart(d.id));  // pending: not twice
  ASSERT_TRUE(this->hooks_->record_attempt(d.id, this->attempt("timeout", std::nullopt), "failed"));
  auto attempts = this->hooks_->attempts(d.id);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[0].status, 500);
  EXPECT_EQ(attempts[2].series, 2);
  EXPECT_EQ(attempts[2].outcome, "timeout");
  EXPECT_FALSE(attempts[2].status);
  EXPECT_EQ(this->hooks_->delivery(d.id)->status, "failed");

  ASSERT_TRUE(this->hooks_->delete_endpoint(e.id));
  EXPECT_FALSE(this->hooks_->delivery(d.id));
  EXPECT_TRUE(this->hooks_->attempts(d.id).empty());
  EXPECT_FALSE(this->hooks_->record_attempt(d.id, this->attempt("delivered", 200), "delivered"));
}

TYPED_TEST(WebhookStoreTest, OrphansAreFoundUntilTheyHaveAJob) {
  auto e = this->endpoint(kAlice, 1000);
  auto d = this->delivery(e.id, sg::sql::now_ms() - 120000);
  // updated_at = created_at for a new row: two minutes old.
  auto orphans = this->hooks_->orphans(60000, 10);
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].id, d.id);
  this->hooks_->set_job(d.id, sg::sql::uuid_v4());
  EXPECT_TRUE(this->hooks_->orphans(60000, 10).empty());
}

TYPED_TEST(WebhookStoreTest, RetentionKeepsNewestPerEndpointAndRecentOnes) {
  auto busy = this->endpoint(kAlice, 1000);
  auto quiet = this->endpoint(kBob, 1000);
  int64_t now = sg::sql::now_ms();
  std::vector<DeliveryRecord> busy_d;
  for (int i = 0; i < 6; ++i) {
    busy_d.push_back(this->delivery(busy.id, now - 6000 + i * 1000));
    this->hooks_->record_attempt(busy_d.back().id, this->attempt("delivered", 200), "delivered");
  }
  auto pending = this->delivery(busy.id, now - 10000);  // oldest, but still pending
  auto old = this->delivery(quiet.id, now - 3 * 86400000LL);
  this->hooks_->record_attempt(old.id, this->attempt("http_error", 500), "failed");
  auto fresh = this->delivery(quiet.id, now);
  this->hooks_->record_attempt(fresh.id, this->attempt("delivered", 200), "delivered");

  // Keep the newest 4 per endpoint and nothing older than 2 days.
  int64_t n = this->hooks_->prune(2 * 86400000LL, 4);
  EXPECT_EQ(n, 3);  // busy_d[0], busy_d[1] (quota) and old (age)
  EXPECT_FALSE(this->hooks_->delivery(busy_d[0].id));
  EXPECT_FALSE(this->hooks_->delivery(busy_d[1].id));
  for (int i = 2; i < 6; ++i) EXPECT_TRUE(this->hooks_->delivery(busy_d[i].id)) << i;
  EXPECT_TRUE(this->hooks_->delivery(pending.id));  // pending deliveries are never pruned
  EXPECT_FALSE(this->hooks_->delivery(old.id));
  EXPECT_TRUE(this->hooks_->attempts(old.id).empty());
  EXPECT_TRUE(this->hooks_->delivery(fresh.id));
  EXPECT_EQ(this->hooks_->prune(2 * 86400000LL, 4), 0);
}

}  // namespace
