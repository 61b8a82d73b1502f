// Session and playback tokens: forgeries, algorithm confusion, claims, revocation, and the
// separation between the two kinds.
#include <gtest/gtest.h>

#include "context.hpp"
#include "test_util.hpp"
#include "web3/jwt.hpp"

using namespace sg::auth;
namespace jwt = sg::web3::jwt;

namespace {

struct Tokens : ::testing::Test {
  int64_t now = 1800000000;
  AuthConfig cfg = authtest::test_config();
  Context core{cfg, nullptr, [this] { return now; }};
  std::string addr = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

  sg_status identify(const std::string& token, std::string* why = nullptr) {
    sg_http_identity id{};
    std::string w;
    sg_status st = core.identify(token, &id, &w);
    if (why) *why = w;
    if (st == SG_OK) {
      EXPECT_EQ(id.authenticated, 1);
    }
    return st;
  }
  std::string forge(const std::string& header_json, const nlohmann::json& claims,
                    const std::string& key) {
    std::string input =
        jwt::base64url_encode(header_json) + "." + jwt::base64url_encode(claims.dump());
    // Signed like a real token but with an arbitrary header: what an attacker would send.
    return input + "." + hmac(input, key);
  }
  static std::string hmac(const std::string& input, const std::string& key);
  nlohmann::json good_claims() {
    return {{"iss", cfg.issuer}, {"aud", cfg.session_audience},
            {"sub", addr},       {"chain_id", 1},
            {"iat", now},        {"nbf", now},
            {"exp", now + 60},   {"jti", "abc"},
            {"auth_time", now},  {"typ", "session"}};
  }
};

}  // namespace

#include <openssl/evp.h>
#include <openssl/hmac.h>

std::string Tokens::hmac(const std::string& input, const std::string& key) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return jwt::base64url_encode(std::string(reinterpret_cast<char*>(out), len));
}

TEST(Base64Url, RoundTripAndStrictness) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\xff\x00\x10", 3)}) {
    EXPECT_EQ(jwt::base64url_decode(jwt::base64url_encode(s)).value(), s);
  }
  EXPECT_FALSE(jwt::base64url_decode("Zg=="));  // padding is not base64url in JWS
  EXPECT_FALSE(jwt::base64url_decode("Z+8"));
  EXPECT_FALSE(jwt::base64url_decode("Zh"));  // non-zero leftover bits: non-canonical
}

TEST_F(Tokens, SessionRoundTrip) {
  std::string t = core.tokens().mint_session(addr, 1, now);
  EXPECT_EQ(identify(t), SG_OK);
  EXPECT_EQ(identify(forge(R"({"alg":"HS256","typ":"JWT"})", good_claims(), cfg.jwt_secret)),
            SG_OK);
}

TEST_F(Tokens, ForgeriesAreDenied) {
  std::string why;
  // alg:none with an empty signature, and with a signature.
  std::string none = jwt::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                     jwt::base64url_encode(good_claims().dump()) + ".";
  EXPECT_EQ(identify(none, &why), SG_ERR_DENIED);
  EXPECT_NE(why.find("bad_algorithm"), std::string::npos) << why;
  EXPECT_EQ(identify(forge(R"({"alg":"none"})", good_claims(), cfg.jwt_secret)), SG_ERR_DENIED);
  // Algorithm switching: same HMAC but the header claims another algorithm.
  EXPECT_EQ(identify(forge(R"({"alg":"HS512","typ":"JWT"})", good_claims(), cfg.jwt_secret)),
            SG_ERR_DENIED);
  EXPECT_EQ(identify(forge(R"({"alg":"RS256","typ":"JWT"})", good_claims(), cfg.jwt_secret)),
            SG_ERR_DENIED);
  EXPECT_EQ(identify(forge(R"({"alg":"HS256","typ":"JWT","kid":"../../x"})", good_claims(),
                           cfg.jwt_secret)),
            SG_ERR_DENIED);
  // Wrong key, tampered payload, truncated / extra parts.
  EXPECT_EQ(identify(forge(R"({"alg":"HS256","typ":"JWT"})", good_claims(),
                           "another-key-another-key-another-key")),
            SG_ERR_DENIED);
  std::string t = core.tokens().mint_session(addr, 1, now);
  auto dot1 = t.find('.');
  auto dot2 = t.rfind('.');
  auto c = good_claims();
  c["sub"] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  std::string tampered = t.substr(0, dot1 + 1) + jwt::base64url_encode(c.dump()) + t.substr(dot2);
  EXPECT_EQ(identify(tampered, &why), SG_ERR_DENIED);
  EXPECT_NE(why.find("bad_signature"), std::string::npos);
  EXPECT_EQ(identify(t.substr(0, dot2)), SG_ERR_DENIED);
  EXPECT_EQ(identify(t + ".x"), SG_ERR_DENIED);
  EXPECT_EQ(identify(""), SG_ERR_DENIED);
  EXPECT_EQ(identify("not a token"), SG_ERR_DENIED);
  std::string flipped = t;
  flipped[dot2 + 3] = flipped[dot2 + 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(identify(flipped), SG_ERR_DENIED);
  // The message never echoes the token.
  identify(tampered, &why);
  EXPECT_EQ(why.find(tampered.substr(dot2 + 1)), std::string::npos);
}

TEST_F(Tokens, ClaimsAreChecked) {
  auto with = [&](const char* k, nlohmann::json v) {
    auto c = good_claims();
    if (v.is_null()) {
      c.erase(k);
    } else {
      c[k] = v;
    }
    return identify(forge(R"({"alg":"HS256","typ":"JWT"})", c, cfg.jwt_secret));
  };
  EXPECT_EQ(with("iss", "someone-else"), SG_ERR_DENIED);
  EXPECT_EQ(with("aud", cfg.playback_audience), SG_ERR_DENIED);
  EXPECT_EQ(with("aud", nullptr), SG_ERR_DENIED);
  EXPECT_EQ(with("exp", now - cfg.clock_skew), SG_ERR_DENIED);  // expired beyond skew
  EXPECT_EQ(with("exp", now - cfg.clock_skew + 5), SG_OK);      // within skew
  EXPECT_EQ(with("exp", nullptr), SG_ERR_DENIED);
  EXPECT_EQ(with("exp", "soon"), SG_ERR_DENIED);
  EXPECT_EQ(with("nbf", now + cfg.clock_skew + 10), SG_ERR_DENIED);
  EXPECT_EQ(with("jti", nullptr), SG_ERR_DENIED);
  EXPECT_EQ(with("typ", "playback"), SG_ERR_DENIED);
  EXPECT_EQ(with("sub", "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"),
            SG_ERR_DENIED);  // not EIP-55
  EXPECT_EQ(with("chain_id", -1), SG_ERR_DENIED);
}

TEST_F(Tokens, ExpiredSessionIsDenied) {
  std::string t = core.tokens().mint_session(addr, 1, now);
  now += cfg.session_ttl + cfg.clock_skew;
  std::string why;
  EXPECT_EQ(identify(t, &why), SG_ERR_DENIED);
  EXPECT_NE(why.find("expired"), std::string::npos);
}

TEST_F(Tokens, RevokedSessionIsDenied) {
  SessionClaims c;
  std::string t = core.tokens().mint_session(addr, 1, now, &c);
  ASSERT_EQ(identify(t), SG_OK);
  ASSERT_EQ(core.tokens().revoke(c), KvStatus::kOk);
  std::string why;
  EXPECT_EQ(identify(t, &why), SG_ERR_DENIED);
  EXPECT_NE(why.find("revoked"), std::string::npos);
  // Another session of the same wallet is unaffected.
  EXPECT_EQ(identify(core.tokens().mint_session(addr, 1, now)), SG_OK);
}

TEST_F(Tokens, PlaybackTokensAreBoundToOneContentAndNeverASession) {
  std::string p = core.tokens().mint_playback("video-1", addr, 1, 0);
  std::string reason;
  auto ok = core.tokens().verify_playback(p, "video-1", &reason);
  ASSERT_TRUE(ok) << reason;
  EXPECT_EQ(ok->address, addr);
  EXPECT_EQ(ok->exp, now + cfg.playback_ttl);
  EXPECT_FALSE(core.tokens().verify_playback(p, "video-2", &reason));
  EXPECT_NE(reason.find("another content"), std::string::npos);
  EXPECT_EQ(identify(p), SG_ERR_DENIED);  // not a session
  std::string s = core.tokens().mint_session(addr, 1, now);
  EXPECT_FALSE(core.tokens().verify_playback(s, "video-1", &reason));  // not a playback token
  // TTLs above the maximum are clamped; anonymous tokens carry no address.
  auto clamped = core.tokens().verify_playback(
      core.tokens().mint_playback("v", "", 0, 10 * cfg.playback_max_ttl), "v", &reason);
  ASSERT_TRUE(clamped);
  EXPECT_EQ(clamped->exp, now + cfg.playback_max_ttl);
  EXPECT_EQ(clamped->address, "");
  now += cfg.playback_max_ttl + cfg.clock_skew;
  EXPECT_FALSE(core.tokens().verify_playback(p, "video-1", &reason));  // expired
}

TEST(AuthConfig, SecretsPolicy) {
  EXPECT_THROW(parse_config(nlohmann::json::object(), false), std::invalid_argument);
  EXPECT_THROW(parse_config({{"jwt_secret", "short"}}, false), std::invalid_argument);
  EXPECT_THROW(
      parse_config({{"jwt_secret", "streamgate-dev-secret-change-me-streamgate-dev"}}, false),
      std::invalid_argument);
  // The formerly built-in (published) key is refused even in dev mode.
  EXPECT_THROW(
      parse_config({{"jwt_secret", "streamgate-dev-secret-change-me-streamgate-dev"}}, true),
      std::invalid_argument);
  // Dev mode without a key: no built-in fallback; the plugin generates one (set_jwt_secret),
  // and a core refuses to exist without one.
  auto dev = parse_config(nlohmann::json::object(), true);
  EXPECT_TRUE(dev.jwt_secret.empty());
  EXPECT_TRUE(dev.playback_secret.empty());
  EXPECT_THROW(Context(dev, nullptr), std::invalid_argument);
  set_jwt_secret(dev, std::string(64, 'g'));
  EXPECT_EQ(dev.playback_secret.size(), 32u);
  EXPECT_NE(dev.playback_secret, dev.jwt_secret);
  // Outside dev mode a configured short playback key is refused too.
  EXPECT_THROW(
      parse_config({{"jwt_secret", std::string(40, 'k')}, {"playback_secret", "short"}}, false),
      std::invalid_argument);
  auto c = parse_config({{"jwt_secret", std::string(40, 'k')}}, false);
  EXPECT_NE(c.playback_secret, c.jwt_secret);
  EXPECT_EQ(c.playback_secret.size(), 32u);
  try {
    parse_config({{"jwt_secret", "hunter2"}}, false);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);  // never echoes the secret
  }
  EXPECT_THROW(parse_config({{"jwt_secret", std::string(40, 'k')},
                             {"chains", {{{"chain_id", 1}, {"rpc_urls", {"ftp://x"}}}}}},
                            false),
               std::invalid_argument);
  EXPECT_THROW(
      parse_config({{"jwt_secret", std::string(40, 'k')}, {"admins", {"0xnothex"}}}, false),
      std::invalid_argument);
  EXPECT_THROW(parse_config({{"jwt_secret", std::string(40, 'k')}, {"jwt_secert", "typo"}}, false),
               std::invalid_argument);
  EXPECT_NO_THROW(parse_config({{"jwt_secret", std::string(40, 'k')}, {"enabled", true}}, false));
}
