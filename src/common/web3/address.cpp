#include "web3/address.hpp"

#include "web3/hex.hpp"
#include "web3/keccak.hpp"

namespace sg::web3 {

std::string to_checksum(const Address& a) {
  std::string lower = to_hex(a, false);
  Hash256 h = keccak256(lower);
  std::string out = "0x";
  for (size_t i = 0; i < lower.size(); ++i) {
    char c = lower[i];
    uint8_t nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
    if (c >= 'a' && c <= 'f' && nibble >= 8) c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  return out;
}

std::optional<Address> parse_address(std::string_view text) {
  if (text.size() != 42 || text[0] != '0' || text[1] != 'x') return std::nullopt;
  auto bytes = from_hex(text);
  if (!bytes || bytes->size() != 20) return std::nullopt;
  Address a;
  std::copy(bytes->begin(), bytes->end(), a.begin());
  bool has_lower = false, has_upper = false;
  for (char c : text.substr(2)) {
    if (c >= 'a' && c <= 'f') has_lower = true;
    if (c >= 'A' && c <= 'F') has_upper = true;
  }
  if (has_lower && has_upper && to_checksum(a) != text) return std::nullopt;
  return a;
}

std::optional<Address> parse_checksummed(std::string_view text) {
  auto a = parse_address(text);
  if (!a || to_checksum(*a) != text) return std::nullopt;
  return a;
}

}  // namespace sg::web3
