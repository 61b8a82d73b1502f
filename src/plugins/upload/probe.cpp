#include "probe.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <string>

#include "media/input_policy.hpp"

namespace sg::upload {
namespace {

Failure not_media(std::string why) {
  return fail(422, "not_media", "the uploaded file is not a playable audio/video file: " + why);
}

}  // namespace

Result<nlohmann::json> probe_media(const std::filesystem::path& file) {
  // Bounded work on hostile input: limited probing and analysis, accepted containers only,
  // and the demuxer reads this one file (see media/input_policy.hpp).
  media::MediaInput input = media::MediaInput::open(file);
  if (!input) {
    if (input.refused()) return fail(422, "unsupported_container", input.error());
    return not_media(input.error());
  }
  AVFormatContext* ctx = input.context();
  int rc = avformat_find_stream_info(ctx, nullptr);
  if (rc < 0) return not_media("cannot read stream information");
  std::string container =
      ctx->iformat != nullptr && ctx->iformat->name != nullptr ? ctx->iformat->name : "";

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
