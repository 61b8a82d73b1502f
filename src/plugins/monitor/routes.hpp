// /health, /ready, /metrics and /api/v1/admin/plugins.
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::monitor {

void add_routes(Context& ctx, http::Router& router);

}  // namespace sg::monitor
