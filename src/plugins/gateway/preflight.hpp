// CORS preflight (OPTIONS with Origin and Access-Control-Request-Method), answered by the
// gateway before routes, rate limits and identities.
#pragma once

#include <optional>

#include "cors.hpp"
#include "exchange.hpp"
#include "gateway_error.hpp"

namespace sg::gateway {

bool is_preflight(const Cors& cors, const Exchange& ex);

// Makes the preflight's answer: 204 with the allowed methods, headers and max age, or a
// 403 error for an origin that is not allowed (then nothing is answered yet).
std::optional<GatewayError> answer_preflight(const Cors& cors, Exchange& ex);

}  // namespace sg::gateway
