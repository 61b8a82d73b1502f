// What the transcoder needs to know about an input before it plans the ladder, read from
// the opened file and checked against the configured limits.
#pragma once

#include <cstdint>
#include <string>

#include "config.hpp"
#include "failure.hpp"

struct AVFormatContext;

namespace sg::transcoder {

struct SourceInfo {
  int video_stream = -1;
  int audio_stream = -1;  // -1: no audio
  std::string video_codec;
  std::string audio_codec;
  int coded_width = 0;
  int coded_height = 0;
  int sar_num = 1;  // sample aspect ratio (1:1 when unknown)
  int sar_den = 1;
  int rotation = 0;        // clockwise degrees to apply for display: 0, 90, 180 or 270
  int frame_rate_num = 0;  // the source's nominal rate (0 when unknown)
  int frame_rate_den = 1;
  double duration = 0;   // seconds
  int64_t bit_rate = 0;  // bits/s of the whole file (0 when unknown)
  int audio_channels = 0;
  int audio_sample_rate = 0;
  double start_time = 0;  // seconds: the earliest timestamp of the used streams
  // Colour description of the video (AVColorPrimaries / AVColorTransferCharacteristic /
  // AVColorSpace values; 2 = unspecified). Scaling keeps the matrix, so rungs carry the same.
  int color_primaries = 2;
  int color_trc = 2;
  int color_space = 2;

  // Size for display: SAR applied to the width, then the rotation.
  int display_width() const;
  int display_height() const;
};

// Finds the streams (after avformat_find_stream_info) and checks them: a decodable video
// stream is required; duration, pixels and bitrate within the limits.
Result<SourceInfo> inspect_source(AVFormatContext* input, const TranscoderConfig& config);

}  // namespace sg::transcoder
