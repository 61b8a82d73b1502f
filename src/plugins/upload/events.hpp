// The upload plugin's bus subscriptions.
#pragma once

#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::upload {

// The upload's bytes are the content's source file. They go (on the blocking pool) when:
// - content.deleted: the content is deleted through the catalogue;
// - transcode.completed with "keep_source": false: the renditions replaced the source.
// Dropping the subscriptions unsubscribes.
struct Subscriptions {
  Subscription content_deleted;
  Subscription transcode_completed;
};
Subscriptions subscribe_events(Context& ctx);

}  // namespace sg::upload
