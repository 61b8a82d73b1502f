// plugins.upload: limits, expiry, write buffering, Location base, transcode jobs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace sg::upload {

struct UploadConfig {
  bool require_auth = true;
  uint64_t max_size = 10ull << 30;     // Tus-Max-Size; 413 at creation past it
  uint64_t owner_quota = 50ull << 30;  // bytes per owner over all uploads; 0 = unlimited
  int64_t expiration_seconds = 24 * 3600;
  int64_t sweep_interval_seconds = 3600;
  uint64_t commit_interval = 64ull << 20;
  size_t buffer_bytes = 256u << 10;  // bytes gathered in memory before each disk write
  size_t buffer_count = 8;           // pump buffers per streaming request (the ring)
  size_t max_writers = 0;            // pool threads body writes may hold; 0 = half the pool
  std::string public_base;           // prefix of Location ("" = relative "/files/<id>")
  bool enqueue_transcode = true;
};

// Parses plugins.upload; throws sg::Error(SG_ERR_INVALID) naming the bad key.
UploadConfig parse_config(const nlohmann::json& j);

}  // namespace sg::upload
