#include "ladder.hpp"

#include <algorithm>
#include <cmath>

namespace sg::transcoder {
namespace {

int even(double v) {
  return std::max(2, static_cast<int>(std::lround(v / 2.0)) * 2);
}

// Scales (w, h) so that its short side becomes `short_side`, both sides even.
std::pair<int, int> fit_short_side(int w, int h, int short_side) {
  if (w >= h) return {even(static_cast<double>(w) * short_side / h), short_side};
  return {short_side, even(static_cast<double>(h) * short_side / w)};
}

}  // namespace

Plan plan_ladder(const SourceInfo& source, const TranscoderConfig& config) {
  Plan plan;
  plan.base_width = even(source.display_width());
  plan.base_height = even(source.display_height());
  plan.color_primaries = source.color_primaries;
  plan.color_trc = source.color_trc;
  plan.color_space = source.color_space;

  // Constant frame rate: the source's own, capped; 30 when the file does not say.
  if (source.frame_rate_num > 0 && source.frame_rate_den > 0) {
    plan.fps_num = source.frame_rate_num;
    plan.fps_den = source.frame_rate_den;
    // Implausible rates (a VFR file's time base, e.g. 90000/1) are treated as unknown.
    if (static_cast<double>(plan.fps_num) / plan.fps_den > 1000) {
      plan.fps_num = 30;
      plan.fps_den = 1;
    }
  }
  if (static_cast<double>(plan.fps_num) / plan.fps_den > config.max_frame_rate) {
    plan.fps_num = config.max_frame_rate;
    plan.fps_den = 1;
  }
  double fps = static_cast<double>(plan.fps_num) / plan.fps_den;
  plan.gop_frames = std::max(1, static_cast<int>(std::lround(config.segment_seconds * fps)));
  plan.segment_seconds = plan.gop_frames / fps;

  const int source_short = std::min(plan.base_width, plan.base_height);
  for (const auto& rung : config.ladder) {
    if (rung.height > source_short) continue;
    RungPlan r;
    std::tie(r.width, r.height) = fit_short_side(plan.base_width, plan.base_height, rung.height);
    r.id = std::to_string(rung.height) + "p";
    r.bitrate = rung.video_bitrate;
    r.profile = rung.height >= 720 ? "high" : "main";
    plan.rungs.push_back(r);
  }
  if (plan.rungs.empty()) {
    // Smaller than the lowest rung: one rendition at the source size, with the lowest
    // rung's bitrate scaled by the pixel count.
    const RungConfig& lowest = config.ladder.back();
    auto [lw, lh] = fit_short_side(plan.base_width, plan.base_height, lowest.height);
    double ratio =
        static_cast<double>(plan.base_width) * plan.base_height / (static_cast<double>(lw) * lh);
    RungPlan r;
    r.width = plan.base_width;
    r.height = plan.base_height;
    r.id = std::to_string(source_short) + "p";
    r.bitrate = std::max<int64_t>(100'000, static_cast<int64_t>(lowest.video_bitrate * ratio));
    r.profile = "main";
    plan.rungs.push_back(r);
  }
  return plan;
}

}  // namespace sg::transcoder
