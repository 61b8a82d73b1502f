// /api/v1/jobs through the real binary (gateway + worker + test plugins), on both databases.
#include "server_fixture.hpp"

namespace {

using namespace wtest;
using nlohmann::json;

template <typename B>
class JobsRest : public ::testing::Test {
 protected:
  void SetUp() override {
    SGDATA_REQUIRE_BACKEND(B);
    json db = std::string(B::kName) == "sqlite" ? json{{"driver", "sqlite"}} : B::section(dir_);
    server_ = make_server(db);
    ASSERT_TRUE(start_ready(*server_));
  }
  std::string enqueue(const json& body) {
    auto r = server_->request("POST", "/test-jobs/enqueue", body.dump(), as(kAlice));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["id"];
  }
  json get(const std::string& id, const std::string& who = kAlice, bool admin = false) {
    return server_->request("GET", "/api/v1/jobs/" + id, "", as(who, admin)).json();
  }
  sgtest::TempDir dir_{"sgjobs"};
  std::unique_ptr<sgtest::StreamGateServer> server_;
};
TYPED_TEST_SUITE(JobsRest, sgdata::Backends, sgdata::BackendNames);

void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string());
}

// A handler's failure message is kept to 4000 bytes. It used to be cut through a character,
// and the job then answered 500 on every GET.
TYPED_TEST(JobsRest, LongFailureMessageIsCutBetweenCharacters) {
  std::string dir = this->dir_.path().string();
  std::string message = std::string(3999, 'a') + "\xe6\x97\xa5\xe6\x97\xa5";  // 4005 bytes
  std::string id =
      this->enqueue({{"owner", kAlice},
                     {"max_attempts", 1},
                     {"payload", {{"dir", dir}, {"fail_attempts", 1}, {"fail_message", message}}}});
  ASSERT_TRUE(eventually([&] { return this->get(id)["state"] == "dead"; }));
  auto r = this->server_->request("GET", "/api/v1/jobs/" + id, "", as(kAlice));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.json()["last_error"], std::string(3999, 'a'));
}

TYPED_TEST(JobsRest, OwnerAdminAndStrangerAccess) {
  auto& s = *this->server_;
  std::string dir = this->dir_.path().string();
  std::string id = this->enqueue(
      {{"owner", kAlice}, {"max_attempts", 1}, {"payload", {{"dir", dir}, {"fail_attempts", 5}}}});
  ASSERT_TRUE(eventually([&] { return this->get(id)["state"] == "dead"; }));
  auto job = this->get(id);
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["last_error"], "planned failure on attempt 1");
  EXPECT_EQ(job["owner"], kAlice);

  expect_error(s.request("GET", "/api/v1/jobs/" + id), 401, "unauthorized");
  expect_error(s.request("GET", "/api/v1/jobs/" + id, "", as(kBob)), 403, "forbidden");
  EXPECT_EQ(this->get(id, kBob, true)["id"], id);  // admin
  expect_error(s.request("GET", "/api/v1/jobs/not-a-uuid", "", as(kAlice)), 400, "invalid_request");
  expect_error(s.request("GET", "/api/v1/jobs/" + sg::sql::uuid_v4(), "", as(kAlice)), 404,
               "not_found");

  // Retry: dead -> queued with fresh attempts (then dies again: it always fails).
  expect_error(s.request("POST", "/api/v1/jobs/" + id + "/retry", "", as(kBob)), 403, "forbidden");
  auto r = s.request("POST", "/api/v1/jobs/" + id + "/retry", "", as(kAlice));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["state"] == "queued" || r.json()["state"] == "running" ||
              r.json()["state"] == "dead");
  ASSERT_TRUE(eventually([&] { return this->get(id)["state"] == "dead"; }));
  EXPECT_EQ(wtest::count_lines(this->dir_.path() / (id + ".started")), 2u);
  // Retrying a job that is not finished is a conflict.
  std::string live =
      this->enqueue({{"owner", kAlice}, {"payload", {{"dir", dir}, {"sleep_ms", 60000}}}});
  ASSERT_TRUE(eventually([&] { return this->get(live)["state"] == "running"; }));
  expect_error(s.request("POST", "/api/v1/jobs/" + live + "/retry", "", as(kAlice)), 409,
               "conflict");
  // Cancel a running job: the handler sees it and the job ends cancelled.
  r = s.request("POST", "/api/v1/jobs/" + live + "/cancel", "", as(kAlice));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(eventually([&] { return this->get(live)["state"] == "cancelled"; }));
  expect_error(s.request("POST", "/api/v1/jobs/" + live + "/cancel", "", as(kAlice)), 409,
               "conflict");
  // DELETE cancels too (the record stays, cancelled); someone else's job is refused.
  std::string other =
      this->enqueue({{"owner", kAlice}, {"payload", {{"dir", dir}, {"sleep_ms", 60000}}}});
  ASSERT_TRUE(eventually([&] { return this->get(other)["state"] == "running"; }));
  expect_error(s.request("DELETE", "/api/v1/jobs/" + other, "", as(kBob)), 403, "forbidden");
  r = s.request("DELETE", "/api/v1/jobs/" + other, "", as(kAlice));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(eventually([&] { return this->get(other)["state"] == "cancelled"; }));
  expect_error(s.request("DELETE", "/api/v1/jobs/" + other, "", as(kAlice)), 409, "conflict");
}

TYPED_TEST(JobsRest, ListFiltersPaginatesAndValidates) {
  auto& s = *this->server_;
  std::string dir = this->dir_.path().string();
  for (int i = 0; i < 3; ++i) this->enqueue({{"owner", kAlice}, {"payload", {{"dir", dir}}}});
  this->enqueue({{"owner", kBob}, {"payload", {{"dir", dir}}}});
  this->enqueue({{"payload", {{"dir", dir}}}});  // no owner: admins only

  auto mine = s.request("GET", "/api/v1/jobs?limit=2", "", as(kAlice));
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json()["items"].size(), 2u);
  ASSERT_TRUE(mine.json()["next_cursor"].is_string());
  std::string cursor = mine.json()["next_cursor"];
  auto rest = s.request("GET", "/api/v1/jobs?limit=2&cursor=" + cursor, "", as(kAlice));
  EXPECT_EQ(rest.json()["items"].size(), 1u);
  EXPECT_TRUE(rest.json()["next_cursor"].is_null());
  // Held in a variable: a range-for over rest.json()["items"] would iterate a destroyed
  // temporary (ThreadSanitizer reported the use after free).
  nlohmann::json rest_items = rest.json()["items"];
  for (auto& j : rest_items) EXPECT_EQ(j["owner"], kAlice);

  auto all = s.request("GET", "/api/v1/jobs?type=test.marker", "", as(kBob, true));
  EXPECT_EQ(all.json()["items"].size(), 5u);
  ASSERT_TRUE(eventually([&] {
    return s.request("GET", "/api/v1/jobs?state=succeeded", "", as(kBob, true))
               .json()["items"]
               .size() == 5u;
  }));

  expect_error(s.request("GET", "/api/v1/jobs"), 401, "unauthorized");
  expect_error(s.request("GET", "/api/v1/jobs?owner=" + kAlice, "", as(kBob)), 403, "forbidden");
  expect_error(s.request("GET", "/api/v1/jobs?limit=0", "", as(kAlice)), 400, "invalid_request");
  expect_error(s.request("GET", "/api/v1/jobs?limit=101", "", as(kAlice)), 400, "invalid_request");
  expect_error(s.request("GET", "/api/v1/jobs?state=exploded", "", as(kAlice)), 400,
               "invalid_request");
  expect_error(s.request("GET", "/api/v1/jobs?color=red", "", as(kAlice)), 400, "invalid_request");
  expect_error(s.request("GET", "/api/v1/jobs?cursor=%27%3B--", "", as(kAlice)), 400,
               "invalid_request");
}

}  // namespace
