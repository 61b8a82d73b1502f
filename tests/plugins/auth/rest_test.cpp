// REST over the real binary: streamgate + gateway.so + auth.so on a loopback port.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "local_chain.hpp"
#include "support.hpp"
#include "test_util.hpp"
#include "web3/jwt.hpp"

namespace {

const std::string kDomain = "streamgate.test";
const std::string kKey = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f";

nlohmann::json auth_section(nlohmann::json chains = nlohmann::json::array()) {
  return {{"plugins",
           {{"auth",
             {{"jwt_secret", "rest-test-secret-0123456789abcdef-0123456789"},
              {"domains", {kDomain}},
              {"chain_ids", {1, 1337}},
              {"chains", chains}}}}}};
}

std::string now_rfc3339() {
  return authtest::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

struct Rest : ::testing::Test {
  std::unique_ptr<sgtest::StreamGateServer> server;
  std::string address = sg::web3::to_checksum(authtest::address_of(kKey));

  void start(nlohmann::json overrides = auth_section()) {
    server = std::make_unique<sgtest::StreamGateServer>(overrides);
    server->use_plugins({"gateway", "auth"});
    ASSERT_TRUE(server->start());
    // The port opens when the gateway starts; auth starts (and adds its routes) right after.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server->request("GET", "/api/v1/web3/chains").status == 404) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << server->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  sgtest::HttpResponse post_json(const std::string& target, const nlohmann::json& body,
                                 sgtest::Headers headers = {}) {
    headers.push_back({"Content-Type", "application/json"});
    return server->request("POST", target, body.dump(), headers);
  }
  std::string sign_in_message() {
    auto nonce = server->request("GET", "/api/v1/auth/nonce");
    EXPECT_EQ(nonce.status, 200) << nonce.body;
    return authtest::siwe_message(kDomain, address, 1, nonce.json()["nonce"], now_rfc3339());
  }
  static void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
};

}  // namespace

TEST_F(Rest, SignInMeRefreshLogout) {
  start();
  auto nonce = server->request("GET", "/api/v1/auth/nonce");
  ASSERT_EQ(nonce.status, 200) << nonce.body;
  std::string n = nonce.json()["nonce"];
  EXPECT_EQ(n.size(), 32u);  // 128 bits, alphanumeric
  std::string msg = authtest::siwe_message(kDomain, address, 1, n, now_rfc3339());
  nlohmann::json body = {{"message", msg}, {"signature", authtest::personal_sign(msg, kKey)}};
  auto login = post_json("/api/v1/auth/siwe", body);
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = login.json()["token"];
  EXPECT_EQ(login.json()["address"], address);
  std::string cookie = login.header("Set-Cookie");
  EXPECT_NE(cookie.find("sg_session="), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  // Replaying the same signed message: the nonce is gone.
  expect_error(post_json("/api/v1/auth/siwe", body), 401, "invalid_nonce");

  auto me = server->request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["address"], address);
  EXPECT_EQ(me.json()["chain_id"], 1);
  auto me_cookie =
      server->request("GET", "/api/v1/auth/me", "", {{"Cookie", "a=b; sg_session=" + token}});
  EXPECT_EQ(me_cookie.status, 200) << me_cookie.body;
  EXPECT_NE(server->request("GET", "/api/v1/auth/me").status, 200);

  auto refreshed = post_json("/api/v1/auth/refresh", nlohmann::json::object(),
                             {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  std::string token2 = refreshed.json()["token"];
  EXPECT_NE(token2, token);
  // The old token was rotated out.
  EXPECT_NE(
      server->request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token}}).status,
      200);
  EXPECT_EQ(
      server->request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token2}}).status,
      200);

  auto out = post_json("/api/v1/auth/logout", nlohmann::json::object(),
                       {{"Authorization", "Bearer " + token2}});
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_NE(
      server->request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + token2}}).status,
      200);
  // Tokens never reach the log.
  EXPECT_EQ(server->log().find(token.substr(token.rfind('.'))), std::string::npos);
}

TEST_F(Rest, BadInputGetsClearErrors) {
  start();
  expect_error(server->request("POST", "/api/v1/auth/siwe", "{not json",
                               {{"Content-Type", "application/json"}}),
               400, "invalid_json");
  expect_error(post_json("/api/v1/auth/siwe", {{"message", "x"}}), 400, "invalid_request");
  expect_error(post_json("/api/v1/auth/siwe", nlohmann::json::array()), 400, "invalid_request");
  expect_error(post_json("/api/v1/auth/siwe", {{"message", "hello"}, {"signature", "0x00"}}), 400,
               "invalid_siwe_message");
  std::string msg = sign_in_message();
  std::string sig = authtest::personal_sign(msg, kKey);
  expect_error(
      post_json("/api/v1/auth/siwe", {{"message", msg}, {"signature", sig.substr(0, 100)}}), 401,
      "invalid_signature");
  expect_error(
      post_json("/api/v1/auth/siwe", {{"message", msg}, {"signature", "0xzz" + sig.substr(4)}}),
      401, "invalid_signature");
  std::string other_domain =
      authtest::siwe_message("evil.example", address, 1, "abcdefgh12345678", now_rfc3339());
  expect_error(
      post_json("/api/v1/auth/siwe", {{"message", other_domain},
                                      {"signature", authtest::personal_sign(other_domain, kKey)}}),
      401, "domain_mismatch");
  std::string chain5 =
      authtest::siwe_message(kDomain, address, 5, "abcdefgh12345678", now_rfc3339());
  expect_error(
      post_json("/api/v1/auth/siwe",
                {{"message", chain5}, {"signature", authtest::personal_sign(chain5, kKey)}}),
      401, "chain_not_allowed");
  // alg:none session: never an identity.
  std::string none = sg::web3::jwt::base64url_encode(R"({"alg":"none"})") + "." +
                     sg::web3::jwt::base64url_encode(nlohmann::json{{"sub", address}}.dump()) + ".";
  EXPECT_NE(
      server->request("GET", "/api/v1/auth/me", "", {{"Authorization", "Bearer " + none}}).status,
      200);
  expect_error(post_json("/api/v1/auth/logout", nlohmann::json::object()), 401, "unauthorized");
  // The valid message still signs in afterwards (failed attempts did not burn its nonce).
  EXPECT_EQ(post_json("/api/v1/auth/siwe", {{"message", msg}, {"signature", sig}}).status, 200);
}

TEST_F(Rest, Eip712Endpoint) {
  start();
  auto f = authtest::load_fixture("eip712.json")[2];
  auto ok = post_json(
      "/api/v1/auth/eip712/verify",
      {{"typed_data", f["typed_data"]}, {"signature", f["signature"]}, {"address", f["address"]}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["valid"], true);
  EXPECT_EQ(ok.json()["signer"], f["address"]);
  EXPECT_EQ(ok.json()["digest"], f["digest"]);
  auto wrong = post_json("/api/v1/auth/eip712/verify",
                         {{"typed_data", f["typed_data"]},
                          {"signature", f["signature"]},
                          {"address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}});
  ASSERT_EQ(wrong.status, 200) << wrong.body;
  EXPECT_EQ(wrong.json()["valid"], false);
  expect_error(post_json("/api/v1/auth/eip712/verify",
                         {{"typed_data", {{"types", 1}}}, {"signature", f["signature"]}}),
               400, "invalid_typed_data");
}

TEST_F(Rest, NftVerifyAndChainsOverALocalChain) {
  auto chain = sgtest::shared_chain();
  if (!chain) {
    if (!sgtest::LocalChain::skip_reason().empty())
      GTEST_SKIP() << sgtest::LocalChain::skip_reason();
    FAIL() << "local chain failed to start";
  }
  std::string closed = "http://127.0.0.1:" + std::to_string(sgtest::free_port()) + "/secret-path";
  start(auth_section(
      {{{"chain_id", 1337}, {"name", "ganache"}, {"rpc_urls", {closed, chain->rpc_url()}}}}));
  // Sign in as account 0 (holds 3 x id 7 of the ERC-1155).
  std::string key0 = chain->key(0);
  std::string addr0 = chain->account(0);
  auto nonce = server->request("GET", "/api/v1/auth/nonce").json()["nonce"].get<std::string>();
  std::string msg = authtest::siwe_message(kDomain, addr0, 1337, nonce, now_rfc3339());
  auto login = post_json("/api/v1/auth/siwe",
                         {{"message", msg}, {"signature", authtest::personal_sign(msg, key0)}});
  ASSERT_EQ(login.status, 200) << login.body;
  sgtest::Headers auth{{"Authorization", "Bearer " + login.json()["token"].get<std::string>()}};

  nlohmann::json q = {{"chain_id", 1337},
                      {"contract", chain->erc1155()},
                      {"standard", "erc1155"},
                      {"token_id", "7"}};
  expect_error(post_json("/api/v1/web3/nft/verify", q), 401, "unauthorized");
  auto r = post_json("/api/v1/web3/nft/verify", q, auth);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["has_access"], true);
  EXPECT_EQ(r.json()["balance"], "3");
  EXPECT_EQ(r.json()["cached"], false);
  EXPECT_EQ(post_json("/api/v1/web3/nft/verify", q, auth).json()["cached"], true);
  auto other = q;
  other["address"] = chain->account(2);
  auto r2 = post_json("/api/v1/web3/nft/verify", other, auth);
  ASSERT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(r2.json()["has_access"], false);
  other["refresh"] = true;
  expect_error(post_json("/api/v1/web3/nft/verify", other, auth), 403, "forbidden");
  auto unknown = q;
  unknown["chain_id"] = 42;
  expect_error(post_json("/api/v1/web3/nft/verify", unknown, auth), 400, "unknown_chain");
  auto bad = q;
  bad["contract"] = "0x1234";
  expect_error(post_json("/api/v1/web3/nft/verify", bad, auth), 400, "invalid_request");

  auto chains = server->request("GET", "/api/v1/web3/chains");
  ASSERT_EQ(chains.status, 200) << chains.body;
  auto list = chains.json()["chains"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["chain_id"], 1337);
  EXPECT_EQ(list[0]["healthy"], true);
  EXPECT_EQ(list[0]["endpoints"][0]["healthy"], false);
  EXPECT_EQ(chains.body.find("secret-path"), std::string::npos);
}

TEST_F(Rest, NftVerifyFailsClosedWhenNoEndpointAnswers) {
  std::string closed = "http://127.0.0.1:" + std::to_string(sgtest::free_port());
  start(auth_section({{{"chain_id", 1337}, {"rpc_urls", {closed}}, {"timeout_ms", 500}}}));
  auto nonce_r = server->request("GET", "/api/v1/auth/nonce");
  ASSERT_EQ(nonce_r.status, 200) << nonce_r.body << server->log();
  auto nonce = nonce_r.json()["nonce"].get<std::string>();
  std::string msg = authtest::siwe_message(kDomain, address, 1, nonce, now_rfc3339());
  auto login = post_json("/api/v1/auth/siwe",
                         {{"message", msg}, {"signature", authtest::personal_sign(msg, kKey)}});
  ASSERT_EQ(login.status, 200) << login.body;
  nlohmann::json q = {{"chain_id", 1337},
                      {"contract", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}};
  expect_error(post_json("/api/v1/web3/nft/verify", q,
                         {{"Authorization", "Bearer " + login.json()["token"].get<std::string>()}}),
               503, "gate_check_unavailable");
}

TEST(RestStartup, RefusesAShortSecretOutsideDevMode) {
  namespace fs = std::filesystem;
  sgtest::TempDir dir("sg-auth-refuse");
  fs::create_directories(dir.path() / "plugins");
  for (const char* id : {"gateway", "auth"}) {
    fs::create_symlink(fs::path(SG_TEST_PLUGIN_DIR) / (std::string(id) + ".so"),
                       dir.path() / "plugins" / (std::string(id) + ".so"));
  }
  nlohmann::json cfg = {
      {"server",
       {{"data_dir", (dir.path() / "data").string()},
        {"plugin_dir", (dir.path() / "plugins").string()},
        {"dev_mode", false}}},
      {"database",
       {{"driver", "sqlite"}, {"sqlite_path", (dir.path() / "data" / "db.sqlite").string()}}},
      {"plugins",
       {{"gateway", {{"host", "127.0.0.1"}, {"port", sgtest::free_port()}}},
        {"auth", {{"jwt_secret", "${TEST_AUTH_SECRET}"}}}}}};
  std::ofstream(dir.path() / "config.yaml") << cfg.dump();
  auto proc = sgtest::Process::spawn(
      {SG_TEST_STREAMGATE_BIN, "--config", (dir.path() / "config.yaml").string()},
      {{"TEST_AUTH_SECRET", "tooshort-s3cr3t"}}, dir.path() / "log.txt");
  auto code = proc.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "streamgate kept running with a weak secret";
  EXPECT_NE(*code, 0);
  std::ifstream in(dir.path() / "log.txt");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("jwt_secret"), std::string::npos) << log;
  EXPECT_EQ(log.find("tooshort-s3cr3t"), std::string::npos) << log;
}
