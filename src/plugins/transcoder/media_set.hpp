// What one transcode produced, as the manifests need it: every rendition with its real
// segments (timestamps in the track's own timescale, sizes from disk). The HLS playlists and
// the DASH manifest are both written from this one description, so they always reference
// the same files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sg::transcoder {

struct SegmentInfo {
  int64_t start = 0;     // presentation start, in the rendition's timescale (first = 0)
  int64_t duration = 0;  // in the rendition's timescale
  uint64_t bytes = 0;    // size of the segment file
};

struct Rendition {
  enum class Kind { video, audio };
  Kind kind = Kind::video;
  // Folder name under the content's media folder and the DASH Representation id
  // ("1080p", "720p", ..., "audio"). Files inside: init.mp4, seg-00001.m4s, ... and the
  // HLS media playlist index.m3u8.
  std::string id;
  std::string codecs;  // RFC 6381 string from the encoder's extradata: "avc1.64001f", "mp4a.40.2"
  int64_t nominal_bitrate = 0;  // configured target, bits/s
  uint32_t timescale = 0;       // ticks per second of the segment timestamps
  std::vector<SegmentInfo> segments;

  // video only
  int width = 0;
  int height = 0;
  int frame_rate_num = 0;  // e.g. 30000
  int frame_rate_den = 1;  // e.g. 1001

  // audio only
  int sample_rate = 0;
  int channels = 0;

  double duration_seconds() const;
  // Largest segment bitrate (bits/s): the HLS BANDWIDTH of a variant's own stream and the DASH
  // @bandwidth (see dash_manifest for why not the average).
  uint64_t peak_bitrate() const;
  // Total bits over total duration (bits/s), HLS AVERAGE-BANDWIDTH. Both round up.
  uint64_t average_bitrate() const;
};

struct MediaSet {
  double duration = 0;           // seconds, of the longest rendition
  double segment_target = 4.0;   // configured segment length, seconds
  std::vector<Rendition> video;  // highest first
  std::optional<Rendition> audio;
};

// File names of the layout, shared by the writer, the manifests and the README.
inline constexpr const char* kInitName = "init.mp4";
inline constexpr const char* kMediaPlaylistName = "index.m3u8";
inline constexpr const char* kMasterPlaylistName = "master.m3u8";
inline constexpr const char* kDashManifestName = "manifest.mpd";
inline constexpr const char* kPosterName = "poster.jpg";
inline constexpr const char* kStoryboardSpriteName = "storyboard.jpg";
inline constexpr const char* kStoryboardVttName = "storyboard.vtt";
// seg-00001.m4s for number 1 (numbers start at 1).
std::string segment_name(size_t number);

}  // namespace sg::transcoder
