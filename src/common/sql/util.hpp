// Small helpers shared by the data plugins: UUIDs, time, opaque cursors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg::sql {

// Random (version 4) UUID in canonical lowercase text form.
std::string uuid_v4();
// True for a canonical 8-4-4-4-12 hex UUID (any case).
bool is_uuid(std::string_view s);
// Milliseconds since the Unix epoch (wall clock).
int64_t now_ms();
// "2026-11-23T17:43:28.123Z"
std::string rfc3339(int64_t epoch_ms);

// URL-safe base64 without padding; decode returns nullopt on malformed input.
std::string base64url_encode(std::string_view in);
std::optional<std::string> base64url_decode(std::string_view in);

// The position of a row in a newest-first (created_at, id) listing, as an opaque cursor.
struct PageCursor {
  int64_t created_at = 0;
  std::string id;  // a UUID
};
std::string encode_cursor(const PageCursor& c);
// nullopt unless `text` is a cursor encode_cursor could have made.
std::optional<PageCursor> decode_cursor(std::string_view text);

// True for "0x" followed by exactly 40 hex digits.
bool is_address(std::string_view s);
// ASCII lowercase.
std::string lower(std::string_view s);

}  // namespace sg::sql
