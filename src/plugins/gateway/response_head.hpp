// The gateway's part of every response header (Server, Date, X-Request-Id, CORS,
// Connection, Content-Length) and the serialisation of buffered answers.
#pragma once

#include <cstdint>
#include <string>

#include "cors.hpp"
#include "exchange.hpp"

namespace sg::gateway {

// Completes ex.response; returns the body bytes to send (0 for HEAD, 204, 304, 1xx).
std::uint64_t finish_response_head(const Cors& cors, Exchange& ex, bool keep_alive);

// Status line and fields into `out` (cleared first), ending with the empty line. Beast's
// generic serializer costs more CPU than the rest of a small request; the bytes are the same.
void serialize_header(const Response& res, std::string& out);

}  // namespace sg::gateway
