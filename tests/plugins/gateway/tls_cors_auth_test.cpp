// TLS with a self-signed certificate the client verifies, CORS preflight and headers, and
// identities through the test `auth` provider (test_identity plugin).
#include <gtest/gtest.h>

#include <thread>

#include "gateway_fixture.hpp"
#include "raw_client.hpp"
#include "tls_client.hpp"

using namespace std::chrono_literals;

TEST(GatewayTls, SelfSignedCertificateVerifiedByClient) {
  sgtest::TempDir certs("sg-gw-tls");
  auto cert = (certs.path() / "cert.pem").string();
  auto key = (certs.path() / "key.pem").string();
  auto gen = sgtest::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                  "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                  "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  gwtest::Gateway gw(
      nlohmann::json{{"tls", {{"enabled", true}, {"cert_file", cert}, {"key_file", key}}}});
  const std::string body = gwtest::payload(300000, 9);
  gw.write_file("t.bin", body);
  ASSERT_TRUE(gw.start());

  auto res = gwtest::https_get(gw.port(), cert, "/t/hello", 3);
  ASSERT_TRUE(res.ok) << res.error;
  ASSERT_EQ(res.responses.size(), 3u);
  for (const auto& r : res.responses) EXPECT_EQ(r.body, "hello");
  auto file = gwtest::https_get(gw.port(), cert, "/t/file/t.bin");
  ASSERT_TRUE(file.ok) << file.error;
  EXPECT_TRUE(file.responses[0].body == body);
  auto range = gwtest::https_get(gw.port(), cert, "/t/file/t.bin", 1, {{"Range", "bytes=10-19"}});
  ASSERT_TRUE(range.ok) << range.error;
  EXPECT_EQ(range.responses[0].status, 206);
  EXPECT_EQ(range.responses[0].body, body.substr(10, 10));

  // A client trusting another CA refuses the handshake.
  sgtest::TempDir other("sg-gw-tls2");
  auto other_cert = (other.path() / "cert.pem").string();
  auto other_key = (other.path() / "key.pem").string();
  ASSERT_EQ(
      sgtest::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           other_key, "-out", other_cert, "-days", "1", "-subj", "/CN=other"})
          .exit_code,
      0);
  auto refused = gwtest::https_get(gw.port(), other_cert, "/t/hello");
  EXPECT_FALSE(refused.ok);
  // Plain HTTP on the TLS port gets nowhere, and the server keeps serving.
  sgtest::RawClient plain(gw.port());
  plain.send("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(plain.wait_closed(5s));
  EXPECT_TRUE(gwtest::https_get(gw.port(), cert, "/t/hello").ok);
}

TEST(GatewayCors, PreflightAndResponseHeaders) {
  gwtest::Gateway gw(nlohmann::json{{"cors",
                                     {{"allowed_origins", {"https://app.example"}},
                                      {"allow_credentials", true},
                                      {"max_age", 900}}}});
  ASSERT_TRUE(gw.start());
  auto pre = sgtest::http(gw.port(), "OPTIONS", "/t/hello", "",
                          {{"Origin", "https://app.example"},
                           {"Access-Control-Request-Method", "GET"},
                           {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(pre.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(pre.header("access-control-max-age"), "900");
  EXPECT_NE(pre.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"), std::string::npos);

  auto denied =
      sgtest::http(gw.port(), "OPTIONS", "/t/hello", "",
                   {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_TRUE(denied.header("access-control-allow-origin").empty());

  auto simple = sgtest::http(gw.port(), "GET", "/t/hello", "", {{"Origin", "https://app.example"}});
  EXPECT_EQ(simple.status, 200);
  EXPECT_EQ(simple.header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(simple.header("vary"), "Origin");
  EXPECT_NE(simple.header("access-control-expose-headers").find("X-Request-Id"), std::string::npos);
  auto other = sgtest::http(gw.port(), "GET", "/t/hello", "", {{"Origin", "https://evil.example"}});
  EXPECT_TRUE(other.header("access-control-allow-origin").empty());
  // 405 lists OPTIONS when CORS is on.
  EXPECT_NE(sgtest::http(gw.port(), "POST", "/t/hello").header("allow").find("OPTIONS"),
            std::string::npos);
}

TEST(GatewayCors, WildcardWithCredentialsRefusesToStart) {
  nlohmann::json overrides;
  overrides["plugins"]["gateway"]["cors"] = {{"allowed_origins", {"*"}},
                                             {"allow_credentials", true}};
  sgtest::StreamGateServer server(overrides);
  server.use_plugins({"gateway"});
  auto code = server.run_until_exit(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "still running with CORS * and credentials:\n" << server.log();
  EXPECT_NE(*code, 0);
  EXPECT_NE(server.log().find("plugins.gateway.cors.allow_credentials"), std::string::npos)
      << server.log();
}

TEST(GatewayIdentity, BearerAndCookieThroughAuthService) {
  gwtest::Gateway gw(nlohmann::json::object(), {"gateway", "test_routes", "test_identity"});
  ASSERT_TRUE(gw.start());
  const std::string addr = "0x52908400098527886E0F7030069857D2E4169EE7";
  auto r =
      sgtest::http(gw.port(), "GET", "/t/identity", "", {{"Authorization", "Bearer test." + addr}});
  ASSERT_EQ(r.status, 200) << r.body << gw.server->log();
  EXPECT_EQ(r.json()["authenticated"], true);
  EXPECT_EQ(r.json()["address"], addr);
  EXPECT_EQ(r.json()["chain_id"], 1);
  EXPECT_EQ(r.json()["is_admin"], false);
  auto admin = sgtest::http(gw.port(), "GET", "/t/identity", "",
                            {{"Cookie", "a=b; sg_session=test-admin." + addr}});
  EXPECT_EQ(admin.json()["is_admin"], true);
  auto anon = sgtest::http(gw.port(), "GET", "/t/identity");
  EXPECT_EQ(anon.json()["authenticated"], false);
  auto bad = sgtest::http(gw.port(), "GET", "/t/identity", "",
                          {{"Authorization", "Bearer not-a-valid-token-xyz"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.json()["error"]["code"], "invalid_token");
  // A stale or forged cookie is ignored (anonymous), so it never blocks signing in again.
  auto stale = sgtest::http(gw.port(), "GET", "/t/identity", "",
                            {{"Cookie", "sg_session=expired-or-forged"}});
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_EQ(stale.json()["authenticated"], false);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(gw.server->log().find("not-a-valid-token-xyz"), std::string::npos);
}
