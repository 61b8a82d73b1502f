// SipHash-2-4 (Aumasson and Bernstein): a keyed hash for short inputs. Anonymous viewers are
// counted by the keyed hash of (client IP, User-Agent) under a key that changes every UTC
// day, so the stored value can neither be reversed nor linked across days. Cheap (no
// allocation, a few hundred nanoseconds for an IP and a User-Agent), which matters on the
// segment path.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sg::streaming {

using HashKey = std::array<uint8_t, 16>;

// 64-bit SipHash-2-4 of `data` under `key`.
uint64_t siphash64(const HashKey& key, std::string_view data) noexcept;
// 128-bit SipHash-2-4 (the variant with 16 bytes of output).
std::array<uint8_t, 16> siphash128(const HashKey& key, std::string_view data) noexcept;

// A key from the system's random source (getrandom).
HashKey random_hash_key();

}  // namespace sg::streaming
