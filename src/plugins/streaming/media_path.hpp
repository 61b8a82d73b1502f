// Which files of a content's media folder a request may name. An allow-list of the
// transcoder's layout (src/plugins/transcoder/README.md): anything else — "..", NUL,
// backslashes, percent signs left after decoding, unknown names — is not a media file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sg::streaming {

enum class FileKind {
  master_playlist,   // master.m3u8
  mpd,               // manifest.mpd
  media_playlist,    // <rung>/index.m3u8
  init_segment,      // <rung>/init.mp4
  media_segment,     // <rung>/seg-00001.m4s
  poster,            // poster.jpg
  storyboard_image,  // storyboard.jpg
  storyboard_vtt     // storyboard.vtt
};

struct MediaFile {
  std::string relative;  // inside the content's folder, e.g. "720p/seg-00001.m4s"
  FileKind kind;
  bool audio = false;  // in the audio rendition
};

// The media file `path` names (the part after /stream/{id}/), or nullopt.
std::optional<MediaFile> parse_media_path(std::string_view path);

// A content id as the catalogue stores it: a UUID in lower case. nullopt otherwise.
std::optional<std::string> normalise_content_id(std::string_view id);

// Manifests are rewritten with playback tokens for non-public content.
bool is_rewritten(FileKind kind);
const char* content_type(const MediaFile& file);

}  // namespace sg::streaming
