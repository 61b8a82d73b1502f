// The pure parts of the pipeline: plan_ladder (which rungs, sizes, frame rate, keyframe
// interval), parse_config (defaults, and errors that name the key), RFC 6381 codec strings.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <streamgate/plugin.hpp>

#include "codec_string.hpp"
#include "config.hpp"
#include "ladder.hpp"

namespace {

using namespace sg::transcoder;
using json = nlohmann::json;

SourceInfo source(int w, int h, int fps_num = 30, int fps_den = 1) {
  SourceInfo s;
  s.coded_width = w;
  s.coded_height = h;
  s.frame_rate_num = fps_num;
  s.frame_rate_den = fps_den;
  s.duration = 10;
  return s;
}

struct Size {
  std::string id;
  int w;
  int h;
  bool operator==(const Size&) const = default;
};

std::vector<Size> rungs(const Plan& p) {
  std::vector<Size> out;
  for (const auto& r : p.rungs) out.push_back({r.id, r.width, r.height});
  return out;
}

std::ostream& operator<<(std::ostream& os, const Size& s) {
  return os << s.id << "=" << s.w << "x" << s.h;
}

const TranscoderConfig kDefaults = parse_config(nullptr);

TEST(PlanLadder, DefaultsOnA1080pSource) {
  const Plan p = plan_ladder(source(1920, 1080), kDefaults);
  EXPECT_EQ(
      rungs(p),
      (std::vector<Size>{
          {"1080p", 1920, 1080}, {"720p", 1280, 720}, {"480p", 854, 480}, {"360p", 640, 360}}));
  EXPECT_EQ(p.rungs[0].profile, "high");
  EXPECT_EQ(p.rungs[1].profile, "high");
  EXPECT_EQ(p.rungs[2].profile, "main");
  EXPECT_EQ(p.rungs[3].profile, "main");
  EXPECT_EQ(p.rungs[0].bitrate, 5'000'000);
  EXPECT_EQ(p.gop_frames, 120);
  EXPECT_DOUBLE_EQ(p.segment_seconds, 4.0);
}

TEST(PlanLadder, A480pSourceGets480And360) {
  const Plan p = plan_ladder(source(854, 480), kDefaults);
  EXPECT_EQ(rungs(p), (std::vector<Size>{{"480p", 854, 480}, {"360p", 640, 360}}));
}

TEST(PlanLadder, ASourceBelowEveryRungGetsOneRungAtItsOwnSize) {
  const Plan p = plan_ladder(source(426, 240), kDefaults);
  EXPECT_EQ(rungs(p), (std::vector<Size>{{"240p", 426, 240}}));
  EXPECT_EQ(p.rungs[0].profile, "main");
  // The lowest rung's bitrate scaled by the pixels: 426x240 of 640x360.
  EXPECT_NEAR(static_cast<double>(p.rungs[0].bitrate), 800'000.0 * 426 * 240 / (640 * 360), 1);
}

TEST(PlanLadder, TinySourceStillGetsAUsableBitrate) {
  const Plan p = plan_ladder(source(96, 64), kDefaults);
  ASSERT_EQ(p.rungs.size(), 1u);
  EXPECT_EQ(p.rungs[0].width, 96);
  EXPECT_EQ(p.rungs[0].height, 64);
  EXPECT_GE(p.rungs[0].bitrate, 100'000);
}

TEST(PlanLadder, PortraitRungsAreLabelledByTheirShortSide) {
  const Plan p = plan_ladder(source(1080, 1920), kDefaults);
  EXPECT_EQ(
      rungs(p),
      (std::vector<Size>{
          {"1080p", 1080, 1920}, {"720p", 720, 1280}, {"480p", 480, 854}, {"360p", 360, 640}}));
  EXPECT_EQ(p.base_width, 1080);
  EXPECT_EQ(p.base_height, 1920);
}

TEST(PlanLadder, RotationSwapsTheDisplaySize) {
  SourceInfo s = source(1280, 720);
  s.rotation = 90;
  const Plan p = plan_ladder(s, kDefaults);
  EXPECT_EQ(p.base_width, 720);
  EXPECT_EQ(p.base_height, 1280);
  EXPECT_EQ(rungs(p),
            (std::vector<Size>{{"720p", 720, 1280}, {"480p", 480, 854}, {"360p", 360, 640}}));
  s.rotation = 180;
  EXPECT_EQ(plan_ladder(s, kDefaults).base_width, 1280);
}

TEST(PlanLadder, OddSourceSizesBecomeEven) {
  const Plan p = plan_ladder(source(854, 481), kDefaults);
  for (const auto& r : p.rungs) {
    EXPECT_EQ(r.width % 2, 0) << r.id;
    EXPECT_EQ(r.height % 2, 0) << r.id;
    EXPECT_NEAR(static_cast<double>(r.width) / r.height, 854.0 / 481.0, 854.0 / 481.0 * 0.01)
        << r.id;
  }
  EXPECT_EQ(p.base_width % 2, 0);
  EXPECT_EQ(p.base_height % 2, 0);
}

TEST(PlanLadder, AnamorphicSourceIsScaledToSquarePixels) {
  SourceInfo s = source(720, 576, 25);
  s.sar_num = 16;
  s.sar_den = 11;  // PAL 16:9
  const Plan p = plan_ladder(s, kDefaults);
  EXPECT_EQ(p.base_width, 1048);  // 720 * 16 / 11 = 1047.3 -> even
  EXPECT_EQ(p.base_height, 576);
  ASSERT_FALSE(p.rungs.empty());
  EXPECT_EQ(p.rungs[0].id, "480p");
  EXPECT_NEAR(static_cast<double>(p.rungs[0].width) / p.rungs[0].height, 720.0 * 16 / 11 / 576,
              0.02);
}

TEST(PlanLadder, FrameRateIsCappedAt60) {
  const Plan p = plan_ladder(source(1280, 720, 120), kDefaults);
  EXPECT_EQ(p.fps_num, 60);
  EXPECT_EQ(p.fps_den, 1);
  EXPECT_EQ(p.gop_frames, 240);
  EXPECT_DOUBLE_EQ(p.segment_seconds, 4.0);
}

TEST(PlanLadder, NtscRateKeepsItsExactRationalAndAWholeGop) {
  const Plan p = plan_ladder(source(1280, 720, 30000, 1001), kDefaults);
  EXPECT_EQ(p.fps_num, 30000);
  EXPECT_EQ(p.fps_den, 1001);
  EXPECT_EQ(p.gop_frames, 120);
  EXPECT_NEAR(p.segment_seconds, 120 * 1001 / 30000.0, 1e-12);
}

TEST(PlanLadder, UnknownOrImplausibleRatesBecome30) {
  EXPECT_EQ(plan_ladder(source(640, 360, 0, 1), kDefaults).fps_num, 30);
  const Plan p = plan_ladder(source(640, 360, 90000, 1), kDefaults);
  EXPECT_EQ(p.fps_num, 30);
  EXPECT_EQ(p.fps_den, 1);
}

TEST(PlanLadder, SegmentSecondsFollowTheConfig) {
  TranscoderConfig c = kDefaults;
  c.segment_seconds = 2;
  const Plan p = plan_ladder(source(640, 360, 25), c);
  EXPECT_EQ(p.gop_frames, 50);
  EXPECT_DOUBLE_EQ(p.segment_seconds, 2.0);
}

// --- parse_config ------------------------------------------------------------------------

std::string config_error(const json& section) {
  try {
    parse_config(section);
  } catch (const sg::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ParseConfig, DefaultsWhenAbsent) {
  for (const json& j : {json(nullptr), json::object()}) {
    const TranscoderConfig c = parse_config(j);
    ASSERT_EQ(c.ladder.size(), 4u);
    EXPECT_EQ(c.ladder[0].height, 1080);
    EXPECT_EQ(c.ladder[3].height, 360);
    EXPECT_EQ(c.ladder[3].video_bitrate, 800'000);
    EXPECT_DOUBLE_EQ(c.segment_seconds, 4.0);
    EXPECT_EQ(c.preset, "veryfast");
    EXPECT_EQ(c.max_frame_rate, 60);
    EXPECT_EQ(c.audio_bitrate, 128'000);
  }
}

TEST(ParseConfig, ReadsALadderWithBitrateUnits) {
  const TranscoderConfig c = parse_config(json::parse(R"({
    "ladder": [{"height": 720, "video_bitrate": "2.5M"}, {"height": 360, "video_bitrate": "700k"}],
    "audio_bitrate": 96000, "segment_seconds": 2, "preset": "fast"})"));
  ASSERT_EQ(c.ladder.size(), 2u);
  EXPECT_EQ(c.ladder[0].video_bitrate, 2'500'000);
  EXPECT_EQ(c.ladder[1].video_bitrate, 700'000);
  EXPECT_EQ(c.audio_bitrate, 96'000);
  EXPECT_DOUBLE_EQ(c.segment_seconds, 2.0);
  EXPECT_EQ(c.preset, "fast");
}

TEST(ParseConfig, ErrorsNameTheKey) {
  struct Case {
    const char* config;
    const char* key;
  };
  const Case cases[] = {
      {R"({"bogus": 1})", "plugins.transcoder.bogus: unknown key"},
      {R"({"ladder": []})", "plugins.transcoder.ladder:"},
      {R"({"ladder": [{"height": 720}]})", "plugins.transcoder.ladder[0]:"},
      {R"({"ladder": [{"height": 720, "video_bitrate": 1000000},
                      {"height": 481, "video_bitrate": 500000}]})",
       "plugins.transcoder.ladder[1].height: must be even"},
      {R"({"ladder": [{"height": 360, "video_bitrate": 1000000},
                      {"height": 720, "video_bitrate": 500000}]})",
       "plugins.transcoder.ladder[1].height:"},
      {R"({"ladder": [{"height": 720, "video_bitrate": "fast"}]})",
       "plugins.transcoder.ladder[0].video_bitrate:"},
      {R"({"ladder": [{"height": 720, "video_bitrate": "3G"}]})",
       "plugins.transcoder.ladder[0].video_bitrate:"},
      {R"({"ladder": [{"height": 720, "video_bitrate": 1000000, "fps": 30}]})",
       "plugins.transcoder.ladder[0].fps: unknown key"},
      {R"({"preset": "turbo"})", "plugins.transcoder.preset:"},
      {R"({"segment_seconds": 0.5})", "plugins.transcoder.segment_seconds:"},
      {R"({"segment_seconds": "4"})", "plugins.transcoder.segment_seconds: must be a number"},
      {R"({"max_frame_rate": 30.5})", "plugins.transcoder.max_frame_rate: must be an integer"},
      {R"({"audio_bitrate": "8k"})", "plugins.transcoder.audio_bitrate:"},
      {R"({"storyboard_tile_width": 161})",
       "plugins.transcoder.storyboard_tile_width: must be even"},
      {R"({"keep_source": "yes"})", "plugins.transcoder.keep_source:"},
      {R"([1, 2])", "plugins.transcoder: must be a mapping"},
  };
  for (const auto& c : cases) {
    const std::string error = config_error(json::parse(c.config));
    EXPECT_NE(error.find(c.key), std::string::npos) << c.config << "\n  -> " << error;
  }
}

TEST(ParseBitrate, UnitsAndNumbers) {
  EXPECT_EQ(parse_bitrate(json(800000)), 800'000);
  EXPECT_EQ(parse_bitrate(json("800000")), 800'000);
  EXPECT_EQ(parse_bitrate(json("2800k")), 2'800'000);
  EXPECT_EQ(parse_bitrate(json("5M")), 5'000'000);
  EXPECT_EQ(parse_bitrate(json(1.5e6)), 1'500'000);
  EXPECT_THROW(parse_bitrate(json("5 M")), std::invalid_argument);
  EXPECT_THROW(parse_bitrate(json("k")), std::invalid_argument);
  EXPECT_THROW(parse_bitrate(json(true)), std::invalid_argument);
}

// --- codec strings -------------------------------------------------------------------------

std::optional<std::string> avc(std::vector<uint8_t> bytes) {
  return avc_codec_string(bytes);
}
std::optional<std::string> aac(std::vector<uint8_t> bytes) {
  return aac_codec_string(bytes);
}

TEST(CodecString, AvcFromAnAvcCRecord) {
  // configurationVersion 1, High (100), constraints 0, level 3.1
  EXPECT_EQ(avc({0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04}), "avc1.64001F");
  EXPECT_EQ(avc({0x01, 0x4D, 0x40, 0x1E}), "avc1.4D401E");
}

TEST(CodecString, AvcFromAnnexB) {
  // 4-byte start code, SPS (nal type 7, nal_ref_idc 3), Main, constraint_set1, level 3.0
  EXPECT_EQ(avc({0x00, 0x00, 0x00, 0x01, 0x67, 0x4D, 0x40, 0x1E, 0xAB}), "avc1.4D401E");
  // 3-byte start code; an SEI (type 6) before the SPS is skipped
  EXPECT_EQ(avc({0x00, 0x00, 0x01, 0x06, 0x05, 0x00, 0x00, 0x01, 0x27, 0x42, 0xC0, 0x0D, 0x00}),
            "avc1.42C00D");
}

TEST(CodecString, AvcWithoutAnSpsIsUnknown) {
  EXPECT_EQ(avc({}), std::nullopt);
  EXPECT_EQ(avc({0x00, 0x00, 0x01, 0x68, 0xEE, 0x3C, 0x80}), std::nullopt);  // PPS only
  EXPECT_EQ(avc({0x00, 0x00, 0x01, 0x67, 0x64}), std::nullopt);              // cut short
}

TEST(CodecString, AacObjectTypes) {
  EXPECT_EQ(aac({0x11, 0x90}), "mp4a.40.2");              // AAC-LC, 48 kHz, stereo
  EXPECT_EQ(aac({0x12, 0x10}), "mp4a.40.2");              // AAC-LC, 44.1 kHz, stereo
  EXPECT_EQ(aac({0x2B, 0x92, 0x08, 0x00}), "mp4a.40.5");  // HE-AAC (SBR)
  EXPECT_EQ(aac({0xF8, 0x20}), "mp4a.40.33");             // escape: 32 + 1
  EXPECT_EQ(aac({0xF8}), std::nullopt);                   // escape cut short
  EXPECT_EQ(aac({0x00, 0x00}), std::nullopt);             // object type 0 is not a codec
  EXPECT_EQ(aac({}), std::nullopt);
}

}  // namespace
