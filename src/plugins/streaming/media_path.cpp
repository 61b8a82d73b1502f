#include "media_path.hpp"

#include <cctype>

namespace sg::streaming {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "1080p", "360p" (2-4 digits, no leading zero) or "audio".
bool is_rendition(std::string_view s) {
  if (s == "audio") return true;
  if (s.size() < 3 || s.size() > 5 || s.back() != 'p' || s.front() == '0') return false;
  return all_digits(s.substr(0, s.size() - 1));
}

// "seg-00001.m4s": at least five digits (the transcoder pads to five, longer sets grow).
bool is_segment_name(std::string_view s) {
  constexpr std::string_view prefix = "seg-", suffix = ".m4s";
  if (s.size() < prefix.size() + 5 + suffix.size() || s.size() > prefix.size() + 9 + suffix.size())
    return false;
  if (s.substr(0, prefix.size()) != prefix || s.substr(s.size() - suffix.size()) != suffix)
    return false;
  return all_digits(s.substr(prefix.size(), s.size() - prefix.size() - suffix.size()));
}

}  // namespace

std::optional<MediaFile> parse_media_path(std::string_view path) {
  if (path == "master.m3u8") return MediaFile{std::string(path), FileKind::master_playlist};
  if (path == "manifest.mpd") return MediaFile{std::string(path), FileKind::mpd};
  if (path == "poster.jpg") return MediaFile{std::string(path), FileKind::poster};
  if (path == "storyboard.jpg") return MediaFile{std::string(path), FileKind::storyboard_image};
  if (path == "storyboard.vtt") return MediaFile{std::string(path), FileKind::storyboard_vtt};
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view rendition = path.substr(0, slash);
  std::string_view name = path.substr(slash + 1);
  if (!is_rendition(rendition)) return std::nullopt;
  bool audio = rendition == "audio";
  if (name == "index.m3u8") return MediaFile{std::string(path), FileKind::media_playlist, audio};
  if (name == "init.mp4") return MediaFile{std::string(path), FileKind::init_segment, audio};
  if (is_segment_name(name)) return MediaFile{std::string(path), FileKind::media_segment, audio};
  return std::nullopt;
}

std::optional<std::string> normalise_content_id(std::string_view id) {
  if (id.size() != 36) return std::nullopt;
  std::string out(id);
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_rewritten(FileKind kind) {
  return kind == FileKind::master_playlist || kind == FileKind::mpd ||
         kind == FileKind::media_playlist || kind == FileKind::storyboard_vtt;
}

const char* content_type(const MediaFile& file) {
  switch (file.kind) {
    case FileKind::master_playlist:
    case FileKind::media_playlist:
      return "application/vnd.apple.mpegurl";
    case FileKind::mpd:
      return "application/dash+xml";
    case FileKind::init_segment:
    case FileKind::media_segment:
      return file.audio ? "audio/mp4" : "video/mp4";
    case FileKind::poster:
    case FileKind::storyboard_image:
      return "image/jpeg";
    case FileKind::storyboard_vtt:
      return "text/vtt";
  }
  return "application/octet-stream";
}

}  // namespace sg::streaming
