#include "tus_headers.hpp"

#include <openssl/rand.h>

#include <ctime>
#include <stdexcept>

#include "base64.hpp"
#include "utf8.hpp"

namespace sg::upload {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<uint64_t> parse_size_header(std::string_view name, std::string_view value) {
  std::string_view v = trim(value);
  auto bad = [&](std::string why) {
    return fail(400, "invalid_header", std::string(name) + ": " + why);
  };
  if (v.empty()) return bad("must be a non-negative integer");
  if (v.size() > 19) return bad("value too large");
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return bad("must be a non-negative integer");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > kMaxSizeValue) return bad("value too large");
  return n;
}

Result<Metadata> parse_metadata(std::string_view value) {
  Metadata out;
  if (trim(value).empty()) return out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string_view pair = trim(
        value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    if (pair.empty()) return fail(400, "invalid_metadata", "Upload-Metadata: empty pair");
    size_t space = pair.find(' ');
    std::string_view key = pair.substr(0, space);
    std::string_view encoded =
        space == std::string_view::npos ? std::string_view() : trim(pair.substr(space + 1));
    if (key.empty() || key.size() > 128)
      return fail(400, "invalid_metadata", "Upload-Metadata: invalid key");
    for (char c : key) {
      if (c <= 0x20 || c >= 0x7f)
        return fail(400, "invalid_metadata", "Upload-Metadata: invalid character in key");
    }
    if (encoded.find(' ') != std::string_view::npos)
      return fail(400, "invalid_metadata",
                  "Upload-Metadata: unexpected space in value of '" + std::string(key) + "'");
    auto decoded = base64_decode(encoded);
    if (!decoded)
      return fail(400, "invalid_metadata",
                  "Upload-Metadata: value of '" + std::string(key) + "' is not valid base64");
    // Values become JSON (the upload record, the content record): ill-formed UTF-8 is
    // replaced with U+FFFD rather than refused, so a file name cut mid-character by some
    // client-side limit still uploads.
    if (!out.emplace(std::string(key), repair_utf8(*decoded)).second)
      return fail(400, "invalid_metadata",
                  "Upload-Metadata: duplicate key '" + std::string(key) + "'");
    if (out.size() > 64) return fail(400, "invalid_metadata", "Upload-Metadata: too many keys");
  }
  return out;
}

Result<ChecksumSpec> parse_checksum(std::string_view value) {
  std::string_view v = trim(value);
  size_t space = v.find(' ');
  if (space == std::string_view::npos)
    return fail(400, "invalid_checksum", "Upload-Checksum: expected '<algorithm> <base64 digest>'");
  std::string_view name = v.substr(0, space);
  auto alg = digest_from_name(name);
  if (!alg)
    return fail(400, "unsupported_checksum_algorithm",
                "Upload-Checksum: unsupported algorithm (supported: sha1, sha256, md5)");
  auto digest = base64_decode(trim(v.substr(space + 1)));
  if (!digest || digest->size() != digest_size(*alg))
    return fail(400, "invalid_checksum",
                "Upload-Checksum: digest is not a valid base64 " + std::string(name) + " value");
  return ChecksumSpec{*alg, std::move(*digest)};
}

Result<ConcatSpec> parse_concat(std::string_view value) {
  std::string_view v = trim(value);
  ConcatSpec spec;
  if (v == "partial") {
    spec.partial = true;
    return spec;
  }
  if (v.substr(0, 6) != "final;")
    return fail(400, "invalid_concat", "Upload-Concat: expected 'partial' or 'final;<urls>'");
  spec.final_upload = true;
  std::string_view rest = trim(v.substr(6));
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    std::string_view url = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(space + 1));
    // Accept absolute URLs and paths; the id is the last path segment.
    size_t q = url.find_first_of("?#");
    if (q != std::string_view::npos) url = url.substr(0, q);
    while (!url.empty() && url.back() == '/') url.remove_suffix(1);
    std::string_view id =
        url.substr(url.rfind('/') == std::string_view::npos ? 0 : url.rfind('/') + 1);
    if (!valid_upload_id(id))
      return fail(400, "invalid_concat",
                  "Upload-Concat: '" + std::string(utf8_prefix(repair_utf8(url), 200)) +
                      "' is not an upload URL of this server");
    // Each part once: listing one part many times would multiply its bytes past every limit.
    for (const auto& seen : spec.parts) {
      if (seen == id)
        return fail(400, "duplicate_concat_part",
                    "Upload-Concat: partial upload " + seen + " is listed more than once");
    }
    spec.parts.emplace_back(id);
    if (spec.parts.size() > 1000)
      return fail(400, "invalid_concat", "Upload-Concat: too many parts");
  }
  if (spec.parts.empty()) return fail(400, "invalid_concat", "Upload-Concat: final without parts");
  return spec;
}

bool valid_upload_id(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string new_upload_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed");
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string hex = to_hex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string http_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace sg::upload
