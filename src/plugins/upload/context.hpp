// What every upload route needs, shared by plugin.cpp, tus_routes.cpp, simple_routes.cpp
// and completion.cpp: the host, the services in use (metadata and jobs are optional), the
// store and the limits from plugins.upload.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/jobs.hpp>
#include <streamgate/services/metadata.hpp>

#include "body_pump.hpp"
#include "result.hpp"
#include "store.hpp"

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

struct Context {
  Host host;
  UploadConfig config;
  std::unique_ptr<Store> store;
  const sg_http_service* http = nullptr;  // 1.1 or newer (body_read_into)
  std::shared_ptr<PumpBuffers> pump_buffers;
  std::shared_ptr<WriterSlots> writer_slots;  // caps the pool threads body writes hold
  metadata::Client metadata;                  // empty: no content records
  jobs::Client jobs;                          // empty: no transcode jobs
  std::mutex create_mu;                       // quota check + create are atomic
  Metric bytes_received;
  Metric uploads_created;
  Metric uploads_completed;
  Metric uploads_failed;
};

// Owner string for a request: the verified address, or "" when anonymous.
std::string owner_of(const sg_http_identity& id);
bool same_owner(std::string_view a, std::string_view b);

// Answers a Failure as {"error":{"code","message"[,"limit"]}}, no-store (+ Tus-Resumable if tus).
void respond_failure(const http::Exchange& ex, const Failure& f, bool tus);

int64_t now_seconds();

}  // namespace sg::upload
