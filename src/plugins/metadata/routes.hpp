// /api/v1/content: create, read, partial update, delete, list/search.
#pragma once

#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::metadata {

void add_routes(Context& ctx, http::Router& router);

}  // namespace sg::metadata
