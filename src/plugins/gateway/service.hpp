// The "http" v1 service vtable: thin noexcept C shims over RouteTable and Exchange.
#pragma once

#include <streamgate/services/http.h>

#include "context.hpp"

namespace sg::gateway {

// Fills `out` with function pointers whose `self` is `ctx`.
void make_http_service(Context& ctx, sg_http_service& out);

}  // namespace sg::gateway
