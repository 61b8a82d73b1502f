// X-Request-Id: accept a sane incoming id, otherwise generate a unique one cheaply.
#pragma once

#include <cstddef>
#include <string_view>

namespace sg::gateway {

constexpr std::size_t kRequestIdMax = 128;

// True for 1..128 characters of [A-Za-z0-9._-].
bool request_id_valid(std::string_view id);

// Writes a new id (no NUL) into `out` (at least 33 bytes) and returns its length. Unique
// per process run: a random per-process prefix, a per-thread prefix and a counter.
std::size_t generate_request_id(char* out);

}  // namespace sg::gateway
