// The sg_host_api table handed to each plugin: every function of plugin.h, implemented on
// the Kernel. Each entry point catches everything so no exception crosses the C ABI.
#pragma once

#include <string_view>

#include <streamgate/plugin.h>

namespace sgk {

// The table for one plugin; `host` must outlive every call (it lives in its PluginRecord).
sg_host_api make_host_api(sg_host* host);

// Copies text into an sg_owned_str released with free(); false when out of memory.
bool make_owned_str(std::string_view text, sg_owned_str* out) noexcept;
// Fills an sg_error (NULL-safe), truncating to SG_ERROR_MESSAGE_MAX - 1 bytes.
void fill_error(sg_error* err, sg_status status, std::string_view message) noexcept;

}  // namespace sgk
