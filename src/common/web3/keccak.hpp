// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06).
// The permutation is nettle's sha3_permute; only the sponge and padding live here.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "web3/hex.hpp"

namespace sg::web3 {

using Hash256 = std::array<uint8_t, 32>;

class Keccak256 {
 public:
  Keccak256() noexcept;
  void update(std::span<const uint8_t> data) noexcept;
  void update(std::string_view s) noexcept { update(as_bytes(s)); }
  Hash256 finish() noexcept;

 private:
  static constexpr size_t kRate = 136;  // 1600 - 2*256 bits, in bytes
  uint64_t state_[25];
  size_t pos_ = 0;  // bytes absorbed into the current block
};

Hash256 keccak256(std::span<const uint8_t> data) noexcept;
inline Hash256 keccak256(std::string_view s) noexcept {
  return keccak256(as_bytes(s));
}

}  // namespace sg::web3
