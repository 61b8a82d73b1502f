// NFT-gated content through a running streamgate whose auth asks a local ganache chain
// (sgtest::LocalChain: ERC-721 #1 and 3 x ERC-1155 id 7 held by chain account 0, nothing by
// account 1). On every route a viewer uses (master and media playlists, MPD, init and media
// segments, poster, storyboard and the playback endpoint): no credentials, forged or
// misplaced tokens are 401; a signed-in non-holder is 403 gate_denied with the `required`
// token; the holder plays with the session or with the playback token it was given; an
// unreachable RPC endpoint is 503 gate_check_unavailable (fail closed); a stricter gate
// applies to the holder's next request. One stack (gated_stack) for the whole file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream_fixture.hpp"

namespace {

using json = nlohmann::json;
using streamtest::Stack;

const std::vector<std::string> kMediaFiles = {
    "master.m3u8",        "manifest.mpd", "360p/index.m3u8", "360p/init.mp4",
    "360p/seg-00001.m4s", "poster.jpg",   "storyboard.vtt",  "storyboard.jpg"};
constexpr const char* kPlayback = "playback";

class Gate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = streamtest::gated_skip_reason(); !why.empty()) GTEST_SKIP() << why;
    s = streamtest::gated_stack();
    ASSERT_NE(s, nullptr);
    ASSERT_NE(s->chain, nullptr);
    s->set_visibility(s->content_b, {{"visibility", "public"}, {"gate", nullptr}});
  }

  // Every route a player uses, the playback endpoint last.
  static std::vector<std::string> routes() {
    auto r = kMediaFiles;
    r.push_back(kPlayback);
    return r;
  }
  std::string target(const std::string& route, const std::string& query = "",
                     const std::string& id = "") const {
    const std::string& content = id.empty() ? s->content_a : id;
    if (route == kPlayback) return "/api/v1/content/" + content + "/playback" + query;
    return "/stream/" + content + "/" + route + query;
  }
  sgtest::HttpResponse bearer(const std::string& t, const std::string& session) const {
    return s->get(t, {{"Authorization", "Bearer " + session}});
  }
  static void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code,
                           const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    auto j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << what << ": " << r.body;
    EXPECT_EQ(j["error"]["code"], code) << what << ": " << r.body;
    EXPECT_EQ(r.header("Cache-Control"), "no-store") << what;
  }

  json gate(const std::string& standard, const std::string& token_id, int64_t min_balance = 1,
            uint64_t chain_id = 1337) const {
    return {{"chain_id", chain_id},
            {"contract", standard == "erc721" ? s->chain->erc721() : s->chain->erc1155()},
            {"standard", standard},
            {"token_id", token_id},
            {"min_balance", min_balance}};
  }
  void set_gate(const json& g) const {
    s->set_visibility(s->content_a, {{"visibility", "token_gated"}, {"gate", g}});
  }
  // What a 403 names for `g`.
  static json required(const json& g, const json& chain_name) {
    return {{"type", "nft"},
            {"chain_id", g["chain_id"]},
            {"chain_name", chain_name},
            {"contract", g["contract"]},
            {"standard", g["standard"]},
            {"token_id", g["token_id"]},
            {"min_balance", g["min_balance"]}};
  }
  // A playback token for content `id` given to `session` by the playback endpoint.
  std::string playback_token(const std::string& id, const std::string& session) const {
    auto r = bearer(target(kPlayback, "", id), session);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200 || !r.json()["token"].is_string()) return "";
    return r.json()["token"];
  }
  void expect_denied_everywhere(const std::string& session, const json& g, const std::string& who,
                                const std::string& balance) const {
    for (const auto& route : routes()) {
      auto r = bearer(target(route), session);
      expect_error(r, 403, "gate_denied", who + " " + route);
      auto j = json::parse(r.body, nullptr, false);
      if (!j.is_object() || !j.contains("error")) continue;
      EXPECT_EQ(j["error"]["required"], required(g, streamtest::kGanacheChainName))
          << route << ": " << r.body;
      EXPECT_EQ(j["error"]["balance"], balance) << route << ": " << r.body;
    }
  }
  void expect_allowed_everywhere(const std::string& session, const std::string& who) const {
    for (const auto& route : routes()) {
      auto r = bearer(target(route), session);
      EXPECT_EQ(r.status, 200) << who << " " << route << ": " << r.body;
      EXPECT_FALSE(r.body.empty()) << who << " " << route;
    }
    // The playback token the endpoint gives opens every file with no headers at all.
    std::string token = playback_token(s->content_a, session);
    ASSERT_FALSE(token.empty());
    for (const auto& f : kMediaFiles) {
      auto r = s->get(target(f, "?token=" + token));
      EXPECT_EQ(r.status, 200) << who << " " << f << "?token=: " << r.body;
    }
  }

  Stack* s = nullptr;
};

TEST_F(Gate, Erc721EveryRouteRefusesAllButTheHolder) {
  // Valid tokens of another (signed_in) content, and of this one, for the holder.
  s->set_visibility(s->content_b, {{"visibility", "signed_in"}, {"gate", nullptr}});
  const std::string other_token = playback_token(s->content_b, s->holder_session);
  ASSERT_FALSE(other_token.empty());
  const json g = gate("erc721", "1");
  set_gate(g);
  const std::string token = playback_token(s->content_a, s->holder_session);
  ASSERT_FALSE(token.empty());
  std::string forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';

  for (const auto& route : routes()) {
    const bool playback = route == kPlayback;
    // The playback endpoint takes no ?token= (a token does not buy another one): for it a
    // token is no credential at all, so every token case is sign_in_required.
    const std::string bad_token = playback ? "sign_in_required" : "invalid_playback_token";
    expect_error(s->get(target(route)), 401, "sign_in_required", "nothing " + route);
    expect_error(s->get(target(route, "?token=" + forged)), 401, bad_token, "forged " + route);
    expect_error(s->get(target(route, "?token=" + other_token)), 401, bad_token,
                 "other content's token " + route);
    expect_error(s->get(target(route, "?token=" + s->holder_session)), 401, bad_token,
                 "session as ?token= " + route);
    expect_error(s->get(target(route, "?token=junk")), 401, bad_token, "junk token " + route);
    auto as_session = bearer(target(route), token);
    EXPECT_EQ(as_session.status, 401)
        << "playback token as Bearer " << route << ": " << as_session.body;
    expect_error(s->get(target(route, "?playback_token=junk")), 401, "sign_in_required",
                 "?playback_token= " + route);
    expect_error(s->get(target(route, "?playback_token=" + token)), 401, "sign_in_required",
                 "?playback_token=<valid> " + route);
    // A bad token is never ignored in favour of a good session.
    if (!playback) {
      expect_error(bearer(target(route, "?token=" + forged), s->holder_session), 401,
                   "invalid_playback_token", "forged token + holder session " + route);
    }
    // The holder's own token with no headers: every media file (not the playback endpoint).
    auto with_token = s->get(target(route, "?token=" + token));
    if (playback) {
      expect_error(with_token, 401, "sign_in_required", "token on the playback endpoint");
    } else {
      EXPECT_EQ(with_token.status, 200) << "holder token " << route << ": " << with_token.body;
    }
  }
  expect_denied_everywhere(s->non_holder_session, g, "non-holder", "0");
  expect_denied_everywhere(s->viewer_session, g, "viewer", "0");
  expect_allowed_everywhere(s->holder_session, "holder");
  // The owner (not a holder) always plays their own content.
  for (const auto& route : routes())
    EXPECT_EQ(bearer(target(route), s->owner_session).status, 200) << "owner " << route;

  // The session in the cookie works like the Bearer one.
  for (const char* f : {"master.m3u8", "360p/seg-00001.m4s"}) {
    EXPECT_EQ(s->get(target(f), {{"Cookie", "a=b; sg_session=" + s->holder_session}}).status, 200)
        << f;
    expect_error(s->get(target(f), {{"Cookie", "sg_session=" + s->non_holder_session}}), 403,
                 "gate_denied", std::string("non-holder cookie ") + f);
  }
  // Manifests given to the holder carry a playback token on every URI.
  auto master = bearer(target("master.m3u8"), s->holder_session);
  ASSERT_EQ(master.status, 200);
  EXPECT_NE(master.body.find("?token="), std::string::npos) << master.body;
  EXPECT_EQ(master.header("Cache-Control"), "private, max-age=2");
}

TEST_F(Gate, Erc1155NeedsTheMinimumBalance) {
  const json two = gate("erc1155", "7", 2);
  set_gate(two);
  expect_allowed_everywhere(s->holder_session, "holder of 3, min 2");
  expect_denied_everywhere(s->non_holder_session, two, "non-holder", "0");
  for (const auto& route : routes())
    expect_error(s->get(target(route)), 401, "sign_in_required", "nothing " + route);

  // The holder has 3: a gate asking for 4 refuses them, naming the 4.
  const json four = gate("erc1155", "7", 4);
  set_gate(four);
  expect_denied_everywhere(s->holder_session, four, "holder of 3, min 4", "3");
  expect_denied_everywhere(s->non_holder_session, four, "non-holder", "0");
  // A token for a different id of the same contract: nobody holds it.
  const json other_id = gate("erc1155", "8", 1);
  set_gate(other_id);
  expect_denied_everywhere(s->holder_session, other_id, "holder, id 8", "0");
}

TEST_F(Gate, UnreachableChainFailsClosed) {
  // Chain kDeadChainId's only RPC URL is a closed loopback port: every check fails, and the
  // answer is 503 for everyone the gate applies to, never 200.
  const json dead = gate("erc721", "1", 1, streamtest::kDeadChainId);
  set_gate(dead);
  for (int round = 0; round < 2; ++round) {  // the second round meets an open breaker
    for (const auto& route : routes()) {
      for (const auto* session : {&s->holder_session, &s->non_holder_session}) {
        auto r = bearer(target(route), *session);
        expect_error(r, 503, "gate_check_unavailable", "dead chain " + route);
      }
      expect_error(s->get(target(route)), 401, "sign_in_required", "nothing " + route);
      EXPECT_EQ(bearer(target(route), s->owner_session).status, 200) << "owner " << route;
    }
  }
  // A gate on a chain auth does not know at all fails closed the same way.
  const json unknown = gate("erc721", "1", 1, 424242);
  set_gate(unknown);
  for (const auto& route : routes())
    expect_error(bearer(target(route), s->holder_session), 503, "gate_check_unavailable",
                 "unknown chain " + route);
  // Back on the live chain the holder plays again.
  set_gate(gate("erc721", "1"));
  EXPECT_EQ(bearer(target("master.m3u8"), s->holder_session).status, 200);
}

TEST_F(Gate, AStricterGateAppliesToTheHoldersNextRequest) {
  // Each PATCH is followed at once by the holder's requests: no wait for the bus (the manifest
  // and /playback read the catalogue; the segment after the manifest follows its refresh).
  set_gate(gate("erc721", "1"));
  for (int round = 0; round < 10; ++round) {
    auto ok = bearer(target("master.m3u8"), s->holder_session);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(bearer(target("360p/seg-00001.m4s"), s->holder_session).status, 200);
    // The owner raises the bar beyond the holder's 3 x id 7: refused at once.
    const json four = gate("erc1155", "7", 4);
    set_gate(four);
    expect_error(bearer(target("master.m3u8"), s->holder_session), 403, "gate_denied",
                 "after the PATCH");
    expect_error(bearer(target("360p/seg-00001.m4s"), s->holder_session), 403, "gate_denied",
                 "segment after the PATCH");
    expect_error(bearer(target(kPlayback), s->holder_session), 403, "gate_denied",
                 "playback after the PATCH");
    set_gate(gate("erc721", "1"));
  }
  // From gated to signed_in and back: the non-holder plays only while it is signed_in.
  s->set_visibility(s->content_a, {{"visibility", "signed_in"}, {"gate", nullptr}});
  EXPECT_EQ(bearer(target("master.m3u8"), s->non_holder_session).status, 200);
  set_gate(gate("erc721", "1"));
  expect_error(bearer(target("master.m3u8"), s->non_holder_session), 403, "gate_denied",
               "gated again");
}

}  // namespace
