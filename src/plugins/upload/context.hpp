// The upload plugin's shared state, handed by plugin.cpp to tus_routes.cpp,
// simple_routes.cpp and completion.cpp: the host, the config (plugins.upload), the services
// in use (metadata and jobs are optional), the store, the write buffers and the metrics.
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
#include "config.hpp"
#include "result.hpp"
#include "store.hpp"

namespace sg::upload {

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

// The headers every upload error answer carries: `e` plus Cache-Control: no-store, and for
// the tus routes also Tus-Resumable (and Tus-Version on 412). Throw the result from a
// handler, or answer it with ex.respond_error() from deferred work (pool, body callbacks).
http::HttpError upload_error(http::HttpError e);
http::HttpError tus_error(http::HttpError e);

int64_t now_seconds();

}  // namespace sg::upload
