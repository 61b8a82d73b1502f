// Which media files StreamGate reads, and how. Uploaded bytes are hostile: some libavformat
// demuxers read other files or URLs named inside the input (hls and dash playlists, concat
// scripts, image2 patterns, sdp/rtp, tee, mov external references), so a 100-byte playlist
// could make the transcoder read any file on the server. Hence:
//   - an allow-list of self-contained video containers, checked against the demuxer that
//     the bytes select (never the file name or MIME type);
//   - the file is opened by path with the `file` protocol only, and every open the demuxer
//     itself attempts (nested inputs, external references) is refused.
// Both the upload probe and the transcoder open their input through MediaInput.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

extern "C" {
struct AVFormatContext;
struct AVIOContext;
}

namespace sg::media {

// True when `demuxer` (AVInputFormat::name, e.g. "mov,mp4,m4a,3gp,3g2,mj2") is an accepted
// container.
bool is_allowed_demuxer(std::string_view demuxer) noexcept;
// The accepted demuxer names as one comma-separated list (libavformat's format_whitelist).
std::string_view allowed_demuxer_list() noexcept;
// Why `demuxer` is refused, for a person: "unsupported container: hls playlists are not
// accepted as uploads".
std::string refusal_reason(std::string_view demuxer);

struct OpenOptions {
  int64_t probesize = 10'000'000;        // bytes read to detect the container and streams
  int64_t analyzeduration = 10'000'000;  // microseconds of media analysed
};

// One local media file opened for demuxing under the rules above. Not thread-safe; move-only.
class MediaInput {
 public:
  // Never throws: check the result with operator bool, then refused() / error().
  static MediaInput open(const std::filesystem::path& file, const OpenOptions& options = {});

  MediaInput(MediaInput&& other) noexcept;
  MediaInput& operator=(MediaInput&& other) noexcept;
  MediaInput(const MediaInput&) = delete;
  MediaInput& operator=(const MediaInput&) = delete;
  ~MediaInput();

  explicit operator bool() const noexcept { return ctx_ != nullptr; }
  // Not opened because the bytes are a container that is not accepted (see error()).
  bool refused() const noexcept { return refused_; }
  // Why it did not open, for a person ("" when open).
  const std::string& error() const noexcept { return error_; }
  // The demuxer context (streams, duration, av_read_frame); owned by this object.
  AVFormatContext* context() const noexcept { return ctx_; }

 private:
  MediaInput() = default;
  void close() noexcept;

  AVFormatContext* ctx_ = nullptr;
  AVIOContext* pb_ = nullptr;  // opened here, not by the demuxer (custom I/O)
  bool refused_ = false;
  std::string error_;
};

}  // namespace sg::media
