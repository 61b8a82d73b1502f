// The transcoder plugin's bus subscriptions.
#pragma once

#include <streamgate/plugin.hpp>
#include <streamgate/services/jobs.hpp>

#include "context.hpp"

namespace sg::transcoder {

// - content.deleted: a running transcode of that content stops, and its media folder goes
//   (on the blocking pool).
// - job.finished with state "cancelled" for a transcode job: a content still `processing`
//   becomes `failed` ("the transcode was cancelled"), so a cancelled job, queued or running,
//   never leaves its content waiting for ever; retrying the job transcodes it again.
// Dropping the subscriptions unsubscribes.
struct Subscriptions {
  Subscription content_deleted;
  Subscription job_finished;
};
Subscriptions subscribe_events(Context& ctx, jobs::Client jobs);

}  // namespace sg::transcoder
