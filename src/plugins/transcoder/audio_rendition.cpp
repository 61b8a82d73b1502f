#include "audio_rendition.hpp"

#include <cmath>
#include <span>
#include <string>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "codec_string.hpp"

namespace sg::transcoder {
namespace {

std::string layout_text(const AVChannelLayout& layout) {
  AVChannelLayout known{};
  if (layout.order == AV_CHANNEL_ORDER_UNSPEC || layout.order == AV_CHANNEL_ORDER_CUSTOM)
    av_channel_layout_default(&known, layout.nb_channels);
  else
    av_channel_layout_copy(&known, &layout);
  char buf[128] = {};
  av_channel_layout_describe(&known, buf, sizeof(buf));
  av_channel_layout_uninit(&known);
  return buf;
}

}  // namespace

Status AudioRendition::open(const AVCodecContext* decoder, AVRational stream_time_base,
                            double start_time, double end_time, const Plan& plan,
                            const TranscoderConfig& config, const std::filesystem::path& dir) {
  stream_time_base_ = stream_time_base;
  start_offset_ = static_cast<int64_t>(std::llround(start_time / av_q2d(stream_time_base)));
  plan_ = plan;
  nominal_bitrate_ = config.audio_bitrate;
  filtered_ = make_frame();
  packet_ = make_packet();
  graph_.reset(avfilter_graph_alloc());
  if (!filtered_ || !packet_ || !graph_) return internal_error("out of memory");
  graph_->nb_threads = 1;

  const char* fmt = av_get_sample_fmt_name(decoder->sample_fmt);
  std::string args = "time_base=" + std::to_string(stream_time_base.num) + "/" +
                     std::to_string(stream_time_base.den) +
                     ":sample_rate=" + std::to_string(decoder->sample_rate) +
                     ":sample_fmt=" + (fmt != nullptr ? fmt : "fltp") +
                     ":channel_layout=" + layout_text(decoder->ch_layout);
  int rc = avfilter_graph_create_filter(&source_, avfilter_get_by_name("abuffer"), "in",
                                        args.c_str(), nullptr, graph_.get());
  if (rc < 0) return internal_error("audio source filter: " + av_error_text(rc));
  rc = avfilter_graph_create_filter(&sink_, avfilter_get_by_name("abuffersink"), "out", nullptr,
                                    nullptr, graph_.get());
  if (rc < 0) return internal_error("audio sink filter: " + av_error_text(rc));

  // async=1 pads gaps with silence and stretches small drifts so the samples follow the
  // timestamps; first_pts=0 starts at the shared zero (silence when the audio starts late).
  std::string chain =
      "aresample=" + std::to_string(kSampleRate) +
      ":async=1:first_pts=0,aformat=sample_fmts=fltp:sample_rates=" + std::to_string(kSampleRate) +
      ":channel_layouts=stereo";
  if (end_time > 0)
    chain += ",atrim=end_sample=" + std::to_string(std::llround(end_time * kSampleRate));
  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  rc = avfilter_graph_parse_ptr(graph_.get(), chain.c_str(), &inputs, &outputs, nullptr);
  avfilter_inout_free(&inputs);
  avfilter_inout_free(&outputs);
  if (rc < 0) return internal_error("audio filters: " + av_error_text(rc));
  rc = avfilter_graph_config(graph_.get(), nullptr);
  if (rc < 0) return internal_error("audio filters: " + av_error_text(rc));

  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) return internal_error("this FFmpeg build has no AAC encoder");
  encoder_.reset(avcodec_alloc_context3(codec));
  if (!encoder_) return internal_error("out of memory");
  AVCodecContext* e = encoder_.get();
  e->sample_fmt = AV_SAMPLE_FMT_FLTP;
  e->sample_rate = kSampleRate;
  av_channel_layout_default(&e->ch_layout, 2);
  e->bit_rate = config.audio_bitrate;
  e->time_base = AVRational{1, kSampleRate};
  e->profile = FF_PROFILE_AAC_LOW;
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  rc = avcodec_open2(e, codec, nullptr);
  if (rc < 0) return internal_error("AAC encoder: " + av_error_text(rc));
  av_buffersink_set_frame_size(sink_, static_cast<unsigned>(e->frame_size));
  next_boundary_ = av_rescale_q(plan.gop_frames, AVRational{plan.fps_den, plan.fps_num},
                                AVRational{1, kSampleRate});
  return writer_.open(dir, e);
}

Status AudioRendition::push(const AVFrame* decoded) {
  int rc = 0;
  if (decoded == nullptr) {
    rc = av_buffersrc_add_frame_flags(source_, nullptr, 0);
  } else {
    FramePtr copy(av_frame_clone(decoded));
    if (!copy) return internal_error("out of memory");
    int64_t ts =
        copy->best_effort_timestamp != AV_NOPTS_VALUE ? copy->best_effort_timestamp : copy->pts;
    copy->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : ts - start_offset_;
    rc = av_buffersrc_add_frame_flags(source_, copy.get(), AV_BUFFERSRC_FLAG_KEEP_REF);
  }
  if (rc < 0) return internal_error("audio filters: " + av_error_text(rc));
  if (auto st = pull_filtered(); !st) return st;
  if (decoded == nullptr) {
    rc = avcodec_send_frame(encoder_.get(), nullptr);
    if (rc < 0 && rc != AVERROR_EOF) return internal_error("AAC flush: " + av_error_text(rc));
    return drain_encoder();
  }
  return ok;
}

Status AudioRendition::pull_filtered() {
  const AVRational sink_tb = av_buffersink_get_time_base(sink_);
  for (;;) {
    int rc = av_buffersink_get_frame(sink_, filtered_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return ok;
    if (rc < 0) return internal_error("audio filters: " + av_error_text(rc));
    if (filtered_->pts != AV_NOPTS_VALUE)
      filtered_->pts = av_rescale_q(filtered_->pts, sink_tb, AVRational{1, kSampleRate});
    rc = avcodec_send_frame(encoder_.get(), filtered_.get());
    av_frame_unref(filtered_.get());
    if (rc < 0) return internal_error("AAC encoder: " + av_error_text(rc));
    if (auto st = drain_encoder(); !st) return st;
  }
}

Status AudioRendition::drain_encoder() {
  for (;;) {
    int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return ok;
    if (rc < 0) return internal_error("AAC encoder: " + av_error_text(rc));
    if (packet_->duration <= 0) packet_->duration = encoder_->frame_size;
    bool boundary = false;
    // Cut where the video's segments are cut, on the first packet at or after the instant.
    while (packet_->pts >= next_boundary_) {
      boundary = true;
      ++segment_index_;
      next_boundary_ =
          av_rescale_q(static_cast<int64_t>(plan_.gop_frames) * segment_index_,
                       AVRational{plan_.fps_den, plan_.fps_num}, AVRational{1, kSampleRate});
    }
    if (auto st = writer_.write(packet_.get(), boundary); !st) return st;
  }
}

Status AudioRendition::finish() {
  auto codecs = aac_codec_string(
      std::span<const uint8_t>(encoder_->extradata, static_cast<size_t>(encoder_->extradata_size)));
  if (!codecs) return internal_error("the AAC encoder gave no audio configuration");
  codecs_ = *codecs;
  return writer_.finish();
}

Rendition AudioRendition::describe() const {
  Rendition r;
  r.kind = Rendition::Kind::audio;
  r.id = "audio";
  r.codecs = codecs_;
  r.nominal_bitrate = nominal_bitrate_;
  r.timescale = writer_.timescale();
  r.segments = writer_.segments();
  r.sample_rate = kSampleRate;
  r.channels = 2;
  return r;
}

}  // namespace sg::transcoder
