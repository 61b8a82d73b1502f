#include "probe.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <memory>
#include <string>
#include <string_view>

namespace sg::upload {
namespace {

struct InputCloser {
  void operator()(AVFormatContext* ctx) const noexcept { avformat_close_input(&ctx); }
};

Failure not_media(std::string why) {
  return fail(422, "not_media", "the uploaded file is not a playable audio/video file: " + why);
}

bool is_still_image_demuxer(std::string_view name) {
  // image2 and the *_pipe demuxers read single pictures (PNG, JPEG, ...): not video.
  return name == "image2" || name == "tty" ||
         (name.size() > 5 && name.substr(name.size() - 5) == "_pipe");
}

}  // namespace

Result<nlohmann::json> probe_media(const std::filesystem::path& file) {
  AVFormatContext* raw = nullptr;
  AVDictionary* opts = nullptr;
  // Bounded work on hostile input: limit probing and analysis.
  av_dict_set(&opts, "probesize", "10000000", 0);
  av_dict_set(&opts, "analyzeduration", "10000000", 0);
  int rc = avformat_open_input(&raw, file.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (rc < 0) {
    char msg[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(rc, msg, sizeof msg);
    return not_media(std::string("unrecognised format (") + msg + ")");
  }
  std::unique_ptr<AVFormatContext, InputCloser> ctx(raw);
  rc = avformat_find_stream_info(ctx.get(), nullptr);
  if (rc < 0) return not_media("cannot read stream information");
  std::string container =
      ctx->iformat != nullptr && ctx->iformat->name != nullptr ? ctx->iformat->name : "";
  if (is_still_image_demuxer(container)) return not_media("still image (" + container + ")");

  nlohmann::json codecs = nlohmann::json::array();
  bool has_video = false;
  bool has_audio = false;
  int width = 0;
  int height = 0;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* s = ctx->streams[i];
    const AVCodecParameters* par = s->codecpar;
    if ((s->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) continue;  // cover art
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->width > 0 && par->height > 0 &&
        par->codec_id != AV_CODEC_ID_NONE) {
      if (!has_video) {
        width = par->width;
        height = par->height;
      }
      has_video = true;
      codecs.push_back(avcodec_get_name(par->codec_id));
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO && par->codec_id != AV_CODEC_ID_NONE &&
               par->sample_rate > 0) {
      has_audio = true;
      codecs.push_back(avcodec_get_name(par->codec_id));
    }
  }
  if (!has_video && !has_audio) return not_media("no audio or video stream");
  double duration = ctx->duration > 0 ? static_cast<double>(ctx->duration) / AV_TIME_BASE : 0.0;
  if (duration <= 0.0) return not_media("no duration");
  return nlohmann::json{{"container", container}, {"codecs", codecs}, {"duration", duration},
                        {"width", width},         {"height", height}, {"has_video", has_video},
                        {"has_audio", has_audio}};
}

}  // namespace sg::upload
