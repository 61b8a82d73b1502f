// Content-Type by file extension (the types a video server serves, plus the web basics).
#pragma once

#include <string_view>

namespace sg::gateway {

// Returns a static string; "application/octet-stream" for unknown extensions.
std::string_view mime_for_path(std::string_view path);

}  // namespace sg::gateway
