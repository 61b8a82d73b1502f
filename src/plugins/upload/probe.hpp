// Media probing with libavformat: decides from the bytes (never the extension or MIME
// type) whether an uploaded file is audio/video we can transcode. Blocking; run it on the
// blocking pool.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "result.hpp"

namespace sg::upload {

// On success a summary shaped like metadata's "source":
//   {"container", "codecs":[...], "duration", "width", "height", "has_video", "has_audio"}
// (plus "size" added by the caller). Failure 422 "not_media" with a human reason.
Result<nlohmann::json> probe_media(const std::filesystem::path& file);

}  // namespace sg::upload
