// Pictures for people: the poster (a representative frame, never a black first frame) and
// the storyboard (a sprite sheet of small tiles plus a WebVTT file mapping time ranges to
// `storyboard.jpg#xywh=...`, as players use for seek previews). Fed the shared decoded
// frames by the decode thread; holds one full frame (the poster candidate) and small tiles.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "av_util.hpp"
#include "config.hpp"
#include "failure.hpp"
#include "ladder.hpp"

namespace sg::transcoder {

class Thumbnails {
 public:
  Thumbnails(const Plan& plan, const TranscoderConfig& config, double duration);
  // `frame` is a base frame (yuv420p, plan base size) shown at `seconds`.
  Status offer(const AVFrame* frame, double seconds);
  // Writes poster.jpg (at the top rung's size), storyboard.jpg and storyboard.vtt.
  Status write(const std::filesystem::path& dir, int poster_width, int poster_height,
               double duration);

  // The WebVTT text for tiles of `tile_w` x `tile_h` in `columns`, one per `interval`
  // seconds, `count` tiles, the last one ending at `duration`. Pure; unit-tested.
  static std::string vtt(int count, double interval, double duration, int columns, int tile_w,
                         int tile_h, const std::string& sprite_name);

 private:
  double score(const AVFrame* tile) const;
  Status add_tile(const AVFrame* frame);

  double duration_;
  double interval_;     // storyboard seconds per tile
  double poster_from_;  // poster candidates are looked for in [from, until)
  double poster_until_;
  double poster_step_;
  double next_tile_ = 0;
  double next_candidate_ = 0;
  int tile_w_ = 160;
  int tile_h_ = 90;
  int columns_ = 10;
  int max_tiles_ = 400;
  SwsPtr tile_scaler_;
  std::vector<FramePtr> tiles_;
  FramePtr probe_;  // small copy used to score a poster candidate
  FramePtr poster_;
  double poster_score_ = -1;
  FramePtr fallback_;  // best-scored frame seen anywhere, when no candidate qualifies
  double fallback_score_ = -1;
};

}  // namespace sg::transcoder
