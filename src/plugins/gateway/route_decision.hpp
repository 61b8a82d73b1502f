// What happens to a request once its header passed preflight and rate limit: which route
// takes it (404, 405 + Allow, 414), whether its body is acceptable (413), who the client
// is (401/503), and then either the handler is called at once or a BUFFER body is read
// first.
#pragma once

#include <cstdint>

#include "context.hpp"
#include "exchange.hpp"
#include "gateway_error.hpp"

namespace sg::gateway {

struct RouteDecision {
  enum Next : std::uint8_t {
    kReply,        // answer `error` (no handler)
    kCallHandler,  // NONE/STREAM routes, or a BUFFER route without a body
    kReadBody,     // BUFFER route with a body: read it all, then call the handler
  };
  Next next = kReply;
  GatewayError error;
  std::uint64_t body_limit = 0;  // BUFFER/STREAM routes: the limit in force (0 = none)
};

// Sets ex.route, ex.params and ex.identity; reserves ex.body for kReadBody.
RouteDecision decide_route(Context& ctx, Exchange& ex);

// The 413 for a body over `limit` (says the number, so a client knows how far to shrink).
GatewayError body_too_large(std::uint64_t limit);

}  // namespace sg::gateway
