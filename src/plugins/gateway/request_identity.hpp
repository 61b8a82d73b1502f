// The request's identity: the session credential (Authorization Bearer, or the sg_session
// cookie) verified by the `auth` service into ex.identity.
#pragma once

#include <optional>

#include "context.hpp"
#include "exchange.hpp"
#include "gateway_error.hpp"

namespace sg::gateway {

// Anonymous without a credential, with a stale or malformed cookie, or without auth. A
// malformed or invalid Bearer token is 401 invalid_token; auth failing is 503.
std::optional<GatewayError> identify_request(Context& ctx, Exchange& ex);

}  // namespace sg::gateway
