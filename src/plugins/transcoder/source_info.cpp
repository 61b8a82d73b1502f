#include "source_info.hpp"

#include <cmath>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
}

namespace sg::transcoder {
namespace {

int display_rotation(const AVStream* st) {
  size_t size = 0;
  const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (matrix == nullptr || size < 9 * sizeof(int32_t)) return 0;
  // av_display_rotation_get is counter-clockwise; players rotate clockwise by its negation
  // (as the ffmpeg CLI's autorotate does).
  double theta = -std::round(av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix)));
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  int quarter = static_cast<int>(std::lround(theta / 90.0)) % 4;
  return quarter * 90;
}

// "4 s", "1 min 30 s", "2 h 5 min 0 s": how a person reads a duration.
std::string seconds_text(double s) {
  int64_t whole = static_cast<int64_t>(s);
  std::string out;
  if (whole >= 3600) out += std::to_string(whole / 3600) + " h ";
  if (whole >= 60) out += std::to_string(whole / 60 % 60) + " min ";
  return out + std::to_string(whole % 60) + " s";
}

}  // namespace

int SourceInfo::display_width() const {
  int w = coded_width;
  if (sar_num > 0 && sar_den > 0 && sar_num != sar_den)
    w = static_cast<int>(std::lround(static_cast<double>(coded_width) * sar_num / sar_den));
  return rotation == 90 || rotation == 270 ? coded_height : w;
}

int SourceInfo::display_height() const {
  int w = coded_width;
  if (sar_num > 0 && sar_den > 0 && sar_num != sar_den)
    w = static_cast<int>(std::lround(static_cast<double>(coded_width) * sar_num / sar_den));
  return rotation == 90 || rotation == 270 ? w : coded_height;
}

Result<SourceInfo> inspect_source(AVFormatContext* input, const TranscoderConfig& config) {
  SourceInfo info;
  // Cover art is a video stream of one picture; it is never the video.
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    const AVStream* st = input->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        (st->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 && st->codecpar->width > 0 &&
        st->codecpar->height > 0 && info.video_stream < 0)
      info.video_stream = static_cast<int>(i);
  }
  if (info.video_stream < 0) return invalid_input("no video stream");
  const AVStream* vs = input->streams[info.video_stream];
  const AVCodecParameters* vp = vs->codecpar;
  info.video_codec = avcodec_get_name(vp->codec_id);
  if (vp->codec_id == AV_CODEC_ID_NONE || avcodec_find_decoder(vp->codec_id) == nullptr)
    return invalid_input("unsupported codec: " + info.video_codec +
                         " is not enabled in this build");
  // Still-image codecs inside an accepted container (a PNG in a .mov) make no video.
  const AVCodecDescriptor* desc = avcodec_descriptor_get(vp->codec_id);
  if (vs->nb_frames == 1 ||
      (desc != nullptr && (desc->props & AV_CODEC_PROP_INTRA_ONLY) && input->duration <= 0))
    return invalid_input("not a video: the file holds a single picture");

  info.coded_width = vp->width;
  info.coded_height = vp->height;
  AVRational sar = av_guess_sample_aspect_ratio(input, const_cast<AVStream*>(vs), nullptr);
  if (sar.num > 0 && sar.den > 0) {
    av_reduce(&info.sar_num, &info.sar_den, sar.num, sar.den, 1000);
  }
  info.rotation = display_rotation(vs);
  info.color_primaries = vp->color_primaries;
  info.color_trc = vp->color_trc;
  info.color_space = vp->color_space;
  // The nominal rate, as the ffmpeg CLI guesses it: r_frame_rate unless that is a VFR time
  // base (then the average). The average alone is not nominal: a 30 fps capture with dropped
  // frames averages e.g. 20.5 fps, which would become the output rate.
  AVRational fr = av_guess_frame_rate(input, const_cast<AVStream*>(vs), nullptr);
  if (fr.num > 0 && fr.den > 0) {
    info.frame_rate_num = fr.num;
    info.frame_rate_den = fr.den;
  }

  if (input->duration > 0) {
    info.duration = static_cast<double>(input->duration) / AV_TIME_BASE;
  } else if (vs->duration > 0) {
    info.duration = static_cast<double>(vs->duration) * av_q2d(vs->time_base);
  }
  if (info.duration <= 0) return invalid_input("the file has no duration (truncated or not media)");
  info.bit_rate = input->bit_rate;

  int audio = av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, info.video_stream, nullptr, 0);
  if (audio >= 0) {
    const AVCodecParameters* ap = input->streams[audio]->codecpar;
    info.audio_codec = avcodec_get_name(ap->codec_id);
    // A source whose audio cannot be decoded still gives a (silent) video; the reason is
    // logged by the caller through audio_codec.
    if (avcodec_find_decoder(ap->codec_id) != nullptr && ap->sample_rate > 0 &&
        ap->ch_layout.nb_channels > 0) {
      info.audio_stream = audio;
      info.audio_channels = ap->ch_layout.nb_channels;
      info.audio_sample_rate = ap->sample_rate;
    }
  }
  double start = 0;
  bool have_start = false;
  for (int idx : {info.video_stream, info.audio_stream}) {
    if (idx < 0) continue;
    const AVStream* st = input->streams[idx];
    if (st->start_time == AV_NOPTS_VALUE) continue;
    double s = static_cast<double>(st->start_time) * av_q2d(st->time_base);
    if (!have_start || s < start) start = s;
    have_start = true;
  }
  info.start_time = have_start ? start : 0;

  if (info.duration > config.max_duration_seconds)
    return over_limit("too long: " + seconds_text(info.duration) + " exceeds the limit of " +
                      seconds_text(config.max_duration_seconds));
  int64_t pixels = static_cast<int64_t>(info.display_width()) * info.display_height();
  if (pixels > config.max_pixels)
    return over_limit("picture too large: " + std::to_string(info.display_width()) + "x" +
                      std::to_string(info.display_height()) + " exceeds the limit of " +
                      std::to_string(config.max_pixels) + " pixels");
  if (info.bit_rate > config.max_input_bitrate)
    return over_limit("bitrate too high: " + std::to_string(info.bit_rate / 1000) +
                      " kb/s exceeds the limit of " +
                      std::to_string(config.max_input_bitrate / 1000) + " kb/s");
  return info;
}

}  // namespace sg::transcoder
