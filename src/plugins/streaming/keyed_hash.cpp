#include "keyed_hash.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sg::streaming {
namespace {

constexpr uint64_t rotl(uint64_t x, int b) noexcept {
  return (x << b) | (x >> (64 - b));
}

uint64_t load_le(const uint8_t* p, size_t n) noexcept {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

void store_le(uint64_t v, uint8_t* out) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

struct State {
  uint64_t v0 = 0x736f6d6570736575ULL, v1 = 0x646f72616e646f6dULL, v2 = 0x6c7967656e657261ULL,
           v3 = 0x7465646279746573ULL;
  void round() noexcept {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  uint64_t fold() const noexcept { return v0 ^ v1 ^ v2 ^ v3; }
};

// The compression of the whole message and the first finalisation; `wide` selects the
// 128-bit variant (its different constants).
State absorb(const HashKey& key, std::string_view data, bool wide) noexcept {
  const uint64_t k0 = load_le(key.data(), 8), k1 = load_le(key.data() + 8, 8);
  State s;
  s.v3 ^= k1;
  s.v2 ^= k0;
  s.v1 ^= k1;
  s.v0 ^= k0;
  if (wide) s.v1 ^= 0xee;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  const size_t whole = n - n % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = load_le(p + i, 8);
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  uint64_t b = (static_cast<uint64_t>(n) << 56) | load_le(p + whole, n - whole);
  s.v3 ^= b;
  s.round();
  s.round();
  s.v0 ^= b;
  s.v2 ^= wide ? 0xee : 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s;
}

}  // namespace

uint64_t siphash64(const HashKey& key, std::string_view data) noexcept {
  return absorb(key, data, false).fold();
}

std::array<uint8_t, 16> siphash128(const HashKey& key, std::string_view data) noexcept {
  State s = absorb(key, data, true);
  std::array<uint8_t, 16> out{};
  store_le(s.fold(), out.data());
  s.v1 ^= 0xdd;
  for (int i = 0; i < 4; ++i) s.round();
  store_le(s.fold(), out.data() + 8);
  return out;
}

HashKey random_hash_key() {
  HashKey k{};
  size_t got = 0;
  while (got < k.size()) {
    ssize_t n = getrandom(k.data() + got, k.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  return k;
}

}  // namespace sg::streaming
