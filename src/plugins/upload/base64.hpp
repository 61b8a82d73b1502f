// Strict standard base64 (RFC 4648 §4), as used by tus Upload-Metadata and Upload-Checksum.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sg::upload {

// Decodes `in`; padding is optional but, when present, must be correct. Returns nullopt on
// any character outside the alphabet, misplaced padding or non-zero trailing bits.
std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

}  // namespace sg::upload
