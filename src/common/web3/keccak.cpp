#include "web3/keccak.hpp"

#include <nettle/sha3.h>

#include <cstring>

namespace sg::web3 {

static_assert(sizeof(sha3_state) == 25 * sizeof(uint64_t), "nettle sha3_state layout");

Keccak256::Keccak256() noexcept {
  std::memset(state_, 0, sizeof(state_));
}

// Lanes are little-endian 64-bit words: byte i of the block lands in lane i/8, bits 8*(i%8).
static inline void xor_byte(uint64_t* state, size_t index, uint8_t value) noexcept {
  state[index / 8] ^= static_cast<uint64_t>(value) << (8 * (index % 8));
}

static inline void permute(uint64_t* state) noexcept {
  sha3_state s;
  std::memcpy(s.a, state, sizeof(s.a));
  sha3_permute(&s);
  std::memcpy(state, s.a, sizeof(s.a));
}

void Keccak256::update(std::span<const uint8_t> data) noexcept {
  for (uint8_t b : data) {
    xor_byte(state_, pos_, b);
    if (++pos_ == kRate) {
      permute(state_);
      pos_ = 0;
    }
  }
}

Hash256 Keccak256::finish() noexcept {
  xor_byte(state_, pos_, 0x01);
  xor_byte(state_, kRate - 1, 0x80);
  permute(state_);
  Hash256 out;
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(state_[i / 8] >> (8 * (i % 8)));
  std::memset(state_, 0, sizeof(state_));
  pos_ = 0;
  return out;
}

Hash256 keccak256(std::span<const uint8_t> data) noexcept {
  Keccak256 k;
  k.update(data);
  return k.finish();
}

}  // namespace sg::web3
