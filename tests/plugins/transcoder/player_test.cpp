// The transcoder's output plays in a real browser: an 8 s 854x480 clip with stereo audio
// (made with the ffmpeg CLI) is transcoded in process on a 480p + 360p ladder with 2 s
// segments, the folder is served over HTTP on 127.0.0.1 from another origin (static.mjs, CORS
// open), and headless chromium plays master.m3u8 with hls.js and manifest.mpd with dash.js
// (sgtest::play_in_browser): playback passes 3 s with no fatal error, starting on the 360p rung
// and switched to the 480p one, with segments of both fetched. A copy whose manifests carry a
// query string on every inner URI (as a server signing URLs writes them), played from a
// tokenised manifest URL, shows the query strings reach the server untouched.
//
// The clip is transcoded once per process. Skipped without ffmpeg in PATH, or when the browser
// cannot run (sgtest::browser_skip_reason: node, tests/node/node_modules, chromium).
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "media_set.hpp"
#include "player.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "test_clip.hpp"
#include "transcode.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sg::transcoder;
using sgtest::PlayerKind;

// The clip and its transcode, made once per process; `error` says what went wrong.
struct Transcoded {
  sgtest::TempDir dir{"sg-player-test"};
  fs::path out;
  std::string error;
};

const Transcoded& transcoded() {
  static const std::unique_ptr<Transcoded> t = [] {
    auto r = std::make_unique<Transcoded>();
    av_log_set_level(AV_LOG_ERROR);
    const fs::path source = r->dir.path() / "clip.mp4";
    auto gen = sgtest::make_test_clip(
        source, {.seconds = 8, .size = "854x480", .sample_rate = 48000, .channels = 2});
    if (gen.exit_code != 0) {
      r->error = "ffmpeg could not make the clip: " + gen.output;
      return r;
    }
    TranscoderConfig c = parse_config(nullptr);
    c.nice = 0;
    c.ladder = {{480, 1'000'000}, {360, 500'000}};
    c.segment_seconds = 2.0;
    r->out = r->dir.path() / "out";
    const auto t0 = std::chrono::steady_clock::now();
    auto result = transcode_file(c, source, r->out);
    std::cout << "[ transcode] 8 s 480p: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s\n";
    if (!result) {
      r->error = std::string("transcode failed (") + result.error().label() +
                 "): " + result.error().reason;
    }
    return r;
  }();
  return *t;
}

class Player : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!sgtest::in_path("ffmpeg")) GTEST_SKIP() << "ffmpeg not in PATH";
    const std::string why = sgtest::browser_skip_reason();
    if (!why.empty()) GTEST_SKIP() << "no browser: " << why;
    ASSERT_EQ(transcoded().error, "");
  }
};

sgtest::PlayOptions switching() {
  sgtest::PlayOptions o;
  o.seconds = 3;
  o.switch_levels = true;
  o.timeout = std::chrono::seconds(25);
  return o;
}

void expect_played_both_rungs(const sgtest::PlayResult& r) {
  EXPECT_TRUE(r.ok) << r.describe();
  EXPECT_GE(r.current_time, 3.0) << r.describe();
  EXPECT_EQ(r.levels_fetched, (std::vector<int64_t>{360, 480})) << r.describe();
  EXPECT_EQ(r.fatal_error, "") << r.describe();
  // Nor any lesser trouble: failed or refused requests, player warnings, console errors.
  EXPECT_EQ(r.errors, std::vector<std::string>{}) << r.describe();
  // The report says the picture really was decoded, at the top rung's size by the end.
  ASSERT_TRUE(r.report.is_object()) << r.describe();
  EXPECT_GT(r.report.value("decodedFrames", 0), 30) << r.describe();
  EXPECT_EQ(r.report.value("videoHeight", 0), 480) << r.describe();
  EXPECT_TRUE(r.report.value("audioFetched", false)) << r.describe();
}

TEST_F(Player, HlsPlaysAndSwitchesFromTheLowestToTheTopRung) {
  sgtest::StaticServer server(transcoded().out);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      sgtest::play_in_browser(server.url(kMasterPlaylistName), PlayerKind::hls, switching());
  std::cout << "[ hls.js   ] "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s, currentTime " << r.current_time << "\n";
  expect_played_both_rungs(r);
}

TEST_F(Player, DashPlaysAndSwitchesFromTheLowestToTheTopRung) {
  sgtest::StaticServer server(transcoded().out);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      sgtest::play_in_browser(server.url(kDashManifestName), PlayerKind::dash, switching());
  std::cout << "[ dash.js  ] "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s, currentTime " << r.current_time << "\n";
  expect_played_both_rungs(r);
}

// --- query strings ---------------------------------------------------------------------------

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A copy of the output whose playlists and MPD carry "?sig=abc" on every URI they hold.
fs::path signed_copy(const fs::path& to) {
  fs::copy(transcoded().out, to, fs::copy_options::recursive);
  for (const auto& entry : fs::recursive_directory_iterator(to)) {
    const fs::path p = entry.path();
    if (p.extension() == ".m3u8") {
      std::istringstream in(sgtest::read_file(p));
      std::string text;
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty() && line.front() != '#') {
          line += "?sig=abc";
        } else {
          line = std::regex_replace(line, std::regex(R"(URI="([^"]*)\")"), "URI=\"$1?sig=abc\"");
        }
        text += line + "\n";
      }
      write_text(p, text);
    } else if (p.extension() == ".mpd") {
      write_text(p, std::regex_replace(sgtest::read_file(p),
                                       std::regex(R"re(((?:media|initialization)="[^"]*)")re"),
                                       "$1?sig=abc\""));
    }
  }
  return to;
}

// The request lines static.mjs logged for media files ("GET /360p/seg-00001.m4s?sig=abc 200").
std::vector<std::string> media_requests(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("GET /", 0) == 0) lines.push_back(line);
  }
  return lines;
}

TEST_F(Player, QueryStringsOnTheManifestUrlAndInnerUrisReachTheServer) {
  sgtest::TempDir dir("sg-player-signed");
  const fs::path root = signed_copy(dir.path() / "media");
  sgtest::StaticServer server(root);
  for (auto [manifest, kind] : {std::pair{kMasterPlaylistName, PlayerKind::hls},
                                std::pair{kDashManifestName, PlayerKind::dash}}) {
    sgtest::PlayOptions o;
    o.seconds = 2;
    o.timeout = std::chrono::seconds(20);
    const auto r =
        sgtest::play_in_browser(server.url(std::string(manifest) + "?token=t1"), kind, o);
    EXPECT_TRUE(r.ok) << manifest << ": " << r.describe();
  }
  const auto requests = media_requests(server.log());
  size_t segments = 0;
  for (const auto& line : requests) {
    // The manifest URL keeps its token; every URI read from a manifest keeps its own query.
    const bool manifest =
        line.rfind("GET /master.m3u8?", 0) == 0 || line.rfind("GET /manifest.mpd?", 0) == 0;
    EXPECT_NE(line.find(manifest ? "?token=t1 200" : "?sig=abc 200"), std::string::npos) << line;
    if (line.find(".m4s?") != std::string::npos) ++segments;
  }
  EXPECT_GE(segments, 4u) << server.log();
}

}  // namespace
