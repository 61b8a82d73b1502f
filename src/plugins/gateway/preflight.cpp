#include "preflight.hpp"

namespace sg::gateway {

bool is_preflight(const Cors& cors, const Exchange& ex) {
  return cors.enabled() && ex.method == SG_HTTP_OPTIONS && ex.has_header("origin") &&
         ex.has_header("access-control-request-method");
}

std::optional<GatewayError> answer_preflight(const Cors& cors, Exchange& ex) {
  if (cors.allow_origin(ex.header("origin")).empty())
    return GatewayError{403, "cors_origin_denied", "origin not allowed", false};
  ex.in_handler = true;
  ex.respond(204, nullptr, 0, {}, nullptr);
  ex.in_handler = false;
  auto& res = ex.response;
  res.set(http::field::access_control_allow_methods, cors.config().allowed_methods);
  res.set(http::field::access_control_allow_headers, cors.config().allowed_headers);
  res.set(http::field::access_control_max_age, cors.max_age());
  return std::nullopt;
}

}  // namespace sg::gateway
