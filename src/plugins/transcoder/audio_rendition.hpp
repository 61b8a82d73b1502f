// The one audio rendition every video rung shares: decoded audio resampled to 48 kHz stereo
// (downmixed when needed, silence-padded or stretched to the timestamps so it never drifts
// from the video), encoded once to AAC-LC, cut on the video's segment grid.
#pragma once

#include <filesystem>

#include "av_util.hpp"
#include "config.hpp"
#include "failure.hpp"
#include "ladder.hpp"
#include "media_set.hpp"
#include "segment_writer.hpp"

namespace sg::transcoder {

class AudioRendition {
 public:
  static constexpr int kSampleRate = 48000;

  // `decoder` is the opened audio decoder; `start_time` (seconds) is subtracted from every
  // timestamp so audio and video share one zero. `end_time` (seconds on that zero, 0 when
  // unknown) is where the video ends: audio past it (AAC padding, a longer track) is cut, so
  // both end together and no sliver of a segment trails the video.
  Status open(const AVCodecContext* decoder, AVRational stream_time_base, double start_time,
              double end_time, const Plan& plan, const TranscoderConfig& config,
              const std::filesystem::path& dir);
  // A decoded frame (pts in the stream's time base), or nullptr at the end.
  Status push(const AVFrame* decoded);
  Status finish();
  Rendition describe() const;

 private:
  Status pull_filtered();
  Status drain_encoder();

  AVRational stream_time_base_{1, 1};
  int64_t start_offset_ = 0;  // start_time in the stream's time base
  Plan plan_;
  int64_t nominal_bitrate_ = 0;
  GraphPtr graph_;
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  CodecPtr encoder_;
  FramePtr filtered_;
  PacketPtr packet_;
  SegmentWriter writer_;
  int64_t next_boundary_ = 0;  // sample index where the next segment starts
  int segment_index_ = 1;
  std::string codecs_;
};

}  // namespace sg::transcoder
