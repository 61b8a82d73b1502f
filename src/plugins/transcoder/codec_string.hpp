// RFC 6381 codec strings (HLS CODECS, DASH @codecs) from what the encoder really produced.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sg::transcoder {

// "avc1.PPCCLL" from H.264 extradata, either an avcC record or Annex B (start codes + SPS).
std::optional<std::string> avc_codec_string(std::span<const uint8_t> extradata);
// "mp4a.40.N" from an AAC AudioSpecificConfig (N = audio object type; 2 = AAC-LC).
std::optional<std::string> aac_codec_string(std::span<const uint8_t> extradata);

}  // namespace sg::transcoder
