#include "utf8.hpp"

#include <cstdint>

namespace sg::upload {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence starting at s[i] (Unicode Table 3-7), or 0 when the
// bytes there are ill-formed; `bad` is then the length of the maximal subpart to replace.
size_t sequence_length(std::string_view s, size_t i, size_t& bad) noexcept {
  auto at = [&](size_t k) -> int {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1;
  };
  int b0 = at(0);
  bad = 1;
  if (b0 < 0x80) return 1;
  size_t need = 0;
  int lo = 0x80;
  int hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;  // continuation byte, C0/C1 or F5..FF: never a lead byte
  }
  for (size_t k = 1; k <= need; ++k) {
    int b = at(k);
    int min = k == 1 ? lo : 0x80;
    int max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      bad = k;
      return 0;
    }
  }
  return need + 1;
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = sequence_length(s, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = sequence_length(s, i, bad);
    if (n == 0) {
      out += kReplacement;
      i += bad;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view s, size_t max_chars) noexcept {
  size_t i = 0;
  for (size_t chars = 0; i < s.size(); ++chars) {
    if (chars == max_chars) break;
    ++i;  // past the lead byte, then past its continuation bytes
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

}  // namespace sg::upload
