// /api/v1/jobs: read, list, retry and cancel (no enqueue over REST).
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::worker {

void add_routes(Context& ctx, http::Router& router);

}  // namespace sg::worker
