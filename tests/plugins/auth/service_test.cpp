// The auth v1 C table as other plugins see it (in process, no host): identify, playback
// tokens, gates without chains, EIP-712 verification, and errors instead of crashes.
#include <gtest/gtest.h>

#include <cstring>

#include "service.hpp"
#include "test_util.hpp"

using namespace sg::auth;

namespace {

struct Service : ::testing::Test {
  int64_t now = 1800000000;
  Context core{authtest::test_config(), nullptr, [this] { return now; }};
  AuthService service;
  const sg_auth_service* t = nullptr;
  void SetUp() override {
    service.attach(&core);
    t = service.table();
  }
  sg_http_identity signed_in() {
    sg_http_identity id{};
    id.authenticated = 1;
    std::strcpy(id.address, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
    id.chain_id = 1;
    return id;
  }
};

}  // namespace

TEST(ServiceTable, UnattachedAnswersUnavailable) {
  AuthService s;
  sg_http_identity id{};
  sg_error err{};
  EXPECT_EQ(s.table()->identify(s.table()->self, "x", 1, &id, &err), SG_ERR_UNAVAILABLE);
  EXPECT_EQ(s.table()->struct_size, sizeof(sg_auth_service));
}

TEST_F(Service, IdentifyThroughTheTable) {
  std::string token =
      core.tokens().mint_session("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", 137, now);
  sg_http_identity id{};
  sg_error err{};
  ASSERT_EQ(t->identify(t->self, token.data(), token.size(), &id, &err), SG_OK) << err.message;
  EXPECT_EQ(id.authenticated, 1);
  EXPECT_EQ(id.chain_id, 137u);
  EXPECT_STREQ(id.address, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  EXPECT_EQ(t->identify(t->self, "abc", 3, &id, &err), SG_ERR_DENIED);
  EXPECT_EQ(id.authenticated, 0);
  EXPECT_EQ(t->identify(t->self, nullptr, 0, &id, &err), SG_ERR_DENIED);
  EXPECT_EQ(t->identify(t->self, "abc", 3, nullptr, &err), SG_ERR_INVALID);
}

TEST_F(Service, PlaybackMintAndVerify) {
  sg_http_identity id = signed_in();
  sg_owned_str tok{};
  sg_error err{};
  ASSERT_EQ(t->playback_mint(t->self, "content-9", 9, &id, 60, &tok, &err), SG_OK) << err.message;
  std::string token = sg::take_owned(tok);
  sg_auth_playback pb{};
  pb.struct_size = sizeof(pb);
  ASSERT_EQ(t->playback_verify(t->self, token.data(), token.size(), "content-9", 9, &pb, &err),
            SG_OK);
  EXPECT_STREQ(pb.address, id.address);
  EXPECT_EQ(pb.expires_at, static_cast<uint64_t>(now + 60));
  EXPECT_EQ(t->playback_verify(t->self, token.data(), token.size(), "content-8", 9, &pb, &err),
            SG_ERR_DENIED);
  EXPECT_EQ(t->playback_mint(t->self, "", 0, &id, 60, &tok, &err), SG_ERR_INVALID);
  // Session token is not a playback token and vice versa.
  std::string session = core.tokens().mint_session(id.address, 1, now);
  EXPECT_EQ(t->playback_verify(t->self, session.data(), session.size(), "content-9", 9, &pb, &err),
            SG_ERR_DENIED);
  sg_http_identity out{};
  EXPECT_EQ(t->identify(t->self, token.data(), token.size(), &out, &err), SG_ERR_DENIED);
}

TEST_F(Service, GatesWithoutAChain) {
  sg_http_identity anon{};
  sg_http_identity me = signed_in();
  sg_auth_gate_result r{};
  r.struct_size = sizeof(r);
  sg_error err{};
  auto gate = [&](const sg_http_identity* who, const std::string& rule) {
    r = sg_auth_gate_result{};
    r.struct_size = sizeof(r);
    return t->gate_check(t->self, who, rule.data(), rule.size(), 0, &r, &err);
  };
  ASSERT_EQ(gate(&anon, R"({"type":"public"})"), SG_OK);
  EXPECT_EQ(r.allowed, 1);
  ASSERT_EQ(gate(&anon, R"({"type":"signed_in"})"), SG_OK);
  EXPECT_EQ(r.allowed, 0);
  EXPECT_STREQ(r.reason, "not_signed_in");
  ASSERT_EQ(gate(&me, R"({"type":"signed_in"})"), SG_OK);
  EXPECT_EQ(r.allowed, 1);
  ASSERT_EQ(gate(nullptr, R"({"any_of":[{"type":"signed_in"},{"type":"public"}]})"), SG_OK);
  EXPECT_EQ(r.allowed, 1);
  EXPECT_EQ(
      gate(
          &me,
          R"({"type":"nft","chain_id":999,"contract":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"})"),
      SG_ERR_INVALID);  // chain not configured
  EXPECT_EQ(
      gate(
          &me,
          R"({"type":"nft","chain_id":1,"contract":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"})"),
      SG_ERR_INVALID);  // bad checksum
  EXPECT_EQ(gate(&me, R"({"type":"teleport"})"), SG_ERR_INVALID);
  EXPECT_EQ(gate(&me, R"(not json)"), SG_ERR_INVALID);
  EXPECT_EQ(gate(&me, R"({"any_of":[]})"), SG_ERR_INVALID);
  sg_error e2{};
  EXPECT_EQ(t->gate_check_async(t->self, &me, "{}", 2, 0, nullptr, nullptr, &e2), SG_ERR_INVALID);
}

TEST_F(Service, TypedDataThroughTheTable) {
  auto f = authtest::load_fixture("eip712.json")[1];
  std::string typed = f["typed_data"].dump();
  std::string sig = f["signature"];
  std::string want = f["address"];
  char signer[SG_IDENTITY_ADDRESS_MAX] = {};
  uint8_t digest[32] = {};
  sg_error err{};
  ASSERT_EQ(t->verify_typed_data(t->self, typed.data(), typed.size(), sig.data(), sig.size(),
                                 want.data(), want.size(), signer, digest, &err),
            SG_OK)
      << err.message;
  EXPECT_EQ(std::string(signer), want);
  EXPECT_EQ(sg::web3::to_hex(std::span<const uint8_t>(digest, 32)), f["digest"]);
  std::string other = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  EXPECT_EQ(t->verify_typed_data(t->self, typed.data(), typed.size(), sig.data(), sig.size(),
                                 other.data(), other.size(), signer, nullptr, &err),
            SG_ERR_DENIED);
  EXPECT_EQ(t->verify_typed_data(t->self, "{}", 2, sig.data(), sig.size(), nullptr, 0, signer,
                                 nullptr, &err),
            SG_ERR_INVALID);
  EXPECT_EQ(t->verify_typed_data(t->self, typed.data(), typed.size(), "0x00", 4, nullptr, 0, signer,
                                 nullptr, &err),
            SG_ERR_INVALID);
}
