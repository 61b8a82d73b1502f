#include "handler_call.hpp"

namespace sg::gateway {

bool call_route_handler(Exchange& ex, std::string_view client_remote) {
  const Route& route = *ex.route;
  route.active.fetch_add(1);
  if (route.removed.load()) {
    route.active.fetch_sub(1);
    return false;
  }
  ex.remote_copy.assign(client_remote);
  ex.remote = ex.remote_copy;
  ex.in_handler = true;
  ex.begin_handler_call();
  sg_http_handler_result r = SG_HTTP_ANSWERED;
  current_route = &route;
  try {
    r = route.handler(route.user, reinterpret_cast<sg_http_exchange*>(&ex));
  } catch (...) {
    r = SG_HTTP_ANSWERED;  // a C++ handler leaked an exception: answered 500 below
  }
  current_route = nullptr;
  ex.in_handler = false;
  route.active.fetch_sub(1);
  if (r != SG_HTTP_LATER && !ex.answered()) {
    ex.in_handler = true;
    ex.respond_error(500, "internal_error", "the handler returned without answering");
    ex.in_handler = false;
  }
  ex.user_unref();  // may answer 500 (posted) when the handler kept no reference
  return true;
}

}  // namespace sg::gateway
