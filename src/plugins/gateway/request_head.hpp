// The first step of every request: method, target, path, query and request id, read from
// the parsed header into the exchange.
#pragma once

#include <optional>

#include "exchange.hpp"
#include "gateway_error.hpp"

namespace sg::gateway {

// Fills ex.method/target/raw_path/query/path/content_length and the request id (kept
// when valid, else generated). An error for a request that cannot be routed at all
// (unknown method 501, target not an absolute path 400, bad percent-encoding 400).
std::optional<GatewayError> read_request_head(Exchange& ex);

}  // namespace sg::gateway
