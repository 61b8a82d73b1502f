#include "media_set.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sg::transcoder {

std::string segment_name(size_t number) {
  // Same digits as DASH's $Number%05d$: at least five, more when the number needs them.
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
  (void)ec;  // 24 chars always hold a size_t
  std::string name = "seg-";
  const auto len = static_cast<size_t>(end - digits);
  if (len < 5) name.append(5 - len, '0');
  name.append(digits, end);
  name += ".m4s";
  return name;
}

namespace {

// Bits per second over `ticks` of the rendition's timescale, rounded up: a BANDWIDTH that
// is a fraction too low breaks HLS's "MUST NOT exceed" rule, one bit too high breaks nothing.
// In double: exact for every realistic input (integers below 2^53, and IEEE division is
// exact when the quotient is), and immune to the bytes*8*timescale overflow of uint64.
uint64_t bits_per_second(uint64_t bytes, int64_t ticks, uint32_t timescale) {
  if (ticks <= 0 || timescale == 0) return 0;
  const double bps = static_cast<double>(bytes) * 8.0 * static_cast<double>(timescale) /
                     static_cast<double>(ticks);
  return static_cast<uint64_t>(std::ceil(bps));
}

}  // namespace

double Rendition::duration_seconds() const {
  if (timescale == 0) return 0;
  int64_t ticks = 0;
  for (const auto& s : segments) ticks += s.duration;
  return static_cast<double>(ticks) / timescale;
}

uint64_t Rendition::peak_bitrate() const {
  uint64_t peak = 0;
  for (const auto& s : segments)
    peak = std::max(peak, bits_per_second(s.bytes, s.duration, timescale));
  return peak;
}

uint64_t Rendition::average_bitrate() const {
  uint64_t bytes = 0;
  int64_t ticks = 0;
  for (const auto& s : segments) {
    bytes += s.bytes;
    ticks += s.duration;
  }
  return bits_per_second(bytes, ticks, timescale);
}

}  // namespace sg::transcoder
