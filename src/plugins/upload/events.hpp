// The upload plugin's bus subscriptions.
#pragma once

#include <streamgate/plugin.hpp>

#include "context.hpp"

namespace sg::upload {

// content.deleted: the upload's bytes are the content's source file, so when the content is
// deleted through the catalogue its upload goes too (on the blocking pool). Dropping the
// subscription unsubscribes.
Subscription subscribe_events(Context& ctx);

}  // namespace sg::upload
