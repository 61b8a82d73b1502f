// Real browsers play through streamgate: headless chromium (sgtest::play_in_browser) plays
// master.m3u8 with hls.js and manifest.mpd with dash.js, from the URLs the playback endpoint
// gives — for public content (plain URLs), signed_in content (asked with a session: tokenised
// URLs, the page sends no headers) and token_gated content asked by the chain's holder. The
// player starts on the lowest rung and is switched to the top one: 3 s of playback, both
// rungs' segments fetched, no fatal error. The page runs on another origin, so the stack has
// CORS open (gated_stack). Skipped when the browser or the stack cannot run here.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "player.hpp"
#include "stream_fixture.hpp"

namespace {

using json = nlohmann::json;
using sgtest::PlayerKind;
using streamtest::Stack;

class BrowserPlayback : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = streamtest::gated_skip_reason(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = sgtest::browser_skip_reason(); !why.empty())
      GTEST_SKIP() << "no browser: " << why;
    s = streamtest::gated_stack();
    ASSERT_NE(s, nullptr);
  }

  // The playback endpoint's answer for content_a, asked with `session` ("" = no headers).
  json playback(const std::string& session) const {
    sgtest::Headers h;
    if (!session.empty()) h.push_back({"Authorization", "Bearer " + session});
    auto r = s->get("/api/v1/content/" + s->content_a + "/playback", h);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : json();
  }

  void play(const json& answer, PlayerKind kind, bool tokenised) const {
    ASSERT_TRUE(answer.is_object());
    const std::string path = answer[kind == PlayerKind::hls ? "hls" : "dash"];
    EXPECT_EQ(path.find("?token=") != std::string::npos, tokenised) << path;
    sgtest::PlayOptions o;
    o.seconds = 3;
    o.switch_levels = true;
    o.timeout = std::chrono::seconds(30);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = sgtest::play_in_browser(s->url(path), kind, o);
    std::cout << "[ " << (kind == PlayerKind::hls ? "hls.js " : "dash.js") << " ] "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s, currentTime " << r.current_time << ", rungs " << r.levels_fetched.size()
              << ", errors " << r.errors.size() << "\n";
    EXPECT_TRUE(r.ok) << r.describe();
    EXPECT_GE(r.current_time, 3.0) << r.describe();
    EXPECT_GE(r.levels_fetched.size(), 2u) << r.describe();
    EXPECT_EQ(r.fatal_error, "") << r.describe();
    // Nor lesser trouble: no refused request (a token lost on an inner URI would show here).
    // (Requests the player aborted itself are listed apart by play.mjs, not as errors.)
    EXPECT_EQ(r.errors, std::vector<std::string>{}) << r.describe();
  }

  void make_public() const {
    s->set_visibility(s->content_a, {{"visibility", "public"}, {"gate", nullptr}});
  }
  void make_signed_in() const {
    s->set_visibility(s->content_a, {{"visibility", "signed_in"}, {"gate", nullptr}});
  }
  void make_gated() const {
    s->set_visibility(s->content_a, {{"visibility", "token_gated"},
                                     {"gate",
                                      {{"chain_id", 1337},
                                       {"contract", s->chain->erc721()},
                                       {"standard", "erc721"},
                                       {"token_id", "1"}}}});
  }

  Stack* s = nullptr;
};

TEST_F(BrowserPlayback, PublicHls) {
  make_public();
  play(playback(""), PlayerKind::hls, false);
}

TEST_F(BrowserPlayback, PublicDash) {
  make_public();
  play(playback(""), PlayerKind::dash, false);
}

TEST_F(BrowserPlayback, SignedInHlsWithTokenisedUrls) {
  make_signed_in();
  play(playback(s->viewer_session), PlayerKind::hls, true);
}

TEST_F(BrowserPlayback, SignedInDashWithTokenisedUrls) {
  make_signed_in();
  play(playback(s->viewer_session), PlayerKind::dash, true);
}

TEST_F(BrowserPlayback, TokenGatedHlsAsTheHolder) {
  make_gated();
  play(playback(s->holder_session), PlayerKind::hls, true);
}

TEST_F(BrowserPlayback, TokenGatedDashAsTheHolder) {
  make_gated();
  play(playback(s->holder_session), PlayerKind::dash, true);
}

}  // namespace
