// Parsing and validation of tus 1.0.0 request headers. Pure functions, no I/O: every
// malformed value becomes a Failure with the HTTP status tus prescribes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hasher.hpp"
#include "result.hpp"

namespace sg::upload {

inline constexpr std::string_view kTusVersion = "1.0.0";
inline constexpr std::string_view kTusExtensions =
    "creation,creation-defer-length,creation-with-upload,expiration,checksum,termination,"
    "concatenation";
inline constexpr std::string_view kTusChecksumAlgorithms = "sha1,sha256,md5";
inline constexpr std::string_view kOffsetOctetStream = "application/offset+octet-stream";

// Largest accepted Upload-Length / Upload-Offset: 2^62 keeps every sum in int64 range.
inline constexpr uint64_t kMaxSizeValue = uint64_t{1} << 62;

// A non-negative decimal integer (digits only, no sign, no spaces inside).
Result<uint64_t> parse_size_header(std::string_view name, std::string_view value);

// Upload-Metadata: comma-separated "key" or "key base64value" pairs; keys unique.
using Metadata = std::map<std::string, std::string>;
Result<Metadata> parse_metadata(std::string_view value);

// Upload-Checksum: "<algorithm> <base64 digest>". Unknown algorithm -> 400.
struct ChecksumSpec {
  DigestAlgorithm algorithm;
  std::string digest;  // raw bytes
};
Result<ChecksumSpec> parse_checksum(std::string_view value);

// Upload-Concat: "partial" or "final;<url> <url> ...". For final, the ids of the parts
// (last path segment of each URL, which must be an upload id).
struct ConcatSpec {
  bool partial = false;
  bool final_upload = false;
  std::vector<std::string> parts;
};
Result<ConcatSpec> parse_concat(std::string_view value);

// Server-generated ids are lowercase canonical UUIDs; anything else is never a file name.
bool valid_upload_id(std::string_view id);
std::string new_upload_id();

// RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(int64_t unix_seconds);

std::string_view trim(std::string_view s);

}  // namespace sg::upload
