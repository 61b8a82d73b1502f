// The worker plugin's REST routes: /api/v1/jobs (routes.cpp) and /api/v1/webhooks
// (webhook_routes.cpp, only when webhooks are enabled).
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::worker {

void add_routes(Context& ctx, http::Router& router);
void add_webhook_routes(Context& ctx, http::Router& router);

}  // namespace sg::worker
