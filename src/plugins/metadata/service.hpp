// Service "metadata" v1: the C table over the metadata plugin's Context.
#pragma once

#include <streamgate/services/metadata.h>

#include "context.hpp"

namespace sg::metadata {

// Fills the C service table whose self is `ctx`.
void fill_service_table(sg_metadata_service& t, Context* ctx);

}  // namespace sg::metadata
