// GET /api/v1/events: the caller's content events as Server-Sent Events (see event_feed.hpp).
#pragma once

#include <streamgate/services/http.hpp>

#include "event_feed.hpp"

namespace sg::monitor {

void add_event_routes(EventFeed& feed, std::size_t max_streams, http::Router& router);

}  // namespace sg::monitor
