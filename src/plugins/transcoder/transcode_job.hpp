// The `transcode` job: payload {content_id, path (relative to server.data_dir), sha256,
// size} from upload.so. Runs the pipeline into a temp folder while reporting progress,
// publishes the set with one rename, records the outcome in the catalogue and announces
// it (transcode.completed / transcode.failed). Idempotent: a re-run starts clean and ends
// with the same layout.
#pragma once

#include <streamgate/services/jobs.hpp>

#include "context.hpp"

namespace sg::transcoder {

void run_transcode_job(Context& ctx, const jobs::Job& job);

}  // namespace sg::transcoder
