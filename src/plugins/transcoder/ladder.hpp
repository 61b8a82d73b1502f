// From the source and the configured ladder to the renditions to produce: which rungs,
// their exact sizes, the output frame rate and the keyframe interval. Pure; unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"
#include "source_info.hpp"

namespace sg::transcoder {

struct RungPlan {
  std::string id;  // "1080p": the rung's short side, as players label qualities
  int width = 0;   // even
  int height = 0;  // even
  int64_t bitrate = 0;
  std::string profile;  // "high" or "main"
};

struct Plan {
  int base_width = 0;  // the decoded picture after rotation and SAR, even: what rungs scale from
  int base_height = 0;
  int fps_num = 30;  // constant output frame rate
  int fps_den = 1;
  int gop_frames = 120;        // frames per segment: a keyframe starts every segment
  double segment_seconds = 4;  // gop_frames / fps
  int color_primaries = 2;     // the source's colour tags, written into every rung (2 = unknown)
  int color_trc = 2;
  int color_space = 2;
  std::vector<RungPlan> rungs;  // highest first
};

// Rungs whose short side is above the source's are skipped; a source smaller than every
// rung gets one rung at its own size. Sizes keep the display aspect ratio and are even.
Plan plan_ladder(const SourceInfo& source, const TranscoderConfig& config);

}  // namespace sg::transcoder
