// Hex encoding and decoding for 0x-prefixed Ethereum values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg::web3 {

using Bytes = std::vector<uint8_t>;

// Lower-case hex with a "0x" prefix.
std::string to_hex(std::span<const uint8_t> data, bool prefix = true);
// Decodes hex with an optional "0x"/"0X" prefix; nullopt on odd length or a non-hex digit.
std::optional<Bytes> from_hex(std::string_view text);
// Value of one hex digit, or -1.
int hex_digit(char c) noexcept;

inline std::span<const uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace sg::web3
