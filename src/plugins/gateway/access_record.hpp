// One finished (or abandoned) request to the observer: metrics and the access log.
#pragma once

#include <cstdint>
#include <string_view>

#include "context.hpp"
#include "exchange.hpp"

namespace sg::gateway {

// `aborted`: the client went away before the answer was complete (logged as 499).
void record_exchange(Context& ctx, const Exchange& ex, bool aborted, std::uint64_t bytes,
                     std::string_view client_remote);

}  // namespace sg::gateway
