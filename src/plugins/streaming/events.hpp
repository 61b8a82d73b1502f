// The streaming plugin's bus subscriptions: content changes drop the cached entry at once
// (content.updated, content.deleted; a deleted content's view stats are deleted too);
// transcode.progress feeds the 409 of a content still processing. Dropping the subscriptions
// unsubscribes.
#pragma once

#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::streaming {

struct Subscriptions {
  Subscription content_changed;
  Subscription progress;
};
Subscriptions subscribe_events(Context& ctx);

}  // namespace sg::streaming
