// streaming.so in a running streamgate, on content the server uploaded and transcoded
// itself: every file with its type and caching headers, Range/ETag/HEAD, traversal attempts,
// 404/409, playback tokens (valid, forged, of another content, session tokens in their
// place, expired), manifests rewritten with tokens, the playback endpoint, revocation on a
// visibility change, and a native-HLS style client (no headers, only the tokenised URLs)
// whose result the ffmpeg CLI decodes.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>

#include "process.hpp"
#include "stream_fixture.hpp"

namespace {

using json = nlohmann::json;
using streamtest::Stack;

class Streaming : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
    s = streamtest::shared_stack();
    ASSERT_NE(s, nullptr);
    s->set_visibility(s->content_a, {{"visibility", "public"}, {"gate", nullptr}});
    s->set_visibility(s->content_b, {{"visibility", "public"}, {"gate", nullptr}});
  }
  std::string a(const std::string& path) const { return "/stream/" + s->content_a + "/" + path; }
  static void expect_error(const sgtest::HttpResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
  }
  sgtest::HttpResponse bearer(const std::string& target, const std::string& token) const {
    return s->get(target, {{"Authorization", "Bearer " + token}});
  }
  // The non-comment lines and URI="..." values of a playlist.
  static std::vector<std::string> uris(const std::string& playlist) {
    std::vector<std::string> out;
    std::istringstream in(playlist);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line[0] != '#') {
        out.push_back(line);
        continue;
      }
      size_t at = line.find("URI=\"");
      if (at != std::string::npos)
        out.push_back(line.substr(at + 5, line.find('"', at + 5) - at - 5));
    }
    return out;
  }
  Stack* s = nullptr;
};

TEST_F(Streaming, PublicContentServesEveryFileWithItsTypeAndCaching) {
  struct Want {
    std::string path, type;
    bool manifest;
  } files[] = {{"master.m3u8", "application/vnd.apple.mpegurl", true},
               {"manifest.mpd", "application/dash+xml", true},
               {"360p/index.m3u8", "application/vnd.apple.mpegurl", true},
               {"240p/init.mp4", "video/mp4", false},
               {"360p/seg-00001.m4s", "video/mp4", false},
               {"audio/init.mp4", "audio/mp4", false},
               {"audio/seg-00002.m4s", "audio/mp4", false},
               {"poster.jpg", "image/jpeg", false},
               {"storyboard.jpg", "image/jpeg", false},
               {"storyboard.vtt", "text/vtt", true}};
  for (const auto& f : files) {
    auto r = s->get(a(f.path));
    ASSERT_EQ(r.status, 200) << f.path << " " << r.body;
    EXPECT_EQ(r.header("Content-Type").rfind(f.type, 0), 0u) << f.path;
    EXPECT_EQ(r.header("Cache-Control"),
              f.manifest ? "public, max-age=2" : "public, max-age=31536000, immutable")
        << f.path;
    EXPECT_FALSE(r.has_header("Vary") &&
                 r.header("Vary").find("Authorization") != std::string::npos)
        << f.path;
    EXPECT_FALSE(r.body.empty()) << f.path;
  }
  // Public manifests are the files on disk, untouched.
  auto master = s->get(a("master.m3u8"));
  EXPECT_EQ(master.body.find("token="), std::string::npos);
  EXPECT_EQ(master.body,
            sgtest::read_file(s->server->data_dir() / "media" / s->content_a / "master.m3u8"));
  // Upper-case ids name the same content.
  std::string upper = s->content_a;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(s->get("/stream/" + upper + "/master.m3u8").status, 200);
}

TEST_F(Streaming, SegmentsHonourRangeHeadAndEtag) {
  auto full = s->get(a("360p/seg-00001.m4s"));
  ASSERT_EQ(full.status, 200);
  const size_t size = full.body.size();
  ASSERT_GT(size, 100u);
  auto first = s->get(a("360p/seg-00001.m4s"), {{"Range", "bytes=0-0"}});
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body, full.body.substr(0, 1));
  EXPECT_EQ(first.header("Content-Range"), "bytes 0-0/" + std::to_string(size));
  auto suffix = s->get(a("360p/seg-00001.m4s"), {{"Range", "bytes=-10"}});
  EXPECT_EQ(suffix.status, 206);
  EXPECT_EQ(suffix.body, full.body.substr(size - 10));
  auto past = s->get(a("360p/seg-00001.m4s"), {{"Range", "bytes=" + std::to_string(size) + "-"}});
  EXPECT_EQ(past.status, 416);
  auto head = s->server->request("HEAD", a("360p/seg-00001.m4s"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(size));
  EXPECT_TRUE(head.body.empty());
  std::string etag = full.header("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = s->get(a("360p/seg-00001.m4s"), {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(Streaming, TraversalNeverLeavesTheMediaFolder) {
  const std::string id = s->content_a;
  std::vector<std::string> targets = {
      "/stream/" + id + "/../../../../etc/passwd",
      "/stream/" + id + "/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/stream/" + id + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/stream/" + id + "/%252e%252e/%252e%252e/etc/passwd",
      "/stream/" + id + "/360p%2f..%2f..%2f" + s->content_b + "%2fmaster.m3u8",
      "/stream/" + id + "/360p/..%5c..%5cmaster.m3u8",
      "/stream/" + id + "/master.m3u8%00.jpg",
      "/stream/" + id + "/360p/%2e%2e/master.m3u8",
      "/stream/..%2f..%2fetc/passwd",
      "/stream/%2e%2e/master.m3u8",
      "/stream/" + id + "%2f..%2f" + s->content_b + "/master.m3u8",
      "/stream/%252e%252e%252f/master.m3u8",
      "/stream/" + id + "/%2fetc%2fpasswd",
      "/stream/" + id + "/.tmp-x/master.m3u8",
      "/api/v1/content/..%2f..%2f/playback",
      "/api/v1/content/%2e%2e/playback",
  };
  for (const auto& t : targets) {
    auto r = s->get(t);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << t << " -> " << r.status << " " << r.body;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << t;
    EXPECT_EQ(r.body.find("#EXTM3U"), std::string::npos) << t;
  }
}

TEST_F(Streaming, UnknownAndUnreadyContent) {
  expect_error(s->get("/stream/00000000-0000-4000-8000-000000000000/master.m3u8"), 404,
               "not_found");
  expect_error(s->get("/stream/not-a-uuid/master.m3u8"), 404, "not_found");
  expect_error(s->get(a("1080p/index.m3u8")), 404, "not_found");  // no such rung
  expect_error(s->get("/api/v1/content/00000000-0000-4000-8000-000000000000/playback"), 404,
               "not_found");
  // A content still waiting for its upload: 409 with its status.
  auto created = s->as_owner("POST", "/api/v1/content", {{"title", "pending"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string pending = created.json()["id"];
  auto r = s->get("/stream/" + pending + "/master.m3u8");
  expect_error(r, 409, "not_ready");
  EXPECT_EQ(r.json()["error"]["status"], "uploading");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  expect_error(s->get("/api/v1/content/" + pending + "/playback"), 409, "not_ready");
  ASSERT_EQ(s->as_owner("DELETE", "/api/v1/content/" + pending).status, 204);
  expect_error(s->get("/stream/" + pending + "/master.m3u8"), 404, "not_found");
}

TEST_F(Streaming, SignedInContentNeedsASessionOrItsToken) {
  s->set_visibility(s->content_a, {{"visibility", "signed_in"}});
  s->set_visibility(s->content_b, {{"visibility", "signed_in"}});
  for (const char* f : {"master.m3u8", "manifest.mpd", "360p/index.m3u8", "360p/init.mp4",
                        "360p/seg-00001.m4s", "poster.jpg", "storyboard.vtt", "storyboard.jpg"})
    expect_error(s->get(a(f)), 401, "sign_in_required");

  // A session gets the manifest with a fresh playback token on every URI.
  auto master = bearer(a("master.m3u8"), s->viewer_session);
  ASSERT_EQ(master.status, 200) << master.body;
  EXPECT_EQ(master.header("Cache-Control"), "private, max-age=2");
  EXPECT_NE(master.header("Vary").find("Authorization"), std::string::npos);
  auto list = uris(master.body);
  ASSERT_GE(list.size(), 3u);
  std::string token = streamtest::token_of(list[0]);
  ASSERT_FALSE(token.empty()) << master.body;
  for (const auto& u : list) EXPECT_EQ(streamtest::token_of(u), token) << u;
  auto mpd = bearer(a("manifest.mpd"), s->viewer_session);
  ASSERT_EQ(mpd.status, 200);
  EXPECT_NE(mpd.body.find("seg-$Number%05d$.m4s?token="), std::string::npos) << mpd.body;
  EXPECT_NE(mpd.body.find("init.mp4?token="), std::string::npos) << mpd.body;
  auto vtt = bearer(a("storyboard.vtt"), s->viewer_session);
  EXPECT_NE(vtt.body.find("storyboard.jpg?token="), std::string::npos) << vtt.body;
  // Segments with the session only work too (players that add headers).
  auto seg = bearer(a("360p/seg-00001.m4s"), s->viewer_session);
  EXPECT_EQ(seg.status, 200);
  EXPECT_EQ(seg.header("Cache-Control"), "private, max-age=3600");

  // The token alone opens every file of this content and nothing else.
  EXPECT_EQ(s->get(a("360p/seg-00001.m4s?token=" + token)).status, 200);
  EXPECT_EQ(s->get(a("audio/init.mp4?token=" + token)).status, 200);
  auto via_token = s->get(a("360p/index.m3u8?token=" + token));
  ASSERT_EQ(via_token.status, 200);
  for (const auto& u : uris(via_token.body)) EXPECT_EQ(streamtest::token_of(u), token) << u;
  std::string b = "/stream/" + s->content_b + "/";
  expect_error(s->get(b + "master.m3u8?token=" + token), 401, "invalid_playback_token");
  expect_error(s->get(b + "360p/seg-00001.m4s?token=" + token), 401, "invalid_playback_token");

  // Forged, truncated, alg:none, session-as-playback, playback-as-session, junk.
  std::string forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  std::string header_payload = token.substr(0, token.rfind('.'));
  std::string none =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0" + header_payload.substr(header_payload.find('.')) + ".";
  for (const std::string& bad : {forged, token.substr(0, token.size() - 5), header_payload, none,
                                 s->viewer_session, std::string("junk"), std::string("")}) {
    for (const char* f : {"master.m3u8", "360p/seg-00001.m4s"})
      expect_error(s->get(a(std::string(f) + "?token=" + bad)), 401, "invalid_playback_token");
  }
  auto as_session = bearer(a("master.m3u8"), token);
  EXPECT_EQ(as_session.status, 401) << as_session.body;
  // The Go original's hole: any ?playback_token= value let a request through.
  expect_error(s->get(a("360p/seg-00001.m4s?playback_token=junk")), 401, "sign_in_required");
  expect_error(s->get(a("master.m3u8?playback_token=" + token)), 401, "sign_in_required");
}

TEST_F(Streaming, PlaybackEndpointGivesTheUrlsToPlay) {
  auto pub = s->get("/api/v1/content/" + s->content_a + "/playback");
  ASSERT_EQ(pub.status, 200) << pub.body;
  auto p = pub.json();
  EXPECT_EQ(p["hls"], a("master.m3u8"));
  EXPECT_EQ(p["dash"], a("manifest.mpd"));
  EXPECT_EQ(p["poster"], a("poster.jpg"));
  EXPECT_EQ(p["storyboard"], a("storyboard.vtt"));
  EXPECT_TRUE(p["token"].is_null());
  EXPECT_EQ(pub.header("Cache-Control"), "no-store");

  s->set_visibility(s->content_a, {{"visibility", "signed_in"}});
  expect_error(s->get("/api/v1/content/" + s->content_a + "/playback"), 401, "sign_in_required");
  auto mine = bearer("/api/v1/content/" + s->content_a + "/playback", s->viewer_session);
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto m = mine.json();
  std::string token = m["token"];
  EXPECT_EQ(m["hls"], a("master.m3u8?token=" + token));
  EXPECT_EQ(m["poster"], a("poster.jpg?token=" + token));
  EXPECT_TRUE(m["expires_at"].is_string());
  // A 6 s film: the automatic TTL (duration + 600 s) is under auth's 3600 s maximum.
  EXPECT_GE(m["expires_in"].get<int>(), 590);
  EXPECT_LE(m["expires_in"].get<int>(), 610);
  EXPECT_EQ(s->get(m["poster"].get<std::string>()).status, 200);
  EXPECT_EQ(s->get(m["hls"].get<std::string>()).status, 200);
  // A playback token does not buy another one.
  expect_error(s->get("/api/v1/content/" + s->content_a + "/playback?token=" + token), 401,
               "sign_in_required");
}

TEST_F(Streaming, VisibilityChangesApplyToTheNextRequest) {
  for (int round = 0; round < 3; ++round) {
    s->set_visibility(s->content_a, {{"visibility", "signed_in"}});
    expect_error(s->get(a("master.m3u8")), 401, "sign_in_required");
    expect_error(s->get(a("360p/seg-00002.m4s")), 401, "sign_in_required");
    s->set_visibility(s->content_a, {{"visibility", "public"}});
    EXPECT_EQ(s->get(a("master.m3u8")).status, 200);
    EXPECT_EQ(s->get(a("360p/seg-00002.m4s")).status, 200);
  }
}

TEST_F(Streaming, NativeHlsClientWithOnlyTokenisedUrlsDecodes) {
  s->set_visibility(s->content_a, {{"visibility", "signed_in"}});
  auto playback = bearer("/api/v1/content/" + s->content_a + "/playback", s->viewer_session);
  ASSERT_EQ(playback.status, 200);
  std::string master_url = playback.json()["hls"];
  // Follow every URI the way Safari would: no headers, no cookies.
  auto master = s->get(master_url);
  ASSERT_EQ(master.status, 200);
  const std::string dir = "/stream/" + s->content_a + "/";
  std::set<std::string> fetched;
  for (const auto& media : uris(master.body)) {
    auto playlist = s->get(dir + media);
    ASSERT_EQ(playlist.status, 200) << media;
    std::string rendition = media.substr(0, media.find('/') + 1);
    for (const auto& u : uris(playlist.body)) {
      auto f = s->get(dir + rendition + u);
      EXPECT_EQ(f.status, 200) << rendition + u;
      EXPECT_EQ(f.header("Content-Type").find("mp4") != std::string::npos, true) << u;
      fetched.insert(rendition + u);
    }
  }
  EXPECT_GE(fetched.size(), 3u * 4u);  // init + 3 segments in 360p, 240p, audio
  auto decoded = sgtest::run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", s->url(master_url),
                                      "-map", "0", "-f", "null", "-"},
                                     {}, std::chrono::seconds(60));
  EXPECT_EQ(decoded.exit_code, 0) << decoded.output;
  EXPECT_EQ(decoded.output, "") << decoded.output;
  auto dash = sgtest::run_command(
      {"ffmpeg", "-nostdin", "-v", "error", "-i",
       s->url(playback.json()["dash"].get<std::string>()), "-map", "0", "-f", "null", "-"},
      {}, std::chrono::seconds(60));
  EXPECT_EQ(dash.exit_code, 0) << dash.output;
}

TEST(StreamingTokens, ExpiredTokensAreRefused) {
  if (auto why = streamtest::skip_reason(); !why.empty()) GTEST_SKIP() << why;
  // No tolerated clock skew, so a 1 s token is dead 2 s later.
  auto stack = streamtest::start_stack(
      {{"plugins",
        {{"streaming", {{"token_ttl_seconds", 1}}}, {"auth", {{"clock_skew_seconds", 0}}}}}});
  ASSERT_NE(stack, nullptr);
  stack->set_visibility(stack->content_a, {{"visibility", "signed_in"}});
  auto p = stack->get("/api/v1/content/" + stack->content_a + "/playback",
                      {{"Authorization", "Bearer " + stack->viewer_session}});
  ASSERT_EQ(p.status, 200) << p.body;
  std::string hls = p.json()["hls"];
  EXPECT_EQ(stack->get(hls).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto late = stack->get(hls);
  EXPECT_EQ(late.status, 401) << late.body;
  EXPECT_NE(late.body.find("invalid_playback_token"), std::string::npos);
}

}  // namespace
