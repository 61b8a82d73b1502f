// Start order from provides/requires: providers before dependants (optional dependencies
// order too when present), with clear errors for duplicate providers, missing or too-old
// services and cycles.
#pragma once

#include <vector>

#include "plugin_loader.hpp"
#include "result.hpp"

namespace sgk {

// Returns indices into `plugins` in start order (ties broken by id for determinism).
Result<std::vector<size_t>> start_order(const std::vector<PluginInfo>& plugins);

}  // namespace sgk
