// Writes one rendition as CMAF: libavformat's mp4 muxer in fragmented mode, driven by
// hand (frag_custom), with its output captured through a custom AVIOContext so each
// fragment lands in its own file: <dir>/init.mp4 then seg-00001.m4s, seg-00002.m4s, ...
// The caller decides where segments start (on the shared keyframe grid); the writer
// records each segment's presentation start, duration and size for the manifests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "av_util.hpp"
#include "failure.hpp"
#include "media_set.hpp"

namespace sg::transcoder {

class SegmentWriter {
 public:
  SegmentWriter() = default;
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();

  // `encoder` must be opened (its extradata is the codec configuration). Creates `dir`.
  Status open(const std::filesystem::path& dir, const AVCodecContext* encoder);
  // `packet` carries timestamps in the encoder's time base and a duration; it is consumed.
  // When `starts_segment` the current segment is closed first (ignored for the first one).
  Status write(AVPacket* packet, bool starts_segment);
  // Writes the last segment. After it, segments() and timescale() are final.
  Status finish();

  uint32_t timescale() const noexcept { return timescale_; }
  const std::vector<SegmentInfo>& segments() const noexcept { return segments_; }

 private:
  static int on_write(void* self, uint8_t* data, int size);
  Status flush_fragment();
  Status write_file(const std::string& name, const std::string& bytes);

  std::filesystem::path dir_;
  AVFormatContext* muxer_ = nullptr;
  AVIOContext* io_ = nullptr;
  AVRational encoder_time_base_{1, 1};
  AVRational stream_time_base_{1, 1};
  uint32_t timescale_ = 0;
  std::string pending_;  // bytes the muxer wrote since the last file was cut
  bool init_written_ = false;
  bool segment_open_ = false;  // packets written since the last fragment flush
  int64_t segment_start_ = 0;  // pts of the open segment's first packet (stream time base)
  int64_t end_pts_ = 0;        // pts + duration of the latest packet (stream time base)
  std::vector<SegmentInfo> segments_;
};

}  // namespace sg::transcoder
