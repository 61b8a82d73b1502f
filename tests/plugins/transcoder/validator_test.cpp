// tests/node/media/validate-manifests.mjs against a media folder written the way the
// transcoder will write it (files of the MediaSet's sizes, manifests from the writers): the
// real manifests pass hls.js and dash.js parsing and every cross-check, and the script catches
// a missing segment, an HLS/DASH segment count mismatch, a duration mismatch and a playlist
// referencing a file that is not there. Skipped without node or tests/node/node_modules.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "manifests.hpp"
#include "media_set.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sg::transcoder;

bool validator_available() {
  const fs::path modules = fs::path(SG_TRANSCODER_NODE_DIR) / "node_modules";
  return fs::exists(modules / "hls.js") && fs::exists(modules / "dashjs") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

Rendition rendition(Rendition::Kind kind, std::string id, uint32_t timescale,
                    std::initializer_list<int64_t> durations) {
  Rendition r;
  r.kind = kind;
  r.id = std::move(id);
  r.timescale = timescale;
  int64_t t = 0;
  uint64_t bytes = 1000;
  for (int64_t d : durations) {
    r.segments.push_back({t, d, bytes});
    t += d;
    bytes += 100;
  }
  if (kind == Rendition::Kind::video) {
    r.codecs = "avc1.64001f";
    r.frame_rate_num = 30;
    r.frame_rate_den = 1;
  } else {
    r.codecs = "mp4a.40.2";
    r.sample_rate = 48000;
    r.channels = 2;
  }
  return r;
}

MediaSet media_set() {
  MediaSet set;
  auto v720 = rendition(Rendition::Kind::video, "720p", 90000, {360000, 360000, 90000});
  v720.width = 1280;
  v720.height = 720;
  auto v360 = rendition(Rendition::Kind::video, "360p", 90000, {360000, 360000, 90000});
  v360.width = 640;
  v360.height = 360;
  set.video = {v720, v360};
  // AAC framing: durations differ from the video's and from each other.
  set.audio = rendition(Rendition::Kind::audio, "audio", 48000, {192512, 191488, 48000});
  set.duration = 9.0;
  return set;
}

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// The layout of media_set.hpp: files of the recorded sizes plus the three kinds of manifest.
void write_media_dir(const fs::path& dir, const MediaSet& set) {
  std::vector<const Rendition*> all;
  for (const auto& v : set.video) all.push_back(&v);
  if (set.audio) all.push_back(&*set.audio);
  for (const auto* r : all) {
    write_file(dir / r->id / kInitName, std::string(700, 'i'));
    for (size_t i = 0; i < r->segments.size(); ++i)
      write_file(dir / r->id / segment_name(i + 1), std::string(r->segments[i].bytes, 's'));
    write_file(dir / r->id / kMediaPlaylistName, hls_media_playlist(*r));
  }
  write_file(dir / kMasterPlaylistName, hls_master_playlist(set));
  write_file(dir / kDashManifestName, dash_manifest(set));
}

struct Result {
  int status = -1;
  std::string output;
};

Result validate(const fs::path& dir) {
  const fs::path out = dir.parent_path() / "validator.out";
  const std::string cmd = "node '" + std::string(SG_TRANSCODER_NODE_DIR) +
                          "/media/validate-manifests.mjs' '" + dir.string() + "' > '" +
                          out.string() + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  std::ostringstream text;
  text << std::ifstream(out).rdbuf();
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, text.str()};
}

class Validator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!validator_available())
      GTEST_SKIP() << "node or tests/node/node_modules missing (npm ci in tests/node)";
    root_ = fs::temp_directory_path() /
            ("sg-manifests-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dir_ = root_ / "media";
    write_media_dir(dir_, media_set());
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  fs::path root_, dir_;
};

TEST_F(Validator, WrittenManifestsPass) {
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"ok\": true"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"id\": \"audio\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"hlsPlaylist\": \"360p/index.m3u8\""), std::string::npos) << r.output;
}

TEST_F(Validator, WithoutAudioPasses) {
  fs::remove_all(dir_);
  auto set = media_set();
  set.audio.reset();
  write_media_dir(dir_, set);
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(Validator, MissingSegmentFileFails) {
  fs::remove(dir_ / "360p" / segment_name(2));
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("missing file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("360p/seg-00002.m4s"), std::string::npos) << r.output;
}

TEST_F(Validator, MissingInitFileFails) {
  fs::remove(dir_ / "audio" / kInitName);
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("audio/init.mp4"), std::string::npos) << r.output;
}

TEST_F(Validator, SegmentCountMismatchFails) {
  // The HLS playlist of 720p forgets its last segment; DASH still lists three.
  auto r720 = media_set().video[0];
  r720.segments.pop_back();
  write_file(dir_ / "720p" / kMediaPlaylistName, hls_media_playlist(r720));
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("2 segments in HLS, 3 in DASH Representation 720p"), std::string::npos)
      << r.output;
}

TEST_F(Validator, DurationMismatchFails) {
  // Audio segment 2 is 10 ms longer in HLS than in the DASH timeline.
  auto audio = *media_set().audio;
  audio.segments[1].duration += 480;
  write_file(dir_ / "audio" / kMediaPlaylistName, hls_media_playlist(audio));
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("segment 2 lasts"), std::string::npos) << r.output;
}

TEST_F(Validator, BrokenPlaylistsFail) {
  // A variant pointing at a playlist that does not exist, and an MPD that is not XML.
  std::string master = hls_master_playlist(media_set());
  master.replace(master.find("360p/index.m3u8"), 15, "240p/index.m3u8");
  write_file(dir_ / kMasterPlaylistName, master);
  write_file(dir_ / kDashManifestName, "<MPD");
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("240p/index.m3u8: missing file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("manifest.mpd"), std::string::npos) << r.output;
}

TEST_F(Validator, TargetDurationBelowASegmentFails) {
  std::string text = hls_media_playlist(media_set().video[1]);
  text.replace(text.find("#EXT-X-TARGETDURATION:4"), 23, "#EXT-X-TARGETDURATION:3");
  write_file(dir_ / "360p" / kMediaPlaylistName, text);
  const auto r = validate(dir_);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("> TARGETDURATION 3"), std::string::npos) << r.output;
}

}  // namespace
