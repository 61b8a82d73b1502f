// The bus topics the worker plugin listens to: content events for webhooks.
#pragma once

#include <vector>

#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::worker {

// Subscribes webhooks to the topics of webhook_topics() (none when webhooks are
// disabled). plugin.cpp keeps the subscriptions until stop().
std::vector<Subscription> subscribe_events(Context& ctx);

}  // namespace sg::worker
