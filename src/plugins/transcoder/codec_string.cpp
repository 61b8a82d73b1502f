#include "codec_string.hpp"

#include <array>
#include <cstdio>

namespace sg::transcoder {
namespace {

std::string avc1(uint8_t profile, uint8_t constraints, uint8_t level) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "avc1.%02X%02X%02X", profile, constraints, level);
  return buf.data();
}

}  // namespace

std::optional<std::string> avc_codec_string(std::span<const uint8_t> x) {
  if (x.size() >= 4 && x[0] == 1) return avc1(x[1], x[2], x[3]);  // avcC: version 1
  // Annex B: find the SPS NAL (type 7) after a start code; its first bytes are
  // profile_idc, constraint flags, level_idc.
  for (size_t i = 0; i + 3 < x.size(); ++i) {
    if (x[i] == 0 && x[i + 1] == 0 && x[i + 2] == 1) {
      size_t nal = i + 3;
      if (nal + 3 < x.size() && (x[nal] & 0x1F) == 7)
        return avc1(x[nal + 1], x[nal + 2], x[nal + 3]);
    }
  }
  return std::nullopt;
}

std::optional<std::string> aac_codec_string(std::span<const uint8_t> x) {
  if (x.empty()) return std::nullopt;
  int object_type = x[0] >> 3;
  if (object_type == 31) {  // escape: 6 more bits
    if (x.size() < 2) return std::nullopt;
    object_type = 32 + (((x[0] & 0x07) << 3) | (x[1] >> 5));
  }
  if (object_type == 0) return std::nullopt;
  return "mp4a.40." + std::to_string(object_type);
}

}  // namespace sg::transcoder
