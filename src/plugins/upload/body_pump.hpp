// Moves a STREAM-mode request body to a sink on the blocking pool with bounded memory.
//
// Gateway threads only append incoming chunks to an in-memory buffer; once it holds
// `buffer_bytes` it is handed to the blocking pool, which runs `sink` (disk writes, fsync).
// While one buffer is being written the next fills; when both are full the pump stops
// asking the gateway for more (back-pressure), so memory per request is at most about
// 2 x buffer_bytes whatever the body size. `done` runs exactly once, on the blocking pool,
// after every accepted byte went through `sink`: OK at end of body, else the first sink
// failure or the transport failure (499 "client_disconnected", 413, 408, 400).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "result.hpp"

namespace sg::upload {

using PumpSink = std::function<Status(std::string_view)>;
using PumpDone = std::function<void(Status)>;

void pump_body(Host host, http::Exchange ex, size_t buffer_bytes, PumpSink sink, PumpDone done);

}  // namespace sg::upload
