#include "transcode.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>
}

#include "audio_rendition.hpp"
#include "av_util.hpp"
#include "media/input_policy.hpp"
#include "output_folder.hpp"
#include "rung_worker.hpp"
#include "thumbnails.hpp"
#include "video_rendition.hpp"

namespace sg::transcoder {
namespace {

// Linux nice values are per thread and inherited by the threads it creates (the decoder's
// and libx264's), so lowering this thread lowers the whole transcode.
void lower_priority(int nice) {
  if (nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
}

std::string rotation_filters(int rotation) {
  switch (rotation) {
    case 90:
      return "transpose=clock,";
    case 180:
      return "hflip,vflip,";
    case 270:
      return "transpose=cclock,";
    default:
      return "";
  }
}

// Decoded picture -> the shared base frames every rung scales from: deinterlaced (frames
// flagged interlaced only, one output frame per frame, before the rotation moves the
// fields), rotated upright,
// constant frame rate from 0 (VFR input becomes CFR), square pixels at the display size,
// 8-bit 4:2:0.
class BaseVideo {
 public:
  Status open(const AVCodecContext* dec, AVRational stream_tb, const SourceInfo& src,
              const Plan& plan) {
    graph_.reset(avfilter_graph_alloc());
    if (!graph_) return internal_error("out of memory");
    graph_->nb_threads = 1;
    std::string args = "video_size=" + std::to_string(dec->width) + "x" +
                       std::to_string(dec->height) + ":pix_fmt=" + std::to_string(dec->pix_fmt) +
                       ":time_base=" + std::to_string(stream_tb.num) + "/" +
                       std::to_string(stream_tb.den) +
                       ":pixel_aspect=" + std::to_string(std::max(1, src.sar_num)) + "/" +
                       std::to_string(std::max(1, src.sar_den));
    int rc = avfilter_graph_create_filter(&source_, avfilter_get_by_name("buffer"), "in",
                                          args.c_str(), nullptr, graph_.get());
    if (rc < 0) return internal_error("video source filter: " + av_error_text(rc));
    rc = avfilter_graph_create_filter(&sink_, avfilter_get_by_name("buffersink"), "out", nullptr,
                                      nullptr, graph_.get());
    if (rc < 0) return internal_error("video sink filter: " + av_error_text(rc));
    // Not for streams declared progressive, nor below bwdif's minimum of 3x4 (it would fail
    // the graph for pictures it would never touch).
    const bool deinterlace =
        dec->field_order != AV_FIELD_PROGRESSIVE && dec->width >= 3 && dec->height >= 4;
    const std::string chain =
        std::string(deinterlace ? "bwdif=mode=send_frame:parity=auto:deint=interlaced," : "") +
        rotation_filters(src.rotation) + "fps=fps=" + std::to_string(plan.fps_num) + "/" +
        std::to_string(plan.fps_den) + ":start_time=0,scale=" + std::to_string(plan.base_width) +
        ":" + std::to_string(plan.base_height) + ":flags=bicubic,setsar=1,format=yuv420p";
    AVFilterInOut* outputs = avfilter_inout_alloc();
    AVFilterInOut* inputs = avfilter_inout_alloc();
    outputs->name = av_strdup("in");
    outputs->filter_ctx = source_;
    inputs->name = av_strdup("out");
    inputs->filter_ctx = sink_;
    rc = avfilter_graph_parse_ptr(graph_.get(), chain.c_str(), &inputs, &outputs, nullptr);
    avfilter_inout_free(&inputs);
    avfilter_inout_free(&outputs);
    if (rc >= 0) rc = avfilter_graph_config(graph_.get(), nullptr);
    if (rc < 0) return internal_error("video filters: " + av_error_text(rc));
    out_tb_ = AVRational{plan.fps_den, plan.fps_num};
    frame_ = make_frame();
    if (!frame_) return internal_error("out of memory");
    return ok;
  }
  int add(AVFrame* decoded) {
    if (decoded->pts != AV_NOPTS_VALUE)
      end_pts_ = std::max(end_pts_, decoded->pts + std::max<int64_t>(0, decoded->pkt_duration));
    return av_buffersrc_add_frame_flags(source_, decoded, AV_BUFFERSRC_FLAG_KEEP_REF);
  }
  // End of input at the end of the last frame (not at its start, which would cut it).
  int close() { return av_buffersrc_close(source_, end_pts_, AV_BUFFERSRC_FLAG_PUSH); }
  // Next base frame with pts in output frames, or nullptr when none is ready.
  Result<AVFrame*> next() {
    av_frame_unref(frame_.get());
    int rc = av_buffersink_get_frame(sink_, frame_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return static_cast<AVFrame*>(nullptr);
    if (rc < 0) return internal_error("video filters: " + av_error_text(rc));
    frame_->pts = av_rescale_q(frame_->pts, av_buffersink_get_time_base(sink_), out_tb_);
    return frame_.get();
  }

 private:
  GraphPtr graph_;
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  AVRational out_tb_{1, 1};
  int64_t end_pts_ = 0;
  FramePtr frame_;
};

Result<CodecPtr> open_decoder(const AVStream* st, const char* what) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (codec == nullptr)
    return invalid_input(std::string("unsupported codec: ") +
                         avcodec_get_name(st->codecpar->codec_id) +
                         " is not enabled in this build");
  CodecPtr dec(avcodec_alloc_context3(codec));
  if (!dec) return internal_error("out of memory");
  int rc = avcodec_parameters_to_context(dec.get(), st->codecpar);
  if (rc < 0) return internal_error(std::string(what) + " decoder: " + av_error_text(rc));
  dec->pkt_timebase = st->time_base;
  dec->thread_count = 0;
  rc = avcodec_open2(dec.get(), codec, nullptr);
  if (rc < 0)
    return invalid_input(std::string("cannot decode the ") + what + " (" + codec->name +
                         "): " + av_error_text(rc));
  return dec;
}

}  // namespace

Transcode::Transcode(TranscoderConfig config, std::filesystem::path input,
                     std::filesystem::path output)
    : config_(std::move(config)), input_(std::move(input)), output_(std::move(output)) {}

Transcode::~Transcode() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void Transcode::start() {
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] {
    lower_priority(config_.nice);
    Result<TranscodeOutcome> r = internal_error("transcode did not run");
    try {
      r = run();
    } catch (const std::exception& e) {
      r = internal_error(std::string("transcode: ") + e.what());
    }
    if (is_cancelled() && r.ok()) r = cancelled();
    std::lock_guard lock(mu_);
    result_.emplace(std::move(r));
    done_ = true;
    done_cv_.notify_all();
  });
}

bool Transcode::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return done_cv_.wait_for(lock, timeout, [&] { return done_; });
}

ProgressSnapshot Transcode::progress() const {
  ProgressSnapshot p;
  p.position = position_.load();
  p.duration = duration_.load();
  p.frames = frames_.load();
  p.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return p;
}

Result<TranscodeOutcome> Transcode::result() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return std::move(*result_);
}

Result<TranscodeOutcome> Transcode::run() {
  media::MediaInput input = media::MediaInput::open(input_);
  if (!input) return invalid_input(input.error());
  AVFormatContext* fmt = input.context();
  if (avformat_find_stream_info(fmt, nullptr) < 0)
    return invalid_input("cannot read the stream information (truncated or not media)");
  auto source = inspect_source(fmt, config_);
  if (!source) return source.error();
  const SourceInfo& src = source.value();
  const Plan plan = plan_ladder(src, config_);
  duration_.store(src.duration);

  const AVStream* vst = fmt->streams[src.video_stream];
  auto vdec = open_decoder(vst, "video");
  if (!vdec) return vdec.error();
  CodecPtr video_decoder = std::move(vdec).value();
  BaseVideo base;
  if (auto st = base.open(video_decoder.get(), vst->time_base, src, plan); !st) return st.error();
  const int64_t video_offset =
      static_cast<int64_t>(std::llround(src.start_time / av_q2d(vst->time_base)));

  CodecPtr audio_decoder;
  std::unique_ptr<AudioRendition> audio;
  if (src.audio_stream >= 0) {
    const AVStream* ast = fmt->streams[src.audio_stream];
    auto adec = open_decoder(ast, "audio");
    if (!adec) return adec.error();
    audio_decoder = std::move(adec).value();
    audio = std::make_unique<AudioRendition>();
    // Where the video ends on the shared zero, when the container says.
    double video_end = 0;
    if (vst->duration > 0) {
      double first = vst->start_time != AV_NOPTS_VALUE
                         ? static_cast<double>(vst->start_time) * av_q2d(vst->time_base)
                         : src.start_time;
      video_end =
          first + static_cast<double>(vst->duration) * av_q2d(vst->time_base) - src.start_time;
    }
    if (auto st = audio->open(audio_decoder.get(), ast->time_base, src.start_time, video_end, plan,
                              config_, output_ / "audio");
        !st)
      return st.error();
  }
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != src.video_stream && static_cast<int>(i) != src.audio_stream)
      fmt->streams[i]->discard = AVDISCARD_ALL;

  // Rungs are spread over `parallel_rungs` threads (round robin, so each thread gets a mix
  // of large and small rungs).
  const size_t rung_count = plan.rungs.size();
  size_t threads = config_.parallel_rungs > 0 ? std::min<size_t>(config_.parallel_rungs, rung_count)
                                              : rung_count;
  std::vector<std::vector<std::unique_ptr<VideoRendition>>> groups(threads);
  for (size_t i = 0; i < rung_count; ++i) {
    auto r = std::make_unique<VideoRendition>();
    if (auto st = r->open(plan.rungs[i], plan, config_, output_ / plan.rungs[i].id); !st)
      return st.error();
    groups[i % threads].push_back(std::move(r));
  }
  std::vector<std::unique_ptr<RungWorker>> workers;
  for (auto& g : groups) workers.push_back(std::make_unique<RungWorker>(std::move(g)));
  for (auto& w : workers) w->start();
  auto abort_all = [&] {
    for (auto& w : workers) w->abort();
  };

  Thumbnails thumbs(plan, config_, src.duration);
  const double seconds_per_frame = static_cast<double>(plan.fps_den) / plan.fps_num;
  int64_t frames_out = 0;
  Status failure = ok;
  auto feed_base = [&]() -> Status {
    for (;;) {
      auto next = base.next();
      if (!next) return next.error();
      AVFrame* f = next.value();
      if (f == nullptr) return ok;
      double t = static_cast<double>(f->pts) * seconds_per_frame;
      if (auto st = thumbs.offer(f, t); !st) return st;
      for (auto& w : workers) {
        if (w->push(f)) continue;
        // A rung failed: stop decoding now rather than at the end of the file.
        Status st = w->join();
        abort_all();
        return st ? internal_error("a video encoder stopped without a reason") : st;
      }
      ++frames_out;
      frames_.store(frames_out);
      position_.store(t);
    }
  };

  PacketPtr pkt = make_packet();
  FramePtr decoded = make_frame();
  int bad_packets = 0;
  int64_t video_frames_decoded = 0;
  auto decode_video = [&](const AVPacket* p) -> Status {
    int rc = avcodec_send_packet(video_decoder.get(), p);
    if (rc < 0 && rc != AVERROR_EOF) {
      if (rc == AVERROR_INVALIDDATA && ++bad_packets < 200) return ok;  // skip a damaged packet
      return invalid_input("the video cannot be decoded: " + av_error_text(rc));
    }
    for (;;) {
      rc = avcodec_receive_frame(video_decoder.get(), decoded.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) {
        if (rc == AVERROR_INVALIDDATA && ++bad_packets < 200) continue;
        return invalid_input("the video cannot be decoded: " + av_error_text(rc));
      }
      ++video_frames_decoded;
      int64_t ts = decoded->best_effort_timestamp != AV_NOPTS_VALUE ? decoded->best_effort_timestamp
                                                                    : decoded->pts;
      decoded->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : ts - video_offset;
      rc = base.add(decoded.get());
      av_frame_unref(decoded.get());
      if (rc < 0) return internal_error("video filters: " + av_error_text(rc));
      if (auto st = feed_base(); !st) return st;
    }
    return ok;
  };
  auto decode_audio = [&](const AVPacket* p) -> Status {
    int rc = avcodec_send_packet(audio_decoder.get(), p);
    if (rc < 0 && rc != AVERROR_EOF) {
      if (rc == AVERROR_INVALIDDATA && ++bad_packets < 200) return ok;
      return invalid_input("the audio cannot be decoded: " + av_error_text(rc));
    }
    for (;;) {
      rc = avcodec_receive_frame(audio_decoder.get(), decoded.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) {
        if (rc == AVERROR_INVALIDDATA && ++bad_packets < 200) continue;
        return invalid_input("the audio cannot be decoded: " + av_error_text(rc));
      }
      Status st = audio->push(decoded.get());
      av_frame_unref(decoded.get());
      if (!st) return st;
    }
    return ok;
  };

  for (;;) {
    if (is_cancelled()) {
      abort_all();
      return cancelled();
    }
    int rc = av_read_frame(fmt, pkt.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) {
      if (rc == AVERROR(EAGAIN)) continue;
      // A read error in the middle: what was read is kept and judged by its length below.
      break;
    }
    Status st = ok;
    if (pkt->stream_index == src.video_stream) {
      st = decode_video(pkt.get());
    } else if (audio && pkt->stream_index == src.audio_stream) {
      st = decode_audio(pkt.get());
    }
    av_packet_unref(pkt.get());
    if (!st) {
      abort_all();
      return st.error();
    }
  }
  // Drain the decoders and filters, then let the encoders finish.
  Status st = decode_video(nullptr);
  if (st && base.close() < 0) st = internal_error("video filters: cannot flush");
  if (st) st = feed_base();
  if (st && audio) st = decode_audio(nullptr);
  if (st && audio) st = audio->push(nullptr);
  if (!st) {
    abort_all();
    return st.error();
  }
  if (is_cancelled()) {
    abort_all();
    return cancelled();
  }
  for (auto& w : workers) w->close();
  for (auto& w : workers)
    if (auto ws = w->join(); !ws) failure = ws;
  if (!failure) return failure.error();
  if (frames_out == 0 || video_frames_decoded == 0)
    return invalid_input("no picture could be decoded (corrupt or not a video)");

  // A file cut short decodes fine up to where it stops: compare with what it declares.
  double expected = vst->duration > 0 ? static_cast<double>(vst->duration) * av_q2d(vst->time_base)
                                      : src.duration;
  double produced = static_cast<double>(frames_out) * seconds_per_frame;
  if (produced < expected * 0.9 - 0.5)
    return invalid_input("truncated: the video stops at " + std::to_string(std::lround(produced)) +
                         " s of " + std::to_string(std::lround(expected)) + " s");
  if (audio) {
    if (auto as = audio->finish(); !as) return as.error();
  }

  TranscodeOutcome out;
  out.source = src;
  out.plan = plan;
  out.media.segment_target = plan.segment_seconds;
  for (auto& w : workers)
    for (auto& r : w->rungs()) out.media.video.push_back(r->describe());
  std::sort(out.media.video.begin(), out.media.video.end(),
            [](const Rendition& a, const Rendition& b) {
              return a.height * a.width > b.height * b.width;
            });
  if (audio) out.media.audio = audio->describe();
  for (const auto& r : out.media.video)
    out.media.duration = std::max(out.media.duration, r.duration_seconds());
  if (out.media.audio)
    out.media.duration = std::max(out.media.duration, out.media.audio->duration_seconds());
  const size_t segs = out.media.video.front().segments.size();
  for (const auto& r : out.media.video)
    if (r.segments.size() != segs)
      return internal_error("rungs disagree on the segment count (" + std::to_string(segs) +
                            " vs " + std::to_string(r.segments.size()) + ")");

  const auto& top = out.media.video.front();
  if (auto ts = thumbs.write(output_, top.width, top.height, out.media.duration); !ts)
    return ts.error();
  if (auto ms = OutputFolder::write_manifests(output_, out.media); !ms) return ms.error();
  return out;
}

Result<TranscodeOutcome> transcode_file(const TranscoderConfig& config,
                                        const std::filesystem::path& input,
                                        const std::filesystem::path& output) {
  Transcode t(config, input, output);
  t.start();
  while (!t.wait_for(std::chrono::milliseconds(200))) {
  }
  return t.result();
}

}  // namespace sg::transcoder
