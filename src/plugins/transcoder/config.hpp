// plugins.transcoder: the ladder, encoder settings, input limits and resource bounds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::transcoder {

struct RungConfig {
  int height = 0;             // target height; width follows the source's aspect ratio
  int64_t video_bitrate = 0;  // bits/s
};

struct TranscoderConfig {
  std::vector<RungConfig> ladder;  // highest first
  int64_t audio_bitrate = 128'000;
  std::string preset = "veryfast";  // libx264 preset
  double segment_seconds = 4.0;
  int max_frame_rate = 60;
  // Input limits: longer, larger or denser sources fail the job with a reason.
  double max_duration_seconds = 4 * 3600.0;
  int64_t max_pixels = 4096LL * 2304;  // width x height after rotation
  int64_t max_input_bitrate = 200'000'000;
  // Resources: jobs this process runs at once, rungs encoding in parallel within a job,
  // libx264 threads per rung (0 = libx264's own choice), and the nice value of the
  // transcode threads so the API stays responsive on small machines.
  int max_jobs = 1;
  int parallel_rungs = 0;  // 0 = every rung at once
  int threads_per_rung = 0;
  int nice = 10;
  // Storyboard: one tile per interval, at most max_tiles (the interval grows for long files).
  double storyboard_interval_seconds = 5.0;
  int storyboard_tile_width = 160;
  int storyboard_max_tiles = 400;
  int storyboard_columns = 10;
  bool keep_source = false;
};

// Parses plugins.transcoder (may be null/absent = defaults). Throws sg::Error(SG_ERR_INVALID)
// naming the key ("plugins.transcoder.ladder[1].height: must be ...").
TranscoderConfig parse_config(const nlohmann::json& section);

// "5M", "2800k", "800000" or a number -> bits/s; throws std::invalid_argument.
int64_t parse_bitrate(const nlohmann::json& value);

}  // namespace sg::transcoder
