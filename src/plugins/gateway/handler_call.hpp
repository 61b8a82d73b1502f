// Calling a route's handler on the network thread, across the C ABI.
#pragma once

#include <string_view>

#include "exchange.hpp"

namespace sg::gateway {

// Calls ex.route's handler with `ex` (the borrowed reference of the call). A handler that
// returns without answering and without keeping the exchange gets the gateway's 500.
// False when the route was removed meanwhile (nothing called: the caller answers 404).
bool call_route_handler(Exchange& ex, std::string_view client_remote);

}  // namespace sg::gateway
