// Moves a STREAM-mode request body to a sink on the blocking pool with bounded memory.
//
// The gateway reads the body straight into a ring of fixed buffers (http 1.1
// body_read_into: no copy on the network thread); each full buffer is queued for the
// blocking pool, which runs `sink` on the buffers in body order (disk writes, fsync) while
// the gateway fills the next one. When every buffer of the ring is full or being written,
// the pump stops asking the gateway for more (back-pressure), so memory per request is at
// most per_request x buffer size whatever the body size. `done` runs exactly once, on the
// blocking pool, after every accepted byte went through `sink`: OK at end of body, else the
// first sink failure or the transport failure (499 "client_disconnected", 413, 408, 400).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "result.hpp"
#include "writer_slots.hpp"

namespace sg::upload {

using PumpSink = std::function<Status(std::string_view)>;
using PumpDone = std::function<void(Status)>;

// Pump buffers of one size, shared by all requests. A finished request leaves its buffers
// here (at most `keep` are kept) so the next one reuses memory that is already mapped
// instead of page-faulting a fresh ring on every PATCH. Thread-safe.
class PumpBuffers {
 public:
  PumpBuffers(size_t size, size_t per_request, size_t keep)
      : size_(size), per_request_(per_request < 2 ? 2 : per_request), keep_(keep) {}
  size_t size() const noexcept { return size_; }
  size_t per_request() const noexcept { return per_request_; }
  std::unique_ptr<char[]> take();
  void give(std::unique_ptr<char[]> buffer);

 private:
  size_t size_;
  size_t per_request_;
  size_t keep_;
  std::mutex mu_;
  std::vector<std::unique_ptr<char[]>> free_;
};

// Writes run through `slots` (at most its max_active writers on the pool at once; a writer
// yields after a ring's worth of buffers when others wait).
void pump_body(std::shared_ptr<WriterSlots> slots, http::Exchange ex,
               std::shared_ptr<PumpBuffers> buffers, PumpSink sink, PumpDone done);

}  // namespace sg::upload
