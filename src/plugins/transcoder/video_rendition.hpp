// One video rung: scales the shared decoded picture to its size, encodes it with libx264
// (keyframes forced on the segment grid shared by every rung) and writes CMAF segments.
#pragma once

#include <filesystem>

#include "av_util.hpp"
#include "config.hpp"
#include "failure.hpp"
#include "ladder.hpp"
#include "media_set.hpp"
#include "segment_writer.hpp"

namespace sg::transcoder {

class VideoRendition {
 public:
  Status open(const RungPlan& rung, const Plan& plan, const TranscoderConfig& config,
              const std::filesystem::path& dir);
  // `base` is a frame of the plan's base size (yuv420p) with pts in output frames (1/fps);
  // nullptr flushes the encoder at the end.
  Status encode(const AVFrame* base);
  // Writes the last segment; after it describe() is complete.
  Status finish();
  Rendition describe() const;

 private:
  Status drain();

  RungPlan rung_;
  int gop_frames_ = 0;
  CodecPtr encoder_;
  SwsPtr scaler_;
  FramePtr scaled_;
  PacketPtr packet_;
  SegmentWriter writer_;
  std::string codecs_;  // known after finish()
};

}  // namespace sg::transcoder
