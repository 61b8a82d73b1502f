// Service "jobs" v1: the C table over the worker's Context.
#pragma once

#include <streamgate/services/jobs.h>

#include "context.hpp"

namespace sg::worker {

// Fills the C service table whose self is `ctx`.
void fill_service_table(sg_jobs_service& t, Context* ctx);

}  // namespace sg::worker
