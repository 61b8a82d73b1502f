#include "gateway_error.hpp"

namespace sg::gateway {

void prepare_error(Exchange& ex, const GatewayError& err) {
  // Inside the "handler" window: the answer is picked up by the session, never posted.
  ex.in_handler = true;
  ex.respond_error(err.status, err.code, err.message);
  ex.in_handler = false;
  ex.close_after = ex.close_after || err.close_after;
  if (!err.allow.empty()) ex.response.set(http::field::allow, err.allow);
  if (err.retry_after != 0)
    ex.response.set(http::field::retry_after, std::to_string(err.retry_after));
}

bool has_body(const Exchange& ex) {
  return ex.parser.chunked() || ex.content_length > 0;
}

}  // namespace sg::gateway
