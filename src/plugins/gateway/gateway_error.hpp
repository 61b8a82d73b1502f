// An answer the gateway makes itself instead of calling a handler (the request policy's
// "no"): a status, a JSON {"error":{"code","message"}} body and the headers some need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "exchange.hpp"

namespace sg::gateway {

struct GatewayError {
  GatewayError() = default;
  GatewayError(int s, std::string_view c, std::string m, bool close)
      : status(s), code(c), message(std::move(m)), close_after(close) {}

  int status = 500;
  std::string_view code;  // static text
  std::string message;
  bool close_after = false;       // the connection cannot be reused (unread body, bad framing)
  std::string allow;              // 405: the Allow header
  std::uint64_t retry_after = 0;  // 429: Retry-After seconds (0 = no header)
};

// Makes `err` the answer of `ex` (unless a handler answered first); sends nothing.
void prepare_error(Exchange& ex, const GatewayError& err);

// A request that announced a body (Content-Length > 0 or chunked).
bool has_body(const Exchange& ex);

}  // namespace sg::gateway
