// The access rule of each visibility, without I/O.
#include <gtest/gtest.h>

#include <cstring>

#include "access.hpp"
#include "config.hpp"
#include "safe_open.hpp"

#include <streamgate/plugin.hpp>

using namespace sg::streaming;

namespace {

constexpr const char* kOwner = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr const char* kViewer = "0x1111111111111111111111111111111111111111";

ContentInfo content(const std::string& visibility) {
  ContentInfo c;
  c.exists = true;
  c.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  c.owner = kOwner;
  c.status = "ready";
  c.visibility = visibility;
  if (visibility == "token_gated")
    c.gate = {{"chain_id", 1337},
              {"contract", "0x5FbDB2315678afecb367f032d93F642f64180aa3"},
              {"standard", "erc1155"},
              {"token_id", "7"},
              {"min_balance", 2}};
  return c;
}

sg_http_identity who(const char* address, bool admin = false) {
  sg_http_identity id{};
  if (address == nullptr) return id;
  id.authenticated = 1;
  std::strncpy(id.address, address, sizeof(id.address) - 1);
  id.chain_id = 1;
  id.is_admin = admin ? 1 : 0;
  return id;
}

}  // namespace

TEST(Access, PublicIsOpenToAnyoneWhateverTheyCarry) {
  for (auto token : {TokenState::absent, TokenState::valid, TokenState::invalid})
    EXPECT_EQ(decide_access(content("public"), who(nullptr), token).outcome, Access::allow);
}

TEST(Access, SignedInNeedsASessionOrAValidToken) {
  auto c = content("signed_in");
  auto anon = decide_access(c, who(nullptr), TokenState::absent);
  EXPECT_EQ(anon.outcome, Access::deny);
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.code, "sign_in_required");
  EXPECT_EQ(decide_access(c, who(kViewer), TokenState::absent).outcome, Access::allow);
  auto by_token = decide_access(c, who(nullptr), TokenState::valid);
  EXPECT_EQ(by_token.outcome, Access::allow);
  EXPECT_TRUE(by_token.via_token);
  // A bad token is refused even next to a good session: the client said which credential.
  auto bad = decide_access(c, who(kViewer), TokenState::invalid, "expired");
  EXPECT_EQ(bad.outcome, Access::deny);
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.code, "invalid_playback_token");
  EXPECT_NE(bad.message.find("expired"), std::string::npos);
}

TEST(Access, TokenGatedAsksTheGateExceptForOwnerAndAdmins) {
  auto c = content("token_gated");
  EXPECT_EQ(decide_access(c, who(kViewer), TokenState::absent).outcome, Access::check_gate);
  EXPECT_EQ(decide_access(c, who(nullptr), TokenState::absent).status, 401);
  EXPECT_EQ(decide_access(c, who(kViewer), TokenState::valid).outcome, Access::allow);
  EXPECT_EQ(decide_access(c, who("0x2C7536E3605D9C16A7A3D7B1898E529396A65C23"), TokenState::absent)
                .outcome,
            Access::allow);
  EXPECT_EQ(decide_access(c, who(kViewer, true), TokenState::absent).outcome, Access::allow);
  c.gate = nullptr;
  EXPECT_EQ(decide_access(c, who(kViewer), TokenState::absent).status, 403);
}

TEST(Access, UnknownVisibilityIsRefused) {
  auto d = decide_access(content("friends_only"), who(kViewer), TokenState::absent);
  EXPECT_EQ(d.outcome, Access::deny);
  EXPECT_EQ(d.status, 403);
}

TEST(Access, RequiredNamesTheGate) {
  auto r = required_for(content("token_gated"), {{1337, "local"}});
  EXPECT_EQ(r["type"], "nft");
  EXPECT_EQ(r["chain_id"], 1337);
  EXPECT_EQ(r["chain_name"], "local");
  EXPECT_EQ(r["contract"], "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  EXPECT_EQ(r["standard"], "erc1155");
  EXPECT_EQ(r["token_id"], "7");
  EXPECT_EQ(r["min_balance"], 2);
  EXPECT_TRUE(required_for(content("token_gated"), {})["chain_name"].is_null());
}

TEST(StreamingConfig, DefaultsAndErrorsNameTheKey) {
  auto c = parse_config(nullptr);
  EXPECT_EQ(c.manifest_max_age_seconds, 2);
  // Automatic TTL: the film plus slack, at least five minutes.
  EXPECT_EQ(token_ttl_for(c, 7200.2), 7201u + 600u);
  EXPECT_EQ(token_ttl_for(c, 0), 600u);
  c.token_slack_seconds = 0;
  EXPECT_EQ(token_ttl_for(c, 10), 300u);
  c.token_ttl_seconds = 90;
  EXPECT_EQ(token_ttl_for(c, 7200), 90u);
  try {
    parse_config({{"manifest_max_age_seconds", "x"}});
    FAIL();
  } catch (const sg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("plugins.streaming.manifest_max_age_seconds"),
              std::string::npos);
  }
  EXPECT_THROW(parse_config({{"nope", 1}}), sg::Error);
  EXPECT_THROW(parse_config({{"content_cache", {{"ttl", 1}}}}), sg::Error);
}
