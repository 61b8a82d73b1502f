#include "media/input_policy.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/mem.h>
}

#include <array>
#include <utility>

namespace sg::media {
namespace {

// Self-contained video containers (demuxer names as libavformat spells them). None of
// these demuxers opens other files by default, and nested opens are refused anyway.
constexpr std::array<std::string_view, 8> kAllowed = {
    "mov,mp4,m4a,3gp,3g2,mj2",  // MP4, MOV, 3GP
    "matroska,webm",            // MKV, WebM
    "avi",                      //
    "mpegts",                   // MPEG transport stream (.ts, .m2ts)
    "mpeg",                     // MPEG program stream (.mpg, .vob)
    "flv",                      //
    "ogg",                      // Ogg (Theora, VP8)
    "asf",                      // WMV
};

// The same names, split at their commas, for format_whitelist.
constexpr std::string_view kAllowedList =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,asf";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string av_error_text(int rc) {
  char msg[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(rc, msg, sizeof msg);
  return msg;
}

// AVFormatContext::io_open: every URL a demuxer tries to open on its own (playlist entries,
// external references, nested inputs) is refused. The input file itself was opened before.
int refuse_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

}  // namespace

bool is_allowed_demuxer(std::string_view demuxer) noexcept {
  for (auto name : kAllowed)
    if (name == demuxer) return true;
  return false;
}

std::string_view allowed_demuxer_list() noexcept {
  return kAllowedList;
}

std::string refusal_reason(std::string_view demuxer) {
  std::string what;
  if (demuxer == "hls" || demuxer == "applehttp")
    what = "hls playlists are not accepted as uploads";
  else if (demuxer == "dash")
    what = "DASH manifests are not accepted as uploads";
  else if (demuxer == "concat")
    what = "concat scripts are not accepted as uploads";
  else if (demuxer == "sdp" || demuxer == "rtp" || demuxer == "rtsp")
    what = "SDP session descriptions are not accepted as uploads";
  else if (demuxer == "image2" || demuxer == "tty" || ends_with(demuxer, "_pipe"))
    what = "still images (" + std::string(demuxer) + ") are not accepted as uploads";
  else
    what = std::string(demuxer) +
           " is not an accepted video container (accepted: MP4/MOV/3GP, Matroska/WebM, AVI, "
           "MPEG-TS, MPEG-PS, FLV, Ogg, ASF/WMV)";
  return "unsupported container: " + what;
}

MediaInput MediaInput::open(const std::filesystem::path& file, const OpenOptions& options) {
  MediaInput in;
  // "file:" + an absolute path: a path that looks like a URL stays a path.
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(file, ec);
  std::string url = "file:" + (ec ? file : abs).string();
  AVDictionary* io_opts = nullptr;
  av_dict_set(&io_opts, "protocol_whitelist", "file", 0);
  int rc = avio_open2(&in.pb_, url.c_str(), AVIO_FLAG_READ, nullptr, &io_opts);
  av_dict_free(&io_opts);
  if (rc < 0) {
    in.error_ = "cannot read the file (" + av_error_text(rc) + ")";
    return in;
  }
  // Detect the container from the bytes alone (no file name, no MIME type), then check it
  // BEFORE any demuxer runs: a refused container never gets to parse, let alone open.
  const AVInputFormat* fmt = nullptr;
  rc = av_probe_input_buffer2(in.pb_, &fmt, "", nullptr, 0,
                              static_cast<unsigned>(options.probesize));
  if (rc < 0 || fmt == nullptr) {
    in.error_ = "unrecognised format (" + av_error_text(rc < 0 ? rc : AVERROR_INVALIDDATA) + ")";
    return in;
  }
  std::string_view name = fmt->name != nullptr ? fmt->name : "";
  if (!is_allowed_demuxer(name)) {
    in.refused_ = true;
    in.error_ = refusal_reason(name);
    return in;
  }
  AVFormatContext* ctx = avformat_alloc_context();
  if (ctx == nullptr) {
    in.error_ = "out of memory";
    return in;
  }
  ctx->pb = in.pb_;  // custom I/O: the demuxer reads this file and opens nothing itself
  ctx->io_open = &refuse_nested_open;
  ctx->format_whitelist = av_strdup(std::string(kAllowedList).c_str());
  ctx->protocol_whitelist = av_strdup("file");
  AVDictionary* opts = nullptr;
  av_dict_set_int(&opts, "probesize", options.probesize, 0);
  av_dict_set_int(&opts, "analyzeduration", options.analyzeduration, 0);
  rc = avformat_open_input(&ctx, "", fmt, &opts);  // frees ctx on failure
  av_dict_free(&opts);
  if (rc < 0) {
    in.error_ = "unreadable " + std::string(name) + " file (" + av_error_text(rc) + ")";
    return in;
  }
  in.ctx_ = ctx;
  return in;
}

MediaInput::MediaInput(MediaInput&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      pb_(std::exchange(other.pb_, nullptr)),
      refused_(other.refused_),
      error_(std::move(other.error_)) {}

MediaInput& MediaInput::operator=(MediaInput&& other) noexcept {
  if (this != &other) {
    close();
    ctx_ = std::exchange(other.ctx_, nullptr);
    pb_ = std::exchange(other.pb_, nullptr);
    refused_ = other.refused_;
    error_ = std::move(other.error_);
  }
  return *this;
}

MediaInput::~MediaInput() {
  close();
}

void MediaInput::close() noexcept {
  // Custom I/O: closing the demuxer leaves pb_ open; it is closed here.
  if (ctx_ != nullptr) avformat_close_input(&ctx_);
  if (pb_ != nullptr) avio_closep(&pb_);
}

}  // namespace sg::media
