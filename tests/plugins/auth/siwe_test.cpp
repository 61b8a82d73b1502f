// SIWE: the C++ parser + EIP-191 verifier agree with every ethers/siwe fixture and reject
// every mutated copy; policy (domain, chain, time, nonce) through SiweLogin.
#include <gtest/gtest.h>

#include "context.hpp"
#include "siwe_domains.hpp"
#include "test_util.hpp"
#include "web3/siwe.hpp"

using namespace sg::web3;

namespace {

// The verifier's verdict: parses, and the signature recovers the message's own address.
bool verifies(const std::string& message, const std::string& signature) {
  auto m = parse_siwe(message);
  if (!m) return false;
  auto sig = parse_signature(signature);
  if (!sig) return false;
  auto who = recover(personal_message_hash(message), *sig);
  return who && to_checksum(*who) == m->address;
}

}  // namespace

TEST(SiweFixtures, EveryEthersSignatureVerifies) {
  auto fixtures = authtest::load_fixture("siwe.json");
  ASSERT_EQ(fixtures.size(), 9u);
  for (const auto& f : fixtures) {
    std::string msg = f["message"];
    SiweParseError err;
    auto m = parse_siwe(msg, &err);
    ASSERT_TRUE(m) << err.field << ": " << err.message << "\n" << msg;
    EXPECT_EQ(m->address, f["address"]);
    EXPECT_EQ(m->chain_id, f["chain_id"].get<uint64_t>());
    EXPECT_EQ(m->domain, f["domain"]);
    EXPECT_EQ(m->scheme, f["scheme"]);
    EXPECT_EQ(m->nonce, f["nonce"]);
    EXPECT_EQ(to_hex(personal_message_hash(msg)), f["digest"]);
    EXPECT_TRUE(verifies(msg, f["signature"])) << msg;
    // v as 0/1 (some wallets) is the same signature.
    std::string sig = f["signature"];
    std::string v01 = sig.substr(0, 130) + (sig.substr(130) == "1b" ? "00" : "01");
    EXPECT_TRUE(verifies(msg, v01));
  }
}

TEST(SiweFixtures, OptionalFieldsAreParsed) {
  auto f = authtest::load_fixture("siwe.json")[1];
  auto m = parse_siwe(f["message"].get<std::string>());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->statement);
  ASSERT_TRUE(m->expiration_time);
  EXPECT_EQ(m->expiration_unix, 1893456000);
  ASSERT_TRUE(m->not_before);
  EXPECT_EQ(m->request_id.value_or(""), "req-42");
  ASSERT_EQ(m->resources.size(), 2u);
  EXPECT_EQ(m->issued_at_unix, 1767225600);
  auto f3 = authtest::load_fixture("siwe.json")[2];
  auto m3 = parse_siwe(f3["message"].get<std::string>());
  ASSERT_TRUE(m3);
  EXPECT_EQ(m3->domain, "user:pass@[::1]:8443");
  EXPECT_EQ(m3->expiration_unix, 1927850706);  // 2031-02-03T02:05:06Z
}

TEST(SiweFixtures, EveryOneByteMutationOfTheMessageIsRejected) {
  size_t checked = 0;
  for (const auto& f : authtest::load_fixture("siwe.json")) {
    std::string msg = f["message"];
    std::string sig = f["signature"];
    for (size_t i = 0; i < msg.size(); ++i) {
      for (uint8_t flip : {0x01, 0x20}) {
        std::string bad = msg;
        bad[i] = static_cast<char>(bad[i] ^ flip);
        EXPECT_FALSE(verifies(bad, sig)) << "position " << i << " of\n" << msg;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 5000u);
}

TEST(SiweFixtures, EveryOneByteMutationOfTheSignatureIsRejected) {
  for (const auto& f : authtest::load_fixture("siwe.json")) {
    std::string msg = f["message"];
    auto sig = *from_hex(f["signature"].get<std::string>());
    for (size_t i = 0; i < sig.size(); ++i) {
      Bytes bad = sig;
      bad[i] ^= 0x01;
      EXPECT_FALSE(verifies(msg, to_hex(bad))) << "signature byte " << i;
    }
  }
}

TEST(SiweParser, MalformedFieldsAreRejectedWithTheField) {
  std::string addr = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
  std::string good =
      authtest::siwe_message("localhost:8080", addr, 1, "abcdEFGH1234", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(parse_siwe(good));
  struct Case {
    std::string from, to, field;
  };
  std::vector<Case> cases = {
      {" wants you to sign in", " want you to sign in", "header"},
      {"localhost:8080 wants", "local host wants", "domain"},
      {"localhost:8080 wants", "ht tp://localhost:8080 wants", "scheme"},
      {addr, "0x2c7536e3605D9C16a7a3D7b1898e529396a65c23", "address"},
      {addr, addr.substr(0, 41), "address"},
      {"\n\nSign in", "\nSign in", "statement"},
      {"Sign in to StreamGate.", "Sign in\rto StreamGate.", "statement"},
      {"URI: http://", "URI:http://", "uri"},
      {"URI: http://localhost:8080/", "URI: not a uri", "uri"},
      {"Version: 1", "Version: 2", "version"},
      {"Chain ID: 1", "Chain ID: one", "chain_id"},
      {"Chain ID: 1", "Chain ID: ", "chain_id"},
      {"Nonce: abcdEFGH1234", "Nonce: abc", "nonce"},
      {"Nonce: abcdEFGH1234", "Nonce: abcd-EFGH1234", "nonce"},
      {"Issued At: 2026-01-01T00:00:00Z", "Issued At: 2026-01-01 00:00:00Z", "issued_at"},
      {"Issued At: 2026-01-01T00:00:00Z", "Issued At: 2026-02-30T00:00:00Z", "issued_at"},
      {"Issued At: 2026-01-01T00:00:00Z", "Issued At: 2026-01-01T00:00:00", "issued_at"},
  };
  for (const auto& c : cases) {
    std::string bad = good;
    auto pos = bad.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    bad.replace(pos, c.from.size(), c.to);
    SiweParseError err;
    EXPECT_FALSE(parse_siwe(bad, &err)) << bad;
    EXPECT_EQ(err.field, c.field) << bad;
  }
  SiweParseError err;
  EXPECT_FALSE(parse_siwe(good + "\nExpiration Time: tomorrow", &err));
  EXPECT_EQ(err.field, "expiration_time");
  EXPECT_FALSE(parse_siwe(good + "\nNot Before: 2026-13-01T00:00:00Z", &err));
  EXPECT_EQ(err.field, "not_before");
  EXPECT_FALSE(parse_siwe(good + "\nRequest ID: a b", &err));
  EXPECT_EQ(err.field, "request_id");
  EXPECT_FALSE(parse_siwe(good + "\nResources:\n- not a uri", &err));
  EXPECT_FALSE(parse_siwe(good + "\n", &err));  // trailing newline
  EXPECT_FALSE(parse_siwe(
      good + "\nNot Before: 2026-01-01T00:00:00Z\nExpiration Time: 2027-01-01T00:00:00Z", &err));
  EXPECT_FALSE(parse_siwe("", &err));
  EXPECT_TRUE(parse_siwe(
      good +
      "\nExpiration Time: 2027-01-01T00:00:00.123+01:00\nNot Before: 2025-01-01T00:00:00Z"
      "\nRequest ID: r1\nResources:\n- https://a.example/x"));
}

namespace {

struct LoginFixture : ::testing::Test {
  std::string key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
  std::string addr = to_checksum(authtest::address_of(key));
  int64_t now = 1767225600 + 100;  // 2026-01-01T00:01:40Z
  sg::auth::Context core{authtest::test_config(), nullptr, [this] { return now; }};

  std::string nonce() {
    sg::auth::KvStatus st;
    return *core.siwe().issue_nonce(&st);
  }
  sg::auth::LoginResult login(const std::string& msg) {
    return core.siwe().login(msg, authtest::personal_sign(msg, key));
  }
};

}  // namespace

TEST_F(LoginFixture, SignsInOnceAndTheNonceCannotBeReplayed) {
  std::string msg =
      authtest::siwe_message("localhost:8080", addr, 1, nonce(), authtest::rfc3339(now - 5));
  auto r = login(msg);
  ASSERT_EQ(r.status, 200) << r.code << " " << r.message;
  EXPECT_EQ(r.claims.address, addr);
  sg_http_identity id{};
  std::string why;
  ASSERT_EQ(core.identify(r.token, &id, &why), SG_OK) << why;
  EXPECT_EQ(std::string(id.address), addr);
  EXPECT_EQ(id.chain_id, 1u);
  EXPECT_EQ(id.is_admin, 1);  // test_config lists this address as admin
  auto replay = login(msg);
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.code, "invalid_nonce");
}

TEST_F(LoginFixture, NonceNotIssuedByUsIsRefused) {
  std::string msg =
      authtest::siwe_message("localhost:8080", addr, 1, "madeUpNonce123", authtest::rfc3339(now));
  EXPECT_EQ(login(msg).code, "invalid_nonce");
}

TEST_F(LoginFixture, PolicyFailures) {
  auto code = [&](const std::string& msg) { return login(msg).code; };
  EXPECT_EQ(code(authtest::siwe_message("evil.example", addr, 1, nonce(), authtest::rfc3339(now))),
            "domain_mismatch");
  EXPECT_EQ(
      code(authtest::siwe_message("localhost:8080", addr, 5, nonce(), authtest::rfc3339(now))),
      "chain_not_allowed");
  EXPECT_EQ(code(authtest::siwe_message("localhost:8080", addr, 1, nonce(),
                                        authtest::rfc3339(now + 3600))),
            "message_not_yet_valid");
  EXPECT_EQ(
      code(authtest::siwe_message("localhost:8080", addr, 1, nonce(), authtest::rfc3339(now - 600),
                                  "\nExpiration Time: " + authtest::rfc3339(now - 61))),
      "message_expired");
  EXPECT_EQ(code(authtest::siwe_message("localhost:8080", addr, 1, nonce(), authtest::rfc3339(now),
                                        "\nNot Before: " + authtest::rfc3339(now + 600))),
            "message_not_yet_valid");
  // Within the configured skew (60 s) both ways is fine.
  EXPECT_EQ(
      login(authtest::siwe_message("localhost:8080", addr, 1, nonce(), authtest::rfc3339(now + 30),
                                   "\nExpiration Time: " + authtest::rfc3339(now - 30)))
          .status,
      200);
  // Signed by another key.
  std::string msg =
      authtest::siwe_message("localhost:8080", addr, 1, nonce(), authtest::rfc3339(now));
  auto other =
      core.siwe().login(msg, authtest::personal_sign(msg, "0x" + std::string(63, '1') + "2"));
  EXPECT_EQ(other.code, "invalid_signature");
  // A failed signature does not burn the nonce: the real signature still works.
  EXPECT_EQ(login(msg).status, 200);
  EXPECT_EQ(core.siwe().login(msg, "0x1234").code, "invalid_signature");
  EXPECT_EQ(core.siwe().login("garbage", "0x1234").status, 400);
}

TEST(SiweLoginDomains, AnEmptyDomainListAcceptsNoDomain) {
  // The plugin always fills domains (configured or derived); the policy itself never falls
  // back to anything the request says.
  auto cfg = authtest::test_config();
  cfg.domains.clear();
  int64_t now = 1767225600;
  sg::auth::Context core{cfg, nullptr, [now] { return now; }};
  std::string key = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  std::string addr = to_checksum(authtest::address_of(key));
  sg::auth::KvStatus st;
  std::string msg = authtest::siwe_message("video.example:443", addr, 1,
                                           *core.siwe().issue_nonce(&st), authtest::rfc3339(now));
  EXPECT_EQ(core.siwe().login(msg, authtest::personal_sign(msg, key)).code, "domain_mismatch");
}

TEST(SiweLoginDomains, DerivedFromTheListenAddressAndPublicBaseUrl) {
  using sg::auth::derive_siwe_domains;
  auto loopback = derive_siwe_domains("", "127.0.0.1", 8080);
  EXPECT_EQ(loopback.domains, (std::vector<std::string>{"127.0.0.1:8080", "localhost:8080"}));
  EXPECT_TRUE(loopback.note.empty());
  auto any = derive_siwe_domains("", "0.0.0.0", 9000);
  EXPECT_EQ(any.domains, (std::vector<std::string>{"localhost:9000"}));
  EXPECT_NE(any.note.find("plugins.auth.domains"), std::string::npos);
  EXPECT_EQ(derive_siwe_domains("", "::", 80).domains,
            (std::vector<std::string>{"localhost:80", "localhost"}));
  EXPECT_EQ(derive_siwe_domains("", "", 8080).domains,
            (std::vector<std::string>{"localhost:8080"}));
  EXPECT_EQ(derive_siwe_domains("", "::1", 8080).domains,
            (std::vector<std::string>{"[::1]:8080", "localhost:8080"}));
  EXPECT_EQ(derive_siwe_domains("https://Video.Example.com/app", "10.0.0.5", 8080).domains,
            (std::vector<std::string>{"video.example.com", "10.0.0.5:8080"}));
  EXPECT_EQ(sg::auth::url_authority("https://u:p@video.example.com:8443/x?y"),
            "video.example.com:8443");
  EXPECT_EQ(sg::auth::url_authority("http://video.example.com:80"), "video.example.com");
  EXPECT_EQ(sg::auth::url_authority("ftp://video.example.com"), "");
  EXPECT_EQ(sg::auth::url_authority("https:///nohost"), "");
}
