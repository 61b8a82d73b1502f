// Regression tests for issue 10, each reproducing the attack against the real binary:
// forgeable default sessions, logout lost to cache pressure, SIWE domain taken from Host,
// CPU exhaustion through anonymous EIP-712 verification, and two disagreeing token readers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "support.hpp"
#include "test_util.hpp"
#include "web3/jwt.hpp"

namespace {

const std::string kKey = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f";
// The key that used to be built into src/plugins/auth/config.cpp (public source).
const std::string kOldPublicKey = "streamgate-dev-secret-change-me-streamgate-dev";

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Server {
  std::unique_ptr<sgtest::StreamGateServer> s;
  std::string address = sg::web3::to_checksum(authtest::address_of(kKey));

  // `pin_domain`: list this server's 127.0.0.1:<port> in plugins.auth.domains, for tests
  // about something else than how domains are derived.
  explicit Server(nlohmann::json overrides, std::vector<std::string> plugins = {"gateway", "auth"},
                  bool pin_domain = false) {
    if (pin_domain) {
      uint16_t port = sgtest::free_port();
      overrides.merge_patch({{"plugins",
                              {{"gateway", {{"port", port}}},
                               {"auth", {{"domains", {"127.0.0.1:" + std::to_string(port)}}}}}}});
    }
    s = std::make_unique<sgtest::StreamGateServer>(std::move(overrides));
    s->use_plugins(std::move(plugins));
  }
  bool start() {
    if (!s->start()) return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s->request("GET", "/api/v1/web3/chains").status == 404) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  std::string domain() const { return "127.0.0.1:" + std::to_string(s->port()); }
  sgtest::HttpResponse post(const std::string& target, const nlohmann::json& body,
                            sgtest::Headers h = {}) {
    h.push_back({"Content-Type", "application/json"});
    return s->request("POST", target, body.dump(), h);
  }
  std::string nonce() {
    auto r = s->request("GET", "/api/v1/auth/nonce");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json()["nonce"].get<std::string>() : "";
  }
  sgtest::HttpResponse sign_in(const std::string& nonce, const std::string& domain,
                               sgtest::Headers h = {}) {
    std::string msg =
        authtest::siwe_message(domain, address, 1, nonce, authtest::rfc3339(unix_now()));
    return post("/api/v1/auth/siwe",
                {{"message", msg}, {"signature", authtest::personal_sign(msg, kKey)}},
                std::move(h));
  }
  std::string token() {
    auto r = sign_in(nonce(), domain());
    EXPECT_EQ(r.status, 200) << r.body << s->log();
    return r.status == 200 ? r.json()["token"].get<std::string>() : "";
  }
  int me(const std::string& authorization) {
    return s->request("GET", "/api/v1/auth/me", "", {{"Authorization", authorization}}).status;
  }
};

void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
}

}  // namespace

// --- 1. forgeable sessions by default ----------------------------------------------------

TEST(Security, WithoutDevModeLineAndSecretTheServerRefusesToStart) {
  // JSON merge-patch: null removes the helper's `dev_mode: true`.
  sgtest::StreamGateServer s(nlohmann::json{{"server", {{"dev_mode", nullptr}}}});
  s.use_plugins({"gateway", "auth"});
  auto code = s.run_until_exit();
  ASSERT_TRUE(code.has_value()) << "streamgate kept running without a session key\n" << s.log();
  EXPECT_NE(*code, 0);
  EXPECT_NE(s.log().find("plugins.auth.jwt_secret"), std::string::npos) << s.log();
}

TEST(Security, TokenSignedWithTheOldPublicKeyIsRefusedInDevMode) {
  Server srv(nlohmann::json::object());  // dev_mode: true, no jwt_secret
  ASSERT_TRUE(srv.start());
  int64_t now = unix_now();
  nlohmann::json claims = {{"iss", "streamgate"}, {"aud", "streamgate-session"},
                           {"sub", srv.address},  {"chain_id", 1},
                           {"iat", now},          {"nbf", now},
                           {"exp", now + 600},    {"jti", "forged-by-anyone"},
                           {"auth_time", now},    {"typ", "session"}};
  std::string forged = sg::web3::jwt::sign(claims, kOldPublicKey);
  EXPECT_EQ(srv.me("Bearer " + forged), 401);
  // The server's own tokens do work (the refusal is about the key, not the claims).
  EXPECT_EQ(srv.me("Bearer " + srv.token()), 200);
}

TEST(Security, GeneratedDevKeyIsPrivateLoggedWithoutItsValueAndSurvivesRestart) {
  Server srv(nlohmann::json::object());
  ASSERT_TRUE(srv.start());
  namespace fs = std::filesystem;
  fs::path file = srv.s->data_dir() / "secrets" / "jwt_secret";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << srv.s->log();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::string key = sgtest::read_file(file);
  while (!key.empty() && key.back() == '\n') key.pop_back();
  EXPECT_GE(key.size(), 32u);
  EXPECT_NE(srv.s->log().find("generated a random session key in " + file.string()),
            std::string::npos)
      << srv.s->log();

  std::string kept = srv.token();
  std::string revoked = srv.token();
  ASSERT_EQ(srv.post("/api/v1/auth/logout", nlohmann::json::object(),
                     {{"Authorization", "Bearer " + revoked}})
                .status,
            200);
  ASSERT_TRUE(srv.s->stop().has_value());
  ASSERT_TRUE(srv.start());
  EXPECT_EQ(sgtest::read_file(file).substr(0, key.size()), key);  // reused, not replaced
  EXPECT_EQ(srv.me("Bearer " + kept), 200);                       // sessions survive the restart
  EXPECT_EQ(srv.me("Bearer " + revoked), 401);                    // and so do revocations (SQL)
  EXPECT_NE(srv.s->log().find("using the generated session key"), std::string::npos);
  EXPECT_EQ(srv.s->log().find(key), std::string::npos);  // never the key itself
}

// --- 2. logout and nonces survive cache pressure ----------------------------------------

TEST(Security, LogoutAndUnspentNoncesSurviveCacheEvictions) {
  Server srv(
      nlohmann::json{
          {"plugins",
           {{"cache", {{"backend", "memory"}, {"memory", {{"max_bytes", 262144}, {"shards", 1}}}}},
            {"gateway", {{"rate_limit", {{"enabled", false}}}}}}}},
      {"gateway", "cache", "cache_probe", "auth"}, true);
  ASSERT_TRUE(srv.start());
  std::string token = srv.token();
  ASSERT_EQ(srv.me("Bearer " + token), 200);
  ASSERT_EQ(srv.post("/api/v1/auth/logout", nlohmann::json::object(),
                     {{"Authorization", "Bearer " + token}})
                .status,
            200);
  std::string unspent = srv.nonce();
  // Anyone able to write to the cache (here directly; in the attack, large content records)
  // pushes far more than it holds: 4,000 x 1 KiB through a 256 KiB LRU evicts thousands.
  std::string filler(1024, 'x');
  for (int i = 0; i < 4000; ++i) {
    auto r =
        srv.s->request("PUT", "/test/cache/filler-" + std::to_string(i) + "?ttl_ms=600000", filler);
    ASSERT_EQ(r.status, 204) << r.body;
  }
  ASSERT_EQ(srv.s->request("GET", "/test/cache/filler-0").status, 404);  // evicted indeed
  EXPECT_EQ(srv.me("Bearer " + token), 401);
  EXPECT_EQ(srv.sign_in(unspent, srv.domain()).status, 200);
}

TEST(Security, NonceIssuanceAtTheBoundAnswers503AndKeepsOutstandingNonces) {
  Server srv(nlohmann::json{{"plugins", {{"auth", {{"security_store", {{"max_nonces", 3}}}}}}}});
  ASSERT_TRUE(srv.start());
  std::vector<std::string> nonces;
  for (int i = 0; i < 3; ++i) nonces.push_back(srv.nonce());
  auto full = srv.s->request("GET", "/api/v1/auth/nonce");
  expect_error(full, 503, "nonce_store_full");
  EXPECT_FALSE(full.header("Retry-After").empty());
  // Nothing was evicted to make room: every outstanding nonce still signs in once...
  for (const auto& n : nonces) EXPECT_EQ(srv.sign_in(n, srv.domain()).status, 200) << n;
  // ...which frees room again.
  EXPECT_EQ(srv.s->request("GET", "/api/v1/auth/nonce").status, 200);
}

// --- 3. SIWE domain never from Host ----------------------------------------------------

TEST(Security, SiweDomainComesFromConfigurationNotTheHostHeader) {
  Server srv(nlohmann::json::object());  // domains: [] -> derived from the gateway address
  ASSERT_TRUE(srv.start());
  auto relayed = srv.sign_in(srv.nonce(), "evil.example", {{"Host", "evil.example"}});
  expect_error(relayed, 401, "domain_mismatch");
  EXPECT_EQ(srv.sign_in(srv.nonce(), srv.domain()).status, 200);
  EXPECT_EQ(srv.sign_in(srv.nonce(), "localhost:" + std::to_string(srv.s->port())).status, 200);
  EXPECT_NE(srv.s->log().find("SIWE domains accepted: " + srv.domain() +
                              ", localhost:" + std::to_string(srv.s->port())),
            std::string::npos)
      << srv.s->log();
}

// --- 4. EIP-712 verification cannot exhaust the CPU or the blocking pool ------------------

namespace {

// Accepts TCP connections (kernel backlog) but never answers: an RPC endpoint that stalls.
struct StallingEndpoint {
  int fd = -1;
  uint16_t port = 0;
  StallingEndpoint() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd, 64) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("stalling endpoint: cannot listen");
    port = ntohs(a.sin_port);
  }
  ~StallingEndpoint() { ::close(fd); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST(Security, LargeTypedDataIsRefusedBeforeHashing) {
  Server srv(nlohmann::json::object());
  ASSERT_TRUE(srv.start());
  auto f = authtest::load_fixture("eip712.json")[0];
  // Too many elements for the EIP-712 limits (the body itself is small enough).
  auto many =
      srv.post("/api/v1/auth/eip712/verify",
               {{"typed_data", authtest::bag_typed_data(2000)}, {"signature", f["signature"]}});
  expect_error(many, 400, "invalid_typed_data");
  // Larger than the route accepts at all.
  auto big = srv.post("/api/v1/auth/eip712/verify", {{"typed_data", authtest::bag_typed_data(1000)},
                                                     {"signature", f["signature"]},
                                                     {"padding", std::string(40000, 'p')}});
  EXPECT_EQ(big.status, 413) << big.body;
  // Wallet-sized typed data still verifies.
  auto ok = srv.post("/api/v1/auth/eip712/verify",
                     {{"typed_data", f["typed_data"]}, {"signature", f["signature"]}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST(Security, SlowTypedDataVerificationsCannotStarveTheBlockingPool) {
  StallingEndpoint rpc;
  constexpr int kMaxInFlight = 4;  // the default eip712.max_in_flight
  constexpr int kExtra = 4;
  // Six pool threads: without the cap the eight slow verifications would occupy all of them.
  Server srv(nlohmann::json{
      {"server", {{"blocking_threads", 6}}},
      {"plugins",
       {{"auth",
         {{"chains", {{{"chain_id", 1337}, {"rpc_urls", {rpc.url()}}, {"timeout_ms", 6000}}}}}}}}});
  ASSERT_TRUE(srv.start());
  // Signed by the fixture key but checked against another address on chain 1337: the
  // EIP-1271 fallback asks the stalling endpoint and holds its request for 6 s.
  auto f = authtest::load_fixture("eip712.json")[0];
  auto typed = f["typed_data"];
  typed["domain"]["chainId"] = 1337;
  nlohmann::json body = {{"typed_data", typed},
                         {"signature", f["signature"]},
                         {"address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}};
  std::vector<std::future<sgtest::HttpResponse>> calls;
  for (int i = 0; i < kMaxInFlight + kExtra; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return sgtest::http(srv.s->port(), "POST", "/api/v1/auth/eip712/verify", body.dump(),
                          {{"Content-Type", "application/json"}}, std::chrono::seconds(30));
    }));
  }
  // The extras are refused at once, without waiting for a pool thread.
  int busy = 0;
  std::vector<size_t> slow;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);  // < the 6 s stall
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].wait_until(deadline) != std::future_status::ready) {
      slow.push_back(i);
      continue;
    }
    auto r = calls[i].get();
    expect_error(r, 503, "signature_check_busy");
    EXPECT_FALSE(r.header("Retry-After").empty());
    ++busy;
  }
  EXPECT_EQ(busy, kExtra);
  ASSERT_EQ(slow.size(), static_cast<size_t>(kMaxInFlight));
  // While the slow ones still hold their slots, the pool serves other requests.
  auto nonce = srv.s->request("GET", "/api/v1/auth/nonce");
  EXPECT_EQ(nonce.status, 200) << nonce.body;
  for (size_t i : slow)
    EXPECT_EQ(calls[i].wait_for(std::chrono::seconds(0)), std::future_status::timeout)
        << "the nonce was answered only after a slow verification finished";
  for (size_t i : slow) expect_error(calls[i].get(), 503, "signature_check_unavailable");
}

// --- 11. one token reader ----------------------------------------------------------------

TEST(Security, GatewayAndAuthRoutesReadTheSameCredential) {
  Server srv(nlohmann::json::object(), {"gateway", "auth"}, true);
  ASSERT_TRUE(srv.start());
  // Each form: what /me (the gateway's reader) and /refresh (auth's own reader) answer.
  auto both = [&](const sgtest::Headers& h) {
    int me = srv.s->request("GET", "/api/v1/auth/me", "", h).status;
    int refresh = srv.post("/api/v1/auth/refresh", nlohmann::json::object(), h).status;
    return std::make_pair(me, refresh);
  };
  std::vector<sgtest::Headers> accepted = {
      {{"Authorization", "Bearer " + srv.token()}},
      {{"Authorization", "bearer " + srv.token()}},
      {{"Authorization", "BEARER " + srv.token()}},
      {{"Authorization", "Bearer    " + srv.token()}},
      {{"Cookie", "a=b; sg_session=\"" + srv.token() + "\""}},
      {{"Cookie", "a=b;sg_session=" + srv.token() + ";c=d"}},
  };
  for (const auto& h : accepted) {
    auto [me, refresh] = both(h);
    EXPECT_EQ(me, 200) << h[0].second;
    EXPECT_EQ(refresh, 200) << h[0].second;
  }
  std::vector<sgtest::Headers> refused = {
      {{"Authorization", "Bearer " + srv.token() + " junk"}},
      {{"Authorization", "Bearer \"" + srv.token() + "\""}},
      {{"Authorization", "Bearer\t" + srv.token()}},
      {{"Cookie", "sg_session =" + srv.token()}},
      {{"Cookie", "SG_SESSION=" + srv.token()}},
  };
  for (const auto& h : refused) {
    auto [me, refresh] = both(h);
    EXPECT_EQ(me, 401) << h[0].second;
    EXPECT_EQ(refresh, 401) << h[0].second;
  }
}
