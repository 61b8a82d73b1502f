#include "media_set.hpp"

#include <array>
#include <cstdio>

namespace sg::transcoder {

std::string segment_name(size_t number) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "seg-%05zu.m4s", number);
  return buf.data();
}

double Rendition::duration_seconds() const {
  if (segments.empty() || timescale == 0) return 0;
  const auto& last = segments.back();
  return static_cast<double>(last.start + last.duration) / timescale;
}

uint64_t Rendition::peak_bitrate() const {
  uint64_t peak = 0;
  for (const auto& s : segments) {
    if (s.duration <= 0 || timescale == 0) continue;
    double secs = static_cast<double>(s.duration) / timescale;
    peak = std::max(peak, static_cast<uint64_t>(static_cast<double>(s.bytes) * 8 / secs));
  }
  return peak;
}

uint64_t Rendition::average_bitrate() const {
  uint64_t bytes = 0;
  for (const auto& s : segments) bytes += s.bytes;
  double secs = duration_seconds();
  return secs > 0 ? static_cast<uint64_t>(static_cast<double>(bytes) * 8 / secs) : 0;
}

}  // namespace sg::transcoder
