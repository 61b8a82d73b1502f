#include "thumbnails.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "jpeg.hpp"
#include "media_set.hpp"

namespace sg::transcoder {
namespace {

std::string vtt_time(double seconds) {
  auto ms = static_cast<int64_t>(std::llround(seconds * 1000));
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3'600'000), static_cast<long long>(ms / 60'000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return buf.data();
}

int even(double v) {
  return std::max(2, static_cast<int>(std::lround(v / 2.0)) * 2);
}

}  // namespace

Thumbnails::Thumbnails(const Plan& plan, const TranscoderConfig& config, double duration)
    : duration_(duration) {
  max_tiles_ = config.storyboard_max_tiles;
  columns_ = config.storyboard_columns;
  interval_ = std::max(config.storyboard_interval_seconds, duration / max_tiles_);
  tile_w_ = config.storyboard_tile_width;
  tile_h_ = even(static_cast<double>(tile_w_) * plan.base_height / plan.base_width);
  // Posters come from the body of the video: titles fade in from black and credits roll at
  // the end, so the first tenth and the last third are only a fallback.
  poster_from_ = duration * 0.1;
  poster_until_ = duration * 0.7;
  poster_step_ = std::max(0.2, duration / 24);
  tile_scaler_.reset(sws_getContext(plan.base_width, plan.base_height, AV_PIX_FMT_YUV420P, tile_w_,
                                    tile_h_, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr,
                                    nullptr));
  probe_ = make_frame();
}

double Thumbnails::score(const AVFrame* tile) const {
  // Luma contrast: black, white and flat frames score near zero.
  double sum = 0;
  double sq = 0;
  const int n = tile->width * tile->height;
  for (int y = 0; y < tile->height; ++y) {
    const uint8_t* row = tile->data[0] + static_cast<ptrdiff_t>(y) * tile->linesize[0];
    for (int x = 0; x < tile->width; ++x) {
      sum += row[x];
      sq += static_cast<double>(row[x]) * row[x];
    }
  }
  double mean = sum / n;
  double var = std::max(0.0, sq / n - mean * mean);
  double penalty = mean < 24 || mean > 232 ? 0.25 : 1.0;  // nearly black or blown out
  return std::sqrt(var) * penalty;
}

Status Thumbnails::add_tile(const AVFrame* frame) {
  if (!tile_scaler_) return internal_error("storyboard scaler");
  FramePtr tile = make_frame();
  if (!tile) return internal_error("out of memory");
  tile->format = AV_PIX_FMT_YUV420P;
  tile->width = tile_w_;
  tile->height = tile_h_;
  if (av_frame_get_buffer(tile.get(), 0) < 0) return internal_error("out of memory");
  sws_scale(tile_scaler_.get(), frame->data, frame->linesize, 0, frame->height, tile->data,
            tile->linesize);
  tiles_.push_back(std::move(tile));
  return ok;
}

Status Thumbnails::offer(const AVFrame* frame, double seconds) {
  if (seconds >= next_tile_ && static_cast<int>(tiles_.size()) < max_tiles_) {
    if (auto st = add_tile(frame); !st) return st;
    next_tile_ = static_cast<double>(tiles_.size()) * interval_;
  }
  if (seconds >= next_candidate_) {
    next_candidate_ = seconds + poster_step_;
    av_frame_unref(probe_.get());
    probe_->format = AV_PIX_FMT_YUV420P;
    probe_->width = tile_w_;
    probe_->height = tile_h_;
    if (av_frame_get_buffer(probe_.get(), 0) < 0) return internal_error("out of memory");
    sws_scale(tile_scaler_.get(), frame->data, frame->linesize, 0, frame->height, probe_->data,
              probe_->linesize);
    double s = score(probe_.get());
    bool preferred = seconds >= poster_from_ && seconds < poster_until_;
    if (preferred && s > poster_score_) {
      poster_.reset(av_frame_clone(frame));
      poster_score_ = s;
    } else if (!preferred && s > fallback_score_) {
      fallback_.reset(av_frame_clone(frame));
      fallback_score_ = s;
    }
  }
  return ok;
}

std::string Thumbnails::vtt(int count, double interval, double duration, int columns, int tile_w,
                            int tile_h, const std::string& sprite_name) {
  std::string out = "WEBVTT\n";
  for (int i = 0; i < count; ++i) {
    double from = i * interval;
    double to = i + 1 == count ? std::max(duration, from + 0.001) : (i + 1) * interval;
    out.append("\n").append(vtt_time(from)).append(" --> ").append(vtt_time(to)).append("\n");
    out.append(sprite_name).append("#xywh=");
    out.append(std::to_string((i % columns) * tile_w)).append(",");
    out.append(std::to_string((i / columns) * tile_h)).append(",");
    out.append(std::to_string(tile_w)).append(",").append(std::to_string(tile_h)).append("\n");
  }
  return out;
}

Status Thumbnails::write(const std::filesystem::path& dir, int poster_width, int poster_height,
                         double duration) {
  // A fallback beats the preferred window only when the window held nothing worth showing.
  const AVFrame* poster = poster_.get();
  if (poster == nullptr || (fallback_ && poster_score_ < 4 && fallback_score_ > poster_score_))
    poster = fallback_.get();
  if (poster == nullptr) return invalid_input("no picture could be decoded");
  if (auto st = write_jpeg(poster, poster_width, poster_height, dir / kPosterName); !st) return st;

  if (tiles_.empty()) return ok;
  const int count = static_cast<int>(tiles_.size());
  const int cols = std::min(columns_, count);
  const int rows = (count + cols - 1) / cols;
  FramePtr sheet = make_frame();
  if (!sheet) return internal_error("out of memory");
  sheet->format = AV_PIX_FMT_YUV420P;
  sheet->width = cols * tile_w_;
  sheet->height = rows * tile_h_;
  if (av_frame_get_buffer(sheet.get(), 0) < 0) return internal_error("out of memory");
  // Black background for the unused cells of the last row.
  for (int p = 0; p < 3; ++p) {
    int h = p == 0 ? sheet->height : sheet->height / 2;
    for (int y = 0; y < h; ++y)
      std::fill_n(sheet->data[p] + static_cast<ptrdiff_t>(y) * sheet->linesize[p],
                  p == 0 ? sheet->width : sheet->width / 2, p == 0 ? 16 : 128);
  }
  for (int i = 0; i < count; ++i) {
    const AVFrame* t = tiles_[static_cast<size_t>(i)].get();
    int x0 = (i % cols) * tile_w_;
    int y0 = (i / cols) * tile_h_;
    for (int p = 0; p < 3; ++p) {
      int shift = p == 0 ? 0 : 1;
      int w = tile_w_ >> shift;
      int h = tile_h_ >> shift;
      for (int y = 0; y < h; ++y)
        std::copy_n(t->data[p] + static_cast<ptrdiff_t>(y) * t->linesize[p], w,
                    sheet->data[p] +
                        static_cast<ptrdiff_t>((y0 >> shift) + y) * sheet->linesize[p] +
                        (x0 >> shift));
    }
  }
  if (auto st = write_jpeg(sheet.get(), sheet->width, sheet->height, dir / kStoryboardSpriteName);
      !st)
    return st;
  std::ofstream vtt_file(dir / kStoryboardVttName, std::ios::binary);
  vtt_file << vtt(count, interval_, duration, cols, tile_w_, tile_h_, kStoryboardSpriteName);
  vtt_file.close();
  if (!vtt_file) return io_error("cannot write " + std::string(kStoryboardVttName));
  return ok;
}

}  // namespace sg::transcoder
