#include "mime.hpp"

#include <array>
#include <utility>

namespace sg::gateway {
namespace {

// Sorted by nothing: the table is small enough that a linear scan beats a hash lookup.
constexpr std::array<std::pair<std::string_view, std::string_view>, 34> kTypes{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"m4a", "audio/mp4"},
    {"m4s", "video/iso.segment"},
    {"cmfv", "video/mp4"},
    {"cmfa", "audio/mp4"},
    {"mpd", "application/dash+xml"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"ts", "video/mp2t"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"pdf", "application/pdf"},
}};

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view mime_for_path(std::string_view path) {
  std::size_t slash = path.find_last_of('/');
  std::size_t dot = path.find_last_of('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  std::string_view ext = path.substr(dot + 1);
  for (const auto& [e, type] : kTypes)
    if (iequal(ext, e)) return type;
  return "application/octet-stream";
}

}  // namespace sg::gateway
