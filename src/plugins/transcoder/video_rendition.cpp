#include "video_rendition.hpp"

#include <span>
#include <string>

extern "C" {
#include <libavutil/opt.h>
}

#include "codec_string.hpp"

namespace sg::transcoder {

Status VideoRendition::open(const RungPlan& rung, const Plan& plan, const TranscoderConfig& config,
                            const std::filesystem::path& dir) {
  rung_ = rung;
  gop_frames_ = plan.gop_frames;
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) return internal_error("this FFmpeg build has no libx264 encoder");
  encoder_.reset(avcodec_alloc_context3(codec));
  packet_ = make_packet();
  scaled_ = make_frame();
  if (!encoder_ || !packet_ || !scaled_) return internal_error("out of memory");
  AVCodecContext* e = encoder_.get();
  e->width = rung.width;
  e->height = rung.height;
  e->pix_fmt = AV_PIX_FMT_YUV420P;
  e->sample_aspect_ratio = AVRational{1, 1};
  e->time_base = AVRational{plan.fps_den, plan.fps_num};
  e->framerate = AVRational{plan.fps_num, plan.fps_den};
  e->bit_rate = rung.bitrate;
  // Capped VBR: peaks stay near the advertised bandwidth so players pick rungs honestly.
  e->rc_max_rate = rung.bitrate * 3 / 2;
  e->rc_buffer_size = static_cast<int>(rung.bitrate * 2);
  e->gop_size = plan.gop_frames;
  e->keyint_min = plan.gop_frames;
  e->thread_count = config.threads_per_rung;
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  e->color_range = AVCOL_RANGE_MPEG;  // the base filter outputs limited-range yuv420p
  // Scaling does not convert between matrices: a BT.709 (or BT.2020, BT.601) source stays
  // one, so say so, or players guess (BT.601 for SD sizes: shifted colours on a 480p rung of
  // an HD source).
  e->color_primaries = static_cast<AVColorPrimaries>(plan.color_primaries);
  e->color_trc = static_cast<AVColorTransferCharacteristic>(plan.color_trc);
  e->colorspace = static_cast<AVColorSpace>(plan.color_space);
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", config.preset.c_str(), 0);
  av_dict_set(&opts, "profile", rung.profile.c_str(), 0);
  // Forced keyframes become IDR frames, and no scene-cut keyframes: every rung's
  // segments then start at the same instants with a closed GOP.
  av_dict_set(&opts, "forced-idr", "1", 0);
  av_dict_set(&opts, "x264-params", "scenecut=0:open-gop=0", 0);
  int rc = avcodec_open2(e, codec, &opts);
  av_dict_free(&opts);
  if (rc < 0) return internal_error("libx264 (" + rung.id + "): " + av_error_text(rc));

  if (rung.width != plan.base_width || rung.height != plan.base_height) {
    scaler_.reset(sws_getContext(plan.base_width, plan.base_height, AV_PIX_FMT_YUV420P, rung.width,
                                 rung.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr,
                                 nullptr));
    if (!scaler_) return internal_error("scaler for " + rung.id);
  }
  return writer_.open(dir, e);
}

Status VideoRendition::encode(const AVFrame* base) {
  if (base == nullptr) {
    int rc = avcodec_send_frame(encoder_.get(), nullptr);
    if (rc < 0 && rc != AVERROR_EOF) return internal_error("libx264 flush: " + av_error_text(rc));
    return drain();
  }
  av_frame_unref(scaled_.get());
  if (scaler_) {
    scaled_->format = AV_PIX_FMT_YUV420P;
    scaled_->width = rung_.width;
    scaled_->height = rung_.height;
    if (av_frame_get_buffer(scaled_.get(), 0) < 0) return internal_error("out of memory");
    sws_scale(scaler_.get(), base->data, base->linesize, 0, base->height, scaled_->data,
              scaled_->linesize);
    scaled_->pts = base->pts;
  } else if (av_frame_ref(scaled_.get(), base) < 0) {
    return internal_error("out of memory");
  }
  scaled_->sample_aspect_ratio = AVRational{1, 1};
  scaled_->pict_type = base->pts % gop_frames_ == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  int rc = avcodec_send_frame(encoder_.get(), scaled_.get());
  if (rc < 0) return internal_error("libx264 (" + rung_.id + "): " + av_error_text(rc));
  return drain();
}

Status VideoRendition::drain() {
  for (;;) {
    int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return ok;
    if (rc < 0) return internal_error("libx264 (" + rung_.id + "): " + av_error_text(rc));
    packet_->duration = 1;  // one frame of the constant output rate
    bool boundary = (packet_->flags & AV_PKT_FLAG_KEY) != 0 && packet_->pts % gop_frames_ == 0;
    if (auto st = writer_.write(packet_.get(), boundary); !st) return st;
  }
}

Status VideoRendition::finish() {
  const AVCodecContext* e = encoder_.get();
  auto codecs = avc_codec_string(
      std::span<const uint8_t>(e->extradata, static_cast<size_t>(e->extradata_size)));
  if (!codecs) return internal_error("libx264 (" + rung_.id + ") gave no H.264 configuration");
  codecs_ = *codecs;
  return writer_.finish();
}

Rendition VideoRendition::describe() const {
  Rendition r;
  r.kind = Rendition::Kind::video;
  r.id = rung_.id;
  const AVCodecContext* e = encoder_.get();
  r.codecs = codecs_;
  r.nominal_bitrate = rung_.bitrate;
  r.timescale = writer_.timescale();
  r.segments = writer_.segments();
  r.width = rung_.width;
  r.height = rung_.height;
  r.frame_rate_num = e->framerate.num;
  r.frame_rate_den = e->framerate.den;
  return r;
}

}  // namespace sg::transcoder
