// Two streamgate processes sharing one database: a nonce issued by one is consumed by the
// other exactly once, and a logout on one revokes the session on both (within the
// revocation refresh interval). Security state lives in SQL, never in the cache.
#include <gtest/gtest.h>

#include <thread>

#include "support.hpp"
#include "test_util.hpp"

namespace {

const std::string kDomain = "streamgate.test";
const std::string kKey = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::unique_ptr<sgtest::StreamGateServer> start_instance(const nlohmann::json& database) {
  nlohmann::json cfg = {
      {"database", database},
      {"plugins",
       {{"auth",
         {{"jwt_secret", "shared-secret-for-both-instances-0123456789"},
          {"domains", {kDomain}},
          {"security_store", {{"refresh_interval_ms", 100}, {"max_staleness_ms", 5000}}}}}}}};
  auto s = std::make_unique<sgtest::StreamGateServer>(cfg);
  s->use_plugins({"gateway", "auth"});
  if (!s->start()) return nullptr;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s->request("GET", "/api/v1/web3/chains").status == 404) {
    if (std::chrono::steady_clock::now() > deadline) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return s;
}

sgtest::HttpResponse post(sgtest::StreamGateServer& s, const std::string& target,
                          const nlohmann::json& body, sgtest::Headers h = {}) {
  h.push_back({"Content-Type", "application/json"});
  return s.request("POST", target, body.dump(), h);
}

void nonce_and_revocation_are_shared(const nlohmann::json& database) {
  auto a = start_instance(database);
  ASSERT_TRUE(a);
  auto b = start_instance(database);
  ASSERT_TRUE(b);
  ASSERT_NE(a->log().find("security store=sql"), std::string::npos) << a->log();

  std::string address = sg::web3::to_checksum(authtest::address_of(kKey));
  auto nonce = a->request("GET", "/api/v1/auth/nonce");
  ASSERT_EQ(nonce.status, 200) << nonce.body;
  std::string msg = authtest::siwe_message(
      kDomain, address, 1, nonce.json()["nonce"],
      authtest::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()));
  nlohmann::json body = {{"message", msg}, {"signature", authtest::personal_sign(msg, kKey)}};
  auto login = post(*b, "/api/v1/auth/siwe", body);  // nonce from A, consumed at B
  ASSERT_EQ(login.status, 200) << login.body;
  auto replay = post(*a, "/api/v1/auth/siwe", body);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(replay.json()["error"]["code"], "invalid_nonce");

  sgtest::Headers bearer{{"Authorization", "Bearer " + login.json()["token"].get<std::string>()}};
  ASSERT_EQ(a->request("GET", "/api/v1/auth/me", "", bearer).status, 200);
  ASSERT_EQ(b->request("GET", "/api/v1/auth/me", "", bearer).status, 200);
  ASSERT_EQ(post(*a, "/api/v1/auth/logout", nlohmann::json::object(), bearer).status, 200);
  EXPECT_EQ(a->request("GET", "/api/v1/auth/me", "", bearer).status, 401);  // at once
  // B learns of it at its next refresh (100 ms here).
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((status = b->request("GET", "/api/v1/auth/me", "", bearer).status) == 200 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(status, 401);
}

}  // namespace

TEST(CrossInstance, NonceAndRevocationAreSharedThroughOneSqliteFile) {
  sgtest::TempDir dir("sg-auth-shared-db");
  nonce_and_revocation_are_shared(
      {{"driver", "sqlite"}, {"sqlite_path", (dir.path() / "shared.db").string()}});
}

TEST(CrossInstance, NonceAndRevocationAreSharedThroughPostgres) {
  if (!sgtest::PostgresServer::available()) GTEST_SKIP() << "PostgreSQL is not installed";
  sgtest::PostgresServer pg;
  pg.start();
  nonce_and_revocation_are_shared({{"driver", "postgres"}, {"postgres_url", pg.url()}});
}
