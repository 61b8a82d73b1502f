// Status changes driven by upload.completed and transcode.* events.
#pragma once

#include <vector>

#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::metadata {

// Subscribes to upload.completed and transcode.*; dropping the subscriptions unsubscribes.
std::vector<Subscription> subscribe_events(Context& ctx);

}  // namespace sg::metadata
