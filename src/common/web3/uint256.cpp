#include "web3/uint256.hpp"

#include "web3/hex.hpp"

namespace sg::web3 {

Word word_from_u64(uint64_t v) noexcept {
  Word w{};
  for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<uint8_t>(v >> (8 * i));
  return w;
}

// w = w * m + add; false on overflow past 256 bits.
static bool mul_add(Word& w, unsigned m, unsigned add) noexcept {
  unsigned carry = add;
  for (int i = 31; i >= 0; --i) {
    unsigned v = w[static_cast<size_t>(i)] * m + carry;
    w[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    carry = v >> 8;
  }
  return carry == 0;
}

std::optional<Word> parse_uint256(std::string_view text) {
  Word w{};
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    for (char c : text) {
      int d = hex_digit(c);
      if (d < 0 || !mul_add(w, 16, static_cast<unsigned>(d))) return std::nullopt;
    }
    return w;
  }
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9' || !mul_add(w, 10, static_cast<unsigned>(c - '0'))) return std::nullopt;
  }
  return w;
}

Word negate(const Word& w) noexcept {
  Word out{};
  unsigned carry = 1;
  for (int i = 31; i >= 0; --i) {
    unsigned v = static_cast<uint8_t>(~w[static_cast<size_t>(i)]) + carry;
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    carry = v >> 8;
  }
  return out;
}

bool fits_bits(const Word& w, unsigned bits) noexcept {
  if (bits >= 256) return true;
  for (unsigned bit = bits; bit < 256; ++bit) {
    size_t byte = 31 - bit / 8;
    if (w[byte] & (1u << (bit % 8))) return false;
  }
  return true;
}

std::optional<Word> parse_int256(std::string_view text, unsigned bits) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  auto mag = parse_uint256(text);
  if (!mag) return std::nullopt;
  // |negative| may reach 2^(bits-1); positive must stay below it.
  Word limit{};
  limit[31 - (bits - 1) / 8] = static_cast<uint8_t>(1u << ((bits - 1) % 8));
  int c = compare(*mag, limit);
  if (negative ? c > 0 : c >= 0) return std::nullopt;
  return negative ? negate(*mag) : *mag;
}

std::optional<Word> uint256_from_json(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return word_from_u64(v.get<uint64_t>());
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0) return std::nullopt;
    return word_from_u64(static_cast<uint64_t>(i));
  }
  if (v.is_string()) return parse_uint256(v.get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<Word> int256_from_json(const nlohmann::json& v, unsigned bits) {
  if (v.is_number_integer() || v.is_number_unsigned()) return parse_int256(v.dump(), bits);
  if (v.is_string()) return parse_int256(v.get_ref<const std::string&>(), bits);
  return std::nullopt;
}

std::string to_decimal(const Word& w) {
  Word n = w;
  std::string digits;
  bool zero = false;
  while (!zero) {
    unsigned rem = 0;
    zero = true;
    for (auto& b : n) {
      unsigned cur = rem << 8 | b;
      b = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
      if (b != 0) zero = false;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  return std::string(digits.rbegin(), digits.rend());
}

int compare(const Word& a, const Word& b) noexcept {
  for (size_t i = 0; i < 32; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

}  // namespace sg::web3
