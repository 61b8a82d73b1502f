// A 256-bit unsigned word (big-endian bytes) with just what ABI and EIP-712 need:
// parsing decimal / hex / JSON numbers, decimal printing, comparison, two's complement.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sg::web3 {

using Word = std::array<uint8_t, 32>;

Word word_from_u64(uint64_t v) noexcept;
// Decimal digits or 0x-hex; nullopt when empty, malformed or above 2^256-1.
std::optional<Word> parse_uint256(std::string_view text);
// Like parse_uint256 but also accepts a leading '-' (two's complement); nullopt when the value
// does not fit `bits` signed bits.
std::optional<Word> parse_int256(std::string_view text, unsigned bits = 256);
// Accepts a non-negative JSON integer or a string (decimal or 0x-hex).
std::optional<Word> uint256_from_json(const nlohmann::json& v);
std::optional<Word> int256_from_json(const nlohmann::json& v, unsigned bits);
std::string to_decimal(const Word& w);
int compare(const Word& a, const Word& b) noexcept;
bool fits_bits(const Word& w, unsigned bits) noexcept;  // value < 2^bits
Word negate(const Word& w) noexcept;                    // two's complement

}  // namespace sg::web3
